/**
 * Genotypes on both backends against tskit 1.0.3 (test/fixtures/genotypes, made by
 * scripts/make_genotype_fixture.py; TREESEQ_FIXTURES's genotypes/ from make_fixture.py
 * --toolkit): variants with options and their counts, frequencies, states and missing data;
 * the genotype matrix; haplotypes; VCF text; the options tskit refuses and unknown ones.
 */
import { Writable } from "node:stream";
import { describe, it, expect, beforeAll } from "vitest";
import { init, load, TreeSeqError } from "../dist/index.js";
import { BACKENDS, bundled, bundledToolkit, toolkitFixtures } from "./helpers.js";

beforeAll(async () => {
  await init({ threads: 2 });
});

/** tskit's dict as [key, value] pairs, "NaN" as NaN. */
function pairs(m: Map<string | null, number>): Array<[string | null, number]> {
  return Array.from(m.entries());
}
function wantPairs(p: Array<[string | null, number | string]>): Array<[string | null, number]> {
  return p.map(([k, v]) => [k, v === "NaN" ? NaN : (v as number)]);
}

function expectBadParam(f: () => unknown, needle?: string): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TreeSeqError);
  expect((err as TreeSeqError).code).toBe("BAD_PARAM");
  if (needle) expect((err as TreeSeqError).message).toContain(needle);
}

/** write_vcf's options as recorded, "$plusOne" and "$thirds" as the functions they stand for
 * (see scripts/make_genotype_fixture.py). */
function vcfOptions(o: any): any {
  const out = { ...o };
  if (o.positionTransform === "$plusOne") out.positionTransform = (p: Float64Array) => Array.from(p, (x) => x + 1);
  if (o.sampleMask === "$thirds") out.sampleMask = (v: any) => Array.from(v.genotypes, (_: number, j: number) => (v.site + j) % 3 === 0);
  return out;
}
/** A Node-like writable that collects what it is given, refusing now and then (backpressure). */
function collector(): { write(c: string): boolean; once(e: string, f: () => void): void; text: string } {
  let n = 0;
  const sink = {
    text: "",
    write(c: string) {
      sink.text += c;
      return ++n % 2 === 0;
    },
    once(_e: string, f: () => void) {
      setTimeout(f, 0);
    },
  };
  return sink;
}

describe.each(BACKENDS)("%s backend", (backend) => {
  it("asVcf and writeVcf give tskit's write_vcf lines (but ##source) on a file without individuals", async () => {
    const { path, want: fx } = bundledToolkit("genotypes", "noind");
    const ts = await load(path, { backend });
    expect(ts.numIndividuals).toBe(0);
    for (const c of fx.vcf) {
      const o = vcfOptions(c.options);
      if (c.error) {
        expectBadParam(() => ts.asVcf(o));
        continue;
      }
      const text = ts.asVcf(o);
      expect(
        text
          .split("\n")
          .filter((l) => !l.startsWith("##source="))
          .join("\n"),
        JSON.stringify(c.options),
      ).toBe(c.text);
      const sink = collector();
      await ts.writeVcf(sink, o);
      expect(sink.text).toBe(text);
    }
    ts.dispose();
  });

  describe.each(toolkitFixtures("genotypes"))("$name", ({ path, want: fx }) => {
    it("variants with each option case equal tskit's, with counts, frequencies, states", async () => {
      const ts = await load(path, { backend });
      for (const c of fx.cases) {
        const got = [...ts.variants(c.options)];
        expect(got.length, JSON.stringify(c.options)).toBe(c.variants.length);
        got.forEach((v, i) => {
          const w = c.variants[i];
          const at = `${JSON.stringify(c.options)} site ${w.site}`;
          expect([v.site, v.position], at).toEqual([w.site, w.position]);
          expect(v.alleles, at).toEqual(w.alleles);
          expect(Array.from(v.genotypes), at).toEqual(w.genotypes);
          expect(pairs(v.counts()), at).toEqual(w.counts);
          expect(pairs(v.frequencies()), at).toEqual(wantPairs(w.frequencies));
          expect(v.numMissing, at).toBe(w.numMissing);
          expect(v.hasMissingData, at).toBe(w.hasMissingData);
          expect(v.states(), at).toEqual(w.states);
        });
        // copy: false hands out one buffer; the values seen at each step are the same.
        let i = 0;
        for (const v of ts.variants({ ...c.options, copy: false })) {
          expect(Array.from(v.genotypes)).toEqual(c.variants[i++].genotypes);
        }
      }
      ts.dispose();
    });

    it("genotypeMatrix equals tskit's for each option case", async () => {
      const ts = await load(path, { backend });
      for (const c of fx.cases) {
        const m = await ts.genotypeMatrix(c.options);
        expect(m.data).toBeInstanceOf(Int32Array);
        expect(m.shape, JSON.stringify(c.options)).toEqual(c.matrix.shape);
        expect(Array.from(m.data), JSON.stringify(c.options)).toEqual(c.matrix.data);
      }
      ts.dispose();
    });

    it("haplotypes equal tskit's, and refuse what tskit refuses", async () => {
      const ts = await load(path, { backend });
      for (const h of fx.haplotypes) {
        if (h.error) expectBadParam(() => ts.haplotypes(h.options));
        else expect([...ts.haplotypes(h.options)], JSON.stringify(h.options)).toEqual(h.haplotypes);
      }
      expectBadParam(() => ts.haplotypes({ copy: true } as any), "unknown option 'copy'");
      ts.dispose();
    });

    it("asVcf gives tskit's write_vcf lines (but ##source) for each option case", async () => {
      const ts = await load(path, { backend });
      for (const c of fx.vcf) {
        const o = vcfOptions(c.options);
        if (c.error) {
          expectBadParam(() => ts.asVcf(o));
          continue;
        }
        const text = ts
          .asVcf(o)
          .split("\n")
          .filter((l) => !l.startsWith("##source="))
          .join("\n");
        expect(text, JSON.stringify(c.options)).toBe(c.text);
      }
      expectBadParam(() => ts.asVcf({ contig: "1" } as any), "unknown option 'contig'");
      await expect(ts.writeVcf({} as any)).rejects.toMatchObject({ code: "BAD_PARAM" });
      // A web WritableStream gets the same text, or the refusal tskit gives without options
      // (a file whose samples make no VCF sample).
      let web = "";
      const sink = new WritableStream<string>({
        write(c) {
          web += c;
        },
      });
      if (fx.vcf.find((c: any) => Object.keys(c.options).length === 0).error) {
        await expect(ts.writeVcf(sink)).rejects.toMatchObject({ code: "BAD_PARAM" });
        ts.dispose();
        return;
      }
      await ts.writeVcf(sink);
      expect(web).toBe(ts.asVcf());
      // A Node stream that fails while writeVcf waits for it to drain: rejected as IO, never
      // left pending.
      const failing = new Writable({
        highWaterMark: 1,
        write(_chunk, _enc, cb) {
          setTimeout(() => cb(new Error("disk full")), 5);
        },
      });
      failing.on("error", () => {});
      await expect(ts.writeVcf(failing)).rejects.toMatchObject({ code: "IO" });
      ts.dispose();
    });

    it("refuses what tskit refuses, and unknown options, as BAD_PARAM", async () => {
      const ts = await load(path, { backend });
      for (const e of fx.errors) {
        expectBadParam(() => ts.variants(e.options));
        await expect(ts.genotypeMatrix(e.options)).rejects.toMatchObject({ code: "BAD_PARAM" });
      }
      expectBadParam(() => ts.variants({ sample: [0] } as any), "unknown option 'sample'");
      expectBadParam(() => ts.variants({ alleles: "AC" } as any), "alleles");
      expectBadParam(() => ts.variants({ isolatedAsMissing: 1 } as any), "isolatedAsMissing");
      await expect(ts.genotypeMatrix({ copy: false } as any)).rejects.toMatchObject({ code: "BAD_PARAM" });
      ts.dispose();
    });
  });

  it("frequencies({ removeMissing }) and states({ missingDataString }) as tskit's", async () => {
    const ts = await load(bundled("gaps_isolated"), { backend });
    const v = ts.variants().next().value!;
    expect(v.hasMissingData).toBe(true);
    const total = v.genotypes.length - v.numMissing;
    const want = new Map([...v.counts()].filter(([k]) => k !== null).map(([k, c]) => [k, c / total]));
    expect(v.frequencies({ removeMissing: true })).toEqual(want);
    expect(v.states({ missingDataString: "?" }).filter((s) => s === "?").length).toBe(v.numMissing);
    expectBadParam(() => v.states({ missingDataString: v.alleles[0]! }), "missing data string");
    expectBadParam(() => v.frequencies({ remove: true } as any), "unknown option 'remove'");
    ts.dispose();
  });
});
