/**
 * How large a file each backend can load, checked before anything is read.
 *
 * WebAssembly's memory is at most 4 GiB (wasm32, linked with --max-memory=4294967296). The
 * single-threaded build's load needs 2.0 to 2.4 times the file's size in it at its peak
 * (measured: the bytes copied in, plus the 8-byte-aligned copy the columns view, until the
 * first is freed; 2.0 for a file of one large metadata column, 2.34 for the 24 MB,
 * 445,212-edge benchmark file). The threaded build reads the file straight into the aligned
 * buffer (sources.ts), and its whole load grew Node's resident memory by 1.8 times the file's
 * size (the file, the edge events, the rest) on the 24 MB and 60 MB benchmark files. 1.25 GiB
 * keeps the single-threaded peak near 3 GiB and leaves the rest for statistics' working memory
 * and other files.
 * The native backend has no limit of its own: Rust reads the file at whatever size the
 * machine's memory allows (FILE_TOO_LARGE when it does not).
 */
import { TreeSeqError } from "./errors.js";

export const WASM_MAX_FILE_BYTES = 1.25 * 2 ** 30;

const GiB = (n: number): string => `${(n / 2 ** 30).toFixed(2)} GiB`;

/** Throws FILE_TOO_LARGE when a file of `size` bytes cannot be loaded by WebAssembly. */
export function checkWasmFileSize(size: number, what: string): void {
  if (size > WASM_MAX_FILE_BYTES) {
    throw new TreeSeqError(
      "FILE_TOO_LARGE",
      `${what} has ${size} bytes (${GiB(size)}); the WebAssembly backend loads files up to ${GiB(WASM_MAX_FILE_BYTES)} ` +
        `(its memory is 4 GiB and a load needs about twice the file's size in it). ` +
        `Use the native backend (load(path, { backend: "native" }) in Node), which reads files of any size the machine can hold.`,
    );
  }
}
