/**
 * zarr format 2 arrays in a zip, as tszip writes them: one-dimensional, little-endian numbers,
 * chunks compressed by Blosc (or zstd, or not at all), a delta filter on some columns, and
 * chunks that are all fill value left out.
 *
 * What it is for: an array's metadata (`NAME/.zarray`), and its values as a typed array of its
 * stored type. What it is not: tszip's meaning of the arrays (that is `trees.ts`).
 */
import { TreeSeqError } from "../errors.js";
import type { NumericArray } from "../metadata.js";
import type { Pacer } from "../pace.js";
import { decodeBlosc, decodeZstd } from "./blosc.js";
import type { ZipArchive } from "./zip.js";

export type { NumericArray };

/** A zarr dtype: numpy's kind ("i", "u", "f") and size in bytes. */
export interface Dtype {
  kind: "i" | "u" | "f";
  size: number;
  /** As written, e.g. "<i4", for messages. */
  text: string;
}

export interface ZarrArray {
  name: string;
  length: number;
  chunk: number;
  dtype: Dtype;
  fill: number | bigint;
  compressor: "blosc" | "zstd" | null;
  delta: boolean;
}

function bad(name: string, message: string): TreeSeqError {
  return new TreeSeqError("FILE_FORMAT", `tszip file: array ${name}: ${message}`);
}

/** Parses a JSON member (`.zarray`, `.zattrs`); null when there is no such member. */
export function readJson(zip: ZipArchive, member: string): any {
  const bytes = zip.read(member);
  if (bytes === null) return null;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new TreeSeqError("FILE_FORMAT", `tszip file: ${member} is not JSON (${(e as Error).message})`);
  }
}

function parseDtype(name: string, v: unknown): Dtype {
  const m = typeof v === "string" ? /^([<|])([iuf])([1248])$/.exec(v) : null;
  if (!m || (m[2] === "f" && (m[3] === "1" || m[3] === "2"))) {
    throw bad(name, `dtype ${JSON.stringify(v)} is not a little-endian integer or float type tszip writes`);
  }
  return { kind: m[2] as Dtype["kind"], size: Number(m[3]), text: v as string };
}

/** The metadata of array `name`, checked. */
export function readArray(zip: ZipArchive, name: string): ZarrArray {
  const meta = readJson(zip, `${name}/.zarray`);
  if (meta === null || typeof meta !== "object") throw bad(name, "no .zarray metadata");
  if (meta.zarr_format !== 2) throw bad(name, `zarr format ${JSON.stringify(meta.zarr_format)} is not read (tszip writes format 2)`);
  const dims = (v: unknown, what: string, min: number): number => {
    if (!Array.isArray(v) || v.length !== 1 || !Number.isSafeInteger(v[0]) || v[0] < min) {
      throw bad(name, `${what} ${JSON.stringify(v)} is not one dimension of at least ${min}`);
    }
    return v[0];
  };
  const length = dims(meta.shape, "shape", 0);
  const chunk = dims(meta.chunks, "chunks", 1);
  const dtype = parseDtype(name, meta.dtype);
  let compressor: ZarrArray["compressor"] = null;
  if (meta.compressor !== null) {
    const id = meta.compressor?.id;
    if (id !== "blosc" && id !== "zstd") throw bad(name, `compressor ${JSON.stringify(id)} is not read (tszip uses blosc)`);
    compressor = id;
  }
  let delta = false;
  for (const f of meta.filters ?? []) {
    if (f?.id !== "delta" || delta) throw bad(name, `filter ${JSON.stringify(f)} is not read (tszip uses one delta filter)`);
    if (f.dtype !== meta.dtype || (f.astype ?? f.dtype) !== meta.dtype) {
      throw bad(name, `a delta filter of ${f.dtype} as ${f.astype} on an array of ${meta.dtype} is not read`);
    }
    delta = true;
  }
  return { name, length, chunk, dtype, fill: parseFill(name, meta.fill_value, dtype), compressor, delta };
}

/** zarr 2 writes NaN and the infinities as strings, and null for "no fill" (read as 0). */
function parseFill(name: string, v: unknown, dtype: Dtype): number | bigint {
  const special: Record<string, number> = { NaN: Number.NaN, Infinity: Infinity, "-Infinity": -Infinity };
  let x: number;
  if (v === null || v === undefined) x = 0;
  else if (typeof v === "number") x = v;
  else if (typeof v === "string" && v in special && dtype.kind === "f") x = special[v];
  else throw bad(name, `fill value ${JSON.stringify(v)} is not a number`);
  if (dtype.kind === "f") return x;
  if (!Number.isSafeInteger(x)) throw bad(name, `fill value ${x} is not an integer`);
  return dtype.size === 8 ? BigInt(x) : x;
}

/** A typed array of `dtype` and `length` elements (zero-filled). */
export function allocate(dtype: Dtype, length: number): NumericArray {
  switch (`${dtype.kind}${dtype.size}`) {
    case "i1":
      return new Int8Array(length);
    case "u1":
      return new Uint8Array(length);
    case "i2":
      return new Int16Array(length);
    case "u2":
      return new Uint16Array(length);
    case "i4":
      return new Int32Array(length);
    case "u4":
      return new Uint32Array(length);
    case "i8":
      return new BigInt64Array(length);
    case "u8":
      return new BigUint64Array(length);
    case "f4":
      return new Float32Array(length);
    default:
      return new Float64Array(length);
  }
}

/** The array's values, as its stored type. The caller has checked that its size can be had.
 * The event loop gets turns between chunks (`pacer`). */
export async function decodeArray(zip: ZipArchive, a: ZarrArray, pacer: Pacer): Promise<NumericArray> {
  let out: NumericArray;
  try {
    out = allocate(a.dtype, a.length);
  } catch {
    throw new TreeSeqError("FILE_TOO_LARGE", `tszip file: array ${a.name} of ${a.length} ${a.dtype.text} values cannot be allocated here`);
  }
  const bytes = new Uint8Array(out.buffer);
  const chunkBytes = a.chunk * a.dtype.size;
  const chunks = Math.ceil(a.length / a.chunk);
  for (let c = 0; c < chunks; c++) {
    const first = c * a.chunk;
    const count = Math.min(a.chunk, a.length - first);
    const part = out.subarray(first, first + count);
    const key = `${a.name}/${c}`;
    const frame = zip.read(key);
    if (frame === null) {
      // zarr leaves out a chunk that is all fill value.
      (part as { fill(v: number | bigint): unknown }).fill(a.fill);
      continue;
    }
    const target = bytes.subarray(first * a.dtype.size, (first + count) * a.dtype.size);
    if (a.compressor === "blosc") await decodeBlosc(frame, chunkBytes, target, key, pacer);
    else if (a.compressor === "zstd") target.set(decodeZstd(frame, chunkBytes, key).subarray(0, target.length));
    else if (frame.length !== chunkBytes) throw bad(a.name, `chunk ${c} has ${frame.length} bytes, expected ${chunkBytes}`);
    else target.set(frame.subarray(0, target.length));
    if (a.delta) undoDelta(part);
    await pacer.tick();
  }
  return out;
}

/** numcodecs' Delta: the first value, then differences, in the array's type (wrapping). */
function undoDelta(part: NumericArray): void {
  if (part instanceof BigInt64Array || part instanceof BigUint64Array) {
    for (let i = 1; i < part.length; i++) part[i] += part[i - 1];
  } else {
    // A typed array's store wraps an integer to its width, as numpy's cumsum in that type does.
    for (let i = 1; i < part.length; i++) part[i] += part[i - 1];
  }
}
