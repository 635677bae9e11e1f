//! The wire protocol of large arrays: a binding passes sample sets, windows and weights as
//! typed arrays beside the JSON keyword arguments, and the JSON holds `{"$i32": [offset,
//! length]}` or `{"$f64": [offset, length]}` where the array would be. Writing and reading
//! 300,000 ids as JSON text costs more than many statistics themselves.

use serde_json::Value;

use crate::bail;
use crate::error::Result;

/// Numeric arrays passed beside the JSON keyword arguments; a placeholder in the JSON names a
/// stretch of one of them (see the module's documentation).
#[derive(Clone, Copy, Debug, Default)]
pub struct Arrays<'a> {
    pub i32s: &'a [i32],
    pub f64s: &'a [f64],
}

/// A stretch of [`Arrays`] that a JSON placeholder stands for.
pub enum ArrayRef<'a> {
    I32(&'a [i32]),
    F64(&'a [f64]),
}

impl<'a> Arrays<'a> {
    /// What `v` stands for when it is a placeholder: Ok(None) when it is not one; an error
    /// when it is one that does not fit the arrays.
    pub fn resolve(&self, method: &str, v: &Value) -> Result<Option<ArrayRef<'a>>> {
        let Value::Object(m) = v else { return Ok(None) };
        if m.len() != 1 {
            return Ok(None);
        }
        let (key, range) = m.iter().next().expect("one entry");
        if key != "$i32" && key != "$f64" {
            return Ok(None);
        }
        let Some([off, len]) = range
            .as_array()
            .and_then(|r| <&[Value; 2]>::try_from(&r[..]).ok())
        else {
            bail!(
                BadParam,
                "{method}: a {key} placeholder must be [offset, length], got {range}"
            );
        };
        // Checked at full width: on wasm32 an offset of 2^32 + 1 must not read as 1.
        let off = crate::args::json_count(&format!("{method}: {key} placeholder offset"), off)?;
        let len = crate::args::json_count(&format!("{method}: {key} placeholder length"), len)?;
        let (off, len) = (
            usize::try_from(off).unwrap_or(usize::MAX),
            usize::try_from(len).unwrap_or(usize::MAX),
        );
        let (total, out) = if key == "$i32" {
            (
                self.i32s.len(),
                off.checked_add(len)
                    .and_then(|end| self.i32s.get(off..end))
                    .map(ArrayRef::I32),
            )
        } else {
            (
                self.f64s.len(),
                off.checked_add(len)
                    .and_then(|end| self.f64s.get(off..end))
                    .map(ArrayRef::F64),
            )
        };
        match out {
            Some(a) => Ok(Some(a)),
            None => bail!(
                BadParam,
                "{method}: {key} placeholder [{off}, {len}] is outside the {total} values passed"
            ),
        }
    }

    /// Whether `v` is a list: a JSON array or a placeholder.
    pub fn is_list(&self, v: &Value) -> bool {
        v.is_array()
            || matches!(v, Value::Object(m) if m.len() == 1 && (m.contains_key("$i32") || m.contains_key("$f64")))
    }
}
