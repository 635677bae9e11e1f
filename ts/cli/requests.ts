/**
 * One statistic of `treeseq stat` on one file: the API calls it makes (its options completed
 * with the run's sample sets, windows and tuples, so that every axis of tskit's shape is
 * there) and the label of each axis, from which each value becomes one row of the long table.
 */
import { TreeSeqError, type TreeSequence } from "../index.js";
import { STATISTICS, type StatName, type StatResult } from "../stats.js";
import { namedWindows, resolveTuples, type NamedSets, type TuplesSpec } from "./selection.js";

/** One value of the long table. Optional columns are absent where a statistic lacks the axis. */
export interface Row {
  file: string;
  statistic: string;
  mode: string;
  window_left: number;
  window_right: number;
  sample_sets: string;
  value: number;
  time_left?: number;
  time_right?: number;
  index?: string;
}

/** The columns of the long table, in order; the last three only where some statistic has them. */
export const BASE_COLUMNS = ["file", "statistic", "mode", "window_left", "window_right", "sample_sets", "value"] as const;
export const TIME_COLUMNS = ["time_left", "time_right"] as const;
export const INDEX_COLUMN = "index";

/** A statistic as `--stat NAME[:JSON]` gives it. */
export interface StatSpec {
  name: StatName;
  options: Record<string, unknown>;
  /** As the user wrote it, for messages. */
  text: string;
}

/** What the run gives every statistic that takes it. */
export interface RunSelection {
  sets: NamedSets;
  windows: number[];
  windowsGiven: boolean;
  tuples: TuplesSpec;
  mode?: string;
}

/** One call of the API, and how to label its values. */
export interface Request {
  options: Record<string, unknown>;
  mode: string;
  axes: Axis[];
}

/** One axis of a result: its length, and what its i-th entry says about a row. */
interface Axis {
  size: number;
  label(row: Row, i: number): void;
}

/** The k of each k-way statistic on sample sets. */
const K_WAY: Partial<Record<StatName, number>> = {
  divergence: 2,
  fst: 2,
  f2: 2,
  y2: 2,
  geneticRelatedness: 2,
  f3: 3,
  y3: 3,
  f4: 4,
};
const ONE_WAY = new Set<StatName>(["diversity", "segregatingSites", "tajimasD", "y1"]);
const TRAIT = new Set<StatName>(["traitCovariance", "traitCorrelation"]);
const MATRIX = new Set<StatName>(["divergenceMatrix", "geneticRelatednessMatrix"]);
/** Statistics of the whole genome, without windows or mode. */
export const WHOLE_GENOME = new Set<StatName>(["meanDescendants", "genealogicalNearestNeighbours"]);

/** Whether the statistic, so asked, has a time or an index axis (decides the table's columns). */
export function hasAxes(spec: StatSpec, runMode: string | undefined): { time: boolean; index: boolean } {
  const mode = (spec.options.mode as string | undefined) ?? runMode;
  const time = spec.options.timeWindows !== undefined && spec.options.timeWindows !== null;
  const index = mode === "node" || spec.name === "alleleFrequencySpectrum" || WHOLE_GENOME.has(spec.name);
  return { time, index };
}

/** The calls that compute `spec` on `ts` with the run's selection, and one-time notes. */
export function plan(ts: TreeSequence, spec: StatSpec, run: RunSelection): { requests: Request[]; notes: string[] } {
  const { name } = spec;
  const user = spec.options;
  const notes: string[] = [];
  const L = ts.sequenceLength;

  if (WHOLE_GENOME.has(name)) {
    if (run.windowsGiven) notes.push(`${name} is a statistic of the whole genome: the windows do not apply to it`);
    if (run.mode !== undefined) notes.push(`${name} has no mode: --mode does not apply to it`);
    const sets = userSets(user) ?? run.sets;
    const options: Record<string, unknown> = { ...user, sampleSets: sets.sets };
    const focal =
      name === "genealogicalNearestNeighbours" ? Int32Array.from((user.focal as ArrayLike<number> | undefined) ?? ts.samples()) : null;
    if (focal) options.focal = focal;
    const rows: Axis = focal
      ? {
          size: focal.length,
          label: (r, i) => {
            r.index = String(focal[i]);
          },
        }
      : {
          size: ts.numNodes,
          label: (r, i) => {
            r.index = String(i);
          },
        };
    const whole: Axis = {
      size: 1,
      label: (r) => {
        r.window_left = 0;
        r.window_right = L;
      },
    };
    return { requests: [{ options, mode: "", axes: [whole, rows, setAxis(sets.names)] }], notes };
  }

  // Every other statistic has windows (always given, so the axis is always there), a mode,
  // and optionally time windows.
  const windows = userWindows(ts, user) ?? run.windows;
  const mode = (user.mode as string | undefined) ?? run.mode;
  const base: Record<string, unknown> = { ...user, windows };
  if (mode !== undefined) base.mode = mode;
  const lead: Axis[] = [
    {
      size: windows.length - 1,
      label: (r, i) => {
        r.window_left = windows[i];
        r.window_right = windows[i + 1];
      },
    },
  ];
  const times = user.timeWindows as ArrayLike<number> | null | undefined;
  if (times !== undefined && times !== null) {
    const t = Array.from(times, Number);
    lead.push({
      size: t.length - 1,
      label: (r, i) => {
        r.time_left = t[i];
        r.time_right = t[i + 1];
      },
    });
  }
  if (mode === "node")
    lead.push({
      size: ts.numNodes,
      label: (r, i) => {
        r.index = String(i);
      },
    });
  const req = (options: Record<string, unknown>, axes: Axis[]): Request => ({ options, mode: mode ?? "site", axes: [...lead, ...axes] });

  if (name === "alleleFrequencySpectrum") {
    const given = userSets(user);
    // The run's sets each get a spectrum of their own (a joint spectrum of several sets has
    // (n+1)^k bins); sets given in the statistic's options get tskit's joint spectrum.
    const groups = given ? [given] : run.sets.names.map((n, i) => ({ names: [n], sets: [run.sets.sets[i]] }));
    return {
      requests: groups.map((g) => req({ ...base, sampleSets: g.sets }, [spectrumAxis(g)])),
      notes,
    };
  }
  if (TRAIT.has(name) || name === "geneticRelatednessWeighted") {
    const k = weightColumns(user.weights);
    const cols = Array.from({ length: k }, (_, i) => `weight ${i}`);
    if (name !== "geneticRelatednessWeighted") return { requests: [req(base, [setAxis(cols)])], notes };
    const indexes = userTuples(user) ?? resolveTuples({ kind: "all" }, k, 2, name);
    return { requests: [req({ ...base, indexes }, [tupleAxis(cols, indexes)])], notes };
  }

  const sets = userSets(user) ?? run.sets;
  if (MATRIX.has(name)) {
    const n = sets.names.length;
    const cell: Axis[] = [
      {
        size: n,
        label: (r, i) => {
          r.sample_sets = sets.names[i];
        },
      },
      {
        size: n,
        label: (r, j) => {
          r.sample_sets += `,${sets.names[j]}`;
        },
      },
    ];
    return { requests: [req({ ...base, sampleSets: sets.sets }, cell)], notes };
  }
  const k = K_WAY[name];
  if (k !== undefined) {
    const indexes = userTuples(user) ?? resolveTuples(run.tuples, sets.names.length, k, name);
    return { requests: [req({ ...base, sampleSets: sets.sets, indexes }, [tupleAxis(sets.names, indexes)])], notes };
  }
  if (ONE_WAY.has(name)) return { requests: [req({ ...base, sampleSets: sets.sets }, [setAxis(sets.names)])], notes };
  throw new TreeSeqError("INTERNAL", `treeseq stat does not know the axes of ${name} (${STATISTICS[name]})`);
}

/** The rows of one result, in tskit's row-major order. */
export function* rowsOf(result: StatResult, request: Request, file: string, statistic: string): Generator<Row> {
  const sizes = request.axes.map((a) => a.size);
  const want = sizes.reduce((a, b) => a * b, 1);
  if (result.data.length !== want) {
    throw new TreeSeqError(
      "INTERNAL",
      `${statistic}: ${result.data.length} values where the axes [${sizes}] make ${want} (shape [${result.shape}])`,
    );
  }
  const at = new Array<number>(sizes.length).fill(0);
  for (let v = 0; v < want; v++) {
    const row: Row = { file, statistic, mode: request.mode, window_left: 0, window_right: 0, sample_sets: "", value: result.data[v] };
    request.axes.forEach((a, d) => {
      a.label(row, at[d]);
    });
    yield row;
    for (let d = sizes.length - 1; d >= 0; d--) {
      if (++at[d] < sizes[d]) break;
      at[d] = 0;
    }
  }
}

function setAxis(names: string[]): Axis {
  return {
    size: names.length,
    label: (r, i) => {
      r.sample_sets = names[i];
    },
  };
}

function tupleAxis(names: string[], tuples: number[][]): Axis {
  return {
    size: tuples.length,
    label: (r, i) => {
      r.sample_sets = tuples[i].map((j) => names[j] ?? String(j)).join(",");
    },
  };
}

/** The bins of a (joint) spectrum: one axis per set, n+1 bins each, labelled "i,j,...". */
function spectrumAxis(g: NamedSets): Axis {
  const dims = g.sets.map((s) => s.length + 1);
  const size = dims.reduce((a, b) => a * b, 1);
  const label = g.names.join(",");
  return {
    size,
    label: (r, flat) => {
      const idx: number[] = [];
      for (let d = dims.length - 1; d >= 0; d--) {
        idx.unshift(flat % dims[d]);
        flat = Math.floor(flat / dims[d]);
      }
      r.sample_sets = label;
      r.index = idx.join(",");
    },
  };
}

/** Sample sets given in a statistic's own options, named by their position. */
function userSets(user: Record<string, unknown>): NamedSets | null {
  const s = user.sampleSets as ArrayLike<unknown> | undefined;
  if (s === undefined || s === null) return null;
  const list = Array.from(s);
  const nested = list.length > 0 && list.every((x) => typeof x === "object" && x !== null);
  const sets = (nested ? list : [list]).map((x) => Int32Array.from(x as ArrayLike<number>));
  return { names: sets.map((_, i) => String(i)), sets };
}

function userTuples(user: Record<string, unknown>): number[][] | null {
  const t = user.indexes as unknown[] | undefined;
  if (t === undefined || t === null) return null;
  return Array.isArray(t[0]) ? (t as number[][]) : [t as number[]];
}

/** Windows given in a statistic's own options, as breakpoints. */
function userWindows(ts: TreeSequence, user: Record<string, unknown>): number[] | null {
  const w = user.windows;
  if (w === undefined || w === null) return null;
  if (w === "trees" || w === "sites") return namedWindows(ts, w);
  return Array.from(w as ArrayLike<number>, Number);
}

function weightColumns(w: unknown): number {
  if (Array.isArray(w)) return w.length > 0 ? (w[0] as ArrayLike<number>).length : 0;
  const shape = (w as { shape?: number[] } | undefined)?.shape;
  if (shape) return shape[1];
  throw new TreeSeqError("BAD_PARAM", "this statistic needs weights (tskit's W) in its options: --stat 'NAME:{\"weights\":[[...],...]}'");
}
