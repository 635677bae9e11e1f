/** For the compiler: the declarations of the wasm-st build's glue, as scripts/build.sh generated them
 * (wasm-bindgen's, wrapped by scripts/glue-factory.mjs); build.sh copies the glue itself and its
 * .wasm into dist/web/wasm-st/. */
export * from "../../../build/wasm-st/treeseq_wasm.js";
