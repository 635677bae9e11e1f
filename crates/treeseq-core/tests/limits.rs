//! Sizes checked before anything is allocated (issue 14): outputs and working memory beyond
//! the memory ceiling are refused with `OUTPUT_TOO_LARGE`, integers are read at full width
//! (never truncated to 32 bits), and after each refusal a normal statistic still gives
//! tskit's answer.
//!
//! The ceiling is process-wide, so every test here holds one lock and restores the default
//! when it ends (even when it fails).

mod common;

use std::sync::{Mutex, MutexGuard};

use serde_json::{json, Value};
use treeseq_core::memory::{default_max_memory, max_memory, set_max_memory, set_max_memory_f64};
use treeseq_core::stats::compute;
use treeseq_core::{ErrorCode, TreeSequence};

static CEILING: Mutex<()> = Mutex::new(());

/// Holds the lock on the ceiling; restores the default on drop.
struct Ceiling(#[allow(dead_code, reason = "held for its drop: the lock")] MutexGuard<'static, ()>);

impl Ceiling {
    fn take() -> Ceiling {
        let guard = CEILING.lock().unwrap_or_else(|e| e.into_inner());
        set_max_memory(0);
        Ceiling(guard)
    }
}

impl Drop for Ceiling {
    fn drop(&mut self) {
        set_max_memory(0);
    }
}

/// `medium`: 360 samples (nodes 0..359), 5,046 nodes, 6,719 trees, 8,696 sites.
fn medium() -> TreeSequence {
    common::load("medium")
}

/// Sets of `size` consecutive samples, `count` of them.
fn sets(count: usize, size: usize) -> Value {
    json!((0..count)
        .map(|j| ((j * size) as i32..((j + 1) * size) as i32).collect::<Vec<_>>())
        .collect::<Vec<_>>())
}

fn refused(ts: &TreeSequence, method: &str, kwargs: Value, code: ErrorCode) -> String {
    match compute(ts, method, &kwargs) {
        Ok(out) => panic!(
            "{method} {kwargs}: expected {code:?}, got shape {:?}",
            out.shape
        ),
        Err(e) => {
            assert_eq!(e.code, code, "{method}: {}", e.message);
            e.message
        }
    }
}

/// A normal statistic after a refusal: tskit's first diversity case on `medium`.
fn still_works(ts: &TreeSequence) {
    let expected = common::expected("medium");
    let case = expected["stats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["method"] == "diversity")
        .expect("a diversity case");
    let out = compute(ts, "diversity", &case["kwargs"]).unwrap();
    let want = common::same_shape(&out, case).unwrap();
    for (g, w) in out.data.iter().zip(&want) {
        assert!(common::close(*g, *w), "diversity {g} != tskit {w}");
    }
}

fn has(message: &str, parts: &[&str]) {
    for p in parts {
        assert!(message.contains(p), "{p:?} not in {message:?}");
    }
}

#[test]
fn spectrum_of_eight_sets_of_45_is_refused_not_aborted() {
    let _c = Ceiling::take();
    let ts = medium();
    for mode in ["site", "branch"] {
        let m = refused(
            &ts,
            "allele_frequency_spectrum",
            json!({"sample_sets": sets(8, 45), "mode": mode}),
            ErrorCode::OutputTooLarge,
        );
        // 46^8 cells of 8 bytes, said with the ceiling and how to raise it.
        has(
            &m,
            &[
                "allele_frequency_spectrum",
                "46 × 46",
                "160380897855488 bytes",
                "memory ceiling",
                "maxMemory",
            ],
        );
        // With time windows too (the engine's path in branch mode).
        if mode == "branch" {
            refused(
                &ts,
                "allele_frequency_spectrum",
                json!({"sample_sets": sets(8, 45), "mode": mode, "time_windows": [0, "inf"]}),
                ErrorCode::OutputTooLarge,
            );
        }
    }
    still_works(&ts);
}

#[test]
fn spectrum_of_sixty_sets_of_six_overflows_and_is_refused() {
    let _c = Ceiling::take();
    let ts = medium();
    for mode in ["site", "branch"] {
        let m = refused(
            &ts,
            "allele_frequency_spectrum",
            json!({"sample_sets": sets(60, 6), "mode": mode}),
            ErrorCode::OutputTooLarge,
        );
        has(&m, &["overflows 64 bits", "(60 axes)"]);
    }
    still_works(&ts);
}

#[test]
fn huge_weight_shapes_are_read_at_full_width() {
    let _c = Ceiling::take();
    let ts = medium();
    let n = 360u64;
    let data: Vec<f64> = (0..n).map(|i| i as f64).collect();
    // 2^32 + 1 columns is not 1 column; n + 2^32 rows is not n rows.
    for (shape, shown) in [
        (json!([n, (1u64 << 32) + 1]), "4294967297"),
        (json!([n + (1u64 << 32), 1]), "4294967656"),
        (json!([n, 1u64 << 40]), "1099511627776"),
    ] {
        let m = refused(
            &ts,
            "trait_covariance",
            json!({"W": {"data": data, "shape": shape}}),
            ErrorCode::BadParam,
        );
        has(&m, &[shown]);
    }
    // Not an integer, negative, beyond 2^53: BAD_PARAM naming the element.
    for (bad, named) in [
        (json!(1.5), "W.shape[1]"),
        (json!(-1), "W.shape[1]"),
        (json!(9007199254740993u64), "W.shape[1]"),
        (json!(1e300), "W.shape[1]"),
    ] {
        let m = refused(
            &ts,
            "trait_covariance",
            json!({"W": {"data": data, "shape": [n, bad]}}),
            ErrorCode::BadParam,
        );
        has(&m, &[named]);
    }
    // The same shape, right, still computes.
    let out = compute(
        &ts,
        "trait_covariance",
        &json!({"W": {"data": data, "shape": [n, 1]}}),
    )
    .unwrap();
    assert_eq!(out.shape, vec![1]);
    assert!(out.data[0].is_finite());
    still_works(&ts);
}

#[test]
fn indexes_and_ids_are_checked_at_full_width() {
    let _c = Ceiling::take();
    let ts = medium();
    let two = sets(2, 10);
    for (bad, named) in [
        (json!([0, 1.5]), "indexes[0][1]"),
        (json!([0, 9007199254740994u64]), "indexes[0][1]"),
    ] {
        let m = refused(
            &ts,
            "divergence",
            json!({"sample_sets": two, "indexes": bad}),
            ErrorCode::BadParam,
        );
        has(&m, &[named]);
    }
    // 2^32 + 1 as an index is out of bounds, not set 1.
    let m = refused(
        &ts,
        "divergence",
        json!({"sample_sets": two, "indexes": [0, 4294967297u64]}),
        ErrorCode::BadSampleSets,
    );
    has(&m, &["4294967297"]);
    // A sample id of 2^32 + 1 is not node 1.
    let m = refused(
        &ts,
        "diversity",
        json!({"sample_sets": [[0, 4294967297u64]]}),
        ErrorCode::BadSampleSets,
    );
    has(&m, &["4294967297", "out of bounds"]);
    let m = refused(
        &ts,
        "diversity",
        json!({"sample_sets": [[0, 2.5]]}),
        ErrorCode::BadSampleSets,
    );
    has(&m, &["sample_sets[0][1]", "2.5"]);
    // An array placeholder's offset beyond 2^32 is not offset 0.
    let m = refused(
        &ts,
        "diversity",
        json!({"sample_sets": {"$i32": [4294967296u64, 1]}}),
        ErrorCode::BadParam,
    );
    has(&m, &["outside"]);
    still_works(&ts);
}

#[test]
fn node_outputs_over_many_windows_are_refused_under_a_ceiling() {
    let _c = Ceiling::take();
    let ts = medium();
    set_max_memory(64 << 20);
    // 6,719 trees × 5,046 nodes × 1 set: 271 MB.
    let m = refused(
        &ts,
        "diversity",
        json!({"sample_sets": [[0, 1, 2, 3]], "mode": "node", "windows": "trees"}),
        ErrorCode::OutputTooLarge,
    );
    has(&m, &["diversity", "6719 × 5046", "64.0 MiB", "maxMemory"]);
    // trait_correlation in node mode, one window per site: 8,696 × 5,046 × 2 columns.
    let w: Vec<Vec<f64>> = (0..360).map(|i| vec![i as f64, (i % 7) as f64]).collect();
    let m = refused(
        &ts,
        "trait_correlation",
        json!({"W": w, "mode": "node", "windows": "sites"}),
        ErrorCode::OutputTooLarge,
    );
    has(&m, &["trait_correlation", "8696 × 5046 × 2"]);
    // The relatedness matrix of all 360 samples per tree: 6,719 × 360 × 360 values.
    let m = refused(
        &ts,
        "genetic_relatedness_matrix",
        json!({"windows": "trees", "mode": "branch"}),
        ErrorCode::OutputTooLarge,
    );
    has(
        &m,
        &["genetic_relatedness_matrix", "6719 windows × 360 × 360"],
    );
    // mean_descendants of 360 singleton sets: 5,046 nodes × 361 columns, several times over.
    set_max_memory(1 << 20);
    let m = refused(
        &ts,
        "mean_descendants",
        json!({"sample_sets": sets(360, 1)}),
        ErrorCode::OutputTooLarge,
    );
    has(&m, &["mean_descendants", "5046 nodes × 361 columns"]);
    set_max_memory(0);
    still_works(&ts);
}

#[test]
fn site_spectrum_of_one_large_set_counts_no_summaries_per_node() {
    let _c = Ceiling::take();
    let ts = medium();
    // One set of all 360 samples: 361 cells, summed per site into the chunks' partials. A
    // site walk keeps only the counts per node (5,046 nodes × 2 values a thread), not the
    // 361 cells: counted per node they were 14.6 MB a thread and refused under 4 MB (as the
    // spectrum of 100,000 samples was refused as 512 GiB on 300,000 samples).
    set_max_memory(4 << 20);
    let out = compute(
        &ts,
        "allele_frequency_spectrum",
        &json!({"sample_sets": sets(1, 360), "mode": "site"}),
    )
    .unwrap();
    assert_eq!(out.shape, vec![361]);
    assert!(out.data.iter().sum::<f64>() > 0.0);
    still_works(&ts);
}

#[test]
fn working_memory_is_checked_by_the_engine() {
    let _c = Ceiling::take();
    let ts = medium();
    // Node-mode diversity of one set: an output of 5,046 values (40 KB) fits; each thread's
    // per-node buffers do not.
    set_max_memory(48 << 10);
    let m = refused(
        &ts,
        "diversity",
        json!({"sample_sets": [[0, 1, 2, 3]], "mode": "node"}),
        ErrorCode::OutputTooLarge,
    );
    has(&m, &["per-thread buffers", "5046 nodes"]);
    // Many sets: their indicator weights are refused before they are made.
    set_max_memory(512 << 10);
    let m = refused(
        &ts,
        "diversity",
        json!({"sample_sets": sets(360, 1)}),
        ErrorCode::OutputTooLarge,
    );
    has(&m, &["indicator weights", "360 samples × 360 columns"]);
    // 60 sets: their weights (173 KB) fit under 200 KB, but not with their rows packed as
    // counts beside them (58 KB more), which are counted before they are made.
    set_max_memory(200 << 10);
    let m = refused(
        &ts,
        "diversity",
        json!({"sample_sets": sets(60, 6)}),
        ErrorCode::OutputTooLarge,
    );
    has(&m, &["packed as counts", "360 samples × 20 words"]);
    // Raising the ceiling lets the same call run.
    set_max_memory(0);
    let out = compute(
        &ts,
        "diversity",
        &json!({"sample_sets": [[0, 1, 2, 3]], "mode": "node"}),
    )
    .unwrap();
    assert_eq!(out.shape, vec![5046, 1]);
    still_works(&ts);
}

#[test]
fn the_ceiling_is_set_and_restored() {
    let _c = Ceiling::take();
    let d = default_max_memory();
    assert!(d >= 1 << 30, "default ceiling {d}");
    assert_eq!(max_memory(), d);
    assert_eq!(set_max_memory_f64(1e9).unwrap(), 1_000_000_000);
    assert_eq!(max_memory(), 1_000_000_000);
    for bad in [-1.0, 1.5, f64::NAN, f64::INFINITY, 1e300] {
        let e = set_max_memory_f64(bad).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadParam);
        assert!(e.message.contains("maxMemory"), "{}", e.message);
    }
    // A refused value leaves the ceiling as it was; 0 restores the default.
    assert_eq!(max_memory(), 1_000_000_000);
    assert_eq!(set_max_memory_f64(0.0).unwrap(), d);
}
