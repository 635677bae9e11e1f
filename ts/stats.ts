/**
 * Statistics: the conversion of a camelCase options object into tskit's keyword arguments, and
 * the types of option values. The table of methods, the options each takes and each
 * statistic's options type are generated from the core's registry (generated/stats.ts, written
 * by `cargo run -p treeseq-core --example generate_ts`); the computation is in the core, once.
 */
import type { StatResult } from "./backend.js";
import { TreeSeqError, type ErrorCode } from "./errors.js";
import {
  OPTION_TO_TSKIT,
  RENAMED_OPTIONS,
  STAT_OPTIONS,
  type DivergenceOptions,
  type DiversityOptions,
  type StatName,
  type StatOptions,
  type TraitCovarianceOptions,
} from "./generated/stats.js";
import {
  booleanValue,
  floatList,
  idList,
  integerList,
  isList,
  isPlainObject,
  optionsObject,
  stringValue,
  toInteger,
  type Place,
} from "./values.js";

/** Node ids: a plain array or an `Int32Array` (such as `samples()` or part of it). */
export type IdList = readonly number[] | Int32Array;

/**
 * Sample sets: a list of sets, each a list of sample node ids; or one flat list of ids, which
 * is one set whose statistic axis tskit drops from the result.
 */
export type SampleSets = ReadonlyArray<IdList> | IdList;

/**
 * Genome windows: strictly increasing breakpoints, one window between each two (treeseq also
 * allows windows that do not start at 0 or end at the sequence length); `"trees"`, one window
 * per tree; `"sites"`, one per site. Absent or null: the whole genome, and no window axis.
 */
export type Windows = readonly number[] | Float64Array | "trees" | "sites" | null;

/** Time windows (branch mode only): increasing times from 0; the last may be `Infinity`. */
export type TimeWindows = readonly number[] | Float64Array | null;

/**
 * tskit's modes. `"site"` (the default): the statistic of the alleles at the sites, summed
 * along the genome. `"branch"`: its expectation under the infinite-sites model, each branch
 * weighted by its length in time (needs calibrated node times). `"node"`: one value per
 * node, as if every sample's allele were whether it descends from that node; adds a node axis
 * (`numNodes`) after the window axes.
 */
export type StatMode = "site" | "branch" | "node";

/**
 * tskit's two-locus statistics, `ldMatrix`'s `stat` (with `indexes`, only "r2", "D2" and
 * "D2_unbiased" are defined between two sets).
 */
export type LdStat = "r2" | "r" | "D" | "D2" | "D_prime" | "Dz" | "pi2" | "D2_unbiased" | "Dz_unbiased" | "pi2_unbiased";

/**
 * Index tuples into the sample sets (or into the columns of `weights`): a list of k-tuples,
 * one output each; or a single k-tuple, whose output axis tskit then drops. Absent: tskit's
 * default, the one tuple `[0, 1, ...]` when there are exactly k sets (axis dropped too).
 */
export type IndexTuples = ReadonlyArray<readonly number[]> | readonly number[];

/**
 * tskit's `W`: one row per sample (in `samples()` order), one column per trait; as rows, or
 * row-major `{ data, shape: [numSamples, k] }`.
 */
export type WeightMatrix =
  | ReadonlyArray<readonly number[] | Float64Array>
  | { readonly data: Float64Array | readonly number[]; readonly shape: readonly [number, number] };

/** An n-dimensional array, row-major: `pca`'s `rangeSketch` (given and returned). */
export interface ArrayWithShape {
  readonly data: Float64Array | readonly number[];
  readonly shape: readonly number[];
}

/**
 * tskit's `PCAResult`, each field `{ data, shape }` with tskit's shape: `factors`
 * `[windows?][dim][numComponents]`, `eigenvalues` `[windows?][numComponents]`, `rangeSketch`
 * `[windows?][dim][vectors]`, `errorBound` `[windows?]` (`[]` without windows).
 */
export interface PcaResult {
  factors: StatResult;
  eigenvalues: StatResult;
  rangeSketch: StatResult;
  errorBound: StatResult;
}

/**
 * Cuts the core's packed `pca` result (its four arrays one after the other; shape `[windows
 * given (0 or 1), windows, dim, components, vectors]`, see the core's `stats/pca.rs`) into
 * tskit's `PCAResult`.
 */
export function unpackPca(packed: StatResult): PcaResult {
  const [given, nw, dim, nc, nv] = packed.shape;
  const lead = given === 1 ? [nw] : [];
  let at = 0;
  const take = (n: number, shape: number[]): StatResult => {
    const data = packed.data.slice(at, at + n);
    at += n;
    return { data, shape: [...lead, ...shape] };
  };
  return {
    factors: take(nw * dim * nc, [dim, nc]),
    eigenvalues: take(nw * nc, [nc]),
    rangeSketch: take(nw * dim * nv, [dim, nv]),
    errorBound: take(nw, []),
  };
}

/**
 * What the statistics summed over the genealogy take (not the spectrum, the matrices or the
 * per-node statistics, whose options are their own).
 */
export type WindowOptions = Pick<StatOptions, "windows" | "mode" | "timeWindows">;

/** One-way statistics: diversity, segregatingSites (and y1, whose sets are required). */
export type OneWayStatOptions = DiversityOptions;

/** k-way statistics (divergence, fst, f2, y2: k = 2; f3, y3: k = 3; f4: k = 4). */
export type MultiWayStatOptions = DivergenceOptions;

/**
 * A summary function of `generalStat` and `sampleCountStat`: x is the vector of weight sums
 * (sample counts) below a node or of an allele; returns `outputDim` numbers. It must not use
 * variables from outside its own body.
 */
export type SummaryFunction = (x: Float64Array) => ArrayLike<number>;

/**
 * A summary function's values at the states the core asked for (custom-stats.ts): how f
 * crosses to the core, as a table.
 */
export class SummaryValues {
  constructor(
    readonly states: Float64Array,
    readonly values: Float64Array,
    /** Site mode: the first run's list of the sites' evaluations, as it came. */
    readonly replay?: Float64Array,
  ) {}
}

/** `kcDistance`'s options: the other tree sequence, and λ (default 0). */
export interface KcDistanceOptions {
  /** The tree sequence to compare with: the same sequence length and samples. */
  other: import("./treesequence.js").TreeSequence;
  /** tskit's `lambda_`: 0 (the default) compares topology only, 1 branch lengths only. */
  lambda?: number;
}

/** Statistics of traits: `weights` (tskit's `W`) instead of sample sets. */
export type TraitStatOptions = TraitCovarianceOptions;

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

/**
 * Reads each option with values.ts (the one place that says which JavaScript values stand for
 * what) and collects the arrays that cross beside the JSON, handing out placeholders for them.
 */
class ArrayPacker {
  private parts = { $i32: [] as ArrayLike<number>[], $f64: [] as ArrayLike<number>[] };
  private lengths = { $i32: 0, $f64: 0 };

  /** A list of node ids: a placeholder where all fit 32 bits, else exact JSON numbers for the
   * core to judge (it names what is wrong with which element). */
  ids(v: unknown, p: Place, code: ErrorCode = "BAD_PARAM"): unknown {
    const xs = idList(v, p, code);
    return xs instanceof Int32Array ? this.add("$i32", xs) : xs;
  }

  /** A list of numbers (windows, weights); `spelledInfinity` as in `floatList`. */
  floats(v: unknown, p: Place, spelledInfinity = false): unknown {
    return this.add("$f64", floatList(v, p, spelledInfinity));
  }

  private add(kind: "$i32" | "$f64", xs: ArrayLike<number>): unknown {
    const ref = { [kind]: [this.lengths[kind], xs.length] };
    this.parts[kind].push(xs);
    this.lengths[kind] += xs.length;
    return ref;
  }

  /** Sample sets: a list of id lists, or one flat list of ids (an empty list is flat). */
  idLists(v: unknown, p: Place): unknown {
    if (isList(v) && v.length > 0 && Array.prototype.every.call(v, isList)) {
      return Array.from(v as ArrayLike<unknown>, (s, i) => this.ids(s, { ...p, path: `${p.path}[${i}]` }, "BAD_SAMPLE_SETS"));
    }
    return this.ids(v, p, "BAD_SAMPLE_SETS");
  }

  /** Index tuples: a list of tuples, or one tuple. */
  indexes(v: unknown, p: Place): unknown {
    if (isList(v) && v.length > 0 && Array.prototype.every.call(v, isList)) {
      return Array.from(v as ArrayLike<unknown>, (t, i) => integerList(t, { ...p, path: `${p.path}[${i}]` }, "an index"));
    }
    return integerList(v, p, "an index");
  }

  /** `ldMatrix`'s `sites` (ids) or `positions` (numbers): a list of one list (rows and
   * columns alike) or of two (rows, columns); anything else goes on as JSON for the core to
   * refuse as tskit does. */
  loci(v: unknown, p: Place, ids: boolean): unknown {
    if (!isList(v) || !Array.prototype.every.call(v, isList)) return Array.isArray(v) ? v : String(v);
    return Array.from(v as ArrayLike<unknown>, (l, i) => {
      const q = { ...p, path: `${p.path}[${i}]` };
      return ids ? this.ids(l, q) : this.floats(l, q);
    });
  }

  /** `W`: a list of equal rows, or `{ data, shape }` (shape checked at full width by the core);
   * with `column`, a flat list of numbers too, as one column (tskit reshapes a 1-D `W` so in
   * `genetic_relatedness_vector`). */
  weights(v: unknown, p: Place, column = false): unknown {
    if (column && isList(v) && v.length > 0 && !Array.prototype.some.call(v, isList)) {
      const data = floatList(v, p);
      return { data: this.add("$f64", data), shape: [data.length, 1] };
    }
    if (isList(v) && v.length > 0) {
      const rows = Array.from(v as ArrayLike<unknown>, (r, i) => floatList(r, { ...p, path: `${p.path}[${i}]` }));
      const k = rows.length > 0 ? rows[0].length : 0;
      const ragged = rows.findIndex((r) => r.length !== k);
      if (ragged >= 0) {
        throw new TreeSeqError("BAD_PARAM", `${p.where}: ${p.path}[${ragged}] has ${rows[ragged].length} columns, row 0 has ${k}`);
      }
      const data = new Float64Array(rows.length * k);
      for (const [i, r] of rows.entries()) data.set(r, i * k);
      return { data: this.add("$f64", data), shape: [rows.length, k] };
    }
    if (isList(v)) return []; // no rows: the core says what it needs
    const o = optionsObject(v, ["data", "shape"], `${p.where}: ${p.path}`);
    return this.array(o, p);
  }

  /** `{ data, shape }` (pca's `rangeSketch`, and `W` in that form). */
  array(v: unknown, p: Place): unknown {
    const o = optionsObject(v, ["data", "shape"], `${p.where}: ${p.path}`);
    return {
      data: this.floats(o.data, { ...p, path: `${p.path}.data` }),
      shape: integerList(o.shape, { ...p, path: `${p.path}.shape` }, "a length"),
    };
  }

  /** A summary function, as the table of its values that custom-stats.ts made. */
  summaryTable(v: unknown, p: Place): unknown {
    if (!(v instanceof SummaryValues)) throw new TreeSeqError("BAD_PARAM", `${p.where}: ${p.path} must be a function, got ${typeof v}`);
    const table = { states: this.add("$f64", v.states), values: this.add("$f64", v.values) };
    return v.replay ? { ...table, replay: this.add("$f64", v.replay) } : table;
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

/**
 * Converts treeseq options to tskit's kwargs, refusing an option the statistic does not take
 * (the core's registry, generated into STAT_OPTIONS), under the name the caller wrote.
 */
export function toKwargs(name: StatName, options: StatOptions | undefined): StatArgs {
  const kwargs: Record<string, unknown> = {};
  const pack = new ArrayPacker();
  if (options === undefined || options === null) return pack.finish(kwargs);
  const renamed: Readonly<Record<string, string>> = RENAMED_OPTIONS[name] ?? {};
  if (isPlainObject(options)) {
    const old = Object.keys(options).find((k) => Object.hasOwn(renamed, k));
    if (old !== undefined) {
      throw new TreeSeqError("BAD_PARAM", `${name}: unknown option '${old}': treeseq, like tskit 1.0, names it '${renamed[old]}'`);
    }
  }
  const o = optionsObject(options, STAT_OPTIONS[name] as readonly string[], name);
  for (const [k, v] of Object.entries(o)) {
    const key = OPTION_TO_TSKIT[k as keyof typeof OPTION_TO_TSKIT];
    const p: Place = { where: name, path: k };
    if (v === undefined) continue;
    if (v === null) kwargs[key] = null;
    else if (k === "sampleSets") kwargs[key] = pack.idLists(v, p);
    else if (k === "focal") kwargs[key] = pack.ids(v, p);
    else if (k === "indexes") kwargs[key] = pack.indexes(v, p);
    else if (k === "windows") kwargs[key] = typeof v === "string" ? v : pack.floats(v, p, true);
    else if (k === "timeWindows") kwargs[key] = v === "nodes" ? v : pack.floats(v, p, true);
    else if (k === "quantiles") kwargs[key] = pack.floats(v, p);
    else if (k === "weights" || k === "covariates") kwargs[key] = pack.weights(v, p, name === "geneticRelatednessVector");
    else if (k === "nodes" || k === "samples" || k === "individuals") kwargs[key] = pack.ids(v, p);
    else if (k === "rangeSketch") kwargs[key] = pack.array(v, p);
    else if (k === "numComponents" || k === "numIterations" || k === "numOversamples" || k === "randomSeed") {
      kwargs[key] = toInteger(v, p);
    } else if (k === "mode") kwargs[key] = stringValue(v, p, `"site", "branch" or "node"`);
    else if (k === "numThreads") kwargs[key] = toInteger(v, p, "an integer (it is ignored)");
    else if (k === "outputDim") kwargs[key] = toInteger(v, p, "a positive integer");
    else if (k === "f") kwargs[key] = pack.summaryTable(v, p);
    else if (k === "stat") kwargs[key] = stringValue(v, p, "a two-locus statistic's name");
    else if (k === "sites" || k === "positions") kwargs[key] = pack.loci(v, p, k === "sites");
    else kwargs[key] = booleanValue(v, p); // spanNormalise, polarised, proportion, centre, pairNormalise
  }
  return pack.finish(kwargs);
}

export type { StatResult };
export {
  STATISTICS,
  STAT_OPTIONS,
  type StatName,
  type StatOptions,
  type StatOptionsMap,
  type DiversityOptions,
  type TajimasDOptions,
  type Y1Options,
  type GeneticRelatednessOptions,
  type GeneticRelatednessWeightedOptions,
  type AlleleFrequencySpectrumOptions,
  type DivergenceMatrixOptions,
  type GeneticRelatednessMatrixOptions,
  type MeanDescendantsOptions,
  type GenealogicalNearestNeighboursOptions,
  type LdMatrixOptions,
  type PairCoalescenceCountsOptions,
  type PairCoalescenceQuantilesOptions,
  type PairCoalescenceRatesOptions,
  type TraitLinearModelOptions,
  type GeneralStatOptions,
  type SampleCountStatOptions,
  type GeneticRelatednessVectorOptions,
  type PcaOptions,
} from "./generated/stats.js";
