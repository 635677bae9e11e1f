/**
 * `treeseq stat`: many statistics over many files in one run, as one long table. One backend
 * and one thread pool serve all the work; files are loaded `--jobs` at a time within the
 * `--max-memory` budget, each once for all its statistics, and their rows are written in the
 * order the files were given. A file that does not load, or a statistic it refuses, is
 * reported on stderr with its code and the run goes on; the exit status then says so.
 */
import { load, type TreeSequence } from "../index.js";
import type { StatResult } from "../stats.js";
import type { Parsed } from "./args.js";
import { reportError, startBackend, type Command } from "./command.js";
import { readJob, STAT_FLAGS, type Job, type StatFile } from "./job.js";
import { Output } from "./output.js";
import { createProgress, progressFiles, type Progress } from "./progress.js";
import { BASE_COLUMNS, hasAxes, INDEX_COLUMN, plan, rowsOf, TIME_COLUMNS, type RunSelection } from "./requests.js";
import { resolveSampleSets, resolveWindows } from "./selection.js";
import { TableWriter, type Rendered } from "./table.js";

/** What a loaded file costs in memory, per byte of file: its tables, indexes and trees. */
const MEMORY_PER_FILE_BYTE = 3;

export const statCommand: Command = {
  name: "stat",
  summary: "statistics of many files, as one long table (TSV, CSV, JSON, NDJSON)",
  usage: `usage: treeseq stat FILES... --stat NAME[:JSON] [--stat ...] [FLAGS]
       treeseq stat --job JOB.yaml [FILES...] [FLAGS]

Computes every statistic on every file (globs are expanded) and writes one row per value:
file, statistic, mode, window_left, window_right, sample_sets, value, and time_left,
time_right and index where a statistic has those axes. Example:
  treeseq stat runs/*.trees --stat diversity --stat 'fst:{"mode":"branch"}' \\
      --sample-sets populations --window-size 100k --format tsv --out stats.tsv`,
  flags: STAT_FLAGS,
  positionals: true,
  run,
};

interface Totals {
  failures: number;
  values: number;
  statistics: number;
}

async function run(args: Parsed): Promise<number> {
  const t0 = performance.now();
  const job = readJob(args);
  const out = job.out ? await Output.file(job.out) : Output.stdout();
  const info = await startBackend(job.backend, job.maxMemory);
  const columns: string[] = [...BASE_COLUMNS];
  const axes = job.statistics.map((s) => hasAxes(s, job.mode));
  if (axes.some((a) => a.time)) columns.push(...TIME_COLUMNS);
  if (axes.some((a) => a.index)) columns.push(INDEX_COLUMN);
  const table = new TableWriter(out, job.format, columns);
  const progress = createProgress(job.quiet && job.progress !== "json" ? "none" : job.progress);
  const totals: Totals = { failures: 0, values: 0, statistics: 0 };
  const notes = new Set<string>();

  await table.begin();
  const sizes = await progressFiles(job.files.map((f) => f.path));
  job.files.forEach((f, i) => {
    f.bytes = sizes[i].bytes;
  });
  progress.start(
    job.files.map((f) => ({ name: f.name, bytes: f.bytes })),
    job.statistics.length,
  );
  // Each file's rows, once computed, wait here until the files before them are written.
  const done: Array<Rendered[] | undefined> = [];
  let next = 0;
  // One flush at a time, chained: a flush that waits on a slow reader must not let a second
  // one write the same file again (or skip the next).
  let writing = Promise.resolve();
  const flush = () =>
    (writing = writing.then(async () => {
      while (next < job.files.length && done[next] !== undefined) {
        const chunks = done[next]!;
        done[next++] = [];
        for (const chunk of chunks) await table.write(chunk);
      }
    }));
  // Files at a time: enough to keep the threads busy (a statistic of one file may use only a
  // few of them), but no more than 4 by default: Node runs four native calls at once unless
  // UV_THREADPOOL_SIZE says more, so a fifth file would only wait, holding its memory.
  const budget = new MemoryBudget(job.jobs ?? Math.min(4, Math.max(2, info.threads)), job.maxMemory);
  await Promise.all(
    job.files.map(async (file, i) => {
      const cost = file.bytes * MEMORY_PER_FILE_BYTE;
      await budget.acquire(cost);
      try {
        done[i] = out.closed ? [] : await computeFile(file, job, table, progress, totals, notes);
      } finally {
        budget.release(cost);
      }
      await flush();
    }),
  );
  await table.end();
  progress.finish();
  await out.end();

  const seconds = (performance.now() - t0) / 1000;
  if (!job.quiet) {
    const peak = process.resourceUsage().maxRSS * 1024;
    const failed = totals.failures > 0 ? ` (${totals.failures} failed)` : "";
    process.stderr.write(
      `treeseq stat: ${count(job.files.length, "file")}, ${count(totals.statistics, "statistic")}${failed}, ` +
        `${totals.values} values in ${seconds.toFixed(2)} s wall; peak memory ${mib(peak)}; ${info.name} backend, ${count(info.threads, "thread")}\n`,
    );
  }
  return totals.failures > 0 && !out.closed ? 1 : 0;
}

/** Loads one file and computes every statistic of the job on it: the rendered rows. */
async function computeFile(file: StatFile, job: Job, table: TableWriter, progress: Progress, totals: Totals, notes: Set<string>) {
  progress.fileStarted(file.name);
  let ts: TreeSequence;
  try {
    ts = await load(file.path);
  } catch (e) {
    reportError(e, file.name);
    totals.failures++;
    progress.fileDone(file.name, false);
    return [];
  }
  const chunks: Rendered[] = [];
  let ok = true;
  try {
    let selection: RunSelection;
    try {
      selection = {
        sets: resolveSampleSets(ts, job.sampleSets),
        windows: resolveWindows(ts, job.windows),
        windowsGiven: job.windows.kind !== "whole",
        tuples: job.tuples,
        mode: job.mode,
      };
    } catch (e) {
      // Sets that do not fit this file: none of its statistics can be computed.
      reportError(e, file.name);
      totals.failures++;
      for (const spec of job.statistics) progress.statDone(file.name, spec.name, false);
      progress.fileDone(file.name, false);
      return [];
    }
    for (const spec of job.statistics) {
      progress.statStarted(file.name, spec.name);
      let statOk = true;
      try {
        const { requests, notes: n } = plan(ts, spec, selection);
        for (const note of n) {
          if (!notes.has(note)) {
            notes.add(note);
            if (!job.quiet) process.stderr.write(`treeseq: note: ${note}\n`);
          }
        }
        for (const req of requests) {
          // (pca, whose result is no StatResult, is refused when the job is read: cli/job.ts.)
          const result = (await ts[spec.name](req.options as never)) as StatResult;
          for (const piece of table.render(rowsOf(result, req, file.name, spec.name))) {
            chunks.push(piece);
            totals.values += piece.count;
          }
        }
        totals.statistics++;
      } catch (e) {
        reportError(e, `${file.name}: ${spec.text}`);
        totals.failures++;
        statOk = ok = false;
      }
      progress.statDone(file.name, spec.name, statOk);
    }
  } finally {
    ts.dispose();
  }
  progress.fileDone(file.name, ok);
  return chunks;
}

/**
 * At most `jobs` files in flight, and no more together than `bytes` of estimated memory (a
 * file larger than the whole budget still runs, alone).
 */
class MemoryBudget {
  #running = 0;
  #used = 0;
  #waiting: Array<{ cost: number; go: () => void }> = [];
  constructor(
    private readonly jobs: number,
    private readonly bytes: number,
  ) {}

  acquire(cost: number): Promise<void> {
    return new Promise((go) => {
      this.#waiting.push({ cost, go });
      this.#admit();
    });
  }

  release(cost: number): void {
    this.#running--;
    this.#used -= cost;
    this.#admit();
  }

  /** Starts waiting files in the order given while they fit. */
  #admit(): void {
    while (this.#waiting.length > 0 && this.#running < this.jobs) {
      const { cost, go } = this.#waiting[0];
      if (this.#running > 0 && this.#used + cost > this.bytes) return;
      this.#waiting.shift();
      this.#running++;
      this.#used += cost;
      go();
    }
  }
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}

function mib(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}
