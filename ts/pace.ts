/**
 * Long work on the calling thread, done in slices so that the event loop gets a turn between
 * them: a page stays responsive (and its timers, rendering and input run) while JavaScript
 * decodes a tszip file or evaluates a custom statistic's summary function.
 */

/** Gives the event loop a turn. A MessageChannel's message where there is one: browsers
 * delay nested `setTimeout(0)` by 4 ms, which would cost more than the slices themselves. */
const yieldToEventLoop = (): Promise<void> =>
  typeof MessageChannel === "undefined"
    ? new Promise((resolve) => setTimeout(resolve, 0))
    : new Promise((resolve) => {
        const { port1, port2 } = new MessageChannel();
        port1.onmessage = () => {
          port1.close();
          resolve();
        };
        port2.postMessage(null);
      });

/** Call `tick()` between pieces of work: it yields once `sliceMs` have passed since the last.
 * Where pieces are a fraction of a microsecond (a summary function's calls), an `await` each
 * would cost more than the work: check `due()` and `await pause()` only when it is. */
export class Pacer {
  private start = performance.now();
  constructor(private readonly sliceMs: number) {}

  /** Whether the slice is over. */
  due(): boolean {
    return performance.now() - this.start > this.sliceMs;
  }

  /** Gives the event loop its turn and starts a new slice. */
  async pause(): Promise<void> {
    await yieldToEventLoop();
    this.start = performance.now();
  }

  async tick(): Promise<void> {
    if (this.due()) await this.pause();
  }
}
