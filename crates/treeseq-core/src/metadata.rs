//! Metadata schemas: the checks tskit makes when it loads a file.
//!
//! What it is for: tskit 1.0.3's `tskit.load` parses the metadata schema of each of the seven
//! tables (nodes, edges, sites, mutations, migrations, individuals, populations) and refuses
//! the file when one is not UTF-8, not JSON, not a JSON object, names no known codec, breaks
//! tskit's meta-schema, or is a `struct` schema its codec cannot build (no `type`,
//! `properties` or `required`, a property without a `binaryFormat`, an optional property
//! without a `default`, ...). The top-level and reference-sequence schemas are parsed only
//! when asked for, so a bad one does not stop a load (verified by experiment; see
//! scripts/make_bad_fixtures.py). [`check_table_schema`] refuses what tskit refuses, with
//! `BAD_METADATA` naming the table.
//!
//! What it is not: decoding metadata, or a full JSON-Schema (draft-07) validator. The
//! meta-schema checks here are the ones a schema is likely to break (types of `type`,
//! `properties`, `required`, `codec`, struct formats); a schema that breaks only a rarer
//! draft-07 rule loads here where tskit refuses it (README: differences from tskit).

use serde_json::{Map, Value};

use crate::args::kind;
use crate::bail;
use crate::error::Result;

const CODECS: [&str; 3] = ["json", "json+struct", "struct"];
const JSON_TYPES: [&str; 7] = [
    "array", "boolean", "integer", "null", "number", "object", "string",
];

/// Checks a table's `metadata_schema` bytes as tskit does at load, returning them as text
/// (empty: no schema).
pub fn check_table_schema(table: &str, bytes: &[u8]) -> Result<String> {
    let fail = |why: String| -> Result<String> {
        bail!(
            BadMetadata,
            "{table}/metadata_schema: {why} (tskit refuses to load such a file)"
        )
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return fail("not UTF-8 text".into());
    };
    if text.is_empty() {
        return Ok(String::new());
    }
    let schema: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return fail(format!("not JSON ({e})")),
    };
    match check_schema(&schema) {
        Ok(()) => Ok(text.to_owned()),
        Err(why) => fail(why),
    }
}

type Check = std::result::Result<(), String>;

fn check_schema(schema: &Value) -> Check {
    let Some(obj) = schema.as_object() else {
        return Err(format!("must be a JSON object, not {}", kind(schema)));
    };
    let codec = match obj.get("codec") {
        None => return Err("'codec' is a required property".into()),
        Some(Value::String(c)) if CODECS.contains(&c.as_str()) => c.as_str(),
        Some(c) => {
            return Err(format!(
                "unrecognised metadata codec {c}; valid options are {CODECS:?}"
            ))
        }
    };
    // tskit's meta-schema: the top level describes an object (or an optional one).
    if let Some(t) = obj.get("type") {
        let ok = t == "object" || *t == serde_json::json!(["object", "null"]);
        if !ok {
            return Err(format!(
                "type {t} is not one of \"object\", [\"object\", \"null\"]"
            ));
        }
    }
    check_keywords(obj, "")?;
    match codec {
        "struct" => check_struct(obj, "", Level::Struct),
        "json+struct" => {
            let (Some(j), Some(s)) = (obj.get("json"), obj.get("struct")) else {
                return Err("json+struct requires 'json' and 'struct' schema mappings".into());
            };
            let (Some(j), Some(s)) = (j.as_object(), s.as_object()) else {
                return Err("json+struct's 'json' and 'struct' must be JSON objects".into());
            };
            check_keywords(j, "json.")?;
            check_keywords(s, "struct.")?;
            check_struct(s, "struct.", Level::JsonStruct)
        }
        _ => Ok(()),
    }
}

/// The draft-07 rules a schema is likely to break, recursively through `properties` and
/// `items`: `type` names JSON types, `properties` maps names to schemas, `required` lists
/// distinct strings. `at` is the path for messages.
fn check_keywords(obj: &Map<String, Value>, at: &str) -> Check {
    if let Some(t) = obj.get("type") {
        let names: Vec<&Value> = match t {
            Value::Array(a) => a.iter().collect(),
            _ => vec![t],
        };
        for n in names {
            if !n.as_str().is_some_and(|s| JSON_TYPES.contains(&s)) {
                return Err(format!("{at}type: {n} is not a JSON-Schema type"));
            }
        }
    }
    if let Some(r) = obj.get("required") {
        let Some(list) = r.as_array() else {
            return Err(format!("{at}required: {r} is not an array"));
        };
        for (i, name) in list.iter().enumerate() {
            if !name.is_string() {
                return Err(format!("{at}required[{i}]: {name} is not a string"));
            }
            if list[..i].contains(name) {
                return Err(format!("{at}required: {name} is listed twice"));
            }
        }
    }
    if let Some(p) = obj.get("properties") {
        let Some(props) = p.as_object() else {
            return Err(format!("{at}properties: {p} is not an object"));
        };
        for (name, sub) in props {
            match sub {
                Value::Bool(_) => {}
                Value::Object(o) => check_keywords(o, &format!("{at}properties.{name}."))?,
                other => {
                    return Err(format!(
                        "{at}properties.{name}: must be a schema (an object), not {}",
                        kind(other)
                    ))
                }
            }
        }
    }
    if let Some(Value::Object(items)) = obj.get("items") {
        check_keywords(items, &format!("{at}items."))?;
    }
    Ok(())
}

/// Where a struct object schema sits: tskit checks the top level of the `struct` codec (which
/// needs `required`) and the `struct` part of `json+struct` (where `required` may be left
/// out: every property is then required) more strictly than nested objects.
#[derive(Clone, Copy, PartialEq)]
enum Level {
    Struct,
    JsonStruct,
    Nested,
}

/// tskit's struct codec: an object with `type` (`"object"`, or `["object", "null"]` at the
/// top) and `properties`; at the top, `required` (for the struct codec) and a `default` for
/// every property not required; each scalar property with a `binaryFormat` that Python's
/// `struct` module knows; arrays with `items`; nested objects likewise. Each rule is tskit
/// 1.0.3's verdict (nested objects get `required` filled in by tskit's `modify_schema`, and
/// its optional-needs-default rule applies at the top level only).
fn check_struct(obj: &Map<String, Value>, at: &str, level: Level) -> Check {
    let mut keys = vec!["type", "properties"];
    if level == Level::Struct {
        keys.push("required");
    }
    for key in keys {
        if !obj.contains_key(key) {
            return Err(format!("{at}{key} is required by the struct codec"));
        }
    }
    let union = serde_json::json!(["object", "null"]);
    if obj["type"] != "object" && !(level != Level::Nested && obj["type"] == union) {
        return Err(format!("{at}type must be \"object\" for the struct codec"));
    }
    let required = match (level, obj.get("required")) {
        (Level::Nested, _) | (_, None) => None,
        (_, Some(r)) => Some(r.as_array().cloned().unwrap_or_default()),
    };
    let Some(props) = obj["properties"].as_object() else {
        return Ok(()); // check_keywords has refused it already
    };
    for (name, sub) in props {
        let here = format!("{at}properties.{name}");
        let Some(sub) = sub.as_object() else {
            return Err(format!("{here}: the struct codec needs a schema object"));
        };
        if let Some(required) = &required {
            if !required.iter().any(|r| r == name.as_str()) && !sub.contains_key("default") {
                return Err(format!(
                    "{here}: optional property '{name}' must have a default value"
                ));
            }
        }
        check_struct_value(sub, &here)?;
    }
    Ok(())
}

/// One value of a struct schema, by its `type`.
fn check_struct_value(sub: &Map<String, Value>, here: &str) -> Check {
    let Some(t) = sub.get("type").and_then(Value::as_str) else {
        return Err(format!("{here}: the struct codec needs a single type"));
    };
    match t {
        "object" => check_struct(sub, &format!("{here}."), Level::Nested),
        "array" => match sub.get("items").and_then(Value::as_object) {
            Some(items) => check_struct_value(items, &format!("{here}.items")),
            None => Err(format!("{here}: an array needs 'items' for the struct codec")),
        },
        "null" => Ok(()),
        _ => match sub.get("binaryFormat").and_then(Value::as_str) {
            Some(f) if is_struct_format(f) => Ok(()),
            Some(f) => Err(format!("{here}: binaryFormat '{f}' is not one Python's struct module knows (^([cbB?hHiIlLqQfd]|\\d*[spx])$)")),
            None => Err(format!("{here}: {t} type must have binaryFormat set")),
        },
    }
}

/// tskit's pattern for `binaryFormat`: `^([cbB\?hHiIlLqQfd]|\d*[spx])$`.
fn is_struct_format(f: &str) -> bool {
    let b = f.as_bytes();
    match b {
        [c] if b"cbB?hHiIlLqQfd".contains(c) => true,
        [digits @ .., last] if b"spx".contains(last) => digits.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(s: &str) -> bool {
        check_table_schema("nodes", s.as_bytes()).is_ok()
    }

    #[test]
    fn schemas_tskit_loads_and_refuses() {
        // Each verdict is tskit 1.0.3's (scripts/make_bad_fixtures.py records them).
        assert!(verdict(""));
        assert!(verdict(r#"{"codec":"json"}"#));
        assert!(verdict(
            r#"{"codec":"json","type":["object","null"],"foo":1}"#
        ));
        assert!(verdict(
            r#"{"codec":"struct","type":"object","properties":{"a":{"type":"integer","binaryFormat":"i"}},"required":["a"]}"#
        ));
        assert!(verdict(
            r#"{"codec":"struct","type":"object","properties":{},"required":[]}"#
        ));
        // A repeated member: the last one counts, as in Python's json.
        assert!(verdict(r#"{"codec":"xyz","codec":"json"}"#));
        assert!(!verdict("not json"));
        assert!(!verdict("  "));
        assert!(!verdict("[1,2]"));
        assert!(!verdict("true"));
        assert!(!verdict(r#"{"type":"object"}"#));
        assert!(!verdict(r#"{"codec":"xyz"}"#));
        assert!(!verdict(r#"{"codec":"json","type":"foo"}"#));
        assert!(!verdict(r#"{"codec":"json","required":"a"}"#));
        assert!(!verdict(
            r#"{"codec":"json","properties":{"a":{"type":"wrong"}}}"#
        ));
        assert!(!verdict(
            r#"{"codec":"struct","type":"object","properties":{"a":{"type":"integer","binaryFormat":"i"}}}"#
        ));
        assert!(!verdict(
            r#"{"codec":"struct","type":"object","properties":{"a":{"type":"integer"}},"required":["a"]}"#
        ));
        assert!(!verdict(
            r#"{"codec":"struct","type":"object","properties":{"a":{"type":"integer","binaryFormat":"Q9"}},"required":["a"]}"#
        ));
        assert!(!verdict(
            r#"{"codec":"struct","type":"object","properties":{"a":{"type":"integer","binaryFormat":"i"},"b":{"type":"number","binaryFormat":"d"}},"required":["a"]}"#
        ));
        assert!(!verdict(r#"{"codec":"json+struct"}"#));
        // SLiM's node schema: a top-level union with null.
        assert!(verdict(
            r#"{"codec":"struct","type":["object","null"],"properties":{"a":{"type":"integer","binaryFormat":"i"}},"required":["a"]}"#
        ));
        assert!(!verdict(
            r#"{"codec":"struct","type":["null","object"],"properties":{"a":{"type":"integer","binaryFormat":"i"}},"required":["a"]}"#
        ));
        // Nested objects need no `required`, nor defaults for what they leave out of it.
        assert!(verdict(
            r#"{"codec":"struct","type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"integer","binaryFormat":"i"}},"required":[]}},"required":["a"]}"#
        ));
        assert!(!verdict(
            r#"{"codec":"struct","type":"object","properties":{"a":{"type":"object"}},"required":["a"]}"#
        ));
        // json+struct: `required` may be left out of the struct part, not contradicted.
        assert!(verdict(
            r#"{"codec":"json+struct","json":{"type":"object"},"struct":{"type":"object","properties":{"v":{"type":"integer","binaryFormat":"B"}}}}"#
        ));
        assert!(!verdict(
            r#"{"codec":"json+struct","json":{"type":"object"},"struct":{"type":"object","properties":{"v":{"type":"integer","binaryFormat":"B"}},"required":[]}}"#
        ));
        let e = check_table_schema("edges", b"{\"codec\":\"json\"}\xff").unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::BadMetadata);
        assert!(
            e.message.starts_with("edges/metadata_schema: not UTF-8"),
            "{}",
            e.message
        );
    }
}
