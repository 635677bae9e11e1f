/**
 * Work the explorer waits for, shown in the job bar (what runs, for how long, a Cancel button).
 *
 * Statistics run in the library's workers (its WebAssembly backend computes off the page's main
 * thread), so a job only waits for them. The library has no way to stop a statistic once
 * started: Cancel drops the job (its result is never used, the view is free again) while the
 * worker finishes in the background; a statistic asked for next waits for it. Walks that run on
 * this thread (trees, for mutation frequencies) check `job.tick()` between steps: they yield to
 * the page every few milliseconds and stop for real when cancelled.
 */
import { el, escapeHtml } from "./util.js";

export class Cancelled extends Error {
  constructor() {
    super("cancelled");
    this.name = "Cancelled";
  }
}

export class Job {
  cancelled = false;
  private lastYield = performance.now();
  private cancelWaiters: Array<() => void> = [];
  progress: number | null = null;
  constructor(readonly label: string) {}

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    for (const w of this.cancelWaiters) w();
  }

  /** Throws Cancelled once the job is cancelled. */
  check(): void {
    if (this.cancelled) throw new Cancelled();
  }

  /** Resolves as `p` does, or rejects with Cancelled as soon as the job is cancelled. */
  wait<T>(p: Promise<T>): Promise<T> {
    this.check();
    return new Promise<T>((resolve, reject) => {
      this.cancelWaiters.push(() => reject(new Cancelled()));
      p.then(resolve, reject);
    });
  }

  /** Yields to the page now (between two phases of work that each take a while). */
  async yieldNow(): Promise<void> {
    await new Promise((r) => setTimeout(r, 0));
    this.lastYield = performance.now();
    this.check();
  }

  /** Between steps of a walk on this thread: yields to the page after ~20 ms of work. */
  async tick(fraction?: number): Promise<void> {
    if (fraction !== undefined) this.progress = fraction;
    if (performance.now() - this.lastYield < 20) return;
    await new Promise((r) => setTimeout(r, 0));
    this.lastYield = performance.now();
    this.check();
  }
}

const running = new Set<Job>();
let bar: HTMLElement | null = null;
let timer = 0;
const started = new Map<Job, number>();

function paint(): void {
  if (!bar) return;
  bar.hidden = running.size === 0;
  bar.innerHTML = "";
  for (const job of running) {
    const s = ((performance.now() - started.get(job)!) / 1000).toFixed(1);
    const pct = job.progress === null ? "" : ` ${Math.round(job.progress * 100)}%`;
    const row = el(
      `<div class="job"><span class="spinner"></span><span class="what">${escapeHtml(job.label)}…${pct} <span class="secs">${s} s</span></span> <button type="button" class="cancel">Cancel</button></div>`,
    );
    row.querySelector("button")!.addEventListener("click", () => job.cancel());
    bar.append(row);
  }
}

export function attachJobBar(element: HTMLElement): void {
  bar = element;
  paint();
}

/** The jobs that run now (the tests wait for none). */
export function busy(): number {
  return running.size;
}

/** Runs `work` as a job shown in the bar; resolves to its value, or null when cancelled. */
export async function runJob<T>(label: string, work: (job: Job) => Promise<T>): Promise<T | null> {
  const job = new Job(label);
  // Marks in the page's performance timeline (DevTools shows them; the tests read them).
  performance.mark(`job start: ${label}`);
  running.add(job);
  started.set(job, performance.now());
  paint();
  if (!timer) timer = window.setInterval(paint, 200);
  try {
    // The work starts in a task of its own, not in the one (a click, a render) that asked for it.
    await job.yieldNow();
    return await work(job);
  } catch (e) {
    if (e instanceof Cancelled || job.cancelled) return null;
    throw e;
  } finally {
    performance.mark(`job end: ${label}`);
    running.delete(job);
    started.delete(job);
    if (running.size === 0) {
      clearInterval(timer);
      timer = 0;
    }
    paint();
  }
}

/** Cancels every job (a new file, or the view left). */
export function cancelAll(): void {
  for (const j of running) j.cancel();
}
