/**
 * Arguments as a careless or hostile caller gives them, on both backends: BigInts and BigInt
 * arrays are taken where they fit in ±(2^53 − 1) (the same answer as with numbers) and refused
 * by name where they do not; a value of the wrong type anywhere is BAD_PARAM naming the option
 * and the element; nothing is silently dropped or changed on the way to the core.
 */
import { describe, it, expect, beforeAll } from "vitest";
import { load, init, backendInfo, TreeSeqError } from "../dist/index.js";
import { BACKENDS, fixtures } from "./helpers.js";

const fixture = fixtures().find((f) => f.name === "small") ?? fixtures()[0];

function bits(a: Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");
}

async function refusal(p: Promise<unknown> | (() => unknown)): Promise<TreeSeqError> {
  let err: unknown = null;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TreeSeqError);
  return err as TreeSeqError;
}

describe.each(BACKENDS)("%s backend", (backend) => {
  let ts: Awaited<ReturnType<typeof load>>;
  let s: Int32Array;
  beforeAll(async () => {
    ts = await load(fixture.path, { backend });
    s = ts.samples();
  });

  it("takes BigInt ids, windows and indexes, and BigInt64Array / BigUint64Array sets, with the numbers' answer", async () => {
    const L = ts.sequenceLength;
    const sets = [Array.from(s.subarray(0, 4)), Array.from(s.subarray(4, 8))];
    const windows = [0, Math.floor(L / 2), L];
    const want = await ts.divergence({
      sampleSets: sets,
      windows,
      indexes: [
        [0, 1],
        [1, 1],
      ],
    });
    const big = await ts.divergence({
      sampleSets: [sets[0].map(BigInt), BigInt64Array.from(sets[1].map(BigInt))],
      windows: [0n, BigInt(Math.floor(L / 2)), L],
      indexes: [
        [0n, 1n],
        [1, BigInt(1)],
      ],
    });
    expect(big.shape).toEqual(want.shape);
    expect(bits(big.data)).toBe(bits(want.data));

    const flat = await ts.diversity({ sampleSets: BigUint64Array.from(sets[0].map(BigInt)) });
    expect(bits(flat.data)).toBe(bits((await ts.diversity({ sampleSets: sets[0] })).data));

    const w = Array.from(s, (_, i) => [i % 3, 1n]);
    const tw = await ts.traitCovariance({ weights: w });
    expect(bits(tw.data)).toBe(bits((await ts.traitCovariance({ weights: Array.from(s, (_, i) => [i % 3, 1]) })).data));
    const shaped = await ts.traitCovariance({ weights: { data: w.flat().map(Number), shape: [BigInt(s.length), 2n] } });
    expect(bits(shaped.data)).toBe(bits(tw.data));
  });

  it("refuses, by name, a BigInt beyond ±(2^53 − 1)", async () => {
    const huge = 2n ** 60n;
    for (const [opts, path] of [
      [{ sampleSets: [[s[0], huge]] }, "sampleSets[0][1]"],
      [{ sampleSets: BigUint64Array.from([BigInt(s[0]), huge]) }, "sampleSets[1]"],
      [{ windows: [0n, -huge] }, "windows[1]"],
    ] as const) {
      const e = await refusal(ts.diversity(opts as any));
      expect(e.code).toBe("BAD_PARAM");
      expect(e.message).toContain(`diversity: ${path} is `);
      expect(e.message).toContain("2^53");
    }
    const e = await refusal(ts.divergence({ sampleSets: [[s[0]], [s[1]]], indexes: [0, huge] as any }));
    expect(e.message).toContain("divergence: indexes[1]");
  });

  it("refuses a value of the wrong type anywhere with BAD_PARAM naming the option and the element", async () => {
    const cases: Array<[string, object, string]> = [
      ["a function as mode", { mode: () => "branch" }, "diversity: mode is a function"],
      ["a number as mode", { mode: 1 }, "diversity: mode is 1"],
      ["an object as an id", { sampleSets: [[s[0], {}]] }, "diversity: sampleSets[0][1] is an object"],
      ["a string as an id", { sampleSets: [s[0], "1"] }, "diversity: sampleSets[1] is a string"],
      ["a Map as sample sets", { sampleSets: new Map() }, "diversity: sampleSets is a Map"],
      ["a string as a window", { windows: [0, "5"] }, "diversity: windows[1] is a string"],
      ["a function as spanNormalise", { spanNormalise: () => true }, "diversity: spanNormalise is a function"],
      ["a number as spanNormalise", { spanNormalise: 1 }, "diversity: spanNormalise is 1"],
      ["a hole in a list", { sampleSets: [s[0], undefined] }, "diversity: sampleSets[1] is undefined"],
      ["a DataView", { sampleSets: new DataView(new ArrayBuffer(8)) }, "diversity: sampleSets is a DataView"],
    ];
    for (const [what, opts, says] of cases) {
      const e = await refusal(ts.diversity(opts as any));
      expect(e.code, what).toBe("BAD_PARAM");
      expect(e.message, what).toContain(says);
    }
    const w = await refusal(ts.traitCovariance({ weights: Array.from(s, () => [1, () => 2]) as any }));
    expect(w.message).toContain("traitCovariance: weights[0][1] is a function");
    const shape = await refusal(ts.traitCovariance({ weights: { data: [1], shape: [1, "2"] } as any }));
    expect(shape.message).toContain("traitCovariance: weights.shape[1] is a string");
    const extra = await refusal(ts.traitCovariance({ weights: { data: [1], shape: [1, 1], rows: 1 } } as any));
    expect(extra.message).toContain("unknown option 'rows'");
  });

  it("refuses NaN and Infinity as ids by name (JSON would make them null)", async () => {
    const e = await refusal(ts.diversity({ sampleSets: [[s[0], NaN]] }));
    expect(e.code).toBe("BAD_SAMPLE_SETS");
    expect(e.message).toContain("diversity: sampleSets[0][1] is NaN");
    const f = await refusal(ts.genealogicalNearestNeighbours({ focal: [Infinity], sampleSets: [[s[0]]] }));
    expect(f.code).toBe("BAD_PARAM");
    expect(f.message).toContain("focal[0] is Infinity");
  });

  it("still refuses unknown option keys, and names referenceSets' replacement", async () => {
    expect((await refusal(ts.diversity({ sampleSet: [0] } as any))).message).toContain("unknown option 'sampleSet'");
    const r = await refusal(ts.meanDescendants({ referenceSets: [[s[0]]] } as any));
    expect(r.code).toBe("BAD_PARAM");
    expect(r.message).toContain("'sampleSets'");
  });

  it("takes BigInt node ids and indexes in trees and tables, and refuses wrong types by name", () => {
    const tree = ts.atIndex(0n);
    const u = s[0];
    expect(tree.parent(BigInt(u))).toBe(tree.parent(u));
    expect(ts.at(0n).index).toBe(0);
    expect(ts.tables.sites.metadata(0n)).toEqual(ts.tables.sites.metadata(0));
    const e = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return err as TreeSeqError;
      }
      throw new Error("not refused");
    };
    expect(e(() => tree.parent("1" as any)).message).toContain("Tree: node is a string");
    expect(e(() => tree.parent(NaN)).message).toContain("Tree: node is NaN");
    expect(e(() => ts.tables.nodes.metadata(1.5)).code).toBe("BAD_PARAM");
    expect(e(() => ts.tables.nodes.metadata(10 ** 9)).code).toBe("BAD_PARAM");
    expect(() => ts.trees({ reverse: "yes" } as any).next()).toThrow(/reverse is a string/);
  });
});

it("init takes BigInt threads and reports maxMemory; a maxMemory the binding cannot set is refused clearly", async () => {
  for (const backend of BACKENDS) {
    const info = await init({ backend, threads: 2n });
    expect(info.threads).toBe(2);
    expect(info).toHaveProperty("maxMemory");
    expect(backendInfo().maxMemory).toBe(info.maxMemory);
    await expect(init({ backend, maxMemory: () => 1 } as any)).rejects.toMatchObject({
      code: "BAD_PARAM",
      message: expect.stringContaining("init: maxMemory is a function"),
    });
    await expect(init({ backend, maxMemory: 2n ** 64n })).rejects.toMatchObject({
      code: "BAD_PARAM",
      message: expect.stringContaining("2^53"),
    });
    await expect(init({ backend, maxMemory: 0 })).rejects.toMatchObject({ code: "BAD_PARAM" });
  }
});
