/**
 * Sample sets, pairs and windows built from a tree sequence, for the command line, the
 * browser demo and the benchmark (one implementation for all three; not part of the API).
 */
import type { TreeSequence } from "./treesequence.js";

export interface PopulationSet {
  population: number;
  /** The population's metadata `name` (`metadataName`), else "population i". */
  name: string;
  samples: Int32Array;
}

/** The samples of each population that has any, in population order (empty if none has). */
export function populationSampleSets(ts: TreeSequence): PopulationSet[] {
  const pop = ts.tables.nodes.population;
  const members = new Map<number, number[]>();
  for (const u of ts.samples()) {
    const p = pop[u];
    if (p < 0) continue; // as tskit's ts.samples(population=p), never TSK_NULL
    if (!members.has(p)) members.set(p, []);
    members.get(p)!.push(u);
  }
  return [...members.keys()]
    .sort((a, b) => a - b)
    .map((population) => ({
      population,
      name: populationName(ts, population),
      samples: Int32Array.from(members.get(population)!),
    }));
}

function populationName(ts: TreeSequence, population: number): string {
  try {
    return metadataName(ts, population) ?? `population ${population}`;
  } catch {
    return `population ${population}`; // metadata that does not decode: the id names it
  }
}

/**
 * A population's name as tskit's convention has it: the `name` property of its metadata,
 * decoded by the table's schema; undefined where it has none. Throws `BAD_METADATA` where the
 * row does not decode (the caller says what to do then).
 */
export function metadataName(ts: TreeSequence, population: number): string | undefined {
  const md = ts.decodeRowMetadata("populations", population);
  const name = md !== null && typeof md === "object" ? (md as { name?: unknown }).name : undefined;
  return typeof name === "string" && name !== "" ? name : undefined;
}

/** Every pair [i, j], i < j, of n sample sets. */
export function allPairs(n: number): number[][] {
  const pairs: number[][] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.push([i, j]);
  return pairs;
}

/** n equal windows over [0, sequenceLength], the last ending exactly at the sequence length. */
export function equalWindows(sequenceLength: number, n: number): number[] {
  return Array.from({ length: n + 1 }, (_, i) => (i === n ? sequenceLength : (i * sequenceLength) / n));
}
