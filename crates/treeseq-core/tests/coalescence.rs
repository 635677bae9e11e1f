//! The pair coalescence statistics against tskit 1.0.3 (`test/fixtures/coalescence`, written
//! by `scripts/make_coalescence_fixture.py`; `TREESEQ_FIXTURES`'s `coalescence/` when made by
//! `make_fixture.py --toolkit`): every case's values to relative 1e-9 and its refusals, and
//! the same bits on 1 and 3 threads.

mod common;

use common::*;
use serde_json::Value;
use treeseq_core::stats::compute;
use treeseq_core::TreeSequence;

/// Every recorded file: (its answers, the tree sequence they were recorded on).
fn recorded() -> Vec<(String, Value, TreeSequence)> {
    let dir = fresh_dir()
        .map(|d| d.join("coalescence"))
        .filter(|d| d.exists())
        .unwrap_or_else(|| fixtures_dir().join("coalescence"));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("test/fixtures/coalescence exists")
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.to_string_lossy().ends_with(".json.gz"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no answers in {}", dir.display());
    files
        .into_iter()
        .map(|p| {
            let want = gzip_json(&p);
            let path = fixture_path(want["file"].as_str().unwrap());
            let ts = TreeSequence::load_path(&path).unwrap();
            (p.display().to_string(), want, ts)
        })
        .collect()
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn pair_coalescence_statistics_match_tskit_at_any_thread_count() {
    let mut checked = 0;
    for (file, want, ts) in recorded() {
        for case in want["cases"].as_array().unwrap() {
            let method = case["method"].as_str().unwrap();
            let kwargs = &case["kwargs"];
            let what = format!("{file}: {method}({})", brief(kwargs));
            let one = in_pool(1, || compute(&ts, method, kwargs));
            if let Some(e) = case.get("error") {
                assert!(
                    one.is_err(),
                    "{what}: tskit refuses ({e}), treeseq gave {:?}",
                    one.map(|o| o.shape)
                );
                continue;
            }
            let one = one.unwrap_or_else(|e| panic!("{what}: {e}"));
            let values = same_shape(&one, case).unwrap_or_else(|e| panic!("{what}: {e}"));
            for (i, (&g, &w)) in one.data.iter().zip(&values).enumerate() {
                assert!(close(g, w), "{what}: [{i}] {g} vs tskit {w}");
            }
            let three = in_pool(3, || compute(&ts, method, kwargs)).unwrap();
            assert!(
                same_bits(&one.data, &three.data),
                "{what}: bits differ on 3 threads"
            );
            checked += 1;
        }
    }
    assert!(checked > 0);
}
