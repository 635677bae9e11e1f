// A Node user's TypeScript (strict, nodenext, @types/node), compiled against the packed
// package and never run. Each @ts-expect-error line must be an error, or the compile fails:
// they prove that the declarations refuse what treeseq refuses.
import { init, load, TreeSeqError, type ErrorCode, type NodeTable, type StatResult } from "treeseq";

export async function summarise(path: string): Promise<number[]> {
  await init({ backend: "auto", threads: 2 });
  using ts = await load(path);
  const half = ts.sequenceLength / 2;

  const pi: StatResult = await ts.diversity({ windows: [0, half, ts.sequenceLength], mode: "branch" });
  const shape: number[] = pi.shape;
  const samples: Int32Array = ts.samples();
  const sets = [samples.subarray(0, 4), samples.subarray(4, 8)];
  await ts.divergence({ sampleSets: sets, indexes: [[0, 1]], windows: "trees", spanNormalise: false });
  await ts.fst({ sampleSets: sets });
  await ts.geneticRelatedness({ sampleSets: sets, proportion: false, polarised: false, centre: true });
  await ts.tajimasD({ sampleSets: sets, mode: "site" });
  await ts.traitCorrelation({ weights: { data: new Float64Array(ts.numSamples), shape: [ts.numSamples, 1] } });
  await ts.alleleFrequencySpectrum({ sampleSets: [sets[0]], polarised: true, mode: "branch", timeWindows: [0, 10, Infinity] });
  await ts.meanDescendants({ sampleSets: sets });

  const nodes: NodeTable = ts.tables.nodes;
  const time: Float64Array = nodes.time;
  const flags: Uint32Array = nodes.flags;
  const parent: Int32Array = ts.tables.edges.parent;
  const ancestral: string = ts.tables.sites.ancestralState(0);
  const offsets: Uint32Array | BigUint64Array = ts.tables.sites.ancestralStateOffset;
  const metadata: Uint8Array = nodes.metadata(0);

  try {
    await ts.y1({ sampleSets: [] });
  } catch (e) {
    if (e instanceof TreeSeqError && e.code === "BAD_PARAM") return [];
    if (e instanceof TreeSeqError) {
      const code: ErrorCode = e.code;
      // @ts-expect-error: not one of treeseq's codes, so this comparison is always false
      if (e.code === "NOT_A_CODE") return [code.length];
    }
    throw e;
  }

  // @ts-expect-error: tskit's diversity takes no index tuples
  await ts.diversity({ indexes: [[0, 1]] });
  // @ts-expect-error: nor weights (that is traitCovariance and friends)
  await ts.diversity({ weights: [[1], [0]] });
  // @ts-expect-error: Tajima's D has no span_normalise
  await ts.tajimasD({ spanNormalise: false });
  // @ts-expect-error: divergence needs its sample sets
  await ts.divergence({ indexes: [0, 1] });
  // @ts-expect-error: the allele frequency spectrum has no node mode
  await ts.alleleFrequencySpectrum({ mode: "node" });
  // @ts-expect-error: a misspelt column
  ts.tables.nodes.tme;
  // @ts-expect-error: columns are read-only
  ts.tables.nodes.time = new Float64Array(0);
  // @ts-expect-error: a number is not a source
  await load(42);
  // @ts-expect-error: not an error code
  const bad: ErrorCode = "NOT_A_CODE";

  return [shape.length, time.length, flags.length, parent.length, ancestral.length, offsets.length, metadata.length, bad.length];
}
