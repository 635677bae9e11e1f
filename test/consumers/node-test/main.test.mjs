// The same work inside `node --test`: the runner's worker threads and treeseq's must coexist.
import { test } from "node:test";
import assert from "node:assert/strict";
import { init, load, backendInfo } from "treeseq";

test("treeseq computes diversity and divergence of its example file", async () => {
  let result;
  try {
    await init({ threads: 2 });
    const ts = await load(new URL(import.meta.resolve("treeseq/examples/small.trees")));
    const L = ts.sequenceLength;
    const samples = Array.from(ts.samples());
    const half = Math.floor(samples.length / 2);
    const pi = await ts.diversity({ windows: [0, L / 4, L / 2, L], mode: "branch" });
    const dxy = await ts.divergence({ sampleSets: [samples.slice(0, half), samples.slice(half)], windows: [0, L / 2, L], mode: "site" });
    const { name, threads, reason } = backendInfo();
    result = {
      backend: name,
      threads,
      reason,
      diversity: Array.from(pi.data),
      divergence: Array.from(dxy.data),
      shape: { diversity: pi.shape, divergence: dxy.shape },
    };
    ts.dispose();
  } catch (e) {
    result = { error: { name: e?.name, code: e?.code, message: String(e?.message ?? e) } };
  }
  console.log(JSON.stringify(result)); // the runner shows it as a "# {...}" line
  assert.equal(result.error, undefined);
  assert.equal(result.diversity.length, 3);
});
