//! Loading, validating and writing `.trees` files, checked against tskit's own answers.
//!
//! Every fixture in `test/fixtures` is found by listing the directory: adding a fixture (a
//! `NAME.trees` with its `NAME.expected.json.gz`, or a `bad/*.trees` with its entry in
//! `bad/index.json`) needs no new test code.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;
use treeseq_core::{ErrorCode, TreeSequence};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test/fixtures")
}

/// The good fixtures: (name, file bytes, expected JSON).
fn good_fixtures() -> Vec<(String, Vec<u8>, Value)> {
    let dir = fixtures_dir();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("test/fixtures exists")
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.strip_suffix(".trees").map(str::to_owned))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no fixtures found in {}", dir.display());
    names
        .into_iter()
        .map(|name| {
            let bytes = std::fs::read(dir.join(format!("{name}.trees"))).unwrap();
            let gz = std::fs::read(dir.join(format!("{name}.expected.json.gz")))
                .unwrap_or_else(|_| panic!("{name}.trees has no {name}.expected.json.gz"));
            let mut text = String::new();
            flate2::read::GzDecoder::new(&gz[..]).read_to_string(&mut text).unwrap();
            let expected: Value = serde_json::from_str(&text).unwrap();
            (name, bytes, expected)
        })
        .collect()
}

fn as_usize(v: &Value) -> usize {
    v.as_u64().expect("a count") as usize
}

#[test]
fn summaries_match_tskit() {
    for (name, bytes, expected) in good_fixtures() {
        let ts = TreeSequence::load(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let s = &expected["summary"];
        let counts = [
            ("num_trees", ts.num_trees()),
            ("num_samples", ts.num_samples()),
            ("num_nodes", ts.num_nodes()),
            ("num_edges", ts.num_edges()),
            ("num_sites", ts.num_sites()),
            ("num_mutations", ts.num_mutations()),
            ("num_individuals", ts.num_individuals()),
            ("num_populations", ts.num_populations()),
            ("num_migrations", ts.num_migrations()),
            ("num_provenances", ts.num_provenances()),
        ];
        for (key, ours) in counts {
            assert_eq!(ours, as_usize(&s[key]), "{name}: {key}");
        }
        assert_eq!(ts.sequence_length(), s["sequence_length"].as_f64().unwrap(), "{name}: sequence_length");
        assert_eq!(ts.time_units(), s["time_units"].as_str().unwrap(), "{name}: time_units");
        let samples: Vec<i32> = s["samples"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap() as i32).collect();
        assert_eq!(ts.samples, samples, "{name}: samples");
        let breakpoints: Vec<f64> = s["breakpoints"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        assert_eq!(ts.breakpoints, breakpoints, "{name}: breakpoints");
    }
}

#[test]
fn columns_are_views_into_the_file() {
    for (name, bytes, _) in good_fixtures() {
        let ts = TreeSequence::load(&bytes).unwrap();
        let t = &ts.tables;
        assert!(t.nodes.time.is_view() && t.edges.left.is_view() && t.sites.position.is_view(), "{name}");
        assert!(t.mutations.derived_state.data.is_view() && t.edge_insertion_order.is_view(), "{name}");
    }
}

#[allow(dead_code)]
fn code_name(c: ErrorCode) -> &'static str {
    c.as_str()
}
