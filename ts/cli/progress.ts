/**
 * Progress of a batch on stderr. The interface the commands report to; the display itself is
 * being written (for now every mode is silent).
 */
export type ProgressMode = "auto" | "json" | "none";

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

export function createProgress(_mode: ProgressMode, _stream: NodeJS.WriteStream = process.stderr): Progress {
  return { start() {}, fileStarted() {}, statStarted() {}, statDone() {}, fileDone() {}, finish() {} };
}
