/** Declared here for the compiler: scripts/build.sh copies the generated glue (a factory,
 * see scripts/glue-factory.mjs) and its .wasm into dist/web/wasm-st/. */
export declare function createGlue(): any;
