//! `genetic_relatedness_vector` and `pca` against tskit 1.0.3's answers
//! (test/fixtures/pca/, made by scripts/make_pca_fixture.py), in the core, at 1 and 2 threads
//! (the same bits); and numpy's random stream, which `pca` reproduces to draw tskit's sketch.

mod common;

use serde_json::{Map, Value};
use treeseq_core::stats::{compute, pca, StatOutput};

/// A recorded call's options (treeseq's names) as tskit's keyword arguments.
fn kwargs(options: &Value) -> Value {
    let mut out = Map::new();
    for (k, v) in options.as_object().expect("options") {
        let key = match k.as_str() {
            "weights" => "W".to_string(),
            other => {
                let mut s = String::new();
                for c in other.chars() {
                    if c.is_ascii_uppercase() {
                        s.push('_');
                        s.push(c.to_ascii_lowercase());
                    } else {
                        s.push(c);
                    }
                }
                s
            }
        };
        out.insert(key, v.clone());
    }
    Value::Object(out)
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("numbers")
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect()
}

fn shape(v: &Value) -> Vec<usize> {
    v["shape"]
        .as_array()
        .expect("shape")
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// pca's packed result cut into tskit's four arrays (see `stats::pca`).
fn unpack(out: &StatOutput) -> [(Vec<f64>, Vec<usize>); 4] {
    let s = &out.shape;
    let (given, nw, dim, nc, nv) = (s[0] == 1, s[1], s[2], s[3], s[4]);
    let lead = if given { vec![nw] } else { vec![] };
    let with = |rest: &[usize]| [lead.clone(), rest.to_vec()].concat();
    let sizes = [nw * dim * nc, nw * nc, nw * dim * nv, nw];
    let shapes = [
        with(&[dim, nc]),
        with(&[nc]),
        with(&[dim, nv]),
        lead.clone(),
    ];
    let mut at = 0;
    let mut parts = Vec::new();
    for (n, sh) in sizes.into_iter().zip(shapes) {
        parts.push((out.data[at..at + n].to_vec(), sh));
        at += n;
    }
    parts.try_into().unwrap()
}

#[test]
fn relatedness_vector_and_pca_match_tskit() {
    let dir = common::fixtures_dir().join("pca");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".json.gz"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for path in files {
        let want = common::gzip_json(&path);
        let ts = common::load(want["file"].as_str().unwrap().trim_end_matches(".trees"));
        for c in want["calls"].as_array().unwrap() {
            let method = match c["method"].as_str().unwrap() {
                "geneticRelatednessVector" => "genetic_relatedness_vector",
                m => m,
            };
            let kw = kwargs(&c["options"]);
            let what = format!("{}: {method} {}", path.display(), common::brief(&kw));
            let one = in_pool(1, || compute(&ts, method, &kw));
            let two = in_pool(2, || compute(&ts, method, &kw));
            if c.get("error").is_some() {
                assert!(
                    one.is_err(),
                    "{what}: tskit refuses ({}), treeseq gave a value",
                    c["error"]
                );
                continue;
            }
            let one = one.unwrap_or_else(|e| panic!("{what}: {e}"));
            let two = two.unwrap();
            let bits = |o: &StatOutput| o.data.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&one), bits(&two), "{what}: 1 and 2 threads differ");
            assert_eq!(one.shape, two.shape);
            let r = &c["result"];
            if method == "pca" {
                let [factors, eigen, sketch, bound] = unpack(&one);
                assert_eq!(factors.1, shape(&r["factors"]), "{what}");
                assert_eq!(eigen.1, shape(&r["eigenvalues"]), "{what}");
                assert_eq!(sketch.1, shape(&r["rangeSketch"]), "{what}");
                assert_eq!(bound.1, shape(&r["errorBound"]), "{what}");
                let close = |a: f64, b: f64, scale: f64| (a - b).abs() <= 1e-6 * scale.max(1e-300);
                let ev = numbers(&r["eigenvalues"]["data"]);
                let top = ev.iter().fold(0.0f64, |m, x| m.max(x.abs()));
                for (a, b) in eigen.0.iter().zip(&ev) {
                    assert!(
                        close(*a, *b, b.abs().max(1e-9 * top)),
                        "{what}: eigenvalue {a} vs {b}"
                    );
                }
                let eb = numbers(&r["errorBound"]["data"]);
                for (a, b) in bound.0.iter().zip(&eb) {
                    assert!(
                        close(*a, *b, b.abs().max(1e-9 * top)),
                        "{what}: error bound {a} vs {b}"
                    );
                }
                // Factors up to the sign of each column (unit columns).
                let f = numbers(&r["factors"]["data"]);
                let nc = *factors.1.last().unwrap();
                let dim = factors.1[factors.1.len() - 2];
                for w in 0..factors.0.len() / (dim * nc) {
                    for j in 0..nc {
                        let col = |d: &[f64]| {
                            (0..dim)
                                .map(|i| d[w * dim * nc + i * nc + j])
                                .collect::<Vec<_>>()
                        };
                        let (a, b) = (col(&factors.0), col(&f));
                        let dot: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
                        let s = if dot < 0.0 { -1.0 } else { 1.0 };
                        for (x, y) in a.iter().zip(&b) {
                            assert!(
                                (s * x - y).abs() <= 1e-6,
                                "{what}: factor {x} vs {y} (window {w}, column {j})"
                            );
                        }
                    }
                }
            } else {
                assert_eq!(one.shape, shape(r), "{what}");
                let want = numbers(&r["data"]);
                let scale = want.iter().fold(0.0f64, |m, x| m.max(x.abs()));
                for (a, b) in one.data.iter().zip(&want) {
                    assert!(
                        (a - b).abs() <= 1e-9 * b.abs().max(1e-6 * scale),
                        "{what}: {a} vs {b}"
                    );
                }
            }
        }
    }
}

#[test]
fn numpy_stream_is_reproduced() {
    let text =
        std::fs::read_to_string(common::fixtures_dir().join("pca/numpy_random.json")).unwrap();
    let want: Value = serde_json::from_str(&text).unwrap();
    for s in want["seeds"].as_array().unwrap() {
        let seed = s["seed"].as_u64().unwrap();
        let mut g = pca::Pcg64::new(seed);
        for w in s["words"].as_array().unwrap() {
            let w = u64::from_str_radix(w.as_str().unwrap(), 16).unwrap();
            assert_eq!(g.next_u64(), w, "seed {seed}: PCG64 words");
        }
        let normals = numbers(&s["normals"]);
        let got = pca::normals(seed, normals.len());
        let mut exact = 0;
        for (a, b) in got.iter().zip(&normals) {
            assert!(
                (a - b).abs() <= 1e-14 * b.abs().max(1e-300),
                "seed {seed}: normal {a} vs {b}"
            );
            exact += usize::from(a == b);
        }
        // About half the draws are bit for bit numpy's (the tables differ from numpy's in
        // their last bits only, where x = integer × table entry rounds alike or not).
        assert!(
            exact * 3 > normals.len(),
            "seed {seed}: only {exact} of {} normals exact",
            normals.len()
        );
    }
}
