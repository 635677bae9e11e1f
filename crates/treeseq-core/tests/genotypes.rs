//! The variant decoder and the genotype matrix against tskit 1.0.3's answers
//! (test/fixtures/genotypes, made by scripts/make_genotype_fixture.py): every option case's
//! variants, its matrix (at 1 thread and several), and the options tskit refuses.

mod common;

use serde_json::Value;
use treeseq_core::{genotype_matrix, ErrorCode, VariantOptions, Variants};

const FILES: [&str; 4] = ["small", "gaps_isolated", "multiallelic", "ancient_gaps"];

fn fixture(name: &str) -> Value {
    common::gzip_json(&common::fixtures_dir().join(format!("genotypes/{name}.json.gz")))
}

/// The fixture's camelCase options as the core's (tskit's snake_case) JSON.
fn options(case: &Value) -> VariantOptions {
    let mut o = serde_json::Map::new();
    for (k, v) in case.as_object().unwrap() {
        let key = if k == "isolatedAsMissing" {
            "isolated_as_missing".to_string()
        } else {
            k.clone()
        };
        o.insert(key, v.clone());
    }
    VariantOptions::from_json("variants", &Value::Object(o), Default::default()).unwrap()
}

fn ints(v: &Value) -> Vec<i32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap() as i32)
        .collect()
}

#[test]
fn variants_with_options_match_tskit() {
    for name in FILES {
        let ts = common::load(name);
        let fx = fixture(name);
        for case in fx["cases"].as_array().unwrap() {
            let o = options(&case["options"]);
            let at = format!("{name}, {}", case["options"]);
            let expected = case["variants"].as_array().unwrap();
            let mut n = 0;
            for (v, e) in Variants::with_options(&ts, &o).unwrap().zip(expected) {
                assert_eq!(v.site as i64, e["site"].as_i64().unwrap(), "{at}: site");
                let alleles: Vec<Option<String>> = e["alleles"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().map(str::to_string))
                    .collect();
                assert_eq!(v.alleles, alleles, "{at}, site {}: alleles", v.site);
                assert_eq!(
                    v.genotypes,
                    ints(&e["genotypes"]),
                    "{at}, site {}: genotypes",
                    v.site
                );
                n += 1;
            }
            assert_eq!(n, expected.len(), "{at}: number of sites");

            let matrix = &case["matrix"];
            let shape: Vec<usize> = ints(&matrix["shape"]).iter().map(|&x| x as usize).collect();
            for threads in [1, 3] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                let (data, rows, cols) = pool.install(|| genotype_matrix(&ts, &o)).unwrap();
                assert_eq!(
                    vec![rows, cols],
                    shape,
                    "{at}: matrix shape ({threads} threads)"
                );
                assert_eq!(
                    data,
                    ints(&matrix["data"]),
                    "{at}: matrix ({threads} threads)"
                );
            }
        }
    }
}

/// One decoder moved between sites in any order (`decode`: backwards, by strides, the same
/// site twice) gives each site's genotypes as decoding them in order does: each site
/// starts from a clean buffer whatever the site before it wrote.
#[test]
fn decoding_sites_in_any_order_gives_the_same_genotypes() {
    for name in FILES {
        let ts = common::load(name);
        let fx = fixture(name);
        for case in fx["cases"].as_array().unwrap() {
            let o = options(&case["options"]);
            let at = format!("{name}, {}", case["options"]);
            let expected: Vec<(i32, Vec<i32>)> = case["variants"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| (e["site"].as_i64().unwrap() as i32, ints(&e["genotypes"])))
                .collect();
            let n = expected.len();
            let mut order: Vec<usize> = (0..n).rev().collect();
            for stride in [2, 3, 7] {
                for start in 0..stride {
                    order.extend((start..n).step_by(stride));
                }
            }
            order.extend((0..n).flat_map(|k| [k, k]));
            let mut v = Variants::with_options(&ts, &o).unwrap();
            for k in order {
                let (site, genotypes) = &expected[k];
                v.decode(*site).unwrap();
                assert_eq!(v.genotypes(), &genotypes[..], "{at}, site {site}");
            }
        }
    }
}

#[test]
fn options_tskit_refuses_are_bad_param() {
    for name in FILES {
        let ts = common::load(name);
        let fx = fixture(name);
        for case in fx["errors"].as_array().unwrap() {
            let o = options(&case["options"]);
            let err = Variants::with_options(&ts, &o).err().unwrap_or_else(|| {
                panic!(
                    "{name}: {} accepted; tskit: {}",
                    case["options"], case["error"]
                )
            });
            assert_eq!(
                err.code,
                ErrorCode::BadParam,
                "{name}: {}: {err}",
                case["options"]
            );
            assert!(genotype_matrix(&ts, &o).is_err());
        }
    }
}

#[test]
fn unknown_options_and_bad_values_are_named() {
    let bad = [
        (r#"{"sample": [0]}"#, "unknown option 'sample'"),
        (r#"{"samples": [0.5]}"#, "samples[0]"),
        (r#"{"left": "0"}"#, "left"),
        (r#"{"isolated_as_missing": 1}"#, "isolated_as_missing"),
        (r#"{"alleles": ["A", 1]}"#, "alleles[1]"),
    ];
    for (json, needle) in bad {
        let v: Value = serde_json::from_str(json).unwrap();
        let err = VariantOptions::from_json("variants", &v, Default::default()).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadParam);
        assert!(err.message.contains(needle), "{json}: {err}");
    }
}

#[test]
fn decode_outside_the_range_is_refused() {
    let ts = common::load("small");
    let o = VariantOptions {
        left: Some(5000.0),
        ..VariantOptions::default()
    };
    let mut v = Variants::with_options(&ts, &o).unwrap();
    let (start, stop) = v.site_range();
    assert!(start > 0 && stop == ts.num_sites());
    assert!(v.decode(start as i32 - 1).is_err());
    v.decode(start as i32).unwrap();
}
