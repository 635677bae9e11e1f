/**
 * The codecs of tszip's zarr chunks: Blosc 1 frames (numcodecs' `Blosc`, which tszip uses with
 * zstd inside and byte shuffle) and bare zstd frames (numcodecs' `Zstd`). zstd itself is fzstd's.
 *
 * What it is for: a chunk's first bytes. zarr 2 stores every chunk at its full size, so an
 * array of 92 float64s in tszip's 8,388,608-element chunks is a 64 MiB Blosc frame of mostly
 * padding; its blocks are independent, so only those that hold the array's part are decoded.
 *
 * Sizes a frame claims are checked before anything is allocated for them: the frame's total
 * against the chunk's size from the array's metadata, block offsets against the frame's length,
 * and what a zstd frame says it holds against what its compressed bytes can hold (a zstd block
 * of at least 4 bytes gives at most 128 KiB).
 */
import type { Pacer } from "../pace.js";
import { decompress as zstdDecompress } from "fzstd";
import { TreeSeqError } from "../errors.js";

const HEADER = 16;
const FLAG_SHUFFLE = 0x01;
const FLAG_MEMCPYED = 0x02;
const FLAG_BITSHUFFLE = 0x04;
const FLAG_DONT_SPLIT = 0x10;
/** Blosc's compressor codes (flags bits 5 to 7). */
const COMPRESSORS = ["blosclz", "lz4", "snappy", "zlib", "zstd"];
const ZSTD = 4;
const ZSTD_MAGIC = 0xfd2fb528;
/** zstd's largest block (128 KiB) for its smallest encoding (a 3-byte header and 1 byte). */
const ZSTD_MAX_RATIO = 131072 / 4;

function bad(where: string, message: string): TreeSeqError {
  return new TreeSeqError("FILE_FORMAT", `tszip file: ${where}: ${message}`);
}

/**
 * Decodes the first `out.length` bytes of the Blosc frame `frame`, a chunk of `chunkBytes`
 * bytes, into `out`. `where` names the chunk for messages. The event loop gets turns between
 * blocks (`pacer`): tszip writes each array as one chunk of up to 8,388,608 values.
 */
export async function decodeBlosc(frame: Uint8Array, chunkBytes: number, out: Uint8Array, where: string, pacer: Pacer): Promise<void> {
  if (frame.length < HEADER) throw bad(where, `a Blosc frame of ${frame.length} bytes is shorter than its 16-byte header`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const version = frame[0];
  const flags = frame[2];
  const typesize = frame[3];
  const nbytes = view.getUint32(4, true);
  const blocksize = view.getUint32(8, true);
  const cbytes = view.getUint32(12, true);
  if (version < 1 || version > 2) throw bad(where, `Blosc format version ${version} is not read (Blosc 1 writes 1 or 2)`);
  if (cbytes > frame.length) throw bad(where, `the Blosc frame claims ${cbytes} bytes but the chunk has ${frame.length} (truncated?)`);
  if (nbytes !== chunkBytes) throw bad(where, `the Blosc frame holds ${nbytes} bytes but the chunk is ${chunkBytes} bytes`);
  if (out.length > nbytes) throw new TreeSeqError("INTERNAL", `${where}: asked for ${out.length} bytes of a ${nbytes}-byte chunk`);
  if (flags & FLAG_MEMCPYED) {
    if (HEADER + nbytes > cbytes) throw bad(where, `a stored Blosc frame of ${cbytes} bytes cannot hold ${nbytes}`);
    out.set(frame.subarray(HEADER, HEADER + out.length));
    return;
  }
  if (out.length === 0) return;
  if (flags & FLAG_BITSHUFFLE) throw bad(where, "Blosc's bit shuffle is not read (tszip uses byte shuffle)");
  const codec = (flags >> 5) & 7;
  if (codec !== ZSTD) throw bad(where, `Blosc compressor ${COMPRESSORS[codec] ?? codec} is not read (tszip uses zstd)`);
  if (blocksize === 0 || typesize === 0) throw bad(where, `a Blosc frame with block size ${blocksize} and type size ${typesize}`);
  const nblocks = Math.ceil(nbytes / blocksize);
  if (HEADER + 4 * nblocks > cbytes) throw bad(where, `the Blosc frame's ${nblocks} block offsets do not fit in its ${cbytes} bytes`);
  const shuffled = (flags & FLAG_SHUFFLE) !== 0 && typesize > 1;
  const leftover = nbytes % blocksize;
  const lastBlock = Math.ceil(out.length / blocksize);
  for (let b = 0; b < lastBlock; b++) {
    const isLeftover = b === nblocks - 1 && leftover !== 0;
    const bsize = isLeftover ? leftover : blocksize;
    // Blosc splits a block into one stream per byte of the type unless told not to; a block
    // shorter than the others is never split.
    const nsplits = !(flags & FLAG_DONT_SPLIT) && !isLeftover ? typesize : 1;
    if (bsize % nsplits !== 0) throw bad(where, `Blosc block ${b} of ${bsize} bytes does not split into ${nsplits} streams`);
    const neblock = bsize / nsplits;
    const block = new Uint8Array(bsize);
    let at = view.getUint32(HEADER + 4 * b, true);
    for (let s = 0; s < nsplits; s++) {
      if (at + 4 > cbytes) throw bad(where, `Blosc block ${b} starts at byte ${at}, past the frame's ${cbytes} bytes`);
      const csize = view.getInt32(at, true);
      at += 4;
      if (csize < 0 || at + csize > cbytes) throw bad(where, `Blosc block ${b}'s stream of ${csize} bytes at ${at} runs past the frame`);
      const stream = frame.subarray(at, at + csize);
      const part = block.subarray(s * neblock, (s + 1) * neblock);
      // A stream as long as its output is stored as it is.
      if (csize === neblock) part.set(stream);
      else part.set(decodeZstd(stream, neblock, `${where}, Blosc block ${b}`));
      at += csize;
    }
    const start = b * blocksize;
    const take = Math.min(bsize, out.length - start);
    if (shuffled) unshuffle(block, typesize, out.subarray(start, start + take));
    else out.set(block.subarray(0, take), start);
    await pacer.tick();
  }
}

/**
 * Undoes Blosc's byte shuffle of one block (byte j of every element stored together, for each
 * j), writing the block's first `out.length` bytes. Bytes after the last whole element are
 * stored as they were.
 */
function unshuffle(block: Uint8Array, typesize: number, out: Uint8Array): void {
  const elements = Math.floor(block.length / typesize);
  const whole = Math.min(Math.ceil(out.length / typesize), elements);
  for (let j = 0; j < typesize; j++) {
    const plane = j * elements;
    for (let i = 0; i < whole; i++) {
      const k = i * typesize + j;
      if (k < out.length) out[k] = block[plane + i];
    }
  }
  for (let k = elements * typesize; k < out.length; k++) out[k] = block[k];
}

/** A zstd frame of exactly `size` bytes, said so in its header (Blosc and numcodecs say it). */
export function decodeZstd(stream: Uint8Array, size: number, where: string): Uint8Array {
  const claimed = zstdContentSize(stream, where);
  if (claimed !== size) throw bad(where, `a zstd frame holds ${claimed} bytes where ${size} were expected`);
  if (size > stream.length * ZSTD_MAX_RATIO + 131072) {
    throw bad(where, `a zstd frame of ${stream.length} bytes cannot hold the ${size} it claims`);
  }
  let got: Uint8Array;
  try {
    got = zstdDecompress(stream);
  } catch (e) {
    throw bad(where, `zstd data does not decode (${(e as Error).message}): damaged or truncated`);
  }
  if (got.length !== size) throw bad(where, `a zstd frame decoded to ${got.length} bytes where it said ${size}`);
  return got;
}

/** The content size in a zstd frame header (RFC 8878, 3.1.1.1). */
function zstdContentSize(s: Uint8Array, where: string): number {
  if (s.length < 6) throw bad(where, `a zstd frame of ${s.length} bytes is shorter than its header`);
  const magic = (s[0] | (s[1] << 8) | (s[2] << 16) | (s[3] << 24)) >>> 0;
  if (magic !== ZSTD_MAGIC) throw bad(where, "a zstd frame lacks zstd's magic number");
  const descriptor = s[4];
  const sizeFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const fieldBytes = [singleSegment ? 1 : 0, 2, 4, 8][sizeFlag];
  if (fieldBytes === 0) throw bad(where, "a zstd frame does not say how much it holds");
  const at = 5 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][descriptor & 3];
  if (at + fieldBytes > s.length) throw bad(where, "a zstd frame header is truncated");
  let size = 0;
  for (let i = fieldBytes - 1; i >= 0; i--) size = size * 256 + s[at + i];
  return fieldBytes === 2 ? size + 256 : size;
}
