/**
 * `treeseq summary FILES...`: what is in each file (its tables' row counts, the trees, the
 * populations by name, the time units), its size, how long it took to load and in which
 * backend. Text for a person, TSV or JSON for a program. A file that does not load is reported
 * (`treeseq: CODE: file: message`) and the others are still summarised; exit status 1 then.
 */
import { load, type BackendInfo, type TreeSequence } from "../index.js";
import { choiceValue, UsageError, type Parsed } from "./args.js";
import { BACKEND_FLAGS, reportError, startBackend, type Command } from "./command.js";
import { metadataName } from "../grouping.js";
import { expandFiles } from "./files.js";
import { Output } from "./output.js";
import { tsvCell } from "./table.js";
import { createProgress, PROGRESS_FLAG, progressFiles, progressModeValue } from "./progress.js";

const FORMATS = ["text", "tsv", "json"] as const;
type Format = (typeof FORMATS)[number];

/** One file's summary; the keys are the TSV header and the JSON keys. */
interface FileSummary {
  file: string;
  backend: string;
  sequence_length: number;
  trees: number;
  samples: number;
  nodes: number;
  edges: number;
  sites: number;
  mutations: number;
  individuals: number;
  populations: number;
  /** Each population's metadata `name`, or "" where it has none. */
  population_names: string[];
  migrations: number;
  provenances: number;
  time_units: string;
  file_bytes: number;
  load_ms: number;
}

/**
 * Each population's name from its metadata (tskit's convention: a `name` property), or "".
 * A row whose metadata does not decode is reported, its name left "", and the rest is still
 * summarised: the counts do not depend on it.
 */
function populationNames(file: string, ts: TreeSequence): { names: string[]; problems: number } {
  let problems = 0;
  const names = Array.from({ length: ts.numPopulations }, (_, i) => {
    try {
      return metadataName(ts, i) ?? "";
    } catch (e) {
      reportError(e, file);
      problems++;
      return "";
    }
  });
  return { names, problems };
}

function summarise(file: string, ts: TreeSequence, bytes: number, loadMs: number, names: string[]): FileSummary {
  return {
    file,
    backend: ts.backend,
    sequence_length: ts.sequenceLength,
    trees: ts.numTrees,
    samples: ts.numSamples,
    nodes: ts.numNodes,
    edges: ts.numEdges,
    sites: ts.numSites,
    mutations: ts.numMutations,
    individuals: ts.numIndividuals,
    populations: ts.numPopulations,
    population_names: names,
    migrations: ts.numMigrations,
    provenances: ts.numProvenances,
    time_units: ts.timeUnits,
    file_bytes: bytes,
    load_ms: Math.round(loadMs * 1000) / 1000,
  };
}

const COLUMNS: Array<keyof FileSummary> = [
  "file",
  "backend",
  "sequence_length",
  "trees",
  "samples",
  "nodes",
  "edges",
  "sites",
  "mutations",
  "individuals",
  "populations",
  "population_names",
  "migrations",
  "provenances",
  "time_units",
  "file_bytes",
  "load_ms",
];

function tsvRow(s: FileSummary): string {
  return COLUMNS.map((k) => tsvCell(k === "population_names" ? s.population_names.join(",") : (s[k] as string | number))).join("\t") + "\n";
}

function textBlock(s: FileSummary, info: BackendInfo): string {
  const names = s.population_names.some((n) => n !== "") ? ` (${s.population_names.map((n, i) => n || `#${i}`).join(", ")})` : "";
  const rows: Array<[string, string | number]> = [
    ["backend", `${s.backend}, ${info.threads} ${info.threads === 1 ? "thread" : "threads"}`],
    ["file size", `${s.file_bytes} bytes`],
    ["load time", `${s.load_ms.toFixed(1)} ms`],
    ["sequence length", s.sequence_length],
    ["trees", s.trees],
    ["samples", s.samples],
    ["nodes", s.nodes],
    ["edges", s.edges],
    ["sites", s.sites],
    ["mutations", s.mutations],
    ["individuals", s.individuals],
    ["populations", `${s.populations}${names}`],
    ["migrations", s.migrations],
    ["provenances", s.provenances],
    ["time units", s.time_units],
  ];
  return `${s.file}\n${rows.map(([k, v]) => `  ${k.padEnd(16)} ${v}\n`).join("")}`;
}

export const summaryCommand: Command = {
  name: "summary",
  summary: "what each file holds: row counts, trees, populations, time units, size, load time",
  usage: "usage: treeseq summary FILE... [--format text|tsv|json] [--out FILE]",
  flags: {
    format: {
      type: "string",
      short: "f",
      value: "FORMAT",
      help: "text (default), tsv (one row per file, with a header) or json (an array of objects)",
    },
    out: { type: "string", short: "o", value: "FILE", help: "write to FILE instead of standard output" },
    progress: PROGRESS_FLAG,
    ...BACKEND_FLAGS,
  },
  positionals: true,
  async run({ values, positionals }: Parsed): Promise<number> {
    const format: Format = values.format === undefined ? "text" : choiceValue("--format", values.format as string, FORMATS);
    if (positionals.length === 0) throw new UsageError("summary needs at least one FILE");
    const progress = createProgress(progressModeValue(values.progress as string | undefined));
    const info = await startBackend(values);
    const out = values.out === undefined ? Output.stdout() : await Output.file(values.out as string);
    let failed = 0;
    let written = 0;
    if (format === "tsv") await out.write(COLUMNS.join("\t") + "\n");
    if (format === "json") await out.write("[");
    const files = await progressFiles(expandFiles(positionals));
    progress.start(files, 0);
    for (const { name: file, bytes } of files) {
      if (out.closed) break;
      progress.fileStarted(file);
      let s: FileSummary;
      try {
        const t0 = performance.now();
        const ts = await load(file);
        const ms = performance.now() - t0;
        try {
          const { names, problems } = populationNames(file, ts);
          if (problems > 0) failed++;
          s = summarise(file, ts, bytes, ms, names);
        } finally {
          ts.dispose();
        }
      } catch (e) {
        reportError(e, file);
        failed++;
        progress.fileDone(file, false);
        continue;
      }
      progress.fileDone(file, true);
      if (format === "text") await out.write((written > 0 ? "\n" : "") + textBlock(s, info));
      else if (format === "tsv") await out.write(tsvRow(s));
      else await out.write((written > 0 ? ",\n " : "\n ") + JSON.stringify(s));
      written++;
    }
    if (format === "json") await out.write(written > 0 ? "\n]\n" : "]\n");
    progress.finish();
    await out.end();
    return failed > 0 ? 1 : 0;
  },
};
