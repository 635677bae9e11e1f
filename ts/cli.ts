#!/usr/bin/env node
/**
 * treeseq's command line, for batch jobs:
 *   treeseq summary FILE [--backend native|wasm|both] [--threads N]
 *   treeseq stat METHOD FILE [--options JSON] [--sample-sets populations] [--pairs all]
 *                [--num-windows N] [--backend ...] [--threads N] [--out FILE.json]
 * METHOD is a treeseq statistic name (diversity, fst, ...); --options is its options object.
 * --sample-sets populations: one sample set per population that has samples (in population
 * order); --pairs all: every pair of those sets as `indexes`; --num-windows N: N equal windows
 * over the genome. The output JSON then also says which sets, pairs and windows were used.
 */
import { writeFileSync } from "node:fs";
import { init, load, TreeSeqError, type BackendChoice, type TreeSequence } from "./index.js";
import { STATISTICS, type StatName } from "./stats.js";
import { allPairs, equalWindows, populationSampleSets } from "./grouping.js";

const USAGE = `usage:
  treeseq summary FILE [--backend native|wasm|auto|both] [--threads N]
  treeseq stat METHOD FILE [--options JSON] [--sample-sets populations] [--pairs all]
               [--num-windows N] [--backend ...] [--threads N] [--out FILE.json]
statistics: ${Object.keys(STATISTICS).join(", ")}`;

function parseArgs(argv: string[]) {
  const pos: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--")) {
      const [k, v] = a.slice(2).split("=", 2);
      flags[k] = v ?? argv[++i] ?? "";
    } else pos.push(a);
  }
  return { pos, flags };
}

/** Applies --sample-sets, --pairs and --num-windows to `options`; returns what they chose. */
function expandFlags(ts: TreeSequence, flags: Record<string, string>, options: Record<string, unknown>) {
  const chosen: Record<string, unknown> = {};
  if (flags["sample-sets"] !== undefined) {
    if (flags["sample-sets"] !== "populations") {
      throw new TreeSeqError("BAD_PARAM", `--sample-sets: expected "populations", got "${flags["sample-sets"]}"`);
    }
    if (options.sampleSets !== undefined) throw new TreeSeqError("BAD_PARAM", "give sample sets either in --options or as --sample-sets, not both");
    const sets = populationSampleSets(ts);
    if (sets.length === 0) {
      throw new TreeSeqError("BAD_PARAM", "--sample-sets populations: no sample of this file belongs to a population");
    }
    options.sampleSets = sets.map((s) => s.samples);
    chosen.sampleSets = sets.map(({ population, name, samples }) => ({ population, name, size: samples.length }));
  }
  if (flags.pairs !== undefined) {
    if (flags.pairs !== "all") throw new TreeSeqError("BAD_PARAM", `--pairs: expected "all", got "${flags.pairs}"`);
    const n = (options.sampleSets as unknown[] | undefined)?.length;
    if (!n || n < 2) throw new TreeSeqError("BAD_PARAM", "--pairs all needs at least two sample sets");
    if (options.indexes !== undefined) throw new TreeSeqError("BAD_PARAM", "give indexes either in --options or as --pairs, not both");
    options.indexes = chosen.indexes = allPairs(n);
  }
  if (flags["num-windows"] !== undefined) {
    const n = Number(flags["num-windows"]);
    if (!Number.isInteger(n) || n < 1) throw new TreeSeqError("BAD_PARAM", `--num-windows: expected a positive integer, got "${flags["num-windows"]}"`);
    if (options.windows !== undefined) throw new TreeSeqError("BAD_PARAM", "give windows either in --options or as --num-windows, not both");
    options.windows = chosen.windows = equalWindows(ts.sequenceLength, n);
  }
  return chosen;
}

async function main(): Promise<number> {
  const { pos, flags } = parseArgs(process.argv.slice(2));
  const [cmd, ...rest] = pos;
  if (!cmd || flags.help !== undefined || cmd === "help") {
    console.log(USAGE);
    return cmd ? 0 : 2;
  }
  const threads = flags.threads ? Number(flags.threads) : undefined;
  const which = (flags.backend ?? "auto") as BackendChoice | "both";
  const backends: BackendChoice[] = which === "both" ? ["native", "wasm"] : [which];

  for (const backend of backends) {
    const info = await init({ backend, threads });
    if (cmd === "summary") {
      const [file] = rest;
      if (!file) throw new TreeSeqError("BAD_PARAM", "summary needs a FILE");
      const t0 = performance.now();
      const ts = await load(file);
      const ms = performance.now() - t0;
      console.log(`${file} — backend ${info.name}, ${info.threads} threads (${info.reason}); loaded in ${ms.toFixed(1)} ms`);
      const rows: Array<[string, unknown]> = [
        ["sequence length", ts.sequenceLength], ["trees", ts.numTrees], ["samples", ts.numSamples],
        ["nodes", ts.numNodes], ["edges", ts.numEdges], ["sites", ts.numSites], ["mutations", ts.numMutations],
        ["individuals", ts.numIndividuals], ["populations", ts.numPopulations], ["migrations", ts.numMigrations],
        ["provenances", ts.numProvenances], ["time units", ts.timeUnits],
      ];
      for (const [k, v] of rows) console.log(`  ${k.padEnd(16)} ${v}`);
      try {
        const d = await ts.diversity({ mode: "site" });
        console.log(`  ${"diversity (site)".padEnd(16)} ${d.data[0]}`);
      } catch (e) {
        if ((e as TreeSeqError).code !== "BAD_PARAM") throw e;
      }
      ts.dispose();
    } else if (cmd === "stat") {
      const [method, file] = rest;
      if (!(method in STATISTICS)) throw new TreeSeqError("BAD_PARAM", `unknown statistic '${method}'\n${USAGE}`);
      if (!file) throw new TreeSeqError("BAD_PARAM", "stat needs METHOD and FILE");
      let options: Record<string, unknown>;
      try {
        options = flags.options ? JSON.parse(flags.options) : {};
      } catch (e) {
        throw new TreeSeqError("BAD_PARAM", `--options is not valid JSON: ${(e as Error).message}`);
      }
      const ts = await load(file);
      const chosen = expandFlags(ts, flags, options);
      const t0 = performance.now();
      const r = await ts[method as StatName](options as never);
      const ms = performance.now() - t0;
      const out = {
        method, file, backend: info.name, threads: info.threads, seconds: ms / 1000, ...chosen,
        shape: r.shape, data: Array.from(r.data),
      };
      if (flags.out) writeFileSync(flags.out, JSON.stringify(out));
      else console.log(JSON.stringify(out));
      ts.dispose();
    } else {
      throw new TreeSeqError("BAD_PARAM", `unknown command '${cmd}'\n${USAGE}`);
    }
  }
  return 0;
}

main().then(
  (code) => { process.exitCode = code; },
  (e) => {
    const err = e as TreeSeqError;
    console.error(`treeseq: ${err.code ?? "ERROR"}: ${err.message}`);
    process.exitCode = 1;
  },
);
