/**
 * The reproductions of issue 14, each in a process of its own on each backend (a call that
 * aborts the process must fail this test, not end the test run): no signal, no promise still
 * pending after 60 s, a TreeSeqError with the code tskit's refusal corresponds to (never
 * INTERNAL, never an answer), and afterwards a normal statistic on the same backend gives its
 * usual answer (tskit's, from the fixture).
 */
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { BACKENDS, bundled, close } from "./helpers.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const FILE = bundled("medium"); // 360 samples, as in the issue (bundled, whatever TREESEQ_FIXTURES says)
const expected = JSON.parse(gunzipSync(readFileSync(FILE.replace(/\.trees$/, ".expected.json.gz"))).toString("utf8"));
const usual = expected.stats.find((c: any) => c.method === "diversity" && c.kwargs.sample_sets && !c.kwargs.windows);

/** Runs in the child: `options` is JavaScript (BigInts, typed arrays) over `s`, the samples, and `n`. */
const CHILD = `
import { init, load } from ${JSON.stringify(pathToFileURL(join(ROOT, "dist", "index.js")).href)};
const c = JSON.parse(process.env.TREESEQ_CASE);
const timer = setTimeout(() => { console.log(JSON.stringify({ pending: true })); process.exit(3); }, 60000);
await init({ backend: c.backend });
const ts = await load(c.file);
const s = ts.samples(), n = s.length;
const out = {};
try {
  const r = await ts[c.method](new Function("s", "n", "return (" + c.options + ")")(s, n));
  out.first = { answered: true, shape: r.shape };
} catch (e) {
  out.first = { name: e?.name, code: e?.code, message: String(e?.message ?? e) };
}
const again = await load(c.file);
const r = await again.diversity(c.usual);
out.usual = Array.from(r.data);
console.log(JSON.stringify(out));
clearTimeout(timer);
`;

const CASES = [
  {
    what: "AFS of 8 sets of 45 (46^8 cells)",
    method: "alleleFrequencySpectrum",
    codes: ["OUTPUT_TOO_LARGE"],
    options: "{ sampleSets: Array.from({ length: 8 }, (_, i) => Array.from(s.subarray(i * 45, i * 45 + 45))) }",
  },
  {
    what: "AFS of 60 sets of 6 (7^60 cells: the size overflows)",
    method: "alleleFrequencySpectrum",
    codes: ["OUTPUT_TOO_LARGE"],
    options: "{ sampleSets: Array.from({ length: 60 }, (_, i) => Array.from(s.subarray(i * 6, i * 6 + 6))) }",
  },
  {
    what: "weights shaped [n, 2^32 + 1] (not 1 column)",
    method: "traitCovariance",
    codes: ["BAD_PARAM", "OUTPUT_TOO_LARGE"],
    options: "{ weights: { data: new Float64Array(n), shape: [n, 2 ** 32 + 1] } }",
  },
  {
    what: "weights shaped [n + 2^32, 1]",
    method: "traitCovariance",
    codes: ["BAD_PARAM", "OUTPUT_TOO_LARGE"],
    options: "{ weights: { data: new Float64Array(n), shape: [n + 2 ** 32, 1] } }",
    says: String(360 + 2 ** 32),
  },
  {
    what: "weights shaped [n, 2^40] as BigInts",
    method: "traitCovariance",
    codes: ["BAD_PARAM", "OUTPUT_TOO_LARGE"],
    options: "{ weights: { data: new Float64Array(n), shape: [BigInt(n), 2n ** 40n] } }",
    says: String(2 ** 40),
  },
];

describe.each(BACKENDS)("%s backend", (backend) => {
  it.each(CASES)(
    "$what: refused cleanly, then the usual answer",
    ({ method, options, codes, says }: any) => {
      const child = spawnSync(process.execPath, ["--input-type=module", "-e", CHILD], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 90_000,
        env: {
          ...process.env,
          TREESEQ_CASE: JSON.stringify({
            backend,
            file: FILE,
            method,
            options,
            usual: { sampleSets: usual.kwargs.sample_sets, mode: usual.kwargs.mode ?? "site" },
          }),
        },
      });
      const detail = `${child.stderr}`.slice(-2000);
      expect(child.signal, detail).toBe(null);
      expect(child.status, detail).toBe(0);
      const out = JSON.parse(child.stdout.trim().split("\n").at(-1)!);
      expect(out.pending, "a promise still pending after 60 s").toBeUndefined();
      // The backend is not wedged: the usual answer afterwards.
      expect(out.usual.length).toBe(usual.values.length);
      out.usual.forEach((x: number, i: number) => {
        expect(close(x, usual.values[i]), `usual[${i}]`).toBe(true);
      });
      // The call itself was refused as tskit refuses it.
      expect(out.first.answered, `answered with shape ${JSON.stringify(out.first.shape)}`).toBeUndefined();
      expect(out.first.name).toBe("TreeSeqError");
      expect(codes, out.first.message).toContain(out.first.code);
      if (says) expect(out.first.message).toContain(says);
    },
    120_000,
  );
});
