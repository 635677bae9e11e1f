//! The genotype matrix is refused (`OUTPUT_TOO_LARGE`, before anything is allocated) when it
//! exceeds the memory ceiling. Its own test binary: the ceiling is process-wide.

mod common;

use treeseq_core::memory::set_max_memory;
use treeseq_core::{genotype_matrix, ErrorCode, VariantOptions};

#[test]
fn a_matrix_over_the_ceiling_is_output_too_large() {
    let ts = common::load("medium"); // 8,696 sites × 360 samples: 12.5 MB of int32
    set_max_memory(1 << 20);
    let err = genotype_matrix(&ts, &VariantOptions::default()).unwrap_err();
    assert_eq!(err.code, ErrorCode::OutputTooLarge, "{err}");
    assert!(err.message.starts_with("genotypeMatrix"), "{err}");
    assert!(err.message.contains("8696 sites × 360 samples"), "{err}");
    // Fewer samples fit.
    let few = VariantOptions {
        samples: Some(vec![0, 1]),
        ..VariantOptions::default()
    };
    let (data, rows, cols) = genotype_matrix(&ts, &few).unwrap();
    assert_eq!((data.len(), rows, cols), (8696 * 2, 8696, 2));
    set_max_memory(0);
}
