/**
 * Progress of a batch on stderr, for a person at a terminal or for a program:
 * - "auto": one line, redrawn in place (`\r` + clear to end of line), when the stream is a
 *   terminal; nothing otherwise, so a log file or a pipe gets no control characters;
 * - "json": one JSON object per line per event, terminal or not (for a wrapper to parse);
 * - "none": nothing.
 * The estimate of time left weighs each file by its size in bytes (a bigger file takes
 * longer to load and to compute on) and counts a file's statistics done as that share of it.
 * It does not draw the results, and knows nothing of statistics beyond their names.
 */
import { stat } from "node:fs/promises";
import { choiceValue, type FlagSpec } from "./args.js";

export type ProgressMode = "auto" | "json" | "none";

export const PROGRESS_MODES: readonly ProgressMode[] = ["auto", "json", "none"];

/** The `--progress` flag of the commands that go through many files. */
export const PROGRESS_FLAG: FlagSpec = {
  type: "string",
  value: "MODE",
  help: "auto (a line on stderr when it is a terminal; the default), json (a JSON line per event on stderr) or none",
};

/** The mode `--progress` asks for (auto when not given). */
export function progressModeValue(text: string | undefined): ProgressMode {
  return text === undefined ? "auto" : choiceValue("--progress", text, PROGRESS_MODES);
}

/** Files with their sizes for `Progress.start` (0 for one that cannot be stat'ed: its load will say why). */
export async function progressFiles(names: string[]): Promise<ProgressFile[]> {
  return Promise.all(names.map(async (name) => ({ name, bytes: (await stat(name).catch(() => null))?.size ?? 0 })));
}

export interface ProgressFile {
  /** The file as given on the command line. */
  name: string;
  /** Its size in bytes (what the time estimate weighs files by); 0 when unknown. */
  bytes: number;
}

export interface Progress {
  /** The plan: every file of the run, and how many statistics each gets. */
  start(files: ProgressFile[], statisticsPerFile: number): void;
  fileStarted(file: string): void;
  statStarted(file: string, statistic: string): void;
  statDone(file: string, statistic: string, ok: boolean): void;
  fileDone(file: string, ok: boolean): void;
  /** The run is over: clear the display line. */
  finish(): void;
}

/** The smallest time between two redraws of the terminal line: at most 10 a second. */
const REDRAW_MS = 100;
/** How often the line is redrawn with nothing new, so that the clock moves during a long statistic. */
const TICK_MS = 1000;

/** What is known of the run at one moment: the counts every display shows. */
export interface ProgressState {
  filesDone: number;
  filesTotal: number;
  /** The file started last of those still running, and its statistic (null while it loads). */
  file: string | null;
  statistic: string | null;
  /** Files started and not yet done. */
  running: number;
  failed: number;
  elapsedS: number;
  /** Seconds left, from the share of the work done so far; null until some is done. */
  etaS: number | null;
  /** The share of the work done, 0 to 1. */
  fraction: number;
}

/**
 * The bookkeeping shared by the displays: which files are running, how many statistics each
 * has done, and from that the share of the work done and the time left.
 */
class Tracker {
  readonly t0: number;
  private weights = new Map<string, number>();
  private totalWeight = 0;
  private statsPerFile = 0;
  /** Statistics done per running file. */
  private statsDone = new Map<string, number>();
  /** Running files in the order they started, with the statistic each is on. */
  private current = new Map<string, string | null>();
  private doneWeight = 0;
  filesDone = 0;
  filesTotal = 0;
  failed = 0;

  constructor(private readonly now: () => number) {
    this.t0 = now();
  }

  start(files: ProgressFile[], statisticsPerFile: number): void {
    this.filesTotal = files.length;
    this.statsPerFile = Math.max(0, statisticsPerFile);
    // A file of unknown size (0 bytes given) weighs as the mean of the others, or 1 if none is known.
    const known = files.filter((f) => f.bytes > 0);
    const mean = known.length > 0 ? known.reduce((s, f) => s + f.bytes, 0) / known.length : 1;
    for (const f of files) {
      const w = f.bytes > 0 ? f.bytes : mean;
      this.weights.set(f.name, (this.weights.get(f.name) ?? 0) + w);
      this.totalWeight += w;
    }
  }

  private weight(file: string): number {
    return this.weights.get(file) ?? 0;
  }

  fileStarted(file: string): void {
    // Started again (the same name twice on the command line): the display shows it once.
    this.current.delete(file);
    this.current.set(file, null);
    this.statsDone.set(file, 0);
  }

  statStarted(file: string, statistic: string): void {
    if (!this.current.has(file)) this.fileStarted(file);
    this.current.delete(file);
    this.current.set(file, statistic);
  }

  statDone(file: string, _statistic: string): void {
    // The statistic stays shown until the next starts: its rows are being written meanwhile.
    this.statsDone.set(file, (this.statsDone.get(file) ?? 0) + 1);
  }

  fileDone(file: string, ok: boolean): void {
    this.current.delete(file);
    this.statsDone.delete(file);
    this.doneWeight += this.weight(file);
    this.filesDone++;
    if (!ok) this.failed++;
  }

  /** The share of the work done: files done whole, running files by their statistics done. */
  fraction(): number {
    if (this.totalWeight <= 0) return this.filesTotal > 0 ? this.filesDone / this.filesTotal : 0;
    let w = this.doneWeight;
    // Loading counts as one step beside the statistics, so a file with none still moves.
    const steps = this.statsPerFile + 1;
    for (const [file, n] of this.statsDone) w += (this.weight(file) * Math.min(n, this.statsPerFile)) / steps;
    return Math.min(1, w / this.totalWeight);
  }

  state(): ProgressState {
    const elapsedS = (this.now() - this.t0) / 1000;
    const fraction = this.fraction();
    const etaS = fraction > 0 && fraction < 1 ? (elapsedS * (1 - fraction)) / fraction : fraction >= 1 ? 0 : null;
    let file: string | null = null;
    let statistic: string | null = null;
    for (const [f, s] of this.current) {
      file = f;
      statistic = s;
    } // the last started
    return {
      filesDone: this.filesDone,
      filesTotal: this.filesTotal,
      file,
      statistic,
      running: this.current.size,
      failed: this.failed,
      elapsedS,
      etaS,
      fraction,
    };
  }
}

/** `1:05`, `12:00:03`: a duration as a clock. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/**
 * The terminal line for a state, at most `columns - 1` characters so that it never wraps (a
 * wrapped line cannot be redrawn with `\r`): a long file path loses its start first, as its
 * end (the file's name) is what tells files apart.
 */
export function progressLine(s: ProgressState, columns: number): string {
  const parts = [`treeseq: ${s.filesDone}/${s.filesTotal} files`];
  if (s.failed > 0) parts.push(`${s.failed} failed`);
  parts.push(`${Math.floor(s.fraction * 100)}%`);
  parts.push(`${clock(s.elapsedS)} elapsed`);
  parts.push(s.etaS === null ? "time left unknown" : `~${clock(s.etaS)} left`);
  const counts = parts.join(", ");
  const width = Math.max(10, columns - 1);
  if (s.file === null) return counts.length <= width ? counts : `${counts.slice(0, width - 1)}…`;
  const doing = (s.statistic ? `: ${s.statistic}` : ": loading") + (s.running > 1 ? ` (+${s.running - 1} more)` : "");
  const room = width - counts.length - 3 - doing.length; // 3: " | "
  const file = s.file.length <= room ? s.file : room > 8 ? `…${s.file.slice(s.file.length - room + 1)}` : s.file;
  const line = `${counts} | ${file}${doing}`;
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}

type Write = NodeJS.WritableStream["write"];

/**
 * The one line on a terminal, redrawn at most every REDRAW_MS and every TICK_MS. While it is
 * shown, anything else written to the same stream (an error reported mid-run), or to stdout
 * when that is a terminal too (results printed to the screen), first clears it, so that the
 * text stands on its own lines and the display is redrawn below it.
 */
class TerminalProgress implements Progress {
  private tracker: Tracker;
  private lastDraw = -Infinity;
  private pending: ReturnType<typeof setTimeout> | null = null;
  private ticker: ReturnType<typeof setInterval> | null = null;
  private drawn = false;
  private finished = false;
  /** The stream's own write, while ours stands in front of it. */
  private write: Write;
  /** The streams whose write ours stands in front of, with their own. */
  private hooked: Array<[NodeJS.WritableStream, Write]> = [];

  constructor(
    private readonly stream: NodeJS.WritableStream & { columns?: number },
    private readonly now: () => number,
    /** Other streams that show on the same terminal (stdout, when it is one). */
    private readonly alongside: NodeJS.WritableStream[],
  ) {
    this.tracker = new Tracker(now);
    this.write = stream.write;
  }

  private draw(): void {
    if (this.finished) return;
    this.lastDraw = this.now();
    if (this.pending) {
      clearTimeout(this.pending);
      this.pending = null;
    }
    this.write.call(this.stream, `\r\x1b[K${progressLine(this.tracker.state(), this.stream.columns || 80)}`);
    this.drawn = true;
  }

  /** Puts a write in front of each stream's that clears the line before another's text. */
  private hook(): void {
    this.write = this.stream.write;
    const display = this;
    for (const target of [this.stream, ...this.alongside]) {
      const own = target.write;
      this.hooked.push([target, own]);
      target.write = function (this: unknown, ...args: unknown[]): boolean {
        if (display.drawn) {
          display.write.call(display.stream, "\r\x1b[K");
          display.drawn = false;
        }
        const r = (own as (...a: unknown[]) => boolean).apply(target, args);
        display.changed();
        return r;
      } as Write;
    }
  }

  private unhook(): void {
    for (const [target, own] of this.hooked) target.write = own;
    this.hooked = [];
  }

  /** Draws now if the last redraw is old enough, else once when it is. */
  private changed(): void {
    if (this.finished) return;
    const wait = this.lastDraw + REDRAW_MS - this.now();
    if (wait <= 0) this.draw();
    else if (!this.pending) {
      this.pending = setTimeout(() => this.draw(), wait);
      this.pending.unref?.(); // a pending redraw must not keep the process alive
    }
  }

  start(files: ProgressFile[], statisticsPerFile: number): void {
    this.tracker.start(files, statisticsPerFile);
    this.hook();
    this.ticker = setInterval(() => this.draw(), TICK_MS);
    this.ticker.unref?.();
    this.changed();
  }
  fileStarted(file: string): void {
    this.tracker.fileStarted(file);
    this.changed();
  }
  statStarted(file: string, statistic: string): void {
    this.tracker.statStarted(file, statistic);
    this.changed();
  }
  statDone(file: string, statistic: string): void {
    this.tracker.statDone(file, statistic);
    this.changed();
  }
  fileDone(file: string, ok: boolean): void {
    this.tracker.fileDone(file, ok);
    this.changed();
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.pending) clearTimeout(this.pending);
    if (this.ticker) clearInterval(this.ticker);
    if (this.drawn) this.write.call(this.stream, "\r\x1b[K");
    this.unhook();
  }
}

/** One JSON object per line per event, with the counts and times of that moment. */
class JsonProgress implements Progress {
  private tracker: Tracker;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    now: () => number,
  ) {
    this.tracker = new Tracker(now);
  }

  private emit(event: string, extra: Record<string, unknown>): void {
    const s = this.tracker.state();
    const round = (x: number): number => Math.round(x * 1000) / 1000;
    this.stream.write(
      JSON.stringify({
        event,
        ...extra,
        files_done: s.filesDone,
        files_total: s.filesTotal,
        files_failed: s.failed,
        fraction: round(s.fraction),
        elapsed_s: round(s.elapsedS),
        eta_s: s.etaS === null ? null : round(s.etaS),
      }) + "\n",
    );
  }

  start(files: ProgressFile[], statisticsPerFile: number): void {
    this.tracker.start(files, statisticsPerFile);
    this.emit("start", { statistics_per_file: statisticsPerFile, bytes_total: files.reduce((s, f) => s + f.bytes, 0) });
  }
  fileStarted(file: string): void {
    this.tracker.fileStarted(file);
    this.emit("file_started", { file });
  }
  statStarted(file: string, statistic: string): void {
    this.tracker.statStarted(file, statistic);
    this.emit("stat_started", { file, statistic });
  }
  statDone(file: string, statistic: string, ok: boolean): void {
    this.tracker.statDone(file, statistic);
    this.emit("stat_done", { file, statistic, ok });
  }
  fileDone(file: string, ok: boolean): void {
    this.tracker.fileDone(file, ok);
    this.emit("file_done", { file, ok });
  }
  finish(): void {
    this.emit("finish", {});
  }
}

const SILENT: Progress = { start() {}, fileStarted() {}, statStarted() {}, statDone() {}, fileDone() {}, finish() {} };

/**
 * The progress display `mode` asks for on `stream`: "auto" draws only on a terminal.
 * `now` (milliseconds) is the clock, replaceable in tests.
 */
export function createProgress(
  mode: ProgressMode,
  stream: NodeJS.WriteStream = process.stderr,
  now: () => number = () => performance.now(),
): Progress {
  if (mode === "json") return new JsonProgress(stream, now);
  if (mode === "auto" && stream.isTTY) {
    return new TerminalProgress(stream, now, process.stdout.isTTY && process.stdout !== stream ? [process.stdout] : []);
  }
  return SILENT;
}
