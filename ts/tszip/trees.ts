/**
 * A tszip (`.tsz`) file as the `.trees` file tskit would write for it: what `tszip.decompress`
 * does (tszip 0.3, format 1.x), then `dump()`.
 *
 * tszip keeps the dictionary of `TableCollection.asdict()` as zarr arrays (`nodes/flags`, ...)
 * in a zip, each in the smallest integer type that holds it, with text and metadata as bytes
 * and, for edges, migrations and sites, positions as indexes into one sorted `coordinates`
 * array; the sequence length and the format are attributes of the root. Each array becomes the
 * kastore item tskit's `dump` writes under the same key, in tskit's type (offsets as uint32
 * unless they need uint64, as tskit writes them), plus `format/name`, `format/version` and a
 * fresh `uuid` (tskit gives every written file a new one). Arrays tskit does not know (tszip's
 * `encoding_version`, the `node/time` of a variants-only file) are left out, as
 * `TableCollection.fromdict` ignores them. Everything else (required columns, lengths, ids)
 * is checked by the backend's load, as for any `.trees` file.
 *
 * What it is not: a writer of tszip files.
 */
import { TreeSeqError } from "../errors.js";
import { Pacer } from "../pace.js";
import type { ByteSource } from "../sources.js";
import { KASTORE_MAGIC, type KasType, type KastoreItem, kastoreFile, kastoreSize } from "./kastore.js";
import { type NumericArray, type ZarrArray, decodeArray, readArray, readJson } from "./zarr.js";
import { ZipArchive, isZip } from "./zip.js";

/** The tszip format major version this reader knows (tszip 0.1 to 0.3 write 1.0). */
const FORMAT_MAJOR = 1;
/** The `.trees` format version the file is written as: tskit 1.0's (12.7), as `dump()` writes. */
const TREES_VERSION = [12, 7];

/** The longest the decoding runs before the event loop gets a turn, in milliseconds (a chunk
 * more at most): well under the 50 ms a browser counts as a long task. */
const SLICE_MS = 20;

/** Whether `bytes` is a zip file, so perhaps a tszip file (by content, not by name). */
export const isTszip = isZip;

/** Plain numeric columns and their types in tskit's files. */
const NUMERIC: Record<string, KasType> = {
  "nodes/flags": "u32",
  "nodes/time": "f64",
  "nodes/population": "i32",
  "nodes/individual": "i32",
  "edges/left": "f64",
  "edges/right": "f64",
  "edges/parent": "i32",
  "edges/child": "i32",
  "sites/position": "f64",
  "mutations/site": "i32",
  "mutations/node": "i32",
  "mutations/parent": "i32",
  "mutations/time": "f64",
  "migrations/left": "f64",
  "migrations/right": "f64",
  "migrations/node": "i32",
  "migrations/source": "i32",
  "migrations/dest": "i32",
  "migrations/time": "f64",
  "individuals/flags": "u32",
  "indexes/edge_insertion_order": "i32",
  "indexes/edge_removal_order": "i32",
};

/** Ragged columns (each with `KEY_offset`) and their element types. */
const RAGGED: Record<string, KasType> = {
  "individuals/location": "f64",
  "individuals/parents": "i32",
  "sites/ancestral_state": "u8",
  "mutations/derived_state": "u8",
  "provenances/timestamp": "u8",
  "provenances/record": "u8",
};
for (const t of ["nodes", "edges", "sites", "mutations", "migrations", "individuals", "populations"]) RAGGED[`${t}/metadata`] = "u8";

/** Text and bytes that are not ragged: the top level's are int8 (C `char`), the rest uint8. */
const BYTES: Record<string, KasType> = { time_units: "i8", metadata: "i8", metadata_schema: "i8" };
for (const t of ["nodes", "edges", "sites", "mutations", "migrations", "individuals", "populations"]) BYTES[`${t}/metadata_schema`] = "u8";
for (const c of ["data", "url", "metadata", "metadata_schema"]) BYTES[`reference_sequence/${c}`] = "u8";

/** Columns stored as indexes into `coordinates`. */
const QUANTISED = new Set(["edges/left", "edges/right", "migrations/left", "migrations/right", "sites/position"]);

function bad(message: string): TreeSeqError {
  return new TreeSeqError("FILE_FORMAT", `tszip file: ${message}`);
}

/**
 * The `.trees` file of the tszip file `bytes`, as a source that writes it where the backend
 * keeps it (or gives its bytes): the columns are decoded here, the file is laid out when it
 * is written. `checkSize(n)` is called with the decoded size before it is allocated (the
 * WebAssembly backend refuses what it could not load).
 */
export async function tszipToTrees(bytes: Uint8Array, checkSize: (bytes: number) => void = () => {}): Promise<ByteSource> {
  const zip = new ZipArchive(bytes);
  const attrs = readJson(zip, ".zattrs");
  if (attrs === null || typeof attrs !== "object" || attrs.format_name !== "tszip") {
    throw bad(`a zip file without tszip's root attributes (.zattrs with format_name "tszip"): not a tszip file`);
  }
  const version = attrs.format_version;
  if (!Array.isArray(version) || !version.every(Number.isSafeInteger))
    throw bad(`format_version ${JSON.stringify(version)} is not a version`);
  if (version[0] < FORMAT_MAJOR)
    throw new TreeSeqError("VERSION_TOO_OLD", `tszip format version ${version.join(".")} is too old (this reader knows ${FORMAT_MAJOR}.x)`);
  if (version[0] > FORMAT_MAJOR)
    throw new TreeSeqError("VERSION_TOO_NEW", `tszip format version ${version.join(".")} is too new (this reader knows ${FORMAT_MAJOR}.x)`);
  const sequenceLength = attrs.sequence_length;
  if (typeof sequenceLength !== "number") throw bad(`sequence_length ${JSON.stringify(sequenceLength)} is not a number`);

  // Every array (a member NAME/.zarray), its metadata read and its size known before any is decoded.
  const arrays = new Map<string, ZarrArray>();
  for (const member of zip.names()) {
    if (!member.endsWith("/.zarray")) continue;
    const name = member.slice(0, -"/.zarray".length);
    if (name === "coordinates" || kastoreType(name) !== null) arrays.set(name, readArray(zip, name));
  }
  const coordinatesMeta = arrays.get("coordinates");
  const items: KastoreItem[] = [
    text("format/name", "i8", "tskit.trees"),
    { key: "format/version", type: "u32", length: 2, write: (d) => new Uint32Array(d.buffer, d.byteOffset, 2).set(TREES_VERSION) },
    {
      key: "sequence_length",
      type: "f64",
      length: 1,
      write: (d) => new DataView(d.buffer, d.byteOffset).setFloat64(0, sequenceLength, true),
    },
    text("uuid", "i8", uuid4()),
  ];
  // Sized first, from the metadata alone: offsets are sized as uint64 here (the most they take).
  const planned = [...items];
  for (const a of arrays.values()) {
    const type = kastoreType(a.name);
    if (type !== null) planned.push({ key: a.name, type: a.name.endsWith("_offset") ? "u64" : type, length: a.length, write: () => {} });
  }
  checkSize(kastoreSize(planned));

  // Decoded on the calling thread (a page's, often), in slices: no task of the page's runs
  // for more than a chunk past SLICE_MS.
  const pacer = new Pacer(SLICE_MS);
  const coordinates = coordinatesMeta ? await decodeArray(zip, coordinatesMeta, pacer) : null;
  for (const a of arrays.values()) {
    if (a.name === "coordinates") continue;
    const values = await decodeArray(zip, a, pacer);
    const type = kastoreType(a.name)!;
    if (a.name.endsWith("_offset")) items.push(offsets(a, values));
    else if (QUANTISED.has(a.name)) items.push(positions(a, values, coordinates));
    else items.push(column(a, values, type));
  }
  const file = kastoreFile(items);
  return {
    size: file.size,
    head: Uint8Array.from(KASTORE_MAGIC.slice(0, 4)),
    async fill(dst) {
      file.writeInto(dst);
      return null;
    },
    async bytes() {
      let out: Uint8Array;
      try {
        out = new Uint8Array(file.size);
      } catch {
        throw new TreeSeqError(
          "FILE_TOO_LARGE",
          `the decompressed tree sequence needs ${file.size} bytes, more than can be allocated here`,
        );
      }
      file.writeInto(out);
      return out;
    },
  };
}

/** The kastore type of tszip array `name`, or null for an array tskit does not read. */
function kastoreType(name: string): KasType | null {
  if (name.endsWith("_offset")) return name.slice(0, -"_offset".length) in RAGGED ? "u64" : null;
  return NUMERIC[name] ?? RAGGED[name] ?? BYTES[name] ?? null;
}

function text(key: string, type: KasType, value: string): KastoreItem {
  const b = new TextEncoder().encode(value);
  return { key, type, length: b.length, write: (d) => d.set(b) };
}

/** A fresh random (version 4) UUID in tskit's 36-character text form. */
function uuid4(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const RANGE: Partial<Record<KasType, [number, number]>> = { i32: [-(2 ** 31), 2 ** 31 - 1], u32: [0, 2 ** 32 - 1] };

/** A plain or byte column in tskit's type: integers range-checked, bytes as they are. */
function column(a: ZarrArray, values: NumericArray, type: KasType): KastoreItem {
  const base = { key: a.name, type, length: values.length };
  if (type === "u8" || type === "i8") {
    if (a.dtype.size !== 1 || a.dtype.kind === "f") throw bad(`${a.name} is ${a.dtype.text}, expected bytes (|u1 or |i1)`);
    return { ...base, write: (d) => d.set(new Uint8Array(values.buffer, values.byteOffset, values.length)) };
  }
  if (type === "f64") {
    return { ...base, write: (d) => copyNumbers(new Float64Array(d.buffer, d.byteOffset, values.length), values) };
  }
  if (a.dtype.kind === "f") throw bad(`${a.name} is ${a.dtype.text}, expected integers`);
  const [lo, hi] = RANGE[type]!;
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (v < lo || v > hi) throw bad(`${a.name}[${i}] is ${values[i]}, outside tskit's ${type === "i32" ? "int32" : "uint32"}`);
  }
  return {
    ...base,
    write: (d) =>
      copyNumbers(
        type === "i32" ? new Int32Array(d.buffer, d.byteOffset, values.length) : new Uint32Array(d.buffer, d.byteOffset, values.length),
        values,
      ),
  };
}

/** Offsets as tskit writes them: uint32 when the last fits, else uint64. */
function offsets(a: ZarrArray, values: NumericArray): KastoreItem {
  if (a.dtype.kind !== "u") throw bad(`${a.name} is ${a.dtype.text}, expected unsigned integers`);
  const n = values.length;
  const last = n === 0 ? 0 : Number(values[n - 1]);
  const wide = last > 2 ** 32 - 1;
  if (!wide) {
    for (let i = 0; i < n; i++) {
      if (Number(values[i]) > 2 ** 32 - 1) throw bad(`${a.name}[${i}] is ${values[i]}, more than the last offset ${last}`);
    }
  }
  return {
    key: a.name,
    type: wide ? "u64" : "u32",
    length: n,
    write: (d) =>
      wide
        ? copyBigInts(new BigUint64Array(d.buffer, d.byteOffset, n), values)
        : copyNumbers(new Uint32Array(d.buffer, d.byteOffset, n), values),
  };
}

/** A position column: tszip stores each as its index in the sorted `coordinates`. */
function positions(a: ZarrArray, index: NumericArray, coordinates: NumericArray | null): KastoreItem {
  if (coordinates === null) throw bad(`${a.name} is stored as indexes into coordinates, and there is no coordinates array`);
  if (a.dtype.kind === "f") throw bad(`${a.name} is ${a.dtype.text}, expected indexes into coordinates`);
  const out = new Float64Array(index.length);
  for (let i = 0; i < index.length; i++) {
    const k = Number(index[i]);
    if (!(k >= 0 && k < coordinates.length)) {
      throw bad(`${a.name}[${i}] is ${index[i]}, not an index into the ${coordinates.length} coordinates`);
    }
    out[i] = Number(coordinates[k]);
  }
  return { key: a.name, type: "f64", length: out.length, write: (d) => new Float64Array(d.buffer, d.byteOffset, out.length).set(out) };
}

/** Converts `from` into `to` (same length), element by element as numbers. */
function copyNumbers(to: Float64Array | Int32Array | Uint32Array, from: NumericArray): void {
  if (from instanceof BigInt64Array || from instanceof BigUint64Array) {
    for (let i = 0; i < from.length; i++) to[i] = Number(from[i]);
  } else to.set(from);
}

function copyBigInts(to: BigUint64Array, from: NumericArray): void {
  if (from instanceof BigInt64Array || from instanceof BigUint64Array) to.set(from);
  else for (let i = 0; i < from.length; i++) to[i] = BigInt(from[i]);
}
