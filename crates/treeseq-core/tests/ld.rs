//! `ld_matrix` against tskit: every case of every file in `test/fixtures/ld/` (made by
//! `scripts/make_ld_fixture.py`; `TREESEQ_FIXTURES`'s `ld/` when set), values to relative
//! 1e-9 and tskit's shapes, the same bits on 1, 2 and 3 threads, and tskit's refusals.

mod common;
use common::*;

use serde_json::{Map, Value};
use treeseq_core::stats::compute;
use treeseq_core::TreeSequence;

/// Every ld answer file: (its name, the answers).
fn ld_files() -> Vec<(String, Value)> {
    let dir = fresh_dir()
        .map(|d| d.join("ld"))
        .filter(|d| d.exists())
        .unwrap_or_else(|| fixtures_dir().join("ld"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("test/fixtures/ld exists")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json.gz"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no ld answers in {}", dir.display());
    names
        .into_iter()
        .map(|n| {
            let want = gzip_json(&dir.join(&n));
            (n, want)
        })
        .collect()
}

/// treeseq's camelCase options as tskit's keyword arguments.
fn kwargs(options: &Value) -> Value {
    let mut out = Map::new();
    for (k, v) in options.as_object().unwrap() {
        let key = if k == "sampleSets" { "sample_sets" } else { k };
        out.insert(key.to_string(), v.clone());
    }
    Value::Object(out)
}

fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn ld_matrix_matches_tskit_with_the_same_bits_on_any_threads() {
    let mut checked = 0;
    for (name, want) in ld_files() {
        let file = want["file"].as_str().unwrap();
        let ts = TreeSequence::load_path(fixture_path(file)).unwrap();
        for case in want["cases"].as_array().unwrap() {
            let kw = kwargs(&case["options"]);
            let where_ = format!("{name}: {}", brief(&kw));
            let out = on_threads(1, || compute(&ts, "ld_matrix", &kw))
                .unwrap_or_else(|e| panic!("{where_}: {e}"));
            let values = same_shape(&out, case).unwrap_or_else(|e| panic!("{where_}: {e}"));
            for (j, (&g, &w)) in out.data.iter().zip(&values).enumerate() {
                assert!(close(g, w), "{where_}: value {j}: {g} != tskit's {w}");
            }
            for threads in [2, 3] {
                let again = on_threads(threads, || compute(&ts, "ld_matrix", &kw)).unwrap();
                assert!(
                    same_bits(&out.data, &again.data),
                    "{where_}: bits differ on {threads} threads"
                );
            }
            checked += 1;
        }
        for case in want["errors"].as_array().unwrap() {
            let kw = kwargs(&case["options"]);
            assert!(
                compute(&ts, "ld_matrix", &kw).is_err(),
                "{name}: {} should be refused, as tskit: {}",
                brief(&kw),
                case["error"]
            );
        }
    }
    assert!(checked > 0);
}
