// What a Node user writes: import treeseq, load the example file it ships, compute two
// statistics. Prints one JSON line: the numbers and the backend, or the error.
import { init, load, backendInfo } from "treeseq";

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
  process.exitCode = 1;
}
console.log(JSON.stringify(result));
