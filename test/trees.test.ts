/**
 * Trees and variants on both backends, driven by the fixtures' `trees`, `trees_summary` and
 * `variants` entries.
 */
import { describe, it, expect, beforeAll } from "vitest";
import { init, load, TreeSeqError } from "../dist/index.js";
import { BACKENDS, fixtures, close } from "./helpers.js";

beforeAll(async () => {
  await init({ threads: 2 });
});

describe.each(BACKENDS)("%s backend", (backend) => {
  describe.each(fixtures().filter((f) => f.expected.trees))("$name trees", ({ path, expected }) => {
    it("every tree equals tskit's, forward", async () => {
      const ts = await load(path, { backend });
      const samples = ts.samples();
      const first = samples[0],
        last = samples[samples.length - 1];
      let i = 0;
      for (const tree of ts.trees()) {
        const want = expected.trees[i++];
        expect(tree.index).toBe(want.index);
        expect([tree.interval.left, tree.interval.right]).toEqual([want.left, want.right]);
        expect(Array.from(tree.parentArray())).toEqual(want.parent);
        expect(Array.from(tree.roots)).toEqual(want.roots);
        for (let u = 0; u < ts.numNodes; u++)
          if (tree.numSamples(u) !== want.num_samples[u]) expect(tree.numSamples(u)).toBe(want.num_samples[u]);
        expect(close(tree.totalBranchLength, want.total_branch_length)).toBe(true);
        expect(Array.from(tree.preorder())).toEqual(want.preorder);
        expect(Array.from(tree.postorder())).toEqual(want.postorder);
        expect(Array.from(tree.sites())).toEqual(want.sites);
        expect(tree.mrca(first, last)).toBe(want.mrca_first_last);
      }
      expect(i).toBe(expected.trees.length);
      ts.dispose();
    });

    it("seeking by position and index, and walking backward, give the same trees", async () => {
      const ts = await load(path, { backend });
      const back = [...ts.trees({ reverse: true })].length; // the Tree is reused: count only
      expect(back).toBe(expected.trees.length);
      let j = expected.trees.length - 1;
      for (const tree of ts.trees({ reverse: true })) {
        const want = expected.trees[j--];
        expect(tree.index).toBe(want.index);
        expect(Array.from(tree.parentArray())).toEqual(want.parent);
        expect(close(tree.totalBranchLength, want.total_branch_length)).toBe(true);
      }
      for (const want of expected.trees) {
        const t = ts.at((want.left + want.right) / 2);
        expect(t.index).toBe(want.index);
        expect(Array.from(t.parentArray())).toEqual(want.parent);
        const u = ts.atIndex(want.index);
        expect(u.interval).toEqual({ left: want.left, right: want.right });
        expect(Array.from(u.parentArray())).toEqual(want.parent);
      }
      ts.dispose();
    });
  });

  describe.each(fixtures().filter((f) => f.expected.trees_summary))("$name tree summaries", ({ path, expected }) => {
    it("tree summaries equal tskit's", async () => {
      const ts = await load(path, { backend });
      let i = 0;
      for (const tree of ts.trees()) {
        const want = expected.trees_summary[i++];
        expect([tree.interval.left, tree.interval.right]).toEqual([want.left, want.right]);
        expect(tree.roots.length).toBe(want.num_roots);
        expect(close(tree.totalBranchLength, want.total_branch_length)).toBe(true);
      }
      expect(i).toBe(expected.trees_summary.length);
      ts.dispose();
    });
  });

  describe.each(fixtures().filter((f) => f.expected.variants))("$name variants", ({ path, expected }) => {
    it("every variant equals tskit's", async () => {
      const ts = await load(path, { backend });
      let i = 0;
      for (const v of ts.variants()) {
        const want = expected.variants[i++];
        expect(v.site).toBe(want.site);
        expect(v.position).toBe(want.position);
        expect(v.alleles).toEqual(want.alleles);
        expect(Array.from(v.genotypes)).toEqual(want.genotypes);
      }
      expect(i).toBe(expected.variants.length);
      ts.dispose();
    });
  });

  it("refuses bad positions, indexes and nodes", async () => {
    const ts = await load(fixtures()[0].path, { backend });
    expect(() => ts.at(-1)).toThrow(TreeSeqError);
    expect(() => ts.at(ts.sequenceLength)).toThrow(TreeSeqError);
    expect(() => ts.atIndex(ts.numTrees)).toThrow(TreeSeqError);
    const t = ts.atIndex(-1);
    expect(t.index).toBe(ts.numTrees - 1);
    expect(() => t.parent(ts.numNodes + 1)).toThrow(TreeSeqError);
    ts.dispose();
  });
});
