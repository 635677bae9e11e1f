//! Loads each `.trees` file named on the command line and prints a summary or the error:
//! a quick way to see what the loader says about a file.
fn main() {
    for path in std::env::args().skip(1) {
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                println!("{path}: cannot read: {e}");
                continue;
            }
        };
        match treeseq_core::TreeSequence::load(&bytes) {
            Ok(ts) => println!(
                "{path}: ok: {} trees, {} nodes, {} edges, {} sites, {} mutations",
                ts.num_trees(),
                ts.num_nodes(),
                ts.num_edges(),
                ts.num_sites(),
                ts.num_mutations()
            ),
            Err(e) => println!("{path}: {e}"),
        }
    }
}
