/**
 * Objects and lookups (toolkit): tskit's row objects (`ts.node(i)`, `ts.site({ position })`,
 * ...) and their iterators, `samples({ population, time })`, the derived columns
 * (`individualsNodes`, `mutationsEdge`, ...) and the properties computed from the columns
 * (`discreteGenome`, `maxRootTime`, ...). Everything here reads `ts.tables`; what is computed
 * over a whole table (an individual's nodes, a mutation's edge) is computed once, on first use,
 * and kept beside that Tables object (which `dispose()` drops).
 */
import type { Tables, MetadataTableName, Offsets } from "./tables.js";
import { TreeSeqError } from "./errors.js";
import { isList, isPlainObject, optionsObject, toInteger, toNumber } from "./values.js";

/** tskit's Node. */
export interface Node {
  id: number;
  flags: number;
  time: number;
  population: number;
  individual: number;
  metadata: unknown;
}
/** tskit's Edge. */
export interface Edge {
  id: number;
  left: number;
  right: number;
  parent: number;
  child: number;
  metadata: unknown;
}
/** tskit's Mutation: `time` NaN where unknown; `edge` the edge above `node` at the site (-1
 * for none); `inheritedState` the parent mutation's derived state, or the site's ancestral
 * state for a mutation with no parent. */
export interface Mutation {
  id: number;
  site: number;
  node: number;
  derivedState: string;
  inheritedState: string;
  parent: number;
  time: number;
  metadata: unknown;
  edge: number;
}
/** tskit's Site, with its mutations in table order. */
export interface Site {
  id: number;
  position: number;
  ancestralState: string;
  mutations: Mutation[];
  metadata: unknown;
}
/** tskit's Individual: `nodes` are the nodes that name it, in node id order. */
export interface Individual {
  id: number;
  flags: number;
  location: Float64Array;
  parents: Int32Array;
  nodes: Int32Array;
  metadata: unknown;
}
/** tskit's Population. */
export interface Population {
  id: number;
  metadata: unknown;
}
/** tskit's Migration. */
export interface Migration {
  id: number;
  left: number;
  right: number;
  node: number;
  source: number;
  dest: number;
  time: number;
  metadata: unknown;
}
/** tskit's Provenance: `record` is JSON text. */
export interface Provenance {
  id: number;
  timestamp: string;
  record: string;
}

/** `ts.samples(options)`: `population` an id or a population's metadata `name`; `time` a
 * number (samples at that time, as numpy's isclose) or `[min, max)`. */
export interface SamplesOptions {
  population?: number | bigint | string;
  time?: number | bigint | ArrayLike<number | bigint>;
}

/** A row-major matrix, tskit's 2-D numpy array. */
export type Matrix<A> = A & { readonly shape: [number, number] };

/** What the row objects need from the tree sequence beside its tables. */
export interface RowsSource {
  tables: Tables;
  sequenceLength: number;
  samples: () => Int32Array;
  metadata: (table: MetadataTableName, i: number) => unknown;
}

const withShape = <A extends object>(a: A, shape: [number, number]): Matrix<A> =>
  Object.defineProperty(a, "shape", { value: shape, enumerable: false }) as Matrix<A>;

/** Per Tables object: the whole-table computations, made once. */
interface Derived {
  /** Nodes of each individual, grouped (CSR): node ids in id order. */
  indNodes?: { offset: Int32Array; nodes: Int32Array };
  mutationsEdge?: Int32Array;
  discreteGenome?: boolean;
  discreteTime?: boolean;
}
const derivedOf = new WeakMap<Tables, Derived>();

/** A row id: an integer in [-n, n), negative counting from the end as tskit's (Python's
 * indexing), else BAD_PARAM (tskit's IndexError). */
function rowId(v: unknown, n: number, where: string): number {
  const i = toInteger(v, { where, path: "id" }, "a row id");
  if (i < -n || i >= n) throw new TreeSeqError("BAD_PARAM", `${where}: id ${i} is out of range [-${n}, ${n})`);
  return i < 0 ? n + i : i;
}

const ragged = <A extends Float64Array | Int32Array>(data: A, offset: Offsets, i: number): A =>
  data.slice(Number(offset[i]), Number(offset[i + 1])) as A;

/** The row objects and lookups of one tree sequence. */
export class Rows {
  constructor(private readonly src: RowsSource) {}

  private get t(): Tables {
    return this.src.tables;
  }
  private get derived(): Derived {
    let d = derivedOf.get(this.t);
    if (!d) derivedOf.set(this.t, (d = {}));
    return d;
  }

  node(id: unknown): Node {
    const n = this.t.nodes;
    const i = rowId(id, n.numRows, "node");
    return {
      id: i,
      flags: n.flags[i],
      time: n.time[i],
      population: n.population[i],
      individual: n.individual[i],
      metadata: this.src.metadata("nodes", i),
    };
  }

  edge(id: unknown): Edge {
    const e = this.t.edges;
    const i = rowId(id, e.numRows, "edge");
    return {
      id: i,
      left: e.left[i],
      right: e.right[i],
      parent: e.parent[i],
      child: e.child[i],
      metadata: this.src.metadata("edges", i),
    };
  }

  mutation(id: unknown): Mutation {
    return this.mutationRow(rowId(id, this.t.mutations.numRows, "mutation"));
  }

  private mutationRow(i: number): Mutation {
    const m = this.t.mutations;
    return {
      id: i,
      site: m.site[i],
      node: m.node[i],
      derivedState: m.derivedState(i),
      inheritedState: this.inheritedState(i),
      parent: m.parent[i],
      time: m.time[i],
      metadata: this.src.metadata("mutations", i),
      edge: this.mutationsEdge()[i],
    };
  }

  /** The state a mutation replaces: its parent's derived state, or its site's ancestral state. */
  private inheritedState(i: number): string {
    const m = this.t.mutations;
    const p = m.parent[i];
    return p === -1 ? this.t.sites.ancestralState(m.site[i]) : m.derivedState(p);
  }

  /** `site(id)` or `site({ position })`: the site at exactly that position (BAD_PARAM if none). */
  site(arg: unknown): Site {
    const s = this.t.sites;
    let i: number;
    if (isPlainObject(arg)) {
      const o = optionsObject(arg, ["position"], "site");
      if (o.position === undefined) throw new TreeSeqError("BAD_PARAM", "site: give an id or { position }");
      i = this.siteAt(toNumber(o.position, { where: "site", path: "position" }));
    } else {
      i = rowId(arg, s.numRows, "site");
    }
    // The mutations of a site are contiguous (tskit requires mutations sorted by site).
    const site = this.t.mutations.site;
    const first = lowerBound(site, i);
    const end = lowerBound(site, i + 1);
    const mutations: Mutation[] = [];
    for (let j = first; j < end; j++) mutations.push(this.mutationRow(j));
    return { id: i, position: s.position[i], ancestralState: s.ancestralState(i), mutations, metadata: this.src.metadata("sites", i) };
  }

  private siteAt(x: number): number {
    const L = this.src.sequenceLength;
    if (!(x >= 0 && x < L)) throw new TreeSeqError("BAD_PARAM", `site: position ${x} is outside [0, ${L})`);
    const pos = this.t.sites.position;
    const i = lowerBound(pos, x);
    if (i >= pos.length || pos[i] !== x) throw new TreeSeqError("BAD_PARAM", `site: there is no site at position ${x}`);
    return i;
  }

  individual(id: unknown): Individual {
    const t = this.t.individuals;
    const i = rowId(id, t.numRows, "individual");
    const { offset, nodes } = this.individualNodes();
    return {
      id: i,
      flags: t.flags[i],
      location: ragged(t.locationData, t.locationOffset, i),
      parents: ragged(t.parentsData, t.parentsOffset, i),
      nodes: nodes.slice(offset[i], offset[i + 1]),
      metadata: this.src.metadata("individuals", i),
    };
  }

  population(id: unknown): Population {
    const i = rowId(id, this.t.populations.numRows, "population");
    return { id: i, metadata: this.src.metadata("populations", i) };
  }

  migration(id: unknown): Migration {
    const m = this.t.migrations;
    const i = rowId(id, m.numRows, "migration");
    return {
      id: i,
      left: m.left[i],
      right: m.right[i],
      node: m.node[i],
      source: m.source[i],
      dest: m.dest[i],
      time: m.time[i],
      metadata: this.src.metadata("migrations", i),
    };
  }

  provenance(id: unknown): Provenance {
    const p = this.t.provenances;
    const i = rowId(id, p.numRows, "provenance");
    return { id: i, timestamp: p.timestamp(i), record: p.record(i) };
  }

  // ---- samples({ population, time }) ----

  samples(options: unknown): Int32Array {
    const o = optionsObject(options, ["population", "time"], "samples");
    const samples = this.src.samples();
    const nodes = this.t.nodes;
    const pop = o.population === undefined ? null : this.populationId(o.population);
    const keepTime = o.time === undefined ? null : timeFilter(o.time);
    return samples.filter((u) => (pop === null || nodes.population[u] === pop) && (keepTime === null || keepTime(nodes.time[u])));
  }

  /** A population by id, or by its metadata's `name` (exactly one population must have it). */
  private populationId(v: unknown): number {
    if (typeof v !== "string") return toInteger(v, { where: "samples", path: "population" }, "a population id or name");
    const found: number[] = [];
    for (let i = 0; i < this.t.populations.numRows; i++) {
      const md = this.src.metadata("populations", i);
      if (md !== null && typeof md === "object" && (md as Record<string, unknown>).name === v) found.push(i);
    }
    if (found.length !== 1) {
      throw new TreeSeqError(
        "BAD_PARAM",
        found.length === 0
          ? `samples: no population has the name ${JSON.stringify(v)} in its metadata`
          : `samples: populations ${found.join(", ")} all have the name ${JSON.stringify(v)}: give an id`,
      );
    }
    return found[0];
  }

  // ---- Derived columns ----

  /** The nodes of every individual, in node id order (as tskit's C library lists them). */
  private individualNodes(): { offset: Int32Array; nodes: Int32Array } {
    const d = this.derived;
    if (d.indNodes) return d.indNodes;
    const n = this.t.individuals.numRows;
    const ind = this.t.nodes.individual;
    const offset = new Int32Array(n + 1);
    for (let u = 0; u < ind.length; u++) if (ind[u] >= 0) offset[ind[u] + 1]++;
    for (let i = 0; i < n; i++) offset[i + 1] += offset[i];
    const fill = offset.slice(0, n);
    const nodes = new Int32Array(offset[n]);
    for (let u = 0; u < ind.length; u++) if (ind[u] >= 0) nodes[fill[ind[u]]++] = u;
    return (d.indNodes = { offset, nodes });
  }

  /** tskit's `individuals_nodes`: rows x max ploidy, -1 padded. */
  individualsNodes(): Matrix<Int32Array> {
    const { offset, nodes } = this.individualNodes();
    const n = offset.length - 1;
    let ploidy = 0;
    for (let i = 0; i < n; i++) ploidy = Math.max(ploidy, offset[i + 1] - offset[i]);
    const out = new Int32Array(n * ploidy).fill(-1);
    for (let i = 0; i < n; i++) out.set(nodes.subarray(offset[i], offset[i + 1]), i * ploidy);
    return withShape(out, [n, ploidy]);
  }

  /** tskit's `individuals_population`: the population of an individual's nodes (-1 with no
   * nodes); nodes that disagree (-1 included) are refused, as tskit refuses them. */
  individualPopulations(): Int32Array {
    const pop = this.t.nodes.population;
    return this.perIndividual(new Int32Array(this.t.individuals.numRows).fill(-1), (u) => pop[u], "population");
  }

  /** tskit's `individuals_time`: the time of an individual's nodes (NaN with no nodes). */
  individualTimes(): Float64Array {
    const time = this.t.nodes.time;
    return this.perIndividual(new Float64Array(this.t.individuals.numRows).fill(NaN), (u) => time[u], "time");
  }

  /** One value per individual, the same for each of its nodes. */
  private perIndividual<A extends Int32Array | Float64Array>(out: A, value: (u: number) => number, what: string): A {
    const { offset, nodes } = this.individualNodes();
    for (let i = 0; i < out.length; i++) {
      for (let k = offset[i]; k < offset[i + 1]; k++) {
        const v = value(nodes[k]);
        if (k > offset[i] && out[i] !== v) {
          throw new TreeSeqError(
            "BAD_INDIVIDUALS",
            `individual ${i}'s nodes have different ${what}s (${out[i]} and ${v}), as tskit refuses`,
          );
        }
        out[i] = v;
      }
    }
    return out;
  }

  /** tskit's `individuals_location`: rows x location length, refused where lengths differ. */
  individualLocations(): Matrix<Float64Array> {
    const t = this.t.individuals;
    const n = t.numRows;
    const off = t.locationOffset;
    const width = n === 0 ? 0 : Number(off[1]) - Number(off[0]);
    for (let i = 0; i < n; i++) {
      if (Number(off[i + 1]) - Number(off[i]) !== width) {
        throw new TreeSeqError(
          "BAD_INDIVIDUALS",
          `individualLocations: individual ${i}'s location has ${Number(off[i + 1]) - Number(off[i])} values, individual 0's ${width}`,
        );
      }
    }
    return withShape(t.locationData.slice(Number(off[0]), Number(off[n])), [n, width]);
  }

  /** tskit's `mutations_edge`: the edge whose child is the mutation's node and whose span
   * holds its site (-1 for none), found by binary search in each child's edges by left. */
  mutationsEdge(): Int32Array {
    const d = this.derived;
    if (d.mutationsEdge) return d.mutationsEdge;
    const { edges, mutations, sites } = this.t;
    const numNodes = this.t.nodes.numRows;
    const child = edges.child,
      left = edges.left,
      right = edges.right;
    const start = new Int32Array(numNodes + 1);
    for (let e = 0; e < child.length; e++) start[child[e] + 1]++;
    for (let u = 0; u < numNodes; u++) start[u + 1] += start[u];
    const fill = start.slice(0, numNodes);
    const byChild = new Int32Array(child.length);
    for (let e = 0; e < child.length; e++) byChild[fill[child[e]]++] = e;
    // A child's edges do not overlap: sorted by left, the one holding x is the last with left <= x.
    for (let u = 0; u < numNodes; u++) byChild.subarray(start[u], start[u + 1]).sort((a, b) => left[a] - left[b]);
    const out = new Int32Array(mutations.numRows).fill(-1);
    for (let j = 0; j < out.length; j++) {
      const u = mutations.node[j];
      const x = sites.position[mutations.site[j]];
      let lo = start[u],
        hi = start[u + 1];
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (left[byChild[mid]] <= x) lo = mid + 1;
        else hi = mid;
      }
      if (lo > start[u] && right[byChild[lo - 1]] > x) out[j] = byChild[lo - 1];
    }
    return (d.mutationsEdge = out);
  }

  /** tskit's `mutations_inherited_state`. */
  mutationsInheritedState(): string[] {
    return Array.from({ length: this.t.mutations.numRows }, (_, i) => this.inheritedState(i));
  }

  // ---- Properties ----

  /** Sequence length, edge and migration coordinates, site positions: all integers. */
  discreteGenome(): boolean {
    const { edges, sites, migrations } = this.t;
    return (this.derived.discreteGenome ??=
      Number.isInteger(this.src.sequenceLength) &&
      [edges.left, edges.right, sites.position, migrations.left, migrations.right].every(allIntegers));
  }

  /** Node, mutation (unknown times aside) and migration times: all integers (also what
   * Newick's default precision asks). */
  discreteTime(): boolean {
    const { nodes, mutations, migrations } = this.t;
    return (this.derived.discreteTime ??= [nodes.time, mutations.time, migrations.time].every(allIntegers));
  }

  /** The oldest root: the oldest sample, or the parent of the last edge (edges are in parent
   * time order), as tskit. No samples: BAD_PARAM (tskit's ValueError). */
  maxRootTime(): number {
    const samples = this.src.samples();
    if (samples.length === 0) throw new TreeSeqError("BAD_PARAM", "maxRootTime is not defined in a tree sequence with 0 samples");
    const time = this.t.nodes.time;
    let t = -Infinity;
    for (const u of samples) t = Math.max(t, time[u]);
    const parent = this.t.edges.parent;
    return parent.length > 0 ? Math.max(t, time[parent[parent.length - 1]]) : t;
  }

  /** The least node or known mutation time (Infinity with neither, as tskit). */
  minTime(): number {
    return this.timeExtreme(Math.min, Infinity);
  }
  /** The greatest node or known mutation time (-Infinity with neither, as tskit). */
  maxTime(): number {
    return this.timeExtreme(Math.max, -Infinity);
  }

  private timeExtreme(pick: (a: number, b: number) => number, start: number): number {
    let t = start;
    const { nodes, mutations } = this.t;
    for (let i = 0; i < nodes.time.length; i++) t = pick(t, nodes.time[i]);
    for (let i = 0; i < mutations.time.length; i++) if (!Number.isNaN(mutations.time[i])) t = pick(t, mutations.time[i]);
    return t;
  }
}

/** NaN (an unknown time) counts as an integer, as tskit counts UNKNOWN_TIME as discrete.
 * An indexed loop: `for (const x of a)` with its early return took V8 (Node 20) about 40 ms
 * over a million values where this takes 3 to 6 ms, and the explorer's overview asks on open. */
function allIntegers(a: Float64Array): boolean {
  for (let i = 0, n = a.length; i < n; i++) {
    const x = a[i];
    if (Math.floor(x) !== x && !Number.isNaN(x)) return false;
  }
  return true;
}

/** The first index whose value is >= x, in a sorted array. */
function lowerBound(a: ArrayLike<number>, x: number): number {
  let lo = 0,
    hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** samples' `time`: a number (numpy's isclose: |t - x| <= 1e-8 + 1e-5 |x|) or `[min, max)`. */
function timeFilter(v: unknown): (t: number) => boolean {
  const where = { where: "samples", path: "time" };
  // A list of one time is that time, as numpy's ndmin=1 array makes it in tskit.
  if (!isList(v) || v.length === 1) {
    const x = toNumber(isList(v) ? v[0] : v, where, "a time or [min, max)");
    return (t) => Math.abs(t - x) <= 1e-8 + 1e-5 * Math.abs(x);
  }
  if (v.length !== 2) throw new TreeSeqError("BAD_PARAM", `samples: time must be a time or [min, max), not a list of ${v.length}`);
  const lo = toNumber(v[0], { where: "samples", path: "time[0]" });
  const hi = toNumber(v[1], { where: "samples", path: "time[1]" });
  if (!(hi > lo)) throw new TreeSeqError("BAD_PARAM", `samples: time interval max ${hi} is not greater than min ${lo}`);
  return (t) => t >= lo && t < hi;
}
