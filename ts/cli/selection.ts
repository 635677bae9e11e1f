/**
 * What `treeseq stat` computes over: sample sets, genome windows and index tuples, as the
 * flags (or a job file) describe them. Each is parsed once per run (mistakes are usage errors,
 * before any file is read) and resolved against each file, where a set that does not fit the
 * file (an id it lacks) is that file's error.
 */
import { readFileSync } from "node:fs";
import { TreeSeqError, type TreeSequence } from "../index.js";
import { equalWindows, populationSampleSets } from "../grouping.js";
import { integerValue, lengthValue, UsageError } from "./args.js";

/** Named sample sets, in output order. */
export interface NamedSets {
  names: string[];
  sets: Int32Array[];
}

export type SampleSetsSpec =
  | { kind: "populations" }
  | { kind: "individuals" }
  | { kind: "all" }
  /** Ids of sample nodes (`ids:` on the command line) or of individuals (a TSV file). */
  | { kind: "explicit"; of: "sample" | "individual"; names: string[]; ids: number[][]; source: string };

export const SAMPLE_SETS_HELP =
  "populations (named from metadata; the default), individuals (one set per individual), all (one set), ids:NAME=0,1;NAME2=2,3, or a TSV file of sample (or individual) id and set name";

/** Parses `--sample-sets`. */
export function parseSampleSets(text: string): SampleSetsSpec {
  if (text === "populations" || text === "individuals" || text === "all") return { kind: text };
  if (text.startsWith("ids:")) {
    const names: string[] = [];
    const ids: number[][] = [];
    text
      .slice(4)
      .split(";")
      .forEach((part, i) => {
        const eq = part.indexOf("=");
        const name = eq >= 0 ? part.slice(0, eq).trim() : `set ${i}`;
        const list = (eq >= 0 ? part.slice(eq + 1) : part).split(",").filter((s) => s.trim() !== "");
        if (list.length === 0) throw new UsageError(`--sample-sets: set '${name}' has no ids`);
        names.push(name);
        ids.push(list.map((s) => integerValue(`--sample-sets (set '${name}')`, s, 0, 2 ** 31 - 1)));
      });
    return { kind: "explicit", of: "sample", names, ids, source: "--sample-sets" };
  }
  return readSetsFile(text);
}

/**
 * A TSV of `ID<tab>SET`: one line per sample (or individual), `#` comments and blank lines
 * skipped. A header line `sample<tab>...` or `individual<tab>...` says which ids these are
 * (samples without one). Sets are in order of first appearance.
 */
function readSetsFile(path: string): SampleSetsSpec {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(
      `--sample-sets: '${path}' is not populations, individuals, all or ids:..., and cannot be read as a file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  let of: "sample" | "individual" = "sample";
  const order = new Map<string, number[]>();
  const lines = text.split(/\r?\n/);
  let first = true;
  lines.forEach((line, i) => {
    if (line.trim() === "" || line.startsWith("#")) return;
    const cols = line.split("\t");
    if (first) {
      first = false;
      const head = cols[0].trim().toLowerCase();
      if (head === "sample" || head === "individual") {
        of = head;
        return;
      }
    }
    if (cols.length < 2 || cols[1].trim() === "")
      throw new UsageError(`--sample-sets ${path}, line ${i + 1}: expected ID<tab>SET, got '${line}'`);
    const id = integerValue(`--sample-sets ${path}, line ${i + 1}`, cols[0], 0, 2 ** 31 - 1);
    const name = cols[1].trim();
    if (!order.has(name)) order.set(name, []);
    order.get(name)!.push(id);
  });
  if (order.size === 0) throw new UsageError(`--sample-sets ${path}: no sets in the file`);
  return { kind: "explicit", of, names: [...order.keys()], ids: [...order.values()], source: path };
}

/** The sets of `spec` in `ts`. Throws BAD_SAMPLE_SETS when they do not fit the file. */
export function resolveSampleSets(ts: TreeSequence, spec: SampleSetsSpec): NamedSets {
  switch (spec.kind) {
    case "all":
      return { names: ["all"], sets: [ts.samples()] };
    case "populations": {
      const pops = populationSampleSets(ts);
      if (pops.length === 0) {
        throw new TreeSeqError(
          "BAD_SAMPLE_SETS",
          "--sample-sets populations: no sample of this file belongs to a population (try --sample-sets all)",
        );
      }
      return { names: pops.map((p) => p.name), sets: pops.map((p) => p.samples) };
    }
    case "individuals": {
      const byInd = individualSamples(ts);
      if (byInd.size === 0)
        throw new TreeSeqError("BAD_SAMPLE_SETS", "--sample-sets individuals: no sample of this file belongs to an individual");
      const ids = [...byInd.keys()].sort((a, b) => a - b);
      return { names: ids.map((i) => `individual ${i}`), sets: ids.map((i) => Int32Array.from(byInd.get(i)!)) };
    }
    case "explicit": {
      const isSample = sampleFlags(ts);
      const byInd = spec.of === "individual" ? individualSamples(ts) : null;
      const sets = spec.ids.map((ids, k) => {
        const out: number[] = [];
        for (const id of ids) {
          if (byInd) {
            const nodes = byInd.get(id);
            if (!nodes)
              throw new TreeSeqError(
                "BAD_SAMPLE_SETS",
                `${spec.source}: set '${spec.names[k]}': individual ${id} has no sample nodes in this file (it has ${ts.numIndividuals} individuals)`,
              );
            out.push(...nodes);
          } else {
            if (!isSample[id])
              throw new TreeSeqError("BAD_SAMPLE_SETS", `${spec.source}: set '${spec.names[k]}': node ${id} is not a sample of this file`);
            out.push(id);
          }
        }
        return Int32Array.from(out);
      });
      return { names: spec.names, sets };
    }
  }
}

/** Each individual's sample nodes, for the individuals that have any. */
function individualSamples(ts: TreeSequence): Map<number, number[]> {
  const ind = ts.tables.nodes.individual;
  const out = new Map<number, number[]>();
  for (const u of ts.samples()) {
    const i = ind[u];
    if (i < 0) continue;
    if (!out.has(i)) out.set(i, []);
    out.get(i)!.push(u);
  }
  return out;
}

function sampleFlags(ts: TreeSequence): Uint8Array {
  const is = new Uint8Array(ts.numNodes);
  for (const u of ts.samples()) is[u] = 1;
  return is;
}

export type WindowsSpec =
  | { kind: "whole" }
  | { kind: "count"; n: number }
  | { kind: "size"; size: number }
  | { kind: "trees" }
  | { kind: "sites" }
  | { kind: "breaks"; breaks: number[]; source: string };

export const WINDOWS_HELP = "N equal windows, trees (one per tree), sites (one per site, as tskit), or a file of breakpoints";

/** Parses `--windows` and `--window-size` (at most one of them). */
export function parseWindows(windows: string | undefined, windowSize: string | undefined): WindowsSpec {
  if (windows !== undefined && windowSize !== undefined) throw new UsageError("give --windows or --window-size, not both");
  if (windowSize !== undefined) return { kind: "size", size: lengthValue("--window-size", windowSize) };
  if (windows === undefined) return { kind: "whole" };
  if (windows === "trees" || windows === "sites") return { kind: windows };
  if (/^\s*\d+\s*$/.test(windows)) return { kind: "count", n: integerValue("--windows", windows) };
  let text: string;
  try {
    text = readFileSync(windows, "utf8");
  } catch (e) {
    throw new UsageError(
      `--windows: '${windows}' is not a count, trees or sites, and cannot be read as a file of breakpoints (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  const words = text.split(/[\s,]+/).filter((w) => w !== "" && !w.startsWith("#"));
  const breaks = words.map((w) => {
    const x = Number(w);
    if (!Number.isFinite(x)) throw new UsageError(`--windows ${windows}: '${w}' is not a position`);
    return x;
  });
  if (breaks.length < 2) throw new UsageError(`--windows ${windows}: needs at least two breakpoints, found ${breaks.length}`);
  return { kind: "breaks", breaks, source: windows };
}

/** The breakpoints of `spec` in `ts` (the core checks them as it checks any windows). */
export function resolveWindows(ts: TreeSequence, spec: WindowsSpec): number[] {
  const L = ts.sequenceLength;
  switch (spec.kind) {
    case "whole":
      return [0, L];
    case "count":
      return equalWindows(L, spec.n);
    case "size": {
      const b: number[] = [];
      for (let i = 0; i * spec.size < L; i++) b.push(i * spec.size);
      b.push(L);
      return b;
    }
    case "trees":
    case "sites":
      return namedWindows(ts, spec.kind);
    case "breaks":
      return spec.breaks;
  }
}

/** The breakpoints tskit's `windows="trees"` and `windows="sites"` stand for. */
export function namedWindows(ts: TreeSequence, name: "trees" | "sites"): number[] {
  if (name === "trees") return Array.from(ts.breakpoints());
  // tskit's windows="sites": 0, every site position but the first, then L.
  return [0, ...Array.from(ts.tables.sites.position.subarray(1)), ts.sequenceLength];
}

/** `--pairs`: every tuple (`all`) or the tuples listed, `0,1;0,2`. */
export type TuplesSpec = { kind: "all" } | { kind: "list"; tuples: number[][] };

export function parseTuples(text: string | undefined): TuplesSpec {
  if (text === undefined || text === "all") return { kind: "all" };
  const tuples = text.split(";").map((t) => t.split(",").map((s) => integerValue("--pairs", s, 0, 2 ** 31 - 1)));
  const k = tuples[0].length;
  if (k < 2 || tuples.some((t) => t.length !== k))
    throw new UsageError(`--pairs: expected 'all' or tuples of the same length >= 2 such as 0,1;0,2; got '${text}'`);
  return { kind: "list", tuples };
}

/** The k-tuples of `spec` over n sets: every combination i < j < ... for `all`. */
export function resolveTuples(spec: TuplesSpec, n: number, k: number, statistic: string): number[][] {
  if (spec.kind === "list") {
    if (spec.tuples[0].length !== k)
      throw new TreeSeqError(
        "BAD_PARAM",
        `--pairs: ${statistic} takes ${k}-tuples of sample sets, --pairs gives ${spec.tuples[0].length}-tuples`,
      );
    return spec.tuples;
  }
  if (n < k) throw new TreeSeqError("BAD_SAMPLE_SETS", `${statistic} needs at least ${k} sample sets, this file has ${n}`);
  const out: number[][] = [];
  const t: number[] = [];
  const rec = (start: number) => {
    if (t.length === k) {
      out.push([...t]);
      return;
    }
    for (let i = start; i < n; i++) {
      t.push(i);
      rec(i + 1);
      t.pop();
    }
  };
  rec(0);
  return out;
}
