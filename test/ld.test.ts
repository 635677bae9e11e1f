/**
 * ldMatrix against tskit 1.0.3's ld_matrix (test/fixtures/ld, made by
 * scripts/make_ld_fixture.py; TREESEQ_FIXTURES's ld/ from make_fixture.py --toolkit): every
 * two-locus statistic, sample sets, index pairs, site selections and multiallelic sites;
 * values to relative 1e-9 and tskit's shapes on native with 1 and 2 threads and on
 * WebAssembly, with the same bits on all three; tskit's refusals as TreeSeqError.
 */
import { describe, it, expect } from "vitest";
import { init, load, TreeSeqError } from "../dist/index.js";
import { bundled, close, toolkitFixtures } from "./helpers.js";

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
// results[file/case] = base64 bits, from the first configuration that ran it
const reference = new Map<string, string>();

const CONFIGS = [
  { backend: "native", threads: 1 },
  { backend: "native", threads: 2 },
  { backend: "wasm", threads: 2 },
] as const;

describe.each(CONFIGS)("$backend backend, $threads threads", ({ backend, threads }) => {
  describe.each(toolkitFixtures("ld"))("$name", ({ name, path, want }) => {
    it("gives tskit's ld_matrix values and refusals, with the same bits everywhere", async () => {
      await init({ backend, threads });
      const ts = await load(path, { backend });
      for (const [i, c] of want.cases.entries()) {
        const where = `${name} case ${i}: ${JSON.stringify({ ...c.options, sampleSets: c.options.sampleSets ? "…" : undefined })}`;
        const r = await ts.ldMatrix(c.options);
        expect(r.shape, where).toEqual(c.shape);
        expect(r.data.length, where).toBe(c.values.length);
        for (let j = 0; j < c.values.length; j++) {
          if (!close(r.data[j], c.values[j])) expect(r.data[j], `${where} value ${j}`).toBe(c.values[j]);
        }
        const key = `${name}/${i}`;
        const b = bits(r.data);
        if (!reference.has(key)) reference.set(key, b);
        else expect(b, `${where}: bits differ from the first configuration`).toBe(reference.get(key));
      }
      for (const c of want.errors) {
        const err = await ts.ldMatrix(c.options).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, `${name}: ${JSON.stringify(c.options)} (tskit: ${c.error})`).toBeInstanceOf(TreeSeqError);
      }
      ts.dispose();
    });
  });
});

describe("ldMatrix arguments", () => {
  it("takes sites and positions as typed or plain arrays alike", async () => {
    await init({ threads: 2 });
    const ts = await load(bundled("small"));
    const plain = await ts.ldMatrix({
      sites: [
        [0, 2, 5],
        [1, 3],
      ],
      stat: "D",
    });
    const typed = await ts.ldMatrix({ sites: [Int32Array.from([0, 2, 5]), Int32Array.from([1, 3])], stat: "D" });
    expect(plain.shape).toEqual([3, 2]);
    expect(bits(typed.data)).toBe(bits(plain.data));
    const pos = [0, ts.sequenceLength / 2];
    const plainPos = await ts.ldMatrix({ mode: "branch", positions: [pos] });
    const typedPos = await ts.ldMatrix({ mode: "branch", positions: [Float64Array.from(pos)] });
    expect(bits(typedPos.data)).toBe(bits(plainPos.data));
    await expect(ts.ldMatrix({ stat: "r3" as any })).rejects.toMatchObject({ code: "BAD_PARAM" });
    await expect(ts.ldMatrix({ windows: [0, 1] } as any)).rejects.toMatchObject({
      code: "BAD_PARAM",
      message: expect.stringContaining("unknown option"),
    });
    ts.dispose();
  });
});
