//! What the unit tests share: the repository's fixtures and a bit-for-bit comparison.

use crate::treeseq::TreeSequence;

/// `test/fixtures/NAME.trees`, loaded.
pub(crate) fn fixture(name: &str) -> TreeSequence {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../test/fixtures/{name}.trees"));
    TreeSequence::load_path(path).unwrap()
}

/// The same values, bit for bit (NaNs with the same payload, -0 apart from 0).
pub(crate) fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// The fixtures the bit-for-bit tests walk: small, larger, polytomies, ancient samples with
/// gaps, and several alleles a site.
pub(crate) const FIXTURES: [&str; 5] = [
    "small",
    "medium",
    "nonbinary",
    "ancient_gaps",
    "multiallelic",
];

/// Sample sets for the tests: `parts` consecutive runs of the samples.
pub(crate) fn splits(ts: &TreeSequence, parts: usize) -> Vec<Vec<i32>> {
    let n = ts.samples.len();
    (0..parts)
        .map(|i| ts.samples[i * n / parts..(i + 1) * n / parts].to_vec())
        .collect()
}
