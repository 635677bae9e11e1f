/**
 * A `treeseq stat` job: files, statistics, sample sets, windows and how to run them, from the
 * command line and, with `--job FILE`, a YAML or JSON job file whose keys are the long flags
 * in camelCase (`sampleSets`, `windowSize`, ...) plus `files` and `statistics`. Flags given on
 * the command line win over the job file; `--stat` and files add to its lists. Every value
 * goes through the same checks whichever way it came.
 */
import { readFileSync } from "node:fs";
import { totalmem } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { parse as parseYaml } from "yaml";
import { STATISTICS, toKwargs, type StatName, type StatOptions } from "../stats.js";

/** Statistics whose results are not tables of windows and sets (vectors per node, pca). */
const NOT_IN_CLI = new Set<string>(["geneticRelatednessVector", "pca"]);
import { bytesValue, choiceValue, integerValue, UsageError, type FlagSpecs, type Parsed } from "./args.js";
import { BACKEND_FLAGS } from "./command.js";
import { expandFiles } from "./files.js";
import { PROGRESS_FLAG, progressModeValue, type ProgressMode } from "./progress.js";
import type { StatSpec } from "./requests.js";
import {
  parseSampleSets,
  parseTuples,
  parseWindows,
  SAMPLE_SETS_HELP,
  WINDOWS_HELP,
  type SampleSetsSpec,
  type TuplesSpec,
  type WindowsSpec,
} from "./selection.js";
import { TABLE_FORMATS, type TableFormat } from "./table.js";

export const STAT_FLAGS: FlagSpecs = {
  stat: {
    type: "string",
    short: "s",
    multiple: true,
    value: "NAME[:JSON]",
    help: "a statistic (treeseq's name) and its options as JSON; repeat for more",
  },
  job: { type: "string", value: "FILE", help: "a YAML or JSON job file (files, statistics, and any flag in camelCase)" },
  "sample-sets": { type: "string", value: "SETS", help: SAMPLE_SETS_HELP },
  windows: { type: "string", short: "w", value: "N|trees|sites|FILE", help: WINDOWS_HELP },
  "window-size": { type: "string", value: "LENGTH", help: "windows of this length (100000, 100k, 2.5M), the last one shorter" },
  pairs: { type: "string", value: "all|0,1;0,2", help: "index tuples of sets for the statistics that take them (default all)" },
  mode: { type: "string", short: "m", value: "MODE", help: "site, branch or node, for every statistic whose options do not say" },
  format: { type: "string", short: "f", value: "FORMAT", help: "tsv (default), csv, json or ndjson" },
  out: { type: "string", short: "o", value: "FILE", help: "write the table here (default: stdout)" },
  jobs: {
    type: "string",
    short: "j",
    value: "N",
    help: "files loaded and computed at a time, within --max-memory (default: the threads, from 2 to 4)",
  },
  "max-memory": {
    type: "string",
    value: "SIZE",
    help: "memory budget for the files in flight and any one request (default half the machine's)",
  },
  progress: PROGRESS_FLAG,
  quiet: { type: "boolean", short: "q", help: "no progress and no summary line" },
  ...BACKEND_FLAGS,
};

export interface StatFile {
  /** As given (the table's `file` column). */
  name: string;
  /** Where it is read from (relative to the job file for files it names). */
  path: string;
  /** Its size (set by stat.ts from progressFiles), 0 when it cannot be read (loading will say why). */
  bytes: number;
}

export interface Job {
  files: StatFile[];
  statistics: StatSpec[];
  sampleSets: SampleSetsSpec;
  windows: WindowsSpec;
  tuples: TuplesSpec;
  mode?: string;
  format: TableFormat;
  out?: string;
  /** Absent: chosen from the thread count (stat.ts). */
  jobs?: number;
  maxMemory: number;
  progress: ProgressMode;
  quiet: boolean;
  /** The backend flags, as `startBackend` takes them. */
  backend: Parsed["values"];
}

/** Job file keys: the long flags in camelCase, and the two lists. */
const JOB_KEYS: Record<string, string> = {
  files: "",
  statistics: "",
  sampleSets: "sample-sets",
  windows: "windows",
  windowSize: "window-size",
  pairs: "pairs",
  mode: "mode",
  format: "format",
  out: "out",
  jobs: "jobs",
  maxMemory: "max-memory",
  progress: "progress",
  quiet: "quiet",
  backend: "backend",
  threads: "threads",
};

/** The job the command line (and its job file) describe. */
export function readJob(args: Parsed): Job {
  const flags: Record<string, unknown> = {};
  const files: StatFile[] = [];
  const stats: unknown[] = [];
  if (args.values.job !== undefined) {
    const path = args.values.job as string;
    const doc = readJobFile(path);
    const base = dirname(path);
    for (const [k, v] of Object.entries(doc)) {
      if (!(k in JOB_KEYS)) throw new UsageError(`${path}: unknown key '${k}' (known: ${Object.keys(JOB_KEYS).join(", ")})`);
      if (k === "files") {
        for (const f of listOf(v, path, "files")) {
          const name = String(f);
          files.push(
            ...expandFiles([isAbsolute(name) ? name : join(base, name)]).map((p) => ({
              name: p === join(base, name) ? name : p,
              path: p,
              bytes: 0,
            })),
          );
        }
      } else if (k === "statistics") stats.push(...listOf(v, path, "statistics"));
      else flags[JOB_KEYS[k]] = v;
    }
  }
  for (const [k, v] of Object.entries(args.values)) if (v !== undefined && k !== "stat" && k !== "job" && k !== "help") flags[k] = v;
  stats.push(...((args.values.stat as string[] | undefined) ?? []));
  for (const p of expandFiles(args.positionals)) files.push({ name: p, path: p, bytes: 0 });

  if (files.length === 0) throw new UsageError("no files: give .trees files (or globs), or `files:` in a --job file");
  if (stats.length === 0) throw new UsageError(`no statistics: give --stat NAME (one of ${Object.keys(STATISTICS).join(", ")})`);

  const str = (k: string) => (flags[k] === undefined ? undefined : String(flags[k]));
  const maxMemory = str("max-memory") !== undefined ? bytesValue("--max-memory", str("max-memory")!) : Math.floor(totalmem() / 2);
  return {
    files,
    statistics: stats.map(parseStat),
    sampleSets: parseSampleSets(str("sample-sets") ?? "populations"),
    windows: parseWindows(str("windows"), str("window-size")),
    tuples: parseTuples(str("pairs")),
    mode: str("mode") === undefined ? undefined : choiceValue("--mode", str("mode")!, ["site", "branch", "node"] as const),
    format: choiceValue("--format", str("format") ?? "tsv", TABLE_FORMATS),
    out: str("out"),
    jobs: str("jobs") === undefined ? undefined : integerValue("--jobs", str("jobs")!, 1, 1024),
    maxMemory,
    progress: progressModeValue(str("progress")),
    quiet: flags.quiet === true || flags.quiet === "true",
    backend: { backend: str("backend"), threads: str("threads") },
  };
}

/** `NAME` or `NAME:{json options}` (or, in a job file, `{ name, options }`). */
export function parseStat(v: unknown): StatSpec {
  let name: string;
  let options: unknown = {};
  let text: string;
  if (typeof v === "string") {
    text = v;
    const colon = v.indexOf(":");
    name = colon < 0 ? v : v.slice(0, colon);
    if (colon >= 0) {
      try {
        options = JSON.parse(v.slice(colon + 1));
      } catch (e) {
        throw new UsageError(`--stat ${name}: the options are not valid JSON (${(e as Error).message}): '${v.slice(colon + 1)}'`);
      }
    }
  } else if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const extra = Object.keys(o).filter((k) => k !== "name" && k !== "options");
    if (extra.length > 0)
      throw new UsageError(`statistics: unknown key '${extra[0]}' in ${JSON.stringify(v)} (a statistic is { name, options })`);
    name = String(o.name);
    options = o.options ?? {};
    text = options && Object.keys(options).length > 0 ? `${name}:${JSON.stringify(options)}` : name;
  } else {
    throw new UsageError(`statistics: expected NAME, NAME:JSON or { name, options }, got ${JSON.stringify(v)}`);
  }
  name = name.trim();
  if (!(name in STATISTICS)) {
    throw new UsageError(`--stat: unknown statistic '${name}' (one of ${Object.keys(STATISTICS).join(", ")})`);
  }
  if (NOT_IN_CLI.has(name)) {
    throw new UsageError(
      `--stat: ${name} is not offered by treeseq stat (its result is not a table of windows and sets): call it from the API`,
    );
  }
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new UsageError(`--stat ${name}: the options must be a JSON object such as {"mode":"branch"}`);
  }
  // An option no statistic knows, or a value of the wrong kind, is a mistake in the call: say
  // so now, not once per file after loading each (the statistic itself checks the rest).
  try {
    toKwargs(name as StatName, options as StatOptions);
  } catch (e) {
    throw new UsageError(`--stat ${text}: ${(e as Error).message}`);
  }
  return { name: name as StatName, options: options as Record<string, unknown>, text };
}

function readJobFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`--job: cannot read '${path}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new UsageError(`--job ${path}: not valid ${/\.json$/i.test(path) ? "JSON" : "YAML"}: ${(e as Error).message.split("\n")[0]}`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc))
    throw new UsageError(`--job ${path}: expected a mapping of keys (files, statistics, ...)`);
  return doc as Record<string, unknown>;
}

function listOf(v: unknown, path: string, key: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (typeof v === "string") return [v];
  throw new UsageError(`${path}: '${key}' must be a list`);
}
