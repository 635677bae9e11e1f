/**
 * The whole Tree (API.md, "The whole Tree (toolkit)") against tskit's answers, recorded by
 * scripts/make_tree_fixture.py in test/fixtures/tree/*.json.gz (TREESEQ_FIXTURES's tree/ from
 * make_fixture.py --toolkit), on both backends: every per-node method on a sample of nodes,
 * every traversal order, Newick text, balance indexes, KC and RF distances, tracked samples,
 * edge diffs, and tskit's refusals.
 */
import { describe, it, expect, beforeAll } from "vitest";
import { init, load, TreeSeqError } from "../dist/index.js";
import { formatFixed } from "../dist/newick.js";
import { BACKENDS, bundled, close, toolkitFixtures } from "./helpers.js";

const CASES = toolkitFixtures("tree").map(({ name, path, want }) => ({ name, path, data: want }));

beforeAll(async () => {
  await init({ threads: 2 });
});

const num = (x: any): number => (x === "inf" ? Infinity : x === "-inf" ? -Infinity : x === "nan" ? NaN : x);
const arr = (a: ArrayLike<number>): number[] => Array.from(a);

/** tskit's answer `want` (a value, or { error }) against calling `f`. */
function same(f: () => unknown, want: any, what: string): void {
  if (want !== null && typeof want === "object" && !Array.isArray(want) && "error" in want) {
    let thrown: unknown = null;
    try {
      f();
    } catch (e) {
      thrown = e;
    }
    expect(thrown, `${what}: tskit raised ${want.error}`).toBeInstanceOf(TreeSeqError);
    expect((thrown as TreeSeqError).code, what).toBe("BAD_PARAM");
    return;
  }
  const got = f();
  if (Array.isArray(want)) expect(arr(got as ArrayLike<number>), what).toEqual(want);
  else if (typeof want === "number" || (typeof want === "string" && /^(-?inf|nan)$/.test(want))) {
    const w = num(want);
    expect(close(got as number, Number.isNaN(w) ? null : w), `${what}: ${got} vs ${want}`).toBe(true);
  } else expect(got, what).toEqual(want);
}

it("branch lengths print as C's %.<p>f (exact ties to even), as tskit's Newick", () => {
  for (const [x, p, want] of CASES[0].data.formatting) expect(formatFixed(x, p), `${x} to ${p}`).toBe(want);
});

describe.each(BACKENDS)("%s backend", (backend) => {
  describe.each(CASES)("$name", ({ path, data }) => {
    const open = () => load(path, { backend });

    it("per tree: interval, roots, counts, sites, mutations, arrays, traversals", async () => {
      const ts = await open();
      for (const want of data.trees) {
        const t = ts.atIndex(want.index);
        const w = `tree ${want.index}`;
        expect([t.interval.left, t.interval.right], w).toEqual(want.interval);
        expect(arr(t.roots), w).toEqual(want.roots);
        expect(t.numRoots, w).toBe(want.numRoots);
        same(() => t.root, want.root, `${w} root`);
        expect(t.numSamples(), w).toBe(want.numSamplesTotal);
        expect(t.numEdges, w).toBe(want.numEdges);
        expect(t.numSites, w).toBe(want.numSites);
        expect(t.numMutations, w).toBe(want.numMutations);
        expect(arr(t.mutations()), w).toEqual(want.mutations);
        expect(arr(t.sites()), w).toEqual(want.sites);
        expect(t.span, w).toBe(want.span);
        expect(t.mid, w).toBe(want.mid);
        expect(close(t.totalBranchLength, want.totalBranchLength), w).toBe(true);
        same(() => t.samples(), want.samples, `${w} samples()`);
        same(() => t.leaves(), want.leaves, `${w} leaves()`);
        expect(arr(t.preorder()), w).toEqual(want.preorder);
        expect(arr(t.postorder()), w).toEqual(want.postorder);
        for (const [order, nodes] of Object.entries(want.nodes)) same(() => t.nodes({ order: order as any }), nodes, `${w} nodes ${order}`);
        const a = want.arrays;
        expect(arr(t.parentArray()), w).toEqual(a.parent.slice(0, -1));
        expect(arr(t.leftChildArray()), w).toEqual(a.leftChild);
        expect(arr(t.rightChildArray()), w).toEqual(a.rightChild);
        expect(arr(t.leftSibArray()), w).toEqual(a.leftSib);
        expect(arr(t.rightSibArray()), w).toEqual(a.rightSib);
        expect(arr(t.numChildrenArray()), w).toEqual(a.numChildren);
        expect(arr(t.edgeArray()), w).toEqual(a.edge);
      }
      ts.dispose();
    });

    it("per node: every accessor, subtree traversals and Newick of subtrees", async () => {
      const ts = await open();
      for (const want of data.trees) {
        const t = ts.atIndex(want.index);
        for (const n of want.perNode) {
          const u = n.u,
            w = `tree ${want.index} node ${u}`;
          same(() => t.parent(u), n.parent, `${w} parent`);
          same(() => t.children(u), n.children, `${w} children`);
          same(() => t.samples(u), n.samples, `${w} samples`);
          same(() => t.leaves(u), n.leaves, `${w} leaves`);
          same(() => t.numChildren(u), n.numChildren, `${w} numChildren`);
          same(() => t.leftChild(u), n.leftChild, `${w} leftChild`);
          same(() => t.rightChild(u), n.rightChild, `${w} rightChild`);
          same(() => t.leftSib(u), n.leftSib, `${w} leftSib`);
          same(() => t.rightSib(u), n.rightSib, `${w} rightSib`);
          same(() => t.siblings(u), n.siblings, `${w} siblings`);
          same(() => t.edge(u), n.edge, `${w} edge`);
          same(() => t.depth(u), n.depth, `${w} depth`);
          same(() => t.isSample(u), n.isSample, `${w} isSample`);
          same(() => t.isLeaf(u), n.isLeaf, `${w} isLeaf`);
          same(() => t.isRoot(u), n.isRoot, `${w} isRoot`);
          same(() => t.isInternal(u), n.isInternal, `${w} isInternal`);
          same(() => t.isIsolated(u), n.isIsolated, `${w} isIsolated`);
          same(() => t.time(u), n.time, `${w} time`);
          same(() => t.population(u), n.population, `${w} population`);
          same(() => t.numSamples(u), n.numSamples, `${w} numSamples`);
          same(() => t.branchLength(u), n.branchLength, `${w} branchLength`);
          same(() => t.preorder(u), n.preorder, `${w} preorder`);
          same(() => t.postorder(u), n.postorder, `${w} postorder`);
          for (const [order, nodes] of Object.entries(n.nodes))
            same(() => t.nodes({ root: u, order: order as any }), nodes, `${w} nodes ${order}`);
          if (n.newick !== null) same(() => t.asNewick({ root: u }), n.newick, `${w} newick`);
          if (n.newickNoLengths !== null)
            same(() => t.asNewick({ root: u, includeBranchLengths: false }), n.newickNoLengths, `${w} newick`);
        }
      }
      ts.dispose();
    });

    it("pairs and triples: mrca, tmrca, isDescendant, pathLength, distanceBetween", async () => {
      const ts = await open();
      for (const want of data.trees) {
        const t = ts.atIndex(want.index);
        for (const p of want.pairs) {
          const w = `tree ${want.index} (${p.u}, ${p.v})`;
          same(() => t.mrca(p.u, p.v), p.mrca, `${w} mrca`);
          same(() => t.tmrca(p.u, p.v), p.tmrca, `${w} tmrca`);
          same(() => t.isDescendant(p.u, p.v), p.isDescendant, `${w} isDescendant`);
          same(() => t.isDescendant(p.v, p.u), p.isDescendantVU, `${w} isDescendant`);
          same(() => t.pathLength(p.u, p.v), p.pathLength, `${w} pathLength`);
          same(() => t.distanceBetween(p.u, p.v), p.distanceBetween, `${w} distanceBetween`);
        }
        for (const q of want.triples) {
          same(() => t.mrca(...q.nodes), q.mrca, `tree ${want.index} mrca(${q.nodes})`);
          same(() => t.tmrca(...q.nodes), q.tmrca, `tree ${want.index} tmrca(${q.nodes})`);
        }
      }
      ts.dispose();
    });

    it("Newick text, balance indexes, lineages, KC and RF distances", async () => {
      const ts = await open();
      for (const want of data.trees) {
        const t = ts.atIndex(want.index);
        const w = `tree ${want.index}`;
        const nw = want.newick;
        const labels = new Map(Object.entries(nw.labelMap).map(([k, v]) => [Number(k), v as string]));
        same(() => t.asNewick(), nw.default, `${w} newick`);
        same(() => t.asNewick({ precision: 3 }), nw.precision3, `${w} newick precision 3`);
        same(() => t.asNewick({ precision: 0 }), nw.precision0, `${w} newick precision 0`);
        same(() => t.asNewick({ includeBranchLengths: false }), nw.noLengths, `${w} newick no lengths`);
        same(() => t.asNewick({ nodeLabels: labels }), nw.labels, `${w} newick labels`);
        same(
          () => t.asNewick({ nodeLabels: nw.labelMap, includeBranchLengths: false, precision: 2 }),
          nw.labelsNoLengths,
          `${w} newick labels`,
        );
        same(() => t.asNewick({ root: t.virtualRoot }), nw.virtualRoot, `${w} newick virtual root`);
        same(() => t.asNewick({ root: t.virtualRoot, includeBranchLengths: false }), nw.virtualRootNoLengths, `${w} newick virtual root`);
        same(() => t.asNewick({ root: t.virtualRoot, nodeLabels: labels }), nw.virtualRootLabels, `${w} newick virtual root`);
        same(() => t.collessIndex(), want.collessIndex, `${w} colless`);
        same(() => t.sackinIndex(), want.sackinIndex, `${w} sackin`);
        same(() => t.b1Index(), want.b1Index, `${w} b1`);
        same(() => t.b2Index(), want.b2Index, `${w} b2`);
        same(() => t.b2Index({ base: 2 }), want.b2Index2, `${w} b2 base 2`);
        for (const [b, v] of want.b2IndexBases) same(() => t.b2Index({ base: num(b) }), v, `${w} b2 base ${b}`);
        for (const [x, n] of want.numLineages) same(() => t.numLineages(x), n, `${w} numLineages(${x})`);
        if (want.next) {
          const other = ts.atIndex(want.index + 1);
          same(() => t.kcDistance(other), want.next.kcDistance, `${w} kc`);
          same(() => t.kcDistance(other, { lambda: 0.5 }), want.next.kcDistanceLambda, `${w} kc lambda`);
          same(() => t.kcDistance(t, { lambda: 1 }), want.next.kcDistanceSelf, `${w} kc self`);
          same(() => t.rfDistance(other), want.next.rfDistance, `${w} rf`);
        }
      }
      ts.dispose();
    });

    it("tracked samples, first/last, edge diffs", async () => {
      const ts = await open();
      const byIndex = new Map<number, number[][]>(data.tracked.trees.map((e: any) => [e.index, e.counts]));
      for (const t of ts.trees({ trackedSamples: data.tracked.samples })) {
        const counts = byIndex.get(t.index);
        if (!counts) continue;
        for (const [u, n] of counts) if (t.numTrackedSamples(u) !== n) expect(t.numTrackedSamples(u), `tree ${t.index} node ${u}`).toBe(n);
      }
      for (const t of ts.trees()) expect(t.numTrackedSamples(0)).toBe(0);
      expect(ts.first().index).toBe(data.first);
      expect(ts.last().index).toBe(data.last);
      for (const [key, want] of Object.entries(data.edgeDiffs) as Array<[string, any[]]>) {
        const [term, dir] = key.split("_");
        const got = [...ts.edgeDiffs({ includeTerminal: term === "terminal", direction: dir as any })].map((d) => ({
          interval: [d.interval.left, d.interval.right],
          out: arr(d.edgesOut),
          in: arr(d.edgesIn),
        }));
        expect(got, key).toEqual(want);
      }
      ts.dispose();
    });
  });

  it("unknown options and extra arguments are refused, naming them", async () => {
    const ts = await load(bundled("small"), { backend });
    const t = ts.first();
    const bad = (f: () => unknown, word: string) => {
      expect(f).toThrow(TreeSeqError);
      try {
        f();
      } catch (e) {
        expect((e as TreeSeqError).code).toBe("BAD_PARAM");
        expect((e as Error).message).toContain(word);
      }
    };
    bad(() => ts.trees({ tracked: [0] } as any).next(), "tracked");
    bad(() => ts.trees({ trackedSamples: [0, 0] }).next(), "twice");
    bad(() => ts.trees({ trackedSamples: [ts.numNodes - 1] }).next(), "not a sample");
    bad(() => ts.edgeDiffs({ include_terminal: true } as any).next(), "include_terminal");
    bad(() => ts.edgeDiffs({ direction: "backward" as any }).next(), "direction");
    bad(() => t.nodes({ order: "random" as any }), "random");
    bad(() => t.nodes({ root: 0, ordr: "preorder" } as any), "ordr");
    bad(() => t.asNewick({ labels: {} } as any), "labels");
    bad(() => t.asNewick({ precision: 18 }), "precision");
    bad(() => t.b2Index({ base: 1 }), "base");
    bad(() => t.b2Index({ bas: 2 } as any), "bas");
    bad(() => t.kcDistance(t, { lambda_: 1 } as any), "lambda_");
    bad(() => t.mrca(0), "two nodes");
    bad(() => (t.parent as any)(0, 1), "argument");
    bad(() => (t.preorder as any)(0, 1), "argument");
    bad(() => (t.numSamples as any)(0, 1), "argument");
    bad(() => (ts.first as any)(1), "argument");
    bad(() => t.numLineages(Infinity), "finite");
    bad(() => t.parent(ts.numNodes + 1), "out of bounds");
    ts.dispose();
  });

  it("after dispose(), every new method throws DISPOSED (no read of freed memory)", async () => {
    const ts = await load(bundled("small"), { backend });
    const t = ts.first(),
      other = ts.last();
    ts.dispose();
    const calls: Array<() => unknown> = [
      () => t.samples(0),
      () => t.leaves(),
      () => t.leftChild(0),
      () => t.siblings(0),
      () => t.edge(0),
      () => t.depth(0),
      () => t.isDescendant(0, 1),
      () => t.isRoot(0),
      () => t.time(0),
      () => t.population(0),
      () => t.numTrackedSamples(0),
      () => t.preorder(0),
      () => t.nodes({ order: "timeasc" }),
      () => t.mrca(0, 1, 2),
      () => t.mutations(),
      () => t.numMutations,
      () => t.span,
      () => t.root,
      () => t.numRoots,
      () => t.asNewick(),
      () => t.collessIndex(),
      () => t.b2Index(),
      () => t.numLineages(1),
      () => t.rfDistance(other),
      () => other.kcDistance(t),
      () => t.edgeArray(),
      () => ts.first(),
      () => ts.edgeDiffs().next(),
    ];
    for (const f of calls) {
      let code = "";
      try {
        f();
      } catch (e) {
        code = (e as TreeSeqError).code;
      }
      expect(code, f.toString()).toBe("DISPOSED");
    }
  });

  it("a Newick example: a subtree's text is a part of the whole tree's", async () => {
    const ts = await load(bundled("small"), { backend });
    const t = ts.first();
    const whole = t.asNewick({ precision: 3 });
    const child = t.children(t.root)[0];
    expect(whole).toContain(t.asNewick({ root: child, precision: 3 }).slice(0, -1));
    ts.dispose();
  });
});
