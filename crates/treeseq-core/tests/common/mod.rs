//! Shared by the integration tests: where the fixtures are, how to read them, and how values
//! are compared with tskit's (relative 1e-9, absolute 1e-12 near zero, NaN only equals NaN).
#![allow(dead_code, reason = "each test binary uses a part of it")]

use std::io::Read;
use std::path::PathBuf;

use serde_json::{json, Value};
use treeseq_core::stats::StatOutput;
use treeseq_core::TreeSequence;

/// `test/fixtures`: the fixtures tests name, and those the loops over every fixture read
/// unless `TREESEQ_FIXTURES` names another folder.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test/fixtures")
}

/// The folder `TREESEQ_FIXTURES` names (fixtures made by `scripts/make_fixture.py`), if set:
/// then the loops over every fixture read those instead, as the TypeScript tests do.
pub fn fresh_dir() -> Option<PathBuf> {
    std::env::var_os("TREESEQ_FIXTURES")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
}

/// Where the fixture file `rel` (a path below the fixtures folder) is: in the
/// `TREESEQ_FIXTURES` folder if it is there, else in `test/fixtures`.
pub fn fixture_path(rel: &str) -> PathBuf {
    fresh_dir()
        .map(|d| d.join(rel))
        .filter(|p| p.exists())
        .unwrap_or_else(|| fixtures_dir().join(rel))
}

fn fixture_file(name: &str, suffix: &str) -> PathBuf {
    fixture_path(&format!("{name}{suffix}"))
}

/// Every fixture with expected values, sorted: a new fixture needs no new test code.
pub fn fixture_names() -> Vec<String> {
    let dir = fresh_dir().unwrap_or_else(fixtures_dir);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("test/fixtures exists")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".expected.json.gz").map(str::to_string))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no fixtures in {}", dir.display());
    names
}

/// Whether branch-mode statistics are refused on this file, as tskit refuses them: its node
/// times are "uncalibrated" (tsinfer's files). The refusal is `compute`'s, before any engine:
/// it is checked here, and the tests that call a branch engine directly leave such files out.
pub fn branch_refused(ts: &TreeSequence) -> bool {
    if ts.tables.time_units != "uncalibrated" {
        return false;
    }
    let e = treeseq_core::stats::compute(ts, "diversity", &json!({"mode": "branch"}))
        .expect_err("branch mode on uncalibrated times must be refused");
    assert!(e.message.contains("uncalibrated"), "{e}");
    true
}

pub fn load(name: &str) -> TreeSequence {
    let bytes = std::fs::read(fixture_file(name, ".trees")).unwrap();
    TreeSequence::load(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

pub fn expected(name: &str) -> Value {
    gzip_json(&fixture_file(name, ".expected.json.gz"))
}

/// A gzipped JSON fixture (tskit's recorded answers), read whole.
pub fn gzip_json(path: &std::path::Path) -> Value {
    let gz = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A case's kwargs, with long arrays replaced by their length, for messages.
pub fn brief(kwargs: &Value) -> String {
    let mut k = kwargs.clone();
    if let Some(m) = k.as_object_mut() {
        for key in ["W", "sample_sets", "focal", "indexes"] {
            if let Some(v) = m.get_mut(key) {
                if v.as_array().is_some_and(|a| a.len() > 4) {
                    *v = json!(format!("<{} entries>", v.as_array().map_or(0, Vec::len)));
                }
            }
        }
        if let Some(w) = m.get_mut("windows") {
            if w.as_array().is_some_and(|a| a.len() > 6) {
                *w = json!("<many>");
            }
        }
    }
    k.to_string()
}

/// The fixtures' rule: relative 1e-9, or absolute `abs` near zero; NaN only equals NaN and an
/// infinity only itself.
pub fn close_abs(got: f64, want: f64, abs: f64) -> bool {
    if want.is_nan() || got.is_nan() {
        return want.is_nan() && got.is_nan();
    }
    if want.is_infinite() || got.is_infinite() {
        return want == got;
    }
    (got - want).abs() <= abs || (got - want).abs() <= 1e-9 * want.abs()
}

/// [`close_abs`] with the fixtures' absolute 1e-12.
pub fn close(got: f64, want: f64) -> bool {
    close_abs(got, want, 1e-12)
}

/// A stats case's shape, as tskit gave it.
pub fn case_shape(case: &Value) -> Vec<usize> {
    case["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect()
}

/// A stats case's values, as tskit gave them (null, for NaN, becomes NaN; "inf" and "-inf"
/// are the infinities).
pub fn case_values(case: &Value) -> Vec<f64> {
    case["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| match v.as_str() {
            Some("inf") => f64::INFINITY,
            Some("-inf") => f64::NEG_INFINITY,
            _ => v.as_f64().unwrap_or(f64::NAN),
        })
        .collect()
}

/// Checks `out` against the case's shape and number of values; Ok gives tskit's values.
pub fn same_shape(out: &StatOutput, case: &Value) -> Result<Vec<f64>, String> {
    let shape = case_shape(case);
    if out.shape != shape {
        return Err(format!("shape {:?}, tskit {:?}", out.shape, shape));
    }
    let values = case_values(case);
    if out.data.len() != values.len() {
        return Err(format!("{} values, tskit {}", out.data.len(), values.len()));
    }
    Ok(values)
}

/// Whether two results hold the same values, bit for bit (NaN payloads included).
pub fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}
