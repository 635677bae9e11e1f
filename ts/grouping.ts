/**
 * Sample sets, pairs and windows built from a tree sequence, for the command line, the
 * browser demo and the benchmark (one implementation for all three; not part of the API).
 */
import type { TreeSequence } from "./treesequence.js";

export interface PopulationSet {
  population: number;
  /** The population's metadata `name` where its metadata is JSON with one, else "population i". */
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
  return [...members.keys()].sort((a, b) => a - b).map((population) => ({
    population,
    name: populationName(ts, population),
    samples: Int32Array.from(members.get(population)!),
  }));
}

function populationName(ts: TreeSequence, population: number): string {
  try {
    const bytes = ts.tables.populations.metadata(population) as Uint8Array;
    const md = JSON.parse(new TextDecoder().decode(bytes.slice()));
    if (typeof md?.name === "string" && md.name) return md.name;
  } catch {
    // metadata that is not JSON (or empty): the population's id names it
  }
  return `population ${population}`;
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
