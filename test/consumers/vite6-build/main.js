// What a browser user writes: import treeseq, fetch a .trees file, compute two statistics.
// The page shows the JSON result and sets window.__result for the test.
import { init, load, backendInfo } from "treeseq";

async function work() {
  await init({ threads: 2 });
  const ts = await load("./small.trees");
  const L = ts.sequenceLength;
  const samples = Array.from(ts.samples());
  const half = Math.floor(samples.length / 2);
  const pi = await ts.diversity({ windows: [0, L / 4, L / 2, L], mode: "branch" });
  const dxy = await ts.divergence({ sampleSets: [samples.slice(0, half), samples.slice(half)], windows: [0, L / 2, L], mode: "site" });
  const { name, threads, reason } = backendInfo();
  ts.dispose();
  return { backend: name, threads, reason, diversity: Array.from(pi.data), divergence: Array.from(dxy.data), shape: { diversity: pi.shape, divergence: dxy.shape } };
}

work()
  .catch((e) => ({ error: { name: e?.name, code: e?.code, message: String(e?.message ?? e) } }))
  .then((result) => {
    document.getElementById("out").textContent = JSON.stringify(result, null, 1);
    window.__result = result;
  });
