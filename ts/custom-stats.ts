/**
 * generalStat and sampleCountStat: statistics with the caller's own summary function f.
 *
 * The core cannot call JavaScript from its threads, so f is evaluated here, in batches,
 * between two runs of the core's one engine (crates/treeseq-core/src/stats/custom.rs):
 *
 * 1. the first run (off the event loop, as every statistic) walks the trees and returns the
 *    distinct states x that f is needed at: the zero state, the total weight, then every
 *    weight sum (or sample count) below a node or of an allele that the walk met, sorted;
 * 2. f is called here once per distinct state, in slices of about 10 ms with the event loop
 *    (or a page's main thread) free between them;
 * 3. the second run sums f's values, looked up by state, in the engine's fixed order: the
 *    same bits at any thread count and on both backends.
 *
 * In site mode the first run also returns which state each site's alleles had, in order, and
 * the second sums f's values from that list without walking the trees again.
 *
 * Cost: in site mode, one walk of the trees, a sort of the alleles' states and one call of f
 * per distinct state; in branch and node mode, two walks, each with a hash-table access per
 * evaluation of f's state (a random memory access into a table as large as the distinct
 * states), plus one call of f per distinct state. Measured on bench-30k (30,000 samples in 3
 * sets, 100 windows): site mode meets 64,312 distinct states of 202,000 evaluations and costs
 * about 1.6 diversity calls on one thread, 2 on two (docs/performance.md); branch mode meets 2.0 million (every node's counts) and its two walks cost about 10
 * plain ones. Real-valued weights can have about as many distinct states as node updates.
 */
import type { Handle, StatResult } from "./backend.js";
import { TreeSeqError } from "./errors.js";
import { type StatName, STATISTICS, SummaryValues, toKwargs } from "./stats.js";
import { Pacer } from "./pace.js";
import { describe, isPlainObject } from "./values.js";

/** The longest f runs before the event loop gets a turn, in milliseconds. */
const SLICE_MS = 10;
/** Calls of f between looks at the clock. */
const CALLS_PER_LOOK = 64;

/** f at every state of `states` (`rows` of `k`, row-major): `outputDim` numbers each. */
async function evaluate(
  name: StatName,
  f: (x: Float64Array) => ArrayLike<number>,
  states: Float64Array,
  [rows, k]: [number, number],
  outputDim: number,
): Promise<Float64Array> {
  const values = new Float64Array(rows * outputDim);
  const pacer = new Pacer(SLICE_MS);
  for (let r = 0; r < rows; r++) {
    // A copy: f may keep or change its argument. (Filled by hand: half the cost of `slice`.)
    const x = new Float64Array(k);
    for (let j = 0; j < k; j++) x[j] = states[r * k + j];
    const y = f(x);
    if (y === null || typeof y !== "object" || typeof (y as ArrayLike<number>).length !== "number") {
      throw new TreeSeqError("BAD_PARAM", `${name}: f must return an array of ${outputDim} numbers, got ${describe(y)}`);
    }
    if (y.length !== outputDim) {
      throw new TreeSeqError("BAD_PARAM", `${name}: f returned ${y.length} values, but outputDim is ${outputDim}`);
    }
    for (let j = 0; j < outputDim; j++) {
      const v = y[j];
      if (typeof v !== "number") throw new TreeSeqError("BAD_PARAM", `${name}: f returned ${describe(v)} at [${j}], not a number`);
      values[r * outputDim + j] = v;
    }
    if (r % CALLS_PER_LOOK === CALLS_PER_LOOK - 1 && pacer.due()) await pacer.pause();
  }
  return values;
}

/** `ts.generalStat(options)` or `ts.sampleCountStat(options)` on the handle `h`. */
export async function customStatistic(h: Handle, name: "generalStat" | "sampleCountStat", options: unknown): Promise<StatResult> {
  if (!isPlainObject(options)) throw new TreeSeqError("BAD_PARAM", `${name}: options must be an object, got ${describe(options)}`);
  const { f, ...rest } = options as Record<string, unknown>;
  if (typeof f !== "function")
    throw new TreeSeqError("BAD_PARAM", `${name}: f must be a function (x: Float64Array) => numbers, got ${describe(f)}`);
  // Everything but f is read (and refused) as for any statistic, before f is called.
  const first = toKwargs(name, rest as never);
  const gathered = await h.compute(STATISTICS[name], first);
  // [rows, k] states, and in site mode [rows, k, r]: the states, then the r values of the
  // list of the sites' evaluations (custom.rs's `SiteStates`), which goes back as it came.
  const [rows, k] = gathered.shape;
  const states = gathered.data.subarray(0, rows * k);
  const replay = gathered.shape.length === 3 ? gathered.data.subarray(rows * k) : undefined;
  const outputDim = JSON.parse(first.json).output_dim as number;
  const values = await evaluate(name, f as (x: Float64Array) => ArrayLike<number>, states, [rows, k], outputDim);
  return h.compute(STATISTICS[name], toKwargs(name, { ...rest, f: new SummaryValues(states, values, replay) } as never));
}
