// What a CommonJS user writes: require("treeseq").
const { init, load, backendInfo } = require("treeseq");

async function main() {
  await init({ threads: 2 });
  const ts = await load(require.resolve("treeseq/examples/small.trees"));
  const L = ts.sequenceLength;
  const samples = Array.from(ts.samples());
  const half = Math.floor(samples.length / 2);
  const pi = await ts.diversity({ windows: [0, L / 4, L / 2, L], mode: "branch" });
  const dxy = await ts.divergence({ sampleSets: [samples.slice(0, half), samples.slice(half)], windows: [0, L / 2, L], mode: "site" });
  const { name, threads, reason } = backendInfo();
  ts.dispose();
  return {
    backend: name,
    threads,
    reason,
    diversity: Array.from(pi.data),
    divergence: Array.from(dxy.data),
    shape: { diversity: pi.shape, divergence: dxy.shape },
  };
}

main()
  .catch((e) => {
    process.exitCode = 1;
    return { error: { name: e?.name, code: e?.code, message: String(e?.message ?? e) } };
  })
  .then((result) => console.log(JSON.stringify(result)));
