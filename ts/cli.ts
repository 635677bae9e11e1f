#!/usr/bin/env node
/**
 * treeseq's command line, for batch jobs:
 *   treeseq summary FILE [--backend native|wasm|both] [--threads N]
 *   treeseq stat METHOD FILE [--options JSON] [--backend ...] [--threads N] [--out FILE.json]
 * METHOD is a treeseq statistic name (diversity, fst, ...); --options is its options object.
 */
import { writeFileSync } from "node:fs";
import { init, load, TreeSeqError, type BackendChoice } from "./index.js";
import { STATISTICS, type StatName } from "./stats.js";

const USAGE = `usage:
  treeseq summary FILE [--backend native|wasm|auto|both] [--threads N]
  treeseq stat METHOD FILE [--options JSON] [--backend ...] [--threads N] [--out FILE.json]
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
      const options = flags.options ? JSON.parse(flags.options) : {};
      const ts = await load(file);
      const t0 = performance.now();
      const r = await ts[method as StatName](options);
      const ms = performance.now() - t0;
      const out = { method, file, backend: info.name, threads: info.threads, seconds: ms / 1000, shape: r.shape, data: Array.from(r.data) };
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
