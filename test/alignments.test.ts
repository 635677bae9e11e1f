/**
 * Sequence exports on both backends against tskit 1.0.3 (test/fixtures/alignments, made by
 * scripts/make_alignment_fixture.py; TREESEQ_FIXTURES's alignments/ from make_fixture.py
 * --toolkit): alignments with options, FASTA and NEXUS text with
 * options, and the cases tskit refuses (a continuous genome, a two-letter allele, a
 * reference of the wrong length, non-integer bounds, a clashing missing character, a tree
 * with several roots in NEXUS).
 */
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it, expect, beforeAll } from "vitest";
import { init, load, TreeSeqError } from "../dist/index.js";
import { BACKENDS, toolkitFixtures } from "./helpers.js";

beforeAll(async () => {
  await init({ threads: 2 });
});

/** The bundled files, for the checks written for one of them. */
const DIR = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "alignments");

const camel = (k: string): string => k.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
const options = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [camel(k), v]));

/** tskit's answer, or its refusal as a BAD_PARAM TreeSeqError. */
function check(
  c: { options: Record<string, unknown>; value?: unknown; sha256?: string; error?: string; message?: string },
  f: (o: Record<string, unknown>) => unknown,
): void {
  const o = options(c.options);
  if (c.sha256 !== undefined) {
    // A long answer, recorded as the SHA-256 of its text (alignments: lines joined by "\n").
    const got = f(o);
    const text = typeof got === "string" ? got : (got as string[]).join("\n");
    expect(createHash("sha256").update(text).digest("hex"), JSON.stringify(c.options)).toBe(c.sha256);
    return;
  }
  if (c.error === undefined) {
    expect(f(o), JSON.stringify(c.options)).toEqual(c.value);
    return;
  }
  let err: unknown = null;
  try {
    f(o);
  } catch (e) {
    err = e;
  }
  expect(err, `${JSON.stringify(c.options)}: tskit says ${c.message}`).toBeInstanceOf(TreeSeqError);
  expect((err as TreeSeqError).code).toBe("BAD_PARAM");
}

for (const backend of BACKENDS) {
  describe(`sequence exports (${backend})`, () => {
    for (const { name, path, want } of toolkitFixtures("alignments")) {
      it(`${name}: alignments as tskit's`, async () => {
        using ts = await load(path, { backend });
        for (const c of want.alignments) check(c, (o) => [...ts.alignments(o)]);
      });
      it(`${name}: asFasta as tskit's`, async () => {
        using ts = await load(path, { backend });
        for (const c of want.fasta) check(c, (o) => ts.asFasta(o));
      });
      it(`${name}: asNexus as tskit's`, async () => {
        using ts = await load(path, { backend });
        for (const c of want.nexus) check(c, (o) => ts.asNexus(o));
      });
    }

    it("unknown options and extra arguments are refused, naming them", async () => {
      using ts = await load(join(DIR, "plain.trees"), { backend });
      expect(() => ts.alignments({ wrapWidth: 3 } as any)).toThrow(/unknown option 'wrapWidth'/);
      expect(() => ts.asFasta({ precision: 3 } as any)).toThrow(/unknown option 'precision'/);
      expect(() => ts.asNexus({ wrapWidth: 3 } as any)).toThrow(/unknown option 'wrapWidth'/);
      expect(() => (ts.asFasta as any)({}, 1)).toThrow(TreeSeqError);
    });
  });
}
