/**
 * A file's bytes, read where a backend keeps them rather than into JavaScript's memory first.
 *
 * What it is for: the threaded WebAssembly backend loads a file in place, in an aligned buffer
 * in its shared memory (see `WasmBackend.loadSource`). A `ByteSource` knows the file's size
 * and first bytes before it is read, and then writes it straight into that buffer: a `Blob`
 * (a file picked or dropped in a page) and a `Response` (a URL) chunk by chunk as their streams
 * give them, a local file in Node by `read` calls (`fileSource` in index.ts). The page or
 * process then never holds a second, JavaScript copy of a large file that only a garbage
 * collection would give back. Backends that take bytes (native, single-threaded WebAssembly)
 * and tszip files (decompressed in JavaScript) read the whole source with `bytes()`.
 *
 * What it is not: where the size limits are checked (`WasmBackend.loadSource`, `load`).
 */

import { TreeSeqError } from "./errors.js";

/** A file to read once: either `fill` or `bytes`, not both. */
export interface ByteSource {
  /** The size the file claims (a Blob's size, a response's Content-Length, a file's stat). */
  readonly size: number;
  /** The file's first bytes: at least 4 where it has them (enough to tell a zip). */
  readonly head: Uint8Array;
  /** Writes the file into `dst` (`size` bytes) and resolves to null; or, where the file
   * turned out not to be `size` bytes (a response whose Content-Length counted its
   * compressed transfer, a file that changed), to the whole file in a fresh array, with
   * `dst` then of no use. */
  fill(dst: Uint8Array): Promise<Uint8Array | null>;
  /** The whole file, in JavaScript's memory. */
  bytes(): Promise<Uint8Array>;
}

/** `parts` joined in one array. */
function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A source over a stream of `size` bytes (as claimed). Reads the first chunks (up to 4 bytes)
 * now, for `head`; the rest when the source is filled or read.
 */
export async function streamSource(stream: ReadableStream<Uint8Array>, size: number): Promise<ByteSource> {
  const reader = stream.getReader();
  /** The next chunk, or null at the end; a stream that fails (a connection lost, a file that
   * changed) is an IO error. */
  async function next(): Promise<Uint8Array | null> {
    try {
      const r = await reader.read();
      return r.done ? null : r.value;
    } catch (e) {
      throw new TreeSeqError("IO", `cannot read the file: ${(e as Error).message ?? String(e)}`);
    }
  }
  const pending: Uint8Array[] = [];
  for (let got = 0; got < 4; ) {
    const c = await next();
    if (c === null) break;
    pending.push(c);
    got += c.length;
  }
  const head = concat(pending).subarray(0, 4).slice();
  /** Every chunk, the ones read for `head` first, to `take`. */
  async function drain(take: (chunk: Uint8Array) => void): Promise<void> {
    for (const c of pending.splice(0)) take(c);
    for (let c = await next(); c !== null; c = await next()) take(c);
  }
  return {
    size,
    head,
    async fill(dst) {
      let at = 0;
      let spill: Uint8Array[] | null = null; // the file, once it outgrew dst
      await drain((c) => {
        if (spill === null && at + c.length <= dst.length) {
          dst.set(c, at);
          at += c.length;
        } else {
          spill ??= [dst.slice(0, at)];
          spill.push(c);
        }
      });
      if (spill !== null) return concat(spill);
      return at === dst.length ? null : dst.slice(0, at);
    },
    async bytes() {
      const parts: Uint8Array[] = [];
      await drain((c) => parts.push(c));
      return concat(parts);
    },
  };
}

/** A Blob's (a File's) bytes, streamed. */
export function blobSource(blob: Blob): Promise<ByteSource> {
  return streamSource(blob.stream() as ReadableStream<Uint8Array>, blob.size);
}

/** A response's body, streamed, where it says its length; otherwise its bytes, read whole.
 * The length is the server's word: the buffer is that size (within WebAssembly's file limit)
 * before the body arrives, and a body that ends short, or breaks off, frees it again. */
export async function responseSource(r: Response): Promise<ByteSource | Uint8Array> {
  const length = Number(r.headers.get("content-length") ?? NaN);
  if (r.body === null || !Number.isSafeInteger(length) || length <= 0) return new Uint8Array(await r.arrayBuffer());
  return streamSource(r.body, length);
}
