/**
 * Statistics: the table of tskit's methods and the conversion of a camelCase options object
 * into tskit's keyword arguments. The computation itself is in the Rust core, once.
 */
import type { StatResult } from "./backend.js";
import { TreeSeqError, type ErrorCode } from "./errors.js";
import {
  booleanValue, floatList, idList, integerList, isList, isPlainObject, optionsObject, stringValue, type Place,
} from "./values.js";

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

/**
 * What the statistics summed over the genealogy take (not the spectrum, the matrices or the
 * per-node statistics, whose options are their own).
 */
export interface WindowOptions {
  windows?: Windows;
  mode?: StatMode;
  /**
   * Branch mode only: adds a time-window axis after the window axis. tskit 1.0.3 takes it
   * only in `allele_frequency_spectrum`; treeseq takes it here too.
   */
  timeWindows?: TimeWindows;
}

/** Tajima's D: tskit's `Tajimas_D` has no `span_normalise` (D is a ratio). */
export interface TajimasDOptions extends WindowOptions {
  /** Default: all samples, as one set (no statistic axis). */
  sampleSets?: SampleSets;
}

/** One-way statistics: diversity, segregatingSites (and y1, whose sets are required). */
export interface OneWayStatOptions extends TajimasDOptions {
  /** Divide each window's value by its span (default true): a value per unit of sequence. */
  spanNormalise?: boolean;
}

export interface Y1Options extends OneWayStatOptions {
  sampleSets: SampleSets;
}

/** k-way statistics (divergence, fst, f2, y2: k = 2; f3, y3: k = 3; f4: k = 4). */
export interface MultiWayStatOptions extends WindowOptions {
  /** A list of sets (a flat list of ids is refused: index tuples need several sets). */
  sampleSets: ReadonlyArray<IdList>;
  indexes?: IndexTuples;
  spanNormalise?: boolean;
}

export interface GeneticRelatednessOptions extends MultiWayStatOptions {
  /** Default true (unlike most statistics): the ancestral allele is left out. */
  polarised?: boolean;
  /**
   * Default true: divided by `segregatingSites` of the union of the sets, with the same
   * windows and mode (so `spanNormalise` then has no effect).
   */
  proportion?: boolean;
  /** Default true: relative to the rest of the sets, `E[m(I,J) - m(I,S) - m(J,T) + m(S,T)]`. */
  centre?: boolean;
}

/** Statistics of traits: `weights` (tskit's `W`) instead of sample sets. */
export interface TraitStatOptions extends WindowOptions {
  weights: WeightMatrix;
  spanNormalise?: boolean;
}

export interface GeneticRelatednessWeightedOptions extends TraitStatOptions {
  /** Pairs of columns of `weights`. */
  indexes?: IndexTuples;
  /** Default false. */
  polarised?: boolean;
  /** Default true: the relatedness summed over is centred, as in `geneticRelatedness`. */
  centre?: boolean;
}

export interface AlleleFrequencySpectrumOptions {
  /** Default: all samples as one set. A flat list is one set too: the spectrum keeps its axis. */
  sampleSets?: SampleSets;
  windows?: Windows;
  timeWindows?: TimeWindows;
  /** No node mode for the spectrum. */
  mode?: "site" | "branch";
  spanNormalise?: boolean;
  /** Default false: the folded spectrum (minor allele counts). */
  polarised?: boolean;
}

export interface DivergenceMatrixOptions {
  /** Default: one set per sample. A flat list of ids is one set per id. */
  sampleSets?: SampleSets;
  windows?: Windows;
  mode?: "site" | "branch";
  spanNormalise?: boolean;
}

export interface GeneticRelatednessMatrixOptions {
  /** Default: one set per sample. Must be a list of sets (tskit fails on a flat list). */
  sampleSets?: ReadonlyArray<IdList>;
  windows?: Windows;
  mode?: "site" | "branch";
  spanNormalise?: boolean;
}

export interface MeanDescendantsOptions {
  /** The reference sets: lists of any nodes (not only samples); they may overlap. */
  sampleSets: ReadonlyArray<IdList>;
}

export interface GenealogicalNearestNeighboursOptions {
  /** The nodes whose neighbours are found. */
  focal: IdList;
  /** The reference sets (tskit's keyword is `sample_sets`): disjoint lists of nodes. */
  sampleSets: ReadonlyArray<IdList>;
}

/** Each statistic's options type, by treeseq name. */
export interface StatOptionsMap {
  diversity: OneWayStatOptions;
  segregatingSites: OneWayStatOptions;
  tajimasD: TajimasDOptions;
  y1: Y1Options;
  divergence: MultiWayStatOptions;
  fst: MultiWayStatOptions;
  f2: MultiWayStatOptions;
  y2: MultiWayStatOptions;
  f3: MultiWayStatOptions;
  y3: MultiWayStatOptions;
  f4: MultiWayStatOptions;
  geneticRelatedness: GeneticRelatednessOptions;
  geneticRelatednessWeighted: GeneticRelatednessWeightedOptions;
  traitCovariance: TraitStatOptions;
  traitCorrelation: TraitStatOptions;
  alleleFrequencySpectrum: AlleleFrequencySpectrumOptions;
  divergenceMatrix: DivergenceMatrixOptions;
  geneticRelatednessMatrix: GeneticRelatednessMatrixOptions;
  meanDescendants: MeanDescendantsOptions;
  genealogicalNearestNeighbours: GenealogicalNearestNeighboursOptions;
}

/**
 * Every option some statistic takes, for code that passes options through without knowing
 * the statistic (the CLI). A statistic refuses the ones it does not take, at run time, with
 * `BAD_PARAM`; each method's own options type (`StatOptionsMap`) refuses them at compile time.
 */
export interface StatOptions {
  sampleSets?: SampleSets;
  indexes?: IndexTuples;
  windows?: Windows;
  timeWindows?: TimeWindows;
  mode?: StatMode;
  spanNormalise?: boolean;
  polarised?: boolean;
  proportion?: boolean;
  centre?: boolean;
  weights?: WeightMatrix;
  focal?: IdList;
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
};

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

  /** `W`: a list of equal rows, or `{ data, shape }` (shape checked at full width by the core). */
  weights(v: unknown, p: Place): unknown {
    if (isList(v) && v.length > 0) {
      const rows = Array.from(v as ArrayLike<unknown>, (r, i) => floatList(r, { ...p, path: `${p.path}[${i}]` }));
      const k = rows.length > 0 ? rows[0].length : 0;
      const ragged = rows.findIndex((r) => r.length !== k);
      if (ragged >= 0) {
        throw new TreeSeqError("BAD_PARAM", `${p.where}: ${p.path}[${ragged}] has ${rows[ragged].length} columns, row 0 has ${k}`);
      }
      const data = new Float64Array(rows.length * k);
      rows.forEach((r, i) => data.set(r, i * k));
      return { data: this.add("$f64", data), shape: [rows.length, k] };
    }
    if (isList(v)) return []; // no rows: the core says what it needs
    const o = optionsObject(v, ["data", "shape"], `${p.where}: ${p.path}`);
    return {
      data: this.floats(o.data, { ...p, path: `${p.path}.data` }),
      shape: integerList(o.shape, { ...p, path: `${p.path}.shape` }, "a length"),
    };
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

/** Converts treeseq options to tskit's kwargs, refusing names tskit would not know. */
export function toKwargs(name: string, options: StatOptions | undefined): StatArgs {
  const kwargs: Record<string, unknown> = {};
  const pack = new ArrayPacker();
  if (options === undefined || options === null) return pack.finish(kwargs);
  if (isPlainObject(options) && "referenceSets" in options) {
    // tskit 1.0 took `reference_sets` in mean_descendants and genealogical_nearest_neighbours
    // and renamed it `sample_sets`, the name treeseq uses.
    throw new TreeSeqError("BAD_PARAM", `${name}: unknown option 'referenceSets': treeseq, like tskit 1.0, names the reference sets 'sampleSets'`);
  }
  const o = optionsObject(options, Object.keys(OPTION_TO_TSKIT), name);
  for (const [k, v] of Object.entries(o)) {
    const key = OPTION_TO_TSKIT[k];
    const p: Place = { where: name, path: k };
    if (v === undefined) continue;
    if (v === null) kwargs[key] = null;
    else if (k === "sampleSets") kwargs[key] = pack.idLists(v, p);
    else if (k === "focal") kwargs[key] = pack.ids(v, p);
    else if (k === "indexes") kwargs[key] = pack.indexes(v, p);
    else if (k === "windows") kwargs[key] = typeof v === "string" ? v : pack.floats(v, p, true);
    else if (k === "timeWindows") kwargs[key] = pack.floats(v, p, true);
    else if (k === "weights") kwargs[key] = pack.weights(v, p);
    else if (k === "mode") kwargs[key] = stringValue(v, p, `"site", "branch" or "node"`);
    else kwargs[key] = booleanValue(v, p); // spanNormalise, polarised, proportion, centre
  }
  return pack.finish(kwargs);
}

export type { StatResult };
