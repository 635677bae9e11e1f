// The browser pages' work, written once: test/package.test.ts copies this file beside each
// browser consumer's main.js (so each bundler bundles it as the user's own code), and runs the
// same function with native treeseq for the numbers the pages must equal. `treeseq` is the
// package's module; nothing here knows which backend or bundler it runs under.

/** Loads `source`, computes two statistics and uses the toolkit: the JSON-able result. */
export async function work(treeseq, source, initOptions) {
  await treeseq.init(initOptions);
  const ts = await treeseq.load(source);
  const L = ts.sequenceLength;
  const samples = Array.from(ts.samples());
  const half = Math.floor(samples.length / 2);
  const pi = await ts.diversity({ windows: [0, L / 4, L / 2, L], mode: "branch" });
  const dxy = await ts.divergence({ sampleSets: [samples.slice(0, half), samples.slice(half)], windows: [0, L / 2, L], mode: "site" });
  const { name, threads, reason } = treeseq.backendInfo();
  const kit = await toolkit(ts);
  ts.dispose();
  return {
    backend: name,
    threads,
    reason,
    diversity: Array.from(pi.data),
    divergence: Array.from(dxy.data),
    shape: { diversity: pi.shape, divergence: dxy.shape },
    toolkit: kit,
  };
}

/** The toolkit as a page uses it, and options it must refuse by name (never ignore). */
async function toolkit(ts) {
  const tree = ts.first();
  const refused = [];
  for (const [name, call] of [
    ["mode", () => ts.diversity({ mode: () => "branch" })],
    ["sample", () => ts.variants({ sample: [0] }).next()],
    ["pop", () => ts.samples({ pop: "pop1" })],
    ["precison", () => tree.asNewick({ precison: 2 })],
    ["isolated", () => ts.genotypeMatrix({ isolated: true })],
  ]) {
    try {
      await call();
      refused.push({ name, answered: true });
    } catch (e) {
      refused.push({ name, code: e?.code, named: String(e?.message).includes(name) });
    }
  }
  const gm = await ts.genotypeMatrix();
  return {
    populations: [...ts.populations()].map((p) => p.metadata.name),
    pop1: Array.from(ts.samples({ population: "pop1" })),
    newick: tree.asNewick({ precision: 3 }),
    genotypes: { shape: gm.shape, sum: gm.data.reduce((a, b) => a + b, 0) },
    vcfLines: ts.asVcf().split("\n").length,
    refused,
  };
}
