/**
 * Where a command's results go: stdout or a file, written with back-pressure, and safe when
 * the reader goes away (`treeseq stat ... | head -1`): a closed pipe ends the output quietly,
 * and `closed` tells the command to stop computing what nobody will read.
 */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import type { Writable } from "node:stream";
import { TreeSeqError } from "../errors.js";

export class Output {
  #stream: Writable;
  #closed = false;
  #error: Error | null = null;
  readonly #ownsStream: boolean;

  private constructor(stream: Writable, owns: boolean) {
    this.#stream = stream;
    this.#ownsStream = owns;
    stream.on("error", (e: NodeJS.ErrnoException) => {
      this.#closed = true;
      // A reader that closed the pipe is not an error; anything else (disk full) is.
      if (e.code !== "EPIPE" && e.code !== "ERR_STREAM_DESTROYED") this.#error = e;
    });
  }

  /** Standard output. */
  static stdout(): Output {
    return new Output(process.stdout, false);
  }

  /** A file, created or truncated now (so a bad path fails before any work is done). */
  static async file(path: string): Promise<Output> {
    const s = createWriteStream(path);
    try {
      await Promise.race([
        once(s, "open"),
        once(s, "error").then(([e]) => {
          throw e;
        }),
      ]);
    } catch (e) {
      throw new TreeSeqError("IO", `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return new Output(s, true);
  }

  /** True once the reader has gone (or writing failed): stop producing output. */
  get closed(): boolean {
    return this.#closed;
  }

  /** A write error other than a closed pipe, if one happened. */
  get error(): Error | null {
    return this.#error;
  }

  /** Writes `text`, waiting while the reader is behind. */
  async write(text: string): Promise<void> {
    if (this.#closed || text === "") return;
    if (!this.#stream.write(text)) await this.#first("drain", "close", "error");
  }

  /** Flushes and, for a file, closes it; rejects with a write error (not a closed pipe). */
  async end(): Promise<void> {
    if (!this.#closed) {
      if (this.#ownsStream) {
        this.#stream.end();
        await this.#first("finish", "error");
      } else if (this.#stream.writableNeedDrain) {
        await this.#first("drain", "error");
      }
    }
    if (this.#error) throw this.#error;
  }

  /** Waits for the first of `events`, then removes the listeners of the others: left behind,
   * they pile up one set per slow write (Node warns past 10). */
  async #first(...events: string[]): Promise<void> {
    const stop = new AbortController();
    await Promise.race(events.map((e) => once(this.#stream, e, { signal: stop.signal }))).catch(() => {});
    stop.abort();
  }
}
