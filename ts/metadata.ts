/**
 * Metadata: tskit's schemas and codecs (tskit 1.0.3, python/tskit/metadata.py), written once
 * in TypeScript for both backends, which only hand over the raw bytes (the file's
 * `metadata_schema` text and `metadata` / `metadata_offset` columns).
 *
 * - No schema (empty text): metadata stays raw bytes (`Uint8Array`), as tskit's null schema.
 * - `json`: `JSON.parse` of the UTF-8 text ({} for empty bytes), then the schema's top-level
 *   `default`s under the decoded keys, as tskit's JSONCodec.
 * - `struct`: Python's `struct` module, little-endian, standard sizes: each scalar's
 *   `binaryFormat` (`c b B ? h H i I l L q Q f d`, `Ns`, `Np`, `Nx`), fixed-length arrays
 *   (`length`), length-prefixed arrays (`arrayLengthFormat`, default `L`), arrays that take
 *   the rest of the bytes (`noLengthEncodingExhaustBuffer`), nested objects, strings in
 *   `stringEncoding` (default utf-8) cut at the first NUL when `nullTerminated`, and
 *   properties in tskit's order: by `index` (default 0), then by name. Trailing bytes are
 *   ignored and a top-level `["object", "null"]` decodes empty bytes as null, as tskit does.
 * - `json+struct`: tskit 1.0's header (`JBLB`, version 1, two u64 lengths), the JSON part,
 *   zero padding to a multiple of 8, the struct part; the two objects merged.
 *
 * Values: `c` gives a one-byte `Uint8Array` (Python's bytes); `?` a boolean; `q`/`Q` a number
 * when it is a safe integer, else a BigInt (Python's int is exact).
 * `metadataColumn(path)` reads one struct field of every row in one pass over the column,
 * without making objects: the field's place in a row is a constant offset when everything
 * before it has a fixed size, and is found by skipping (not decoding) otherwise.
 */
import { TreeSeqError } from "./errors.js";
import type { Offsets } from "./tables.js";

/** Codecs tskit 1.0.3 registers. */
export type MetadataCodec = "json" | "struct" | "json+struct";

/** A metadata schema: the codec and the schema as parsed JSON; both null where there is no
 * schema (tskit's `MetadataSchema.null()`: metadata is raw bytes). */
export interface MetadataSchema {
  readonly codec: MetadataCodec | null;
  readonly schema: Record<string, unknown> | null;
}

/** Where a row's metadata is, for messages: e.g. "nodes row 3" or "top-level metadata". */
type Where = string;

/** Raised inside a struct decode: the field (dotted path) and why; `short` when the row ran
 * out of bytes (Python's struct.error, which ends an exhausting array). */
class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly why: string,
    readonly short: boolean,
  ) {
    super(why);
  }
}

/** A struct-codec decoder node, compiled once per schema. */
interface StructNode {
  /** Decodes the value at `pos`, returning it and the position after it. */
  read(r: Reader, pos: number, path: string): [unknown, number];
  /** The byte size when it is the same for every row, else null. */
  readonly size: number | null;
  /** Position after the value at `pos`, without decoding (for `metadataColumn`). */
  skip(r: Reader, pos: number, path: string): number;
}

/** One row's bytes. */
class Reader {
  readonly dv: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(pos: number, n: number, field: string): void {
    if (pos + n > this.bytes.length) {
      throw new FieldError(field, `needs ${n} bytes at byte ${pos}, the row has ${this.bytes.length}`, true);
    }
  }
}

/** Standard sizes of Python's struct formats with a '<' prefix. */
const SIZES: Record<string, number> = { c: 1, b: 1, B: 1, "?": 1, h: 2, H: 2, i: 4, I: 4, l: 4, L: 4, q: 8, Q: 8, f: 4, d: 8 };
const BINARY_FORMAT = /^([cbB?hHiIlLqQfd]|\d*[spx])$/;
const ARRAY_LENGTH_FORMAT = /^[BHILQ]$/;

function int64(v: bigint): number | bigint {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
}

/** Reads one scalar of format `f` (one of SIZES' keys) at `pos`. */
function scalar(dv: DataView, pos: number, f: string): unknown {
  switch (f) {
    case "c":
      return new Uint8Array(dv.buffer.slice(dv.byteOffset + pos, dv.byteOffset + pos + 1) as ArrayBuffer);
    case "b":
      return dv.getInt8(pos);
    case "B":
      return dv.getUint8(pos);
    case "?":
      return dv.getUint8(pos) !== 0;
    case "h":
      return dv.getInt16(pos, true);
    case "H":
      return dv.getUint16(pos, true);
    case "i":
    case "l":
      return dv.getInt32(pos, true);
    case "I":
    case "L":
      return dv.getUint32(pos, true);
    case "q":
      return int64(dv.getBigInt64(pos, true));
    case "Q":
      return int64(dv.getBigUint64(pos, true));
    case "f":
      return dv.getFloat32(pos, true);
    default:
      return dv.getFloat64(pos, true); // "d"
  }
}

/** Python's "Np": a length byte (at most N - 1), then the bytes; other formats as they are. */
function pascal(bytes: Uint8Array, f: string): Uint8Array {
  if (!f.endsWith("p") || bytes.length === 0) return bytes;
  return bytes.subarray(1, 1 + Math.min(bytes[0]!, bytes.length - 1));
}

/** A field tskit loads but cannot decode in any row (its decode raises): refused per row. */
function unreadable(size: number, why: string): StructNode {
  return fixed(size, (_r, _pos, path) => {
    throw new FieldError(path, why, false);
  });
}

function fixed(size: number, read: (r: Reader, pos: number, path: string) => unknown): StructNode {
  return {
    size,
    read(r, pos, path) {
      r.need(pos, size, path);
      return [read(r, pos, path), pos + size];
    },
    skip(r, pos, path) {
      r.need(pos, size, path);
      return pos + size;
    },
  };
}

function schemaError(at: string, why: string): never {
  throw new TreeSeqError("BAD_METADATA", `${at}: ${why}`);
}

/** tskit's StructCodec.order_by_index: properties by `index` (default 0), then by name. */
function orderedProperties(schema: Record<string, any>, at: string): Array<[string, Record<string, any>]> {
  const props = schema.properties;
  if (props === undefined) return [];
  if (typeof props !== "object" || props === null || Array.isArray(props)) schemaError(at, "'properties' is not an object");
  return Object.entries(props as Record<string, Record<string, any>>)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .sort(([, a], [, b]) => (a?.index ?? 0) - (b?.index ?? 0));
}

/** Compiles a struct sub-schema (tskit's StructCodec.make_decode). `at` names the schema
 * node for messages. */
function compileStruct(schema: Record<string, any>, at: string, top: boolean): StructNode {
  if (typeof schema !== "object" || schema === null) schemaError(at, "a struct schema node must be an object");
  const type = schema.type;
  if (top && Array.isArray(type) && type.length === 2 && type.includes("object") && type.includes("null")) {
    const obj = compileObject(schema, at);
    return {
      size: null,
      read: (r, pos, path) => (r.bytes.length === 0 ? [null, pos] : obj.read(r, pos, path)),
      skip: (r, pos, path) => (r.bytes.length === 0 ? pos : obj.skip(r, pos, path)),
    };
  }
  switch (type) {
    case "object":
      return compileObject(schema, at);
    case "array":
      return compileArray(schema, at);
    case "string":
      return compileString(schema, at);
    case "null": {
      const f = schema.binaryFormat;
      // tskit reads (and drops) the bytes of any format given here
      return f === undefined ? fixed(0, () => null) : fixed(formatSize(f, at), () => null);
    }
    case "number":
    case "integer":
    case "boolean": {
      const f = schema.binaryFormat;
      if (typeof f !== "string") schemaError(at, `${String(type)} type must have binaryFormat set`);
      const size = formatSize(f, at);
      if (f in SIZES) return fixed(size, (r, pos) => scalar(r.dv, pos, f));
      // Python's struct gives bytes for "Ns" and "Np" (tskit returns them as they are) and
      // nothing for "Nx" (tskit's decode fails on every row).
      if (f.endsWith("x")) return unreadable(size, `binaryFormat '${f}' is padding, not a ${type}`);
      return fixed(size, (r, pos) => pascal(r.bytes.subarray(pos, pos + size), f).slice());
    }
    default:
      return schemaError(at, `type ${JSON.stringify(type)} is not one the struct codec can decode`);
  }
}

/** The size of a binaryFormat, refusing what tskit's meta-schema refuses. */
function formatSize(f: unknown, at: string): number {
  if (typeof f !== "string" || !BINARY_FORMAT.test(f))
    schemaError(at, `binaryFormat ${JSON.stringify(f)} is not a struct format tskit accepts`);
  const last = f[f.length - 1]!;
  if (last in SIZES) return SIZES[last]!;
  return f.length === 1 ? 1 : Number(f.slice(0, -1));
}

function compileObject(schema: Record<string, any>, at: string): StructNode {
  const props = orderedProperties(schema, at).map(([name, sub]) => [name, compileStruct(sub, `${at}.${name}`, false)] as const);
  const sizes = props.map(([, n]) => n.size);
  const size = sizes.every((s) => s !== null) ? (sizes as number[]).reduce((a, b) => a + b, 0) : null;
  const field = (path: string, name: string) => (path ? `${path}.${name}` : name);
  return {
    size,
    read(r, pos, path) {
      const out: Record<string, unknown> = {};
      for (const [name, node] of props) {
        const [v, next] = node.read(r, pos, field(path, name));
        out[name] = v;
        pos = next;
      }
      return [out, pos];
    },
    skip(r, pos, path) {
      if (size !== null) {
        r.need(pos, size, path);
        return pos + size;
      }
      for (const [name, node] of props) pos = node.skip(r, pos, field(path, name));
      return pos;
    },
  };
}

function compileArray(schema: Record<string, any>, at: string): StructNode {
  if (typeof schema.items !== "object" || schema.items === null || Array.isArray(schema.items))
    schemaError(at, "an array needs 'items' (one schema)");
  const item = compileStruct(schema.items, `${at}[]`, false);
  const length = schema.length;
  const exhaust = schema.noLengthEncodingExhaustBuffer === true;
  if (length !== undefined) {
    if (!Number.isInteger(length) || length < 0)
      schemaError(at, `array length must be a non-negative integer, got ${JSON.stringify(length)}`);
    if (exhaust) schemaError(at, "array cannot have both 'length' and 'noLengthEncodingExhaustBuffer' set");
    if (schema.arrayLengthFormat !== undefined) schemaError(at, "fixed-length array should not specify 'arrayLengthFormat'");
    return {
      size: item.size === null ? null : item.size * length,
      read(r, pos, path) {
        const out = new Array<unknown>(length);
        for (let k = 0; k < length; k++) [out[k], pos] = item.read(r, pos, path);
        return [out, pos];
      },
      skip(r, pos, path) {
        if (item.size !== null) {
          r.need(pos, item.size * length, path);
          return pos + item.size * length;
        }
        for (let k = 0; k < length; k++) pos = item.skip(r, pos, path);
        return pos;
      },
    };
  }
  if (exhaust) {
    // tskit reads elements until one runs out of bytes (dropping the partial one).
    return {
      size: null,
      read(r, pos, path) {
        const out: unknown[] = [];
        for (;;) {
          try {
            const [v, next] = item.read(r, pos, path);
            if (next === pos) return [out, pos]; // a zero-size element: tskit would loop forever
            out.push(v);
            pos = next;
          } catch (e) {
            if (e instanceof FieldError && e.short) return [out, r.bytes.length];
            throw e;
          }
        }
      },
      skip: (r) => r.bytes.length,
    };
  }
  const lf = schema.arrayLengthFormat ?? "L";
  if (typeof lf !== "string" || !ARRAY_LENGTH_FORMAT.test(lf))
    schemaError(at, `arrayLengthFormat ${JSON.stringify(lf)} is not one of B, H, I, L, Q`);
  const ls = SIZES[lf]!;
  const count = (r: Reader, pos: number, path: string): number => {
    r.need(pos, ls, path);
    return Number(scalar(r.dv, pos, lf));
  };
  return {
    size: null,
    read(r, pos, path) {
      const n = count(r, pos, path);
      pos += ls;
      // Refuse a count the bytes cannot hold before allocating for it.
      if (item.size) r.need(pos, n * item.size, path);
      const out = new Array<unknown>(n);
      for (let k = 0; k < n; k++) [out[k], pos] = item.read(r, pos, path);
      return [out, pos];
    },
    skip(r, pos, path) {
      const n = count(r, pos, path);
      pos += ls;
      if (item.size !== null) {
        r.need(pos, n * item.size, path);
        return pos + n * item.size;
      }
      for (let k = 0; k < n; k++) pos = item.skip(r, pos, path);
      return pos;
    },
  };
}

function compileString(schema: Record<string, any>, at: string): StructNode {
  const f = schema.binaryFormat;
  if (typeof f !== "string") schemaError(at, "string type must have binaryFormat set");
  const size = formatSize(f, at);
  const kind = f[f.length - 1];
  // "c" is one byte, decoded as text under a "string" type (as tskit: struct's bytes, decoded);
  // a number format or padding loads but fails on every row, as in tskit.
  if (kind !== "s" && kind !== "p" && f !== "c") return unreadable(size, `binaryFormat '${f}' is not a string format (c, Ns or Np)`);
  const encoding = schema.stringEncoding ?? "utf-8";
  if (typeof encoding !== "string") schemaError(at, `stringEncoding ${JSON.stringify(encoding)} is not a string`);
  const decode = textDecoder(encoding);
  const nullTerminated = schema.nullTerminated === true;
  return fixed(size, (r, pos, path) => {
    const bytes = pascal(r.bytes.subarray(pos, pos + size), f);
    let s: string;
    try {
      s = decode(bytes.slice()); // TextDecoder refuses views of shared memory
    } catch (e) {
      throw new FieldError(path, e instanceof TreeSeqError ? e.message : `its bytes are not valid ${encoding}`, false);
    }
    if (nullTerminated) {
      const i = s.indexOf("\x00");
      if (i !== -1) s = s.slice(0, i);
    }
    return s;
  });
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A strict decoder for a Python codec name (tskit decodes with `bytes.decode(encoding)`):
 * Python's own names for UTF-8, UTF-16, ASCII and Latin-1, else a WHATWG label TextDecoder
 * knows. An encoding neither knows fails when a row is decoded, as in tskit.
 */
function textDecoder(encoding: string): (b: Uint8Array) => string {
  const name = encoding.toLowerCase().replace(/_/g, "-");
  if (["utf-8", "utf8", "u8", "utf", "cp65001"].includes(name)) return (b) => utf8.decode(b);
  if (["ascii", "us-ascii", "646"].includes(name)) {
    return (b) => {
      const k = b.findIndex((x) => x > 127);
      if (k >= 0) throw new TreeSeqError("BAD_METADATA", `byte 0x${b[k]!.toString(16)} at ${k} is not ascii`);
      return String.fromCharCode(...b);
    };
  }
  if (["latin-1", "latin1", "iso-8859-1", "iso8859-1", "8859", "cp819", "l1"].includes(name)) {
    return (b) => Array.from(b, (x) => String.fromCharCode(x)).join("");
  }
  const label =
    ({ "utf-16-le": "utf-16le", "utf-16-be": "utf-16be", "utf-16": "utf-16le", utf16: "utf-16le" } as Record<string, string>)[name] ?? name;
  let dec: TextDecoder | null = null;
  try {
    dec = new TextDecoder(label, { fatal: true });
  } catch {
    // unknown here: refused per row
  }
  return (b) => {
    if (!dec) throw new TreeSeqError("BAD_METADATA", `unknown stringEncoding ${JSON.stringify(encoding)}`);
    return dec.decode(b);
  };
}

/** Parses a JSON row as Python's json.loads would (NaN and ±Infinity allowed). */
function parseJson(bytes: Uint8Array): unknown {
  const text = utf8.decode(bytes.slice());
  try {
    return JSON.parse(text);
  } catch (e) {
    if (!/NaN|Infinity/.test(text)) throw e;
    // Python's json accepts the bare words NaN, Infinity and -Infinity (outside strings).
    const marked = text.replace(/"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)/g, (m, word) => (word ? `"\\u0000\\u0001${word}"` : m));
    return JSON.parse(marked, (_k, v) => (typeof v === "string" && v.startsWith("\u0000\u0001") ? Number(v.slice(2)) : v));
  }
}

/** The defaults tskit's JSONCodec fills in: the top-level properties' `default`s. */
function jsonDefaults(schema: Record<string, any>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const props = schema.properties;
  if (props && typeof props === "object") {
    for (const [k, p] of Object.entries(props as Record<string, any>)) if (p && typeof p === "object" && "default" in p) out[k] = p.default;
  }
  return out;
}

function decodeJson(bytes: Uint8Array, defaults: Record<string, unknown>): unknown {
  const v = bytes.length === 0 ? {} : parseJson(bytes);
  if (v !== null && typeof v === "object" && !Array.isArray(v)) return { ...structuredClone(defaults), ...(v as object) };
  return v;
}

const JSON_STRUCT_HEADER = 21; // "<4sBQQ": magic, version, json length, struct length

/**
 * A parsed schema and its decoder. Made once per table (and for the top level), so that
 * rows decode without parsing the schema again.
 */
export class MetadataDecoder {
  readonly schema: MetadataSchema;
  /** The codec, compiled on first use (so that `schema` is there even where it fails). */
  private compiled: { decode: (bytes: Uint8Array) => unknown; struct: { schema: Record<string, any>; node: StructNode } | null } | null =
    null;
  private readonly compile: () => NonNullable<MetadataDecoder["compiled"]>;

  /** `text` is the schema's JSON text (empty: no schema); `owner` names it for messages. */
  constructor(
    text: string,
    readonly owner: string,
  ) {
    if (text === "") {
      this.schema = Object.freeze({ codec: null, schema: null });
      this.compile = () => ({ decode: (b) => b.slice(), struct: null });
      return;
    }
    const at = `${owner} metadata schema`;
    let parsed: any;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      schemaError(at, `not JSON (${(e as Error).message})`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) schemaError(at, "must be a JSON object");
    const codec = parsed.codec;
    if (!["json", "struct", "json+struct"].includes(codec)) {
      schemaError(at, `unrecognised metadata codec ${JSON.stringify(codec)}; valid options are json, struct, json+struct`);
    }
    this.schema = Object.freeze({ codec, schema: parsed });
    this.compile = () => {
      if (codec === "json") {
        const defaults = jsonDefaults(parsed);
        return { decode: (b) => decodeJson(b, defaults), struct: null };
      }
      if (codec === "struct") {
        const node = compileStruct(parsed, at, true);
        return { decode: (b) => node.read(new Reader(b), 0, "")[0], struct: { schema: parsed, node } };
      }
      const j = parsed.json;
      const s = parsed.struct;
      if (typeof j !== "object" || j === null || typeof s !== "object" || s === null)
        schemaError(at, "json+struct requires 'json' and 'struct' schema mappings");
      const defaults = jsonDefaults(j);
      const node = compileStruct(s, `${at} (struct)`, true);
      return { decode: (b) => decodeJsonStruct(b, defaults, node), struct: null };
    };
  }

  private get codec(): NonNullable<MetadataDecoder["compiled"]> {
    return (this.compiled ??= this.compile());
  }

  /** Decodes one row's bytes; `where` names the row for messages (e.g. "nodes row 3"). */
  decode(bytes: Uint8Array, where: Where): unknown {
    try {
      return this.codec.decode(bytes);
    } catch (e) {
      throw rowError(e, where, this.schema.codec);
    }
  }

  /**
   * One struct field (a dotted `path` through nested objects) of every row: a typed array by
   * the field's binaryFormat, a string array for `s`/`p`, or `{ data, shape }` for a
   * fixed-length array (shape `[rows, length, ...]`). One pass over the column.
   */
  column(data: Uint8Array, offsets: Offsets, path: string, table: string, defaultValue?: unknown): ColumnValues {
    const where = `tables.${table}.metadataColumn`;
    if (typeof path !== "string" || path === "")
      throw new TreeSeqError("BAD_PARAM", `${where}: path must be a non-empty string such as "pedigree_id" or "a.b"`);
    const struct = this.codec.struct;
    if (!struct) {
      throw new TreeSeqError(
        "BAD_METADATA",
        `${where}: the ${table} table's metadata codec is ${JSON.stringify(this.schema.codec)}; metadataColumn reads struct-codec metadata`,
      );
    }
    // Find the field: the nodes before it (to skip) at each level, and its schema.
    const names = path.split(".");
    let schema = struct.schema;
    const steps: Array<{ before: StructNode[]; fixedBefore: number | null }> = [];
    for (const [depth, name] of names.entries()) {
      const t = schema.type;
      if (!(t === "object" || (depth === 0 && Array.isArray(t) && t.includes("object")))) {
        throw new TreeSeqError("BAD_PARAM", `${where}: '${names.slice(0, depth).join(".")}' is not an object, so '${path}' names no field`);
      }
      const props = orderedProperties(schema, this.owner);
      const k = props.findIndex(([n]) => n === name);
      if (k < 0)
        throw new TreeSeqError(
          "BAD_PARAM",
          `${where}: no field '${names.slice(0, depth + 1).join(".")}' in the ${table} metadata schema (fields: ${props.map(([n]) => n).join(", ")})`,
        );
      const before = props.slice(0, k).map(([n, s]) => compileStruct(s, n, false));
      const sizes = before.map((n) => n.size);
      steps.push({ before, fixedBefore: sizes.every((s) => s !== null) ? (sizes as number[]).reduce((a, b) => a + b, 0) : null });
      schema = props[k]![1];
    }
    const leaf = leafReader(schema, path, where);
    const rows = offsets.length - 1;
    const out = leaf.alloc(rows);
    const allFixed = steps.every((s) => s.fixedBefore !== null);
    const constant = allFixed ? steps.reduce((a, s) => a + (s.fixedBefore as number), 0) : 0;
    const nullable = Array.isArray(struct.schema.type);
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const dst = ArrayBuffer.isView(out) ? new Uint8Array(out.buffer, out.byteOffset, out.byteLength) : null;
    // A row with no metadata under a ["object", "null"] schema (SLiM's nodes that are not
    // SLiM genomes) is null: it takes `defaultValue` (tskit's metadata_vector's default_value),
    // and is refused without one.
    const fill = defaultValue === undefined ? null : leaf.filler(defaultValue, where);
    const nullRow = (i: number): void => {
      if (!fill)
        throw new TreeSeqError(
          "BAD_METADATA",
          `${table} row ${i}: field '${path}': the row has no metadata (null); give { defaultValue } for such rows`,
        );
      fill(out, i);
    };
    if (allFixed && leaf.bytewise && dst) {
      copyFixed(data, offsets, constant, leaf.size, dst, (i, len) => {
        if (nullable && len === 0) return nullRow(i);
        throw new TreeSeqError(
          "BAD_METADATA",
          `${table} row ${i}: field '${path}': needs ${leaf.size} bytes at byte ${constant}, the row has ${len}`,
        );
      });
      return leaf.result(out, rows);
    }
    for (let i = 0; i < rows; i++) {
      const a = Number(offsets[i]);
      const b = Number(offsets[i + 1]);
      if (nullable && a === b) {
        nullRow(i);
        continue;
      }
      let pos: number;
      if (allFixed) {
        pos = constant;
      } else {
        const r = new Reader(data.subarray(a, b));
        pos = 0;
        try {
          for (const s of steps) for (const n of s.before) pos = n.skip(r, pos, path);
        } catch (e) {
          throw rowError(e, `${table} row ${i}`, "struct");
        }
      }
      if (pos + leaf.size > b - a) {
        throw new TreeSeqError(
          "BAD_METADATA",
          `${table} row ${i}: field '${path}': needs ${leaf.size} bytes at byte ${pos}, the row has ${b - a}`,
        );
      }
      try {
        leaf.put(out, i, dv, a + pos, data, dst);
      } catch (e) {
        throw rowError(e, `${table} row ${i}`, "struct");
      }
    }
    return leaf.result(out, rows);
  }
}

/** The common case, one tight loop: a field at the same offset `at` of every row, copied
 * byte for byte (`width` bytes per row) into `dst`. */
function copyFixed(
  data: Uint8Array,
  offsets: Offsets,
  at: number,
  width: number,
  dst: Uint8Array,
  short: (row: number, len: number) => void,
): void {
  const rows = offsets.length - 1;
  let a = Number(offsets[0]);
  for (let i = 0; i < rows; i++) {
    const b = Number(offsets[i + 1]);
    if (at + width > b - a) {
      short(i, b - a); // throws, or fills a null row
      a = b;
      continue;
    }
    const s = a + at;
    const d = i * width;
    for (let k = 0; k < width; k++) dst[d + k] = data[s + k]!;
    a = b;
  }
}

/** A typed array of any of the numeric types metadata (and tszip's zarr arrays) hold. */
export type NumericArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/** One column of a struct field's values: a typed array of its numbers, or its strings. */
export type ColumnData = NumericArray | string[];

/** What `metadataColumn` gives: one value per row, or a fixed-length array's rows as `{ data, shape }`. */
export type ColumnValues = ColumnData | { data: ColumnData; shape: number[] };

type Column = any;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** How `metadataColumn` stores a leaf field: `size` bytes per row, `per` values per row. */
function leafReader(
  schema: Record<string, any>,
  path: string,
  where: string,
): {
  size: number;
  alloc(rows: number): Column;
  result(out: Column, rows: number): ColumnValues;
  /** True when the output's bytes are the field's bytes (numbers on a little-endian host). */
  bytewise: boolean;
  /** Stores `value` as row i's (checked once here: BAD_PARAM where it cannot be stored). */
  filler(value: unknown, where: string): (out: Column, i: number) => void;
  /** Stores row i's value, at byte `pos` of the column (`dv` and `src` over it); `dst` is the
   * output's bytes (typed arrays). */
  put(out: Column, i: number, dv: DataView, pos: number, src: Uint8Array, dst: Uint8Array | null): void;
} {
  // Fixed-length arrays (possibly nested) of a scalar: shape [rows, ...lengths].
  const dims: number[] = [];
  let s = schema;
  while (s.type === "array") {
    if (s.length === undefined)
      throw new TreeSeqError(
        "BAD_PARAM",
        `${where}: '${path}' is a variable-length array; only fixed-length arrays make a column (as tskit's numpy_dtype)`,
      );
    dims.push(s.length);
    s = s.items;
  }
  if (s.type === "object" || s.type === "null")
    throw new TreeSeqError("BAD_PARAM", `${where}: '${path}' is ${s.type === "object" ? "an object: name a field inside it" : "padding"}`);
  const node = compileStruct(s, path, false);
  const per = dims.reduce((a, b) => a * b, 1);
  const elem = node.size as number;
  const f: string = s.binaryFormat;
  const ctor =
    s.type === "string"
      ? undefined
      : (
          {
            b: Int8Array,
            B: Uint8Array,
            "?": Uint8Array,
            c: Uint8Array,
            h: Int16Array,
            H: Uint16Array,
            i: Int32Array,
            l: Int32Array,
            I: Uint32Array,
            L: Uint32Array,
            q: BigInt64Array,
            Q: BigUint64Array,
            f: Float32Array,
            d: Float64Array,
          } as Record<string, any>
        )[f];
  // Numbers: the field's little-endian bytes copied into the typed array's own bytes (as
  // numpy views them), which makes no number or BigInt per value; "?" is 0/1 as Python's bool.
  const copy = ctor && f !== "?" && LITTLE_ENDIAN;
  const width = per * elem;
  const put = copy
    ? (out: any, i: number, dv: DataView, pos: number, src: Uint8Array, dst: Uint8Array) => {
        for (let k = 0, d = i * width; k < width; k++) dst[d + k] = src[pos + k]!;
      }
    : ctor
      ? (out: any, i: number, dv: DataView, pos: number) => {
          for (let k = 0; k < per; k++) out[i * per + k] = f === "?" ? (dv.getUint8(pos + k) ? 1 : 0) : scalar(dv, pos + k * elem, f);
        }
      : (out: any, i: number, dv: DataView, pos: number) => {
          const bytes = new Uint8Array(dv.buffer, dv.byteOffset, dv.byteLength);
          const r = new Reader(bytes);
          for (let k = 0; k < per; k++) out[i * per + k] = node.read(r, pos + k * elem, path)[0];
        };
  return {
    size: per * elem,
    bytewise: Boolean(copy),
    filler(value, where) {
      const big = ctor === BigInt64Array || ctor === BigUint64Array;
      const ok = ctor ? typeof value === "number" || (typeof value === "bigint" && big) : typeof value === "string";
      if (!ok)
        throw new TreeSeqError(
          "BAD_PARAM",
          `${where}: defaultValue must be ${ctor ? "a number" + (big ? " or a BigInt" : "") : "a string"} for '${path}', not ${typeof value}`,
        );
      let v: unknown = value;
      if (big) {
        try {
          v = BigInt(value as number | bigint);
        } catch {
          throw new TreeSeqError("BAD_PARAM", `${where}: defaultValue ${String(value)} is not an integer, as '${path}' is`);
        }
      }
      return (out, i) => {
        for (let k = 0; k < per; k++) out[i * per + k] = v;
      };
    },
    alloc: (rows) => (ctor ? new ctor(rows * per) : new Array<string>(rows * per)),
    put,
    result: (out, rows) => (dims.length ? { data: out, shape: [rows, ...dims] } : out),
  };
}

function decodeJsonStruct(b: Uint8Array, defaults: Record<string, unknown>, node: StructNode): unknown {
  const magic = b.length >= JSON_STRUCT_HEADER && b[0] === 0x4a && b[1] === 0x42 && b[2] === 0x4c && b[3] === 0x42;
  if (!magic) throw new TreeSeqError("BAD_METADATA", "invalid json+struct payload: missing magic header");
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint8(4) !== 1) throw new TreeSeqError("BAD_METADATA", "unsupported json+struct version");
  const jlen = dv.getBigUint64(5, true);
  const blen = dv.getBigUint64(13, true);
  const start = JSON_STRUCT_HEADER;
  const rest = BigInt(b.length - start);
  const jl = Number(jlen);
  const pad = (8 - ((start + jl) % 8)) % 8;
  if (jlen > rest || blen > rest - jlen - BigInt(pad))
    throw new TreeSeqError("BAD_METADATA", "invalid json+struct payload: declared lengths exceed buffer size");
  const json = decodeJson(b.subarray(start, start + jl), defaults);
  const sStart = start + jl + pad;
  const st = node.read(new Reader(b.subarray(sStart, sStart + Number(blen))), 0, "")[0] as Record<string, unknown>;
  const out = { ...(json as object) } as Record<string, unknown>;
  const dup = Object.keys(st)
    .filter((k) => k in out)
    .sort();
  if (dup.length) throw new TreeSeqError("BAD_METADATA", `json+struct decoded duplicate keys: ${dup.join(", ")}`);
  return Object.assign(out, st);
}

/** A BAD_METADATA naming the row, and the field where a struct decode failed in one. */
function rowError(e: unknown, where: Where, codec: MetadataCodec | null): TreeSeqError {
  if (e instanceof FieldError) {
    const f = e.field ? `field '${e.field}'` : "metadata";
    return new TreeSeqError("BAD_METADATA", `${where}: ${f} does not decode with its ${codec} schema: ${e.why}`);
  }
  if (e instanceof TreeSeqError) return new TreeSeqError(e.code, `${where}: ${e.message}`);
  return new TreeSeqError("BAD_METADATA", `${where}: cannot decode its ${codec} metadata (${(e as Error)?.message ?? String(e)})`);
}
