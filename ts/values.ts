/**
 * Every value a caller hands treeseq (statistic options, init options, ids and indexes given to
 * trees and tables) is read here, once: what JavaScript types stand for which numbers, and what
 * is refused, with the option and the element named.
 *
 * The rules:
 * - A number is a `number` or a `BigInt`; a BigInt is taken where it fits in ±(2^53 − 1)
 *   (then it is exactly a `number`) and refused by name where it does not. Lists may be plain
 *   arrays, numeric typed arrays, or `BigInt64Array` / `BigUint64Array` under the same rule.
 * - Nothing is silently changed on the way to the core: JSON would drop a function, turn NaN,
 *   Infinity and `undefined` in a list into `null`, and throw on a BigInt; here each of these
 *   is either converted exactly or refused.
 * - A value of the wrong type (a function, a symbol, a string or an object where a number
 *   belongs, a Map, a Date...) is `BAD_PARAM`. A number of the right type but a wrong value
 *   (1.5 as an id, -1, an id past the last node) is left to the core, which judges values and
 *   names the element in tskit's words; only values JSON cannot carry (NaN, ±Infinity as an
 *   integer) are refused here, with the code the caller gives (e.g. `BAD_SAMPLE_SETS`).
 */
import { TreeSeqError, type ErrorCode } from "./errors.js";

const MAX_SAFE = Number.MAX_SAFE_INTEGER; // 2^53 - 1
const INT32_MIN = -(2 ** 31),
  INT32_MAX = 2 ** 31 - 1;

/** `where`: the call ("diversity", "init", "Tree.parent"); `path`: the value in it ("sampleSets[0][2]"). */
export interface Place {
  where: string;
  path: string;
}

const at = (p: Place, suffix: string | number): Place => ({
  where: p.where,
  path: typeof suffix === "number" ? `${p.path}[${suffix}]` : `${p.path}.${suffix}`,
});

function fail(p: Place, code: ErrorCode, what: string): never {
  throw new TreeSeqError(code, `${p.where}: ${p.path} ${what}`);
}

/** How a value is named in a message: its type, and the value itself where short. */
export function describe(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : String(v);
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "string") return `a string (${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)})`;
  if (typeof v === "function") return "a function";
  if (typeof v === "symbol") return "a symbol";
  if (typeof v === "boolean") return `${v}`;
  if (Array.isArray(v)) return "an array";
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  const name = Object.getPrototypeOf(v)?.constructor?.name;
  return name && name !== "Object" ? `a ${name}` : "an object";
}

/** A BigInt as an exact number, or a BAD_PARAM naming it. */
function fromBigInt(v: bigint, p: Place): number {
  if (v > BigInt(MAX_SAFE) || v < -BigInt(MAX_SAFE)) {
    fail(p, "BAD_PARAM", `is ${v}n, outside ±(2^53 − 1), the integers a JavaScript number holds exactly`);
  }
  return Number(v);
}

/** A number (or a BigInt that fits); anything else is a BAD_PARAM saying what was expected. */
export function toNumber(v: unknown, p: Place, expected = "a number"): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return fromBigInt(v, p);
  return fail(p, "BAD_PARAM", `is ${describe(v)}, not ${expected}`);
}

/**
 * An integer: a number with an integer value or a BigInt, within ±(2^53 − 1). `code` is used
 * for a number of the right type whose value is not an integer.
 */
export function toInteger(v: unknown, p: Place, expected = "an integer", code: ErrorCode = "BAD_PARAM"): number {
  const x = toNumber(v, p, expected);
  if (!Number.isSafeInteger(x)) fail(p, code, `is ${describe(x)}, not ${expected}`);
  return x;
}

const isBigIntArray = (v: unknown): v is BigInt64Array | BigUint64Array =>
  typeof BigInt64Array !== "undefined" && (v instanceof BigInt64Array || v instanceof BigUint64Array);

/** A list: a plain array or a typed array (not a DataView), as something indexable. */
export function isList(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

function list(v: unknown, p: Place, expected: string): ArrayLike<unknown> {
  if (!isList(v)) fail(p, "BAD_PARAM", `is ${describe(v)}, not ${expected}`);
  return v;
}

/**
 * A list of node ids (or other integer ids): an `Int32Array` where every id fits 32 bits
 * (what crosses to the core beside the JSON), else exact JSON numbers for the core to judge
 * and name (1.5, 2^40). `code` is the code for NaN and ±Infinity (which JSON cannot carry).
 */
export function idList(v: unknown, p: Place, code: ErrorCode = "BAD_PARAM"): Int32Array | number[] {
  if (v instanceof Int32Array) return v;
  const xs = list(v, p, "a list of node ids");
  const out = new Array<number>(xs.length);
  let int32 = true;
  for (let i = 0; i < xs.length; i++) {
    const x = toNumber(xs[i], at(p, i), "a node id");
    if (!Number.isFinite(x)) fail(at(p, i), code, `is ${describe(x)}, not a node id`);
    if (!Number.isInteger(x) || x < INT32_MIN || x > INT32_MAX) int32 = false;
    out[i] = x;
  }
  return int32 ? Int32Array.from(out) : out;
}

/** The core's JSON spellings of +Infinity (JSON has none), for an open-ended window. */
const INFINITY = /^(\+?inf|infinity)$/i;

/**
 * A list of numbers (windows, weights): NaN and ±Infinity are kept (they cross as float64).
 * `spelledInfinity`: also take the strings the core reads as +Infinity ("inf", "Infinity").
 */
export function floatList(v: unknown, p: Place, spelledInfinity = false): Float64Array {
  if (v instanceof Float64Array) return v;
  const xs = list(v, p, "a list of numbers");
  if (!isBigIntArray(xs) && ArrayBuffer.isView(xs)) return Float64Array.from(xs as ArrayLike<number>);
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    out[i] = spelledInfinity && typeof x === "string" && INFINITY.test(x) ? Infinity : toNumber(x, at(p, i));
  }
  return out;
}

/** A list of integers (index tuples, shapes), as exact JSON numbers. */
export function integerList(v: unknown, p: Place, expected = "an integer"): number[] {
  const xs = list(v, p, `a list of integers`);
  return Array.from({ length: xs.length }, (_, i) => toInteger(xs[i], at(p, i), expected));
}

/** An object literal (from any realm: a worker's, an iframe's), not a Map, a Date or a class's instance. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || isList(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** A string option (mode): refused by type here, by value in the core. */
export function stringValue(v: unknown, p: Place, expected: string): string {
  if (typeof v !== "string") fail(p, "BAD_PARAM", `is ${describe(v)}, not ${expected}`);
  return v;
}

/** A boolean option. */
export function booleanValue(v: unknown, p: Place): boolean {
  if (typeof v !== "boolean") fail(p, "BAD_PARAM", `is ${describe(v)}, not true or false`);
  return v;
}

/** An options object: a plain object whose keys are all among `known`. */
export function optionsObject(v: unknown, known: readonly string[], where: string): Record<string, unknown> {
  if (!isPlainObject(v)) {
    throw new TreeSeqError(
      "BAD_PARAM",
      `${where}: options must be an object such as { ${known.slice(0, 3).join(", ")} }, not ${describe(v)}`,
    );
  }
  for (const k of Object.keys(v)) {
    if (!known.includes(k)) throw new TreeSeqError("BAD_PARAM", `${where}: unknown option '${k}' (known: ${known.join(", ")})`);
  }
  return v;
}
