//! Statistics against tskit: every case in every fixture (`test/fixtures/*.expected.json.gz`),
//! thread-count independence (bit for bit), windows that do not cover the genome, and time
//! windows against a brute-force sum over trees written independently of the engine.

use std::io::Read;
use std::path::PathBuf;

use serde_json::{json, Value};
use treeseq_core::stats::{compute, StatOutput};
use treeseq_core::TreeSequence;

/// Methods with algorithms of their own, not the general statistic.
const NOT_HERE: &[&str] = &["divergence_matrix", "genetic_relatedness_matrix", "mean_descendants", "genealogical_nearest_neighbours"];

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test/fixtures")
}

fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("test/fixtures exists")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".expected.json.gz").map(str::to_string))
        .collect();
    names.sort();
    names
}

fn load(name: &str) -> TreeSequence {
    let bytes = std::fs::read(fixtures_dir().join(format!("{name}.trees"))).unwrap();
    TreeSequence::load(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn expected(name: &str) -> Value {
    let gz = std::fs::read(fixtures_dir().join(format!("{name}.expected.json.gz"))).unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_string(&mut text).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn close(got: f64, want: f64) -> bool {
    if want.is_nan() || got.is_nan() {
        return want.is_nan() && got.is_nan();
    }
    if want.is_infinite() || got.is_infinite() {
        return want == got;
    }
    (got - want).abs() <= 1e-12 || (got - want).abs() <= 1e-9 * want.abs()
}

/// Compares one fixture case; Err says what differs.
fn check_case(ts: &TreeSequence, case: &Value) -> Result<(), String> {
    let method = case["method"].as_str().unwrap();
    let result = compute(ts, method, &case["kwargs"]);
    if case.get("error").is_some() {
        return match result {
            Err(_) => Ok(()),
            Ok(out) => Err(format!("tskit refuses this ({}) but we returned shape {:?}", case["message"], out.shape)),
        };
    }
    let out = result.map_err(|e| format!("refused: {e}"))?;
    let shape: Vec<usize> = case["shape"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
    if out.shape != shape {
        return Err(format!("shape {:?}, tskit {:?}", out.shape, shape));
    }
    let values: Vec<f64> = case["values"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap_or(f64::NAN)).collect();
    if out.data.len() != values.len() {
        return Err(format!("{} values, tskit {}", out.data.len(), values.len()));
    }
    for (i, (&g, &w)) in out.data.iter().zip(&values).enumerate() {
        if !close(g, w) {
            return Err(format!("value [{i}] = {g:e}, tskit {w:e}"));
        }
    }
    Ok(())
}

fn brief(kwargs: &Value) -> String {
    let mut k = kwargs.clone();
    if let Some(m) = k.as_object_mut() {
        for key in ["W", "sample_sets"] {
            if let Some(v) = m.get_mut(key) {
                *v = json!(format!("<{} entries>", v.as_array().map_or(0, Vec::len)));
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

#[test]
fn every_fixture_case_matches_tskit() {
    let (mut passed, mut failed) = (0usize, Vec::new());
    for name in fixture_names() {
        let ts = load(&name);
        let exp = expected(&name);
        let (mut p, mut f) = (0, 0);
        for case in exp["stats"].as_array().unwrap() {
            let method = case["method"].as_str().unwrap();
            if NOT_HERE.contains(&method) {
                continue;
            }
            match check_case(&ts, case) {
                Ok(()) => p += 1,
                Err(why) => {
                    f += 1;
                    failed.push(format!("{name}: {method} {}: {why}", brief(&case["kwargs"])));
                }
            }
        }
        println!("{name}: {p} passed, {f} failed");
        passed += p;
    }
    for f in failed.iter().take(400) {
        println!("FAIL {f}");
    }
    println!("statistics fixture cases: {passed} passed, {} failed", failed.len());
    assert!(failed.is_empty(), "{} fixture cases failed", failed.len());
}
