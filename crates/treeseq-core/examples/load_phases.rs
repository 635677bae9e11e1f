//! Times the phases of loading a `.trees` file: `load_phases FILE [THREADS]`.
//!
//! Reads the file into the aligned buffer, lays out the kastore items and maps them to tables,
//! validates them, checks the metadata schemas and derives samples and breakpoints, then times
//! the whole `TreeSequence::load_path`, each on a rayon pool of THREADS threads (default 2),
//! best of 7 after a warm-up. Run it in release mode:
//! `cargo run --release -p treeseq-core --example load_phases FILE 2`.

use std::time::Instant;

use treeseq_core::kastore::KastoreFile;
use treeseq_core::{format, validate, TreeSequence};

/// The best of 7 timed calls of `f` after one warm-up, in milliseconds.
fn best_ms<T>(mut f: impl FnMut() -> T) -> f64 {
    drop(f());
    (0..7)
        .map(|_| {
            let t = Instant::now();
            drop(f());
            t.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: load_phases FILE [THREADS]");
    let threads: usize = args
        .next()
        .map_or(2, |t| t.parse().expect("THREADS: a number"));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    let fail = |e: treeseq_core::TreeSeqError| -> ! { panic!("{path}: {e}") };
    pool.install(|| {
        let file = KastoreFile::read_file(path.as_ref()).unwrap_or_else(|e| fail(e));
        let tables = format::tables_from_kastore(&file).unwrap_or_else(|e| fail(e));
        let ts = TreeSequence::load_path(&path).unwrap_or_else(|e| fail(e));
        println!(
            "{path}: {} bytes, {} samples, {} nodes, {} edges, {} trees, {} sites, {} mutations; {threads} threads",
            file.buffer().len(),
            ts.num_samples(),
            ts.num_nodes(),
            ts.num_edges(),
            ts.num_trees(),
            ts.num_sites(),
            ts.num_mutations()
        );
        let rows = [
            ("read file", best_ms(|| KastoreFile::read_file(path.as_ref()).unwrap_or_else(|e| fail(e)))),
            ("tables from kastore", best_ms(|| format::tables_from_kastore(&file).unwrap_or_else(|e| fail(e)))),
            ("validate", best_ms(|| validate::validate(&tables).unwrap_or_else(|e| fail(e)))),
            ("metadata schemas", best_ms(|| format::check_metadata_schemas(&file).unwrap_or_else(|e| fail(e)))),
            ("from_tables (validate + derive)", best_ms(|| TreeSequence::from_tables(tables.clone()).unwrap_or_else(|e| fail(e)))),
            ("load_path (all)", best_ms(|| TreeSequence::load_path(&path).unwrap_or_else(|e| fail(e)))),
        ];
        for (what, ms) in rows {
            println!("{what:32} {ms:9.2} ms");
        }
    });
}
