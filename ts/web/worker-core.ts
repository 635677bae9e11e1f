/**
 * What a worker of the WebAssembly backend does, in Node (worker_threads) or a browser (module
 * Worker). The entry files worker-threads.ts and worker-st.ts import their build's glue
 * statically (so that bundlers bundle it into the worker) and call `serve`.
 *
 * A worker is sent its build's compiled module (and, threaded, the shared memory), then takes
 * one role:
 * - "pool": becomes one rayon thread (`worker_run` blocks until the pool ends);
 * - "driver": runs the calls that block on the pool (load, statistics) so that the page's or
 *   Node's main thread never waits.
 * - "st": the single-threaded build (no shared memory): an instance of its own that keeps a
 *   copy of each loaded file, by id, and computes statistics off the page's main thread.
 *
 * It imports nothing from Node: in Node, wasm-host-node.ts starts it through a small bootstrap
 * that hands it the parent port as `globalThis.__treeseqPort`.
 */

import type { Glue as ThreadedGlue, WasmTreeSequence } from "./wasm-threads/treeseq_wasm.js";
import type { Glue as SingleThreadedGlue } from "./wasm-st/treeseq_wasm.js";

type Post = (msg: unknown, transfer?: Transferable[]) => void;
interface Port {
  post: Post;
  listen(cb: (m: any) => void): void;
}

function port(): Port {
  const node = (globalThis as any).__treeseqPort as Port | undefined;
  if (node) return node;
  const scope = self as unknown as { postMessage: Post; addEventListener(t: string, cb: (e: MessageEvent) => void): void };
  return { post: (m, t) => scope.postMessage(m, t ?? []), listen: (cb) => scope.addEventListener("message", (e) => cb(e.data)) };
}

const THREAD_STACK = 2 << 20; // 2 MiB, a multiple of the 64 KiB page as wasm-bindgen requires

export function serve(glue: ThreadedGlue | SingleThreadedGlue): void {
  const { post, listen } = port();
  // Only the threaded build's workers are sent "pool" and "build", which use the pool's functions.
  const threaded = glue as ThreadedGlue;
  const files = new Map<number, WasmTreeSequence>(); // "st" role: id -> WasmTreeSequence
  let nextFile = 1;

  /** The panic message a trap left (see `last_trap` in the crate), if any. */
  const lastTrap = (): string | null => {
    try {
      return glue.last_trap?.() ?? null;
    } catch {
      return null;
    }
  };

  const fileById = (id: number): WasmTreeSequence => {
    const f = files.get(id);
    if (!f) throw new Error(`TREESEQ:DISPOSED:tree sequence ${id} is not loaded in the worker`);
    return f;
  };

  listen((m: any) => {
    if (m.type === "init") {
      try {
        if (m.role === "st") glue.initSync({ module: m.module });
        else glue.initSync({ module: m.module, memory: m.memory, thread_stack_size: THREAD_STACK });
        glue.install_trap_reporting?.();
      } catch (e) {
        post({ type: "failed", error: `its WebAssembly instance did not start: ${e instanceof Error ? e.message : String(e)}` });
        return;
      }
      post({ type: "ready" });
      if (m.role === "pool") {
        try {
          threaded.worker_run(m.setup);
        } catch (e) {
          // This rayon thread trapped: the job it ran never finishes, and the driver waits on
          // it. Say so (the owner retires the instance); an uncaught error would say less.
          post({ type: "trapped", error: String(e), panic: lastTrap() });
          return;
        }
        post({ type: "exit" });
      }
      return;
    }
    // Driver requests: { id, op, ... } -> { type: "reply", id, ok, value | error }
    try {
      let value: unknown;
      let transfer: Transferable[] = [];
      switch (m.op) {
        case "build":
          threaded.pool_build(m.setup);
          value = glue.threads();
          break;
        case "load": // the single-threaded build's copy of a file
          files.set(nextFile, glue.load(m.bytes));
          value = nextFile++;
          break;
        // The threaded build's load (see WasmBackend.load): a buffer in the shared memory
        // for the page to copy the file into, then the load of what it holds.
        case "fileBuffer":
          value = threaded.file_buffer(m.length);
          break;
        case "loadBuffer":
          value = threaded.load_buffer_acquired(m.handle);
          break;
        case "free":
          fileById(m.handle).free();
          files.delete(m.handle);
          break;
        case "compute": {
          let flat: Float64Array;
          if (m.handle === undefined) flat = glue.compute(m.ptr, m.method, m.kwargs, m.i32s, m.f64s);
          else {
            const ptr = fileById(m.handle).acquire();
            try {
              flat = glue.compute(ptr, m.method, m.kwargs, m.i32s, m.f64s);
            } finally {
              glue.release(ptr);
            }
          }
          value = flat;
          transfer = [flat.buffer];
          break;
        }
        case "distinct":
          value = glue.distinct_worker_threads(m.tasks);
          break;
        case "maxMemory":
          glue.set_max_memory(m.bytes);
          break;
        // Tests only: trap on purpose, here or on a thread of the pool.
        case "trap":
          glue.trap_in_pool_for_tests(m.kind ?? "panic", m.where ?? "here");
          break;
        default:
          throw new Error(`TREESEQ:INTERNAL:unknown worker op ${m.op}`);
      }
      post({ type: "reply", id: m.id, ok: true, value }, transfer);
    } catch (e) {
      const trap = e instanceof WebAssembly.RuntimeError;
      post({
        type: "reply",
        id: m.id,
        ok: false,
        error: trap ? String(e) : e instanceof Error ? `${e.message}` : String(e),
        trap,
        panic: trap ? lastTrap() : null,
      });
    }
  });
}
