//! The committed TypeScript copies of the registry and the cursor layouts
//! (`ts/generated/`) are what `examples/generate_ts.rs` writes from the Rust today: a
//! registry or layout changed without regenerating fails here.

#[path = "../examples/generate_ts.rs"]
mod generate_ts;

#[test]
fn generated_typescript_is_fresh() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ts/generated");
    for (name, text) in generate_ts::render() {
        let path = dir.join(name);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == text,
            "{} is stale: run `cargo run -p treeseq-core --example generate_ts -- ts/generated`",
            path.display()
        );
    }
}
