/**
 * The options each statistic takes are the core's registry's (crates/treeseq-core/src/stats/
 * registry.rs), in both languages and on both backends: TypeScript takes exactly the options
 * generated from it (ts/generated/stats.ts), the core takes every one of them and refuses the
 * rest, and an option a statistic does not take is refused under the name the caller wrote.
 */
import { describe, it, expect, beforeAll } from "vitest";
import { load, TreeSeqError } from "../dist/index.js";
import { OPTION_TO_TSKIT, STATISTICS, STAT_OPTIONS } from "../dist/generated/stats.js";
import { toKwargs } from "../dist/stats.js";
import { BACKENDS, fixtures } from "./helpers.js";

const fixture = fixtures().find((f) => f.name === "small") ?? fixtures()[0];

async function refusal(p: Promise<unknown>): Promise<TreeSeqError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TreeSeqError);
  return err as TreeSeqError;
}

describe.each(BACKENDS)("%s backend", (backend) => {
  let ts: Awaited<ReturnType<typeof load>>;
  beforeAll(async () => {
    ts = await load(fixture.path, { backend });
  });

  it("refuses an option a statistic does not take under the caller's own (camelCase) names", async () => {
    const e = await refusal(ts.diversity({ focal: [0] } as any));
    expect(e.code).toBe("BAD_PARAM");
    expect(e.message).toContain("diversity: unknown option 'focal' (known: sampleSets, windows, mode, timeWindows, spanNormalise)");
    // tskit's spelling is not treeseq's: named as written, with treeseq's names beside it.
    const f = await refusal(ts.segregatingSites({ sample_sets: [[0, 1]] } as any));
    expect(f.message).toContain("segregatingSites: unknown option 'sample_sets' (known: sampleSets,");
    const g = await refusal(ts.tajimasD({ spanNormalise: false } as any));
    expect(g.message).toContain("tajimasD: unknown option 'spanNormalise'");
    const r = await refusal(ts.meanDescendants({ referenceSets: [[0]] } as any));
    expect(r.message).toContain("meanDescendants: unknown option 'referenceSets': treeseq, like tskit 1.0, names it 'sampleSets'");
  });

  it("takes exactly the options the core takes, for every statistic", async () => {
    const h = (ts as any).h;
    const none = { i32s: new Int32Array(0), f64s: new Float64Array(0) };
    for (const [name, tskit] of Object.entries(STATISTICS)) {
      for (const [option, keyword] of Object.entries(OPTION_TO_TSKIT)) {
        const takes = (STAT_OPTIONS as Record<string, readonly string[]>)[name].includes(option);
        const ts_ = await Promise.resolve()
          .then(() => toKwargs(name as any, { [option]: null }))
          .then(
            () => null,
            (e: Error) => e,
          );
        expect(ts_ === null, `TypeScript: ${name} ${option}: ${ts_?.message}`).toBe(takes);
        if (!takes) expect(ts_!.message).toContain(`${name}: unknown option '${option}'`);
        // The core, called with tskit's names: the same rule, from the same table.
        const core = await h.compute(tskit, { json: JSON.stringify({ [keyword]: null }), ...none }).then(
          () => null,
          (e: Error) => e,
        );
        const unknown = core !== null && /unknown option/.test(core.message);
        expect(unknown, `core: ${tskit} ${keyword}: ${core?.message}`).toBe(!takes);
        if (!takes) expect(core.message).toContain(`${tskit}: unknown option '${keyword}'`);
      }
    }
  });
});
