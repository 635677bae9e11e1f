//! The reproductions of issue 14 that the core can be asked directly, each in its own process
//! (a size not checked before allocating aborts the process, and would take every other test
//! in this binary with it): statistics whose output cannot be allocated, and weights shapes
//! beyond 32 bits. Each must be refused with a typed error (OUTPUT_TOO_LARGE or BAD_PARAM),
//! never abort, panic or hang, and a normal statistic afterwards gives its usual answer.
//!
//! The file is `medium` (360 samples, 5,046 nodes), the size of the issue's.

mod fuzz_common;

use std::time::Duration;

use fuzz_common::*;
use serde_json::{json, Value};
use treeseq_core::stats::args::Arrays;
use treeseq_core::{ErrorCode, TreeSequence};

#[global_allocator]
static ALLOC: CappedAlloc = CappedAlloc;

fn medium() -> TreeSequence {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../test/fixtures/medium.trees");
    TreeSequence::load(&std::fs::read(path).expect("medium.trees")).expect("medium loads")
}

/// `k` disjoint sets of `size` samples, in sample order.
fn disjoint_sets(ts: &TreeSequence, k: usize, size: usize) -> Vec<Vec<i32>> {
    assert!(
        k * size <= ts.samples.len(),
        "{k} sets of {size} need more samples"
    );
    ts.samples
        .chunks(size)
        .take(k)
        .map(<[i32]>::to_vec)
        .collect()
}

/// Makes the call as a binding does (JSON text and side arrays) on its own thread with a time
/// limit, and expects a refusal with one of `codes`; then checks that the same tree sequence
/// still answers `diversity` as before.
fn expect_refusal(
    ts: TreeSequence,
    method: &str,
    kwargs: Value,
    f64s: Vec<f64>,
    codes: &[ErrorCode],
) -> String {
    // The default memory ceiling (what a user gets): no `apply_memory_cap` here.
    let ts = std::sync::Arc::new(ts);
    let before = treeseq_core::stats::compute(&ts, "diversity", &json!({})).expect("diversity");
    let (t, m) = (ts.clone(), method.to_string());
    let result = run_case(Duration::from_secs(60), move || {
        let arrays = Arrays {
            i32s: &[],
            f64s: &f64s,
        };
        treeseq_core::stats::compute_json(&t, &m, &kwargs.to_string(), arrays)
    });
    let err = match result {
        Err(bad) => panic!("{method}: {bad}"),
        Ok(Ok(out)) => panic!(
            "{method}: answered (shape {:?}) where a refusal was expected",
            out.shape
        ),
        Ok(Err(e)) => e,
    };
    assert!(
        codes.contains(&err.code),
        "{method}: refused with {} where {:?} was expected: {}",
        err.code.as_str(),
        codes.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        err.message
    );
    let after = treeseq_core::stats::compute(&ts, "diversity", &json!({})).expect("diversity");
    assert_eq!(before, after, "diversity changed after the refusal");
    err.message
}

const TOO_LARGE: &[ErrorCode] = &[ErrorCode::OutputTooLarge];
const TOO_LARGE_OR_PARAM: &[ErrorCode] = &[ErrorCode::OutputTooLarge, ErrorCode::BadParam];

/// Issue: 8 sets of 45 ask for 46⁸ cells (1.6e14 bytes): natively an abort
/// ("memory allocation of 160380897855488 bytes failed").
#[test]
fn afs_8_sets_of_45_is_refused() {
    in_own_process("afs_8_sets_of_45_is_refused", || {
        let ts = medium();
        let sets = disjoint_sets(&ts, 8, 45);
        for mode in ["site", "branch"] {
            let msg = expect_refusal(
                medium(),
                "allele_frequency_spectrum",
                json!({ "sample_sets": sets, "mode": mode, "span_normalise": false }),
                vec![],
                TOO_LARGE,
            );
            eprintln!("{mode}: {msg}");
        }
    });
}

/// Issue: 60 sets of 6 ask for 7⁶⁰ cells, past 2⁶⁴: "INTERNAL: capacity overflow".
#[test]
fn afs_60_sets_of_6_is_refused() {
    in_own_process("afs_60_sets_of_6_is_refused", || {
        let ts = medium();
        let sets = disjoint_sets(&ts, 60, 6);
        for mode in ["site", "branch"] {
            expect_refusal(
                medium(),
                "allele_frequency_spectrum",
                json!({ "sample_sets": sets, "mode": mode, "polarised": true }),
                vec![],
                TOO_LARGE,
            );
        }
    });
}

/// The same with time windows (branch mode): the time axis multiplies the size again.
#[test]
fn afs_many_sets_with_time_windows_is_refused() {
    in_own_process("afs_many_sets_with_time_windows_is_refused", || {
        let ts = medium();
        let sets = disjoint_sets(&ts, 30, 1);
        expect_refusal(
            medium(),
            "allele_frequency_spectrum",
            json!({ "sample_sets": sets, "mode": "branch", "time_windows": [0.0, 10.0, 100.0, 1e300] }),
            vec![],
            TOO_LARGE,
        );
    });
}

/// Weights with `[n, k]` as the bindings send them: the data through `$f64` and the shape in
/// the JSON. Every shape here names more values than were passed.
fn weights_call(ts: &TreeSequence, shape: Value) -> (Value, Vec<f64>) {
    let n = ts.samples.len();
    let data: Vec<f64> = (0..n).map(|i| (i % 7) as f64).collect();
    (
        json!({ "W": { "data": { "$f64": [0, n] }, "shape": shape }, "mode": "site" }),
        data,
    )
}

/// Issue: WASM took 2³² + 1 columns as 1. Natively too the size must be checked at full width.
#[test]
fn weights_columns_2_pow_32_plus_1_are_refused() {
    in_own_process("weights_columns_2_pow_32_plus_1_are_refused", || {
        let ts = medium();
        let (kw, data) = weights_call(&ts, json!([360u64, (1u64 << 32) + 1]));
        let msg = expect_refusal(ts, "trait_covariance", kw, data, TOO_LARGE_OR_PARAM);
        assert!(
            msg.contains("4294967297"),
            "the message names the shape: {msg}"
        );
    });
}

/// Issue: `[n + 2³², 1]` was taken as `[n, 1]` on WASM.
#[test]
fn weights_rows_n_plus_2_pow_32_are_refused() {
    in_own_process("weights_rows_n_plus_2_pow_32_are_refused", || {
        let ts = medium();
        let (kw, data) = weights_call(&ts, json!([360u64 + (1u64 << 32), 1]));
        let msg = expect_refusal(ts, "trait_covariance", kw, data, TOO_LARGE_OR_PARAM);
        assert!(
            msg.contains("4294967656"),
            "the message names the shape: {msg}"
        );
    });
}

/// Issue: for `[n, 2⁴⁰]` the message said `W.shape is [360, 0]`.
#[test]
fn weights_columns_2_pow_40_are_refused_by_their_size() {
    in_own_process("weights_columns_2_pow_40_are_refused_by_their_size", || {
        let ts = medium();
        let (kw, data) = weights_call(&ts, json!([360u64, 1u64 << 40]));
        let msg = expect_refusal(
            ts,
            "genetic_relatedness_weighted",
            kw,
            data,
            TOO_LARGE_OR_PARAM,
        );
        assert!(
            msg.contains("1099511627776"),
            "the message names the shape: {msg}"
        );
    });
}

/// Found by fuzz_stats: a shape whose product passes 2⁶⁴ panicked ("attempt to multiply with
/// overflow", args/weights.rs) in a build with overflow checks, and wraps in a release build.
#[test]
fn weights_shape_whose_product_overflows_is_refused() {
    in_own_process("weights_shape_whose_product_overflows_is_refused", || {
        let ts = medium();
        for shape in [
            json!([1u64 << 33, 1u64 << 33]),
            json!([u64::MAX, 2]),
            json!([360, u64::MAX]),
        ] {
            let (kw, data) = weights_call(&ts, shape);
            expect_refusal(medium(), "trait_correlation", kw, data, TOO_LARGE_OR_PARAM);
        }
    });
}

/// Node mode: windows × nodes × sets. A million windows on 5,046 nodes and 360 sets is 14.5
/// PB: refused before the windows' working memory is allocated.
#[test]
fn node_mode_windows_times_nodes_is_refused() {
    in_own_process("node_mode_windows_times_nodes_is_refused", || {
        let ts = medium();
        let l = ts.sequence_length();
        let k = 1_000_000usize;
        let breaks: Vec<f64> = (0..=k).map(|i| l * i as f64 / k as f64).collect();
        let sets: Vec<Vec<i32>> = ts.samples.iter().map(|&u| vec![u]).collect();
        expect_refusal(
            medium(),
            "diversity",
            json!({ "sample_sets": sets, "mode": "node", "windows": { "$f64": [0, breaks.len()] } }),
            breaks,
            TOO_LARGE,
        );
    });
}

/// Windows × time windows × nodes past 2⁶⁴ cells: an overflow, said as OUTPUT_TOO_LARGE, not
/// "capacity overflow".
#[test]
fn windows_times_time_windows_overflow_is_refused() {
    in_own_process("windows_times_time_windows_overflow_is_refused", || {
        let ts = medium();
        let l = ts.sequence_length();
        let k = 1_000_000usize;
        let mut f64s: Vec<f64> = (0..=k).map(|i| l * i as f64 / k as f64).collect();
        let t0 = f64s.len();
        f64s.extend((0..k).map(|i| i as f64));
        f64s.push(f64::INFINITY);
        let sets: Vec<Vec<i32>> = ts.samples.iter().map(|&u| vec![u]).collect();
        expect_refusal(
            medium(),
            "diversity",
            json!({
                "sample_sets": sets,
                "mode": "branch",
                "windows": { "$f64": [0, t0] },
                "time_windows": { "$f64": [t0, k + 1] },
            }),
            f64s,
            TOO_LARGE,
        );
    });
}

/// Matrix methods: windows × K × K (a million windows × 360² is 1 TB).
#[test]
fn divergence_matrix_windows_times_sets_squared_is_refused() {
    in_own_process(
        "divergence_matrix_windows_times_sets_squared_is_refused",
        || {
            let ts = medium();
            let l = ts.sequence_length();
            let k = 1_000_000usize;
            let breaks: Vec<f64> = (0..=k).map(|i| l * i as f64 / k as f64).collect();
            let sets: Vec<Vec<i32>> = ts.samples.iter().map(|&u| vec![u]).collect();
            expect_refusal(
                medium(),
                "divergence_matrix",
                json!({ "sample_sets": sets, "mode": "site", "windows": { "$f64": [0, breaks.len()] } }),
                breaks,
                TOO_LARGE,
            );
        },
    );
}
