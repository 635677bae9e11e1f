/**
 * Disposal is exact, on both backends: after `dispose()` every method and getter of the tree
 * sequence, its tables, its Trees and its iterators throws DISPOSED; columns taken earlier never
 * show memory that now holds another file (they are detached: length 0, on both backends); a
 * second `dispose()` does nothing.
 */
import { describe, it, expect } from "vitest";
import { load, TreeSeqError } from "../dist/index.js";
import { BACKENDS, fixtures } from "./helpers.js";

const all = fixtures();
const first = all.find((f) => f.name === "small") ?? all[0];
const other = all.find((f) => f !== first && f.expected.summary.num_nodes !== first.expected.summary.num_nodes) ?? all[1];

function disposed(f: () => unknown, what: string): void {
  let err: unknown = null;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, what).toBeInstanceOf(TreeSeqError);
  expect((err as TreeSeqError).code, what).toBe("DISPOSED");
}

const GETTERS = [
  "backend",
  "sequenceLength",
  "numTrees",
  "numSamples",
  "numNodes",
  "numEdges",
  "numSites",
  "numMutations",
  "numIndividuals",
  "numPopulations",
  "numMigrations",
  "numProvenances",
  "timeUnits",
  "tables",
] as const;

describe.each(BACKENDS)("%s backend", (backend) => {
  it("every getter and method throws DISPOSED after dispose(), and a second dispose() is a no-op", async () => {
    const ts = await load(first.path, { backend });
    expect(ts.numTrees).toBe(first.expected.summary.num_trees);
    const tables = ts.tables;
    ts.dispose();
    for (const g of GETTERS) disposed(() => (ts as any)[g], g);
    disposed(() => ts.samples(), "samples()");
    disposed(() => ts.breakpoints(), "breakpoints()");
    disposed(() => ts.dump(), "dump()");
    disposed(() => ts.at(0), "at()");
    disposed(() => ts.atIndex(0), "atIndex()");
    disposed(() => ts.trees().next(), "trees()");
    disposed(() => ts.variants().next(), "variants()");
    disposed(() => tables.nodes.time, "tables.nodes.time");
    disposed(() => tables.nodes.numRows, "tables.nodes.numRows");
    disposed(() => tables.sites.metadata(0), "tables.sites.metadata(0)");
    await expect(ts.diversity()).rejects.toMatchObject({ code: "DISPOSED" });
    expect(() => ts.dispose()).not.toThrow();
    expect(() => ts[Symbol.dispose]()).not.toThrow();
  });

  it("Trees and iterators made before dispose() throw DISPOSED after it", async () => {
    const ts = await load(first.path, { backend });
    const tree = ts.atIndex(0);
    const root = tree.roots[0];
    expect(tree.numSamples(root)).toBeGreaterThan(0);
    const trees = ts.trees();
    expect(trees.next().done).toBe(false);
    const variants = ts.variants({ copy: false });
    const v = variants.next();
    ts.dispose();
    for (const f of [
      () => tree.parent(0),
      () => tree.numSamples(root),
      () => tree.children(root),
      () => tree.roots,
      () => tree.index,
      () => tree.interval,
      () => tree.totalBranchLength,
      () => tree.numEdges,
      () => tree.numNodes,
      () => tree.virtualRoot,
      () => tree.parentArray(),
      () => tree.branchLength(0),
      () => tree.preorder(),
      () => tree.postorder(),
      () => tree.mrca(0, 1),
      () => tree.tmrca(0, 1),
      () => tree.sites(),
    ])
      disposed(f, f.toString());
    disposed(() => trees.next(), "trees iterator");
    if (!v.done) disposed(() => variants.next(), "variants iterator");
  });

  it("a statistic running when dispose() is called finishes with the data it started on", async () => {
    const ts = await load(first.path, { backend });
    const before = await ts.diversity({ mode: "branch" });
    const running = ts.diversity({ mode: "branch" });
    ts.dispose();
    expect(Array.from((await running).data)).toEqual(Array.from(before.data));
  });

  it("columns kept past dispose() are detached (length 0), never another file's data", async () => {
    const ts = await load(first.path, { backend });
    const cols = [ts.tables.nodes.time, ts.tables.edges.parent, ts.tables.nodes.metadataOffset];
    const before = cols.map((c) => c.slice());
    expect(cols[0].length).toBe(first.expected.summary.num_nodes);
    ts.dispose();
    // Later loads reuse the memory the disposed file had.
    const later = [];
    for (let i = 0; i < 4; i++) later.push(await load(other.path, { backend }));
    // WASM: copies of the instance's memory; native: views of the file's bytes (external
    // buffers the addon detaches). Either way dispose() leaves them empty.
    cols.forEach((c, i) => {
      expect(before[i].length).toBeGreaterThan(0);
      expect(c.length).toBe(0);
      expect(c.byteLength).toBe(0);
    });
    for (const t of later) t.dispose();
  });
});
