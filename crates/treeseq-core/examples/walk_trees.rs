//! Times the tree and variant walks on a `.trees` file: `walk_trees FILE`.
//!
//! Loads the file, walks every tree forwards summing total branch lengths, walks them
//! backwards, then decodes every site's genotypes: into the reusable buffer, and as owned
//! `Variant`s. Prints the times and checksums (so that the work cannot be optimised away,
//! and runs can be compared).
//! Run it in release mode: `cargo run --release -p treeseq-core --example walk_trees FILE`.

use std::time::Instant;

use treeseq_core::{Tree, TreeSequence, Variants};

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: walk_trees FILE.trees");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));

    let start = Instant::now();
    let ts = TreeSequence::load(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
    let load_s = start.elapsed().as_secs_f64();
    println!(
        "{path}: {} samples, {} nodes, {} edges, {} trees, {} sites",
        ts.num_samples(),
        ts.num_nodes(),
        ts.num_edges(),
        ts.num_trees(),
        ts.num_sites()
    );
    println!("load                      {load_s:8.3} s");

    let start = Instant::now();
    let mut tree = Tree::new(&ts);
    let (mut num_trees, mut total) = (0usize, 0.0f64);
    while tree.next() {
        num_trees += 1;
        total += tree.total_branch_length();
    }
    println!(
        "trees forward             {:8.3} s  ({num_trees} trees, sum of total branch lengths {total:.17e})",
        start.elapsed().as_secs_f64()
    );
    assert_eq!(num_trees, ts.num_trees());

    let start = Instant::now();
    let (mut num_trees, mut total) = (0usize, 0.0f64);
    while tree.prev() {
        num_trees += 1;
        total += tree.total_branch_length();
    }
    println!(
        "trees backward            {:8.3} s  ({num_trees} trees, sum of total branch lengths {total:.17e})",
        start.elapsed().as_secs_f64()
    );

    let start = Instant::now();
    let mut variants = Variants::new(&ts);
    let (mut num_sites, mut checksum) = (0usize, 0i64);
    while variants.decode_next() {
        // Read one genotype per site, so the decoding cannot be skipped.
        let genotypes = variants.genotypes();
        checksum += genotypes[num_sites % genotypes.len()] as i64;
        num_sites += 1;
    }
    println!(
        "variants (buffer)         {:8.3} s  ({num_sites} sites, checksum {checksum})",
        start.elapsed().as_secs_f64()
    );

    let start = Instant::now();
    let (mut num_sites, mut derived) = (0usize, 0u64);
    for v in Variants::new(&ts) {
        num_sites += 1;
        derived += v.genotypes.iter().filter(|&&g| g > 0).count() as u64;
    }
    println!(
        "variants (owned Variant)  {:8.3} s  ({num_sites} sites, {derived} non-ancestral genotypes, counting included)",
        start.elapsed().as_secs_f64()
    );
}
