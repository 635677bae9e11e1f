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

/** Converts treeseq options to tskit's kwargs, refusing names tskit would not know. */
export function toKwargs(name: string, options: StatOptions | undefined): Record<string, unknown> {
  const kwargs: Record<string, unknown> = {};
  if (options === undefined || options === null) return kwargs;
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new TreeSeqError("BAD_PARAM", `${name}: expected an options object such as { sampleSets, windows, mode }`);
  }
  for (const [k, v] of Object.entries(options)) {
    const key = OPTION_TO_TSKIT[k];
    if (!key) {
      throw new TreeSeqError("BAD_PARAM", `${name}: unknown option '${k}' (known: ${Object.keys(OPTION_TO_TSKIT).join(", ")})`);
    }
    if (v !== undefined) kwargs[key] = plain(v);
  }
  return kwargs;
}

export type { StatResult };
