/**
 * Statistics: the table of tskit's methods and the conversion of a camelCase options object
 * into tskit's keyword arguments. The computation itself is in the Rust core, once.
 */
import type { StatResult } from "./backend.js";
import { TreeSeqError } from "./errors.js";

/** treeseq name -> tskit name. */
export const STATISTICS = {
  diversity: "diversity",
  segregatingSites: "segregating_sites",
  tajimasD: "Tajimas_D",
  y1: "Y1",
  divergence: "divergence",
  fst: "Fst",
  f2: "f2",
  y2: "Y2",
  f3: "f3",
  y3: "Y3",
  f4: "f4",
  geneticRelatedness: "genetic_relatedness",
  geneticRelatednessWeighted: "genetic_relatedness_weighted",
  traitCovariance: "trait_covariance",
  traitCorrelation: "trait_correlation",
  alleleFrequencySpectrum: "allele_frequency_spectrum",
  divergenceMatrix: "divergence_matrix",
  geneticRelatednessMatrix: "genetic_relatedness_matrix",
  meanDescendants: "mean_descendants",
  genealogicalNearestNeighbours: "genealogical_nearest_neighbours",
} as const;

export type StatName = keyof typeof STATISTICS;

export type IdList = number[] | Int32Array;
export interface StatOptions {
  sampleSets?: IdList[] | IdList;
  indexes?: number[][] | number[];
  windows?: number[] | Float64Array | "trees" | "sites" | null;
  timeWindows?: number[] | Float64Array | null;
  mode?: "site" | "branch" | "node";
  spanNormalise?: boolean;
  polarised?: boolean;
  proportion?: boolean;
  centre?: boolean;
  /** tskit's `W`: rows = samples. */
  weights?: number[][] | { data: Float64Array | number[]; shape: [number, number] };
  focal?: IdList;
  referenceSets?: IdList[];
}

const OPTION_TO_TSKIT: Record<string, string> = {
  sampleSets: "sample_sets",
  indexes: "indexes",
  windows: "windows",
  timeWindows: "time_windows",
  mode: "mode",
  spanNormalise: "span_normalise",
  polarised: "polarised",
  proportion: "proportion",
  centre: "centre",
  weights: "W",
  focal: "focal",
  referenceSets: "reference_sets",
};

/** Typed arrays (at any depth) become plain arrays, so that the options cross as JSON. */
function plain(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

/**
 * A statistic's arguments as they cross to the core: tskit's keyword arguments as JSON, with
 * the large numeric arrays (sample sets, focal nodes, windows, time windows, `W`) moved into
 * two typed arrays beside it. The JSON names each moved array by a placeholder,
 * `{"$i32": [offset, length]}` or `{"$f64": [offset, length]}`. Writing 300,000 sample ids
 * as JSON text and parsing them again took longer than many statistics take to compute.
 */
export interface StatArgs {
  json: string;
  i32s: Int32Array;
  f64s: Float64Array;
}

const INT32_MIN = -(2 ** 31), INT32_MAX = 2 ** 31 - 1;

/** Collects arrays and hands out placeholders for them. */
class ArrayPacker {
  private parts = { $i32: [] as ArrayLike<number>[], $f64: [] as ArrayLike<number>[] };
  private lengths = { $i32: 0, $f64: 0 };

  /** A placeholder for a list of node ids, or the list as plain JSON when it is not one
   * (non-integers, out of range: the core then says what is wrong with which element). */
  ids(v: unknown): unknown {
    const xs = numbers(v, false);
    return xs !== null && (xs instanceof Int32Array || allInt32(xs)) ? this.add("$i32", xs) : plain(v);
  }

  /** A placeholder for a list of numbers (windows, weights), or plain JSON when it is not one. */
  floats(v: unknown): unknown {
    const xs = numbers(v, true);
    return xs !== null ? this.add("$f64", xs) : plain(v);
  }

  private add(kind: "$i32" | "$f64", xs: ArrayLike<number>): unknown {
    const ref = { [kind]: [this.lengths[kind], xs.length] };
    this.parts[kind].push(xs);
    this.lengths[kind] += xs.length;
    return ref;
  }

  /** Sample sets: a list of id lists, or one flat list of ids. */
  idLists(v: unknown): unknown {
    if (Array.isArray(v) && v.length > 0 && v.every((s) => Array.isArray(s) || ArrayBuffer.isView(s))) return v.map((s) => this.ids(s));
    return this.ids(v);
  }

  /** `W`: a list of equal rows, or `{data, shape}`; anything else stays JSON for the core to refuse. */
  weights(v: unknown): unknown {
    if (Array.isArray(v) && v.length > 0 && v.every((r) => Array.isArray(r) || ArrayBuffer.isView(r))) {
      const rows = v as ArrayLike<number>[];
      const k = rows[0].length;
      const numeric = rows.every((r) => r.length === k && Array.prototype.every.call(r, (x: unknown) => typeof x === "number"));
      if (!numeric) return plain(v);
      const data = new Float64Array(rows.length * k);
      rows.forEach((r, i) => data.set(r, i * k));
      return { data: this.floats(data), shape: [rows.length, k] };
    }
    if (v && typeof v === "object" && !Array.isArray(v) && !ArrayBuffer.isView(v) && "data" in v) {
      const { data, ...rest } = v as { data: unknown };
      return { ...(plain(rest) as object), data: this.floats(data) };
    }
    return plain(v);
  }

  finish(kwargs: Record<string, unknown>): StatArgs {
    const join = <T extends Int32Array | Float64Array>(out: T, parts: ArrayLike<number>[]): T => {
      let off = 0;
      for (const p of parts) {
        out.set(p, off);
        off += p.length;
      }
      return out;
    };
    return {
      json: JSON.stringify(kwargs),
      i32s: join(new Int32Array(this.lengths.$i32), this.parts.$i32),
      f64s: join(new Float64Array(this.lengths.$f64), this.parts.$f64),
    };
  }
}

/** `v` as numbers: a typed array of numbers (integer types only, unless `floats`), or a plain
 * array whose every element is a number; null otherwise (BigInt arrays, DataViews, mixed
 * lists). */
function numbers(v: unknown, floats: boolean): ArrayLike<number> | null {
  if (Array.isArray(v)) return v.every((x) => typeof x === "number") ? (v as number[]) : null;
  if (!ArrayBuffer.isView(v) || v instanceof DataView) return null;
  if (typeof BigInt64Array !== "undefined" && (v instanceof BigInt64Array || v instanceof BigUint64Array)) return null;
  if (!floats && (v instanceof Float32Array || v instanceof Float64Array)) return null;
  return v as unknown as ArrayLike<number>;
}

function allInt32(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x !== "number" || !Number.isInteger(x) || x < INT32_MIN || x > INT32_MAX) return false;
  }
  return true;
}

/** Converts treeseq options to tskit's kwargs, refusing names tskit would not know. */
export function toKwargs(name: string, options: StatOptions | undefined): StatArgs {
  const kwargs: Record<string, unknown> = {};
  const pack = new ArrayPacker();
  if (options === undefined || options === null) return pack.finish(kwargs);
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new TreeSeqError("BAD_PARAM", `${name}: expected an options object such as { sampleSets, windows, mode }`);
  }
  for (const [k, v] of Object.entries(options)) {
    const key = OPTION_TO_TSKIT[k];
    if (!key) {
      throw new TreeSeqError("BAD_PARAM", `${name}: unknown option '${k}' (known: ${Object.keys(OPTION_TO_TSKIT).join(", ")})`);
    }
    if (v === undefined) continue;
    if (v === null) kwargs[key] = null;
    else if (k === "sampleSets" || k === "referenceSets") kwargs[key] = pack.idLists(v);
    else if (k === "focal") kwargs[key] = pack.ids(v);
    else if (k === "windows" || k === "timeWindows") kwargs[key] = typeof v === "string" ? v : pack.floats(v);
    else if (k === "weights") kwargs[key] = pack.weights(v);
    else kwargs[key] = plain(v);
  }
  return pack.finish(kwargs);
}

export type { StatResult };
