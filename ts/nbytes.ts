/**
 * tskit's `TreeSequence.nbytes`: the bytes its tables' columns take as tskit holds them
 * (offsets as 64-bit), plus each metadata table's schema as tskit canonicalises it
 * (`repr(MetadataSchema)`: Python's `json.dumps(schema, sort_keys=True, separators=(",",
 * ":"))`), the top-level and reference-sequence schemas, URL and data as stored (their length
 * in characters, as Python's `len` of a str), the top-level metadata, the time units, the
 * sequence length (8) and the two edge indexes.
 */
import type { TypedArray } from "./backend.js";
import { TreeSeqError } from "./errors.js";

/** What nbytes reads: a column of the file by key, the time units and each table's number of
 * rows. */
export interface NbytesSource {
  column(key: string): TypedArray;
  timeUnits: string;
  rows: {
    nodes: number;
    edges: number;
    sites: number;
    mutations: number;
    individuals: number;
    populations: number;
    migrations: number;
    provenances: number;
  };
}

/** Fixed-width bytes per row, and the ragged columns (each with a 64-bit offset column). */
const TABLES = {
  nodes: { perRow: 4 + 8 + 4 + 4, ragged: ["metadata"] },
  edges: { perRow: 8 + 8 + 4 + 4, ragged: ["metadata"] },
  migrations: { perRow: 8 + 8 + 4 + 4 + 4 + 8, ragged: ["metadata"] },
  sites: { perRow: 8, ragged: ["ancestral_state", "metadata"] },
  mutations: { perRow: 4 + 4 + 8 + 4, ragged: ["derived_state", "metadata"] },
  individuals: { perRow: 4, ragged: ["location", "parents", "metadata"] },
  populations: { perRow: 0, ragged: ["metadata"] },
  provenances: { perRow: 0, ragged: ["timestamp", "record"] },
} as const;

export function nbytes(src: NbytesSource): number {
  const bytes = (key: string) => src.column(key).byteLength;
  const text = (key: string) => new TextDecoder().decode(src.column(key) as Uint8Array);
  const chars = (s: string) => {
    let n = 0;
    for (const _ of s) n++;
    return n;
  };
  let total = 8 + bytes("metadata") + chars(text("metadata_schema")) + new TextEncoder().encode(src.timeUnits).length;
  total += 2 * 4 * src.rows.edges;
  for (const key of ["metadata", "metadata_schema", "url", "data"]) {
    total += key === "metadata" ? bytes(`reference_sequence/${key}`) : chars(text(`reference_sequence/${key}`));
  }
  for (const [table, { perRow, ragged }] of Object.entries(TABLES)) {
    const n = src.rows[table as keyof NbytesSource["rows"]];
    total += perRow * n;
    for (const col of ragged) total += bytes(`${table}/${col}`) + 8 * (n + 1);
    if (table !== "provenances") {
      const schema = text(`${table}/metadata_schema`);
      total += schema === "" ? 0 : canonicalJson(schema).length; // ASCII: bytes = characters
    }
  }
  return total;
}

/**
 * Python's `json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))`: keys sorted
 * by code point, non-ASCII escaped, integers as written, other numbers as Python's float repr.
 */
export function canonicalJson(text: string): string {
  let i = 0;
  const fail = (): never => {
    throw new TreeSeqError("INTERNAL", `canonicalJson: not JSON at ${i}`);
  };
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const value = (): string => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const entries = new Map<string, string>();
      ws();
      if (text[i] === "}") {
        i++;
        return "{}";
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const key = str();
        ws();
        if (text[i++] !== ":") fail();
        entries.set(key, value());
        ws();
        const sep = text[i++];
        if (sep === "}") break;
        if (sep !== ",") fail();
      }
      const keys = [...entries.keys()].sort(byCodePoint);
      return `{${keys.map((k) => `${quote(k)}:${entries.get(k)}`).join(",")}}`;
    }
    if (c === "[") {
      i++;
      const items: string[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return "[]";
      }
      for (;;) {
        items.push(value());
        ws();
        const sep = text[i++];
        if (sep === "]") break;
        if (sep !== ",") fail();
      }
      return `[${items.join(",")}]`;
    }
    if (c === '"') return quote(str());
    for (const [word, out] of [
      ["true", "true"],
      ["false", "false"],
      ["null", "null"],
      ["NaN", "NaN"],
      ["Infinity", "Infinity"],
      ["-Infinity", "-Infinity"],
    ]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return out;
      }
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail();
    i += m[0].length;
    return m[2] === undefined && m[3] === undefined ? BigInt(m[0]).toString() : pythonFloat(Number(m[0]));
  };
  const str = (): string => {
    i++; // the opening quote
    let out = "";
    for (;;) {
      const c = text[i++];
      if (c === undefined) fail();
      if (c === '"') return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = text[i++];
      const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
      if (e in simple) out += simple[e];
      else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i, i + 4))) {
        out += String.fromCharCode(parseInt(text.slice(i, i + 4), 16));
        i += 4;
      } else fail();
    }
  };
  const out = value();
  ws();
  if (i !== text.length) fail();
  return out;
}

/** Python's json string: `"` and `\` escaped, \b \f \n \r \t, every other code unit outside
 * space..tilde as \uxxxx (ensure_ascii). */
function quote(s: string): string {
  const short: Record<string, string> = { '"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t" };
  let out = '"';
  for (let k = 0; k < s.length; k++) {
    const c = s[k];
    const code = s.charCodeAt(k);
    if (c in short) out += short[c];
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += c;
  }
  return out + '"';
}

/** Python's str order: by code point (JavaScript's default compares UTF-16 code units). */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let k = 0; k < Math.min(x.length, y.length); k++) if (x[k] !== y[k]) return x[k] - y[k];
  return x.length - y.length;
}

/** Python's `repr(float)`: the shortest digits that round-trip, positional when the decimal
 * exponent is in [-4, 16), else d.ddde±XX; always a "." or an exponent. */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  const [mant, exp] = Math.abs(x).toExponential().split("e");
  const digits = mant.replace(".", "");
  const e = Number(exp);
  if (e < -4 || e >= 16) {
    const rest = digits.length > 1 ? `.${digits.slice(1)}` : "";
    return `${sign}${digits[0]}${rest}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  const point = e + 1; // digits before the decimal point
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}.0`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
