/** Entry of a worker of the threaded WebAssembly build (see worker-core.ts). The glue is
 * imported statically so that a bundler bundles it into this worker. */
import { createGlue } from "./wasm-threads/treeseq_wasm.js";
import { serve } from "./worker-core.js";

serve(createGlue());
