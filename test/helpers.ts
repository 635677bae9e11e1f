/** Shared by the tests: fixture discovery, expected values, an independent kastore reader. */
import { expect } from "vitest";
import { readFileSync, readdirSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { hostTriple } from "../dist/native.js";
import { OPTION_TO_TSKIT, STATISTICS } from "../dist/generated/stats.js";
import { gunzipSync } from "node:zlib";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const BUNDLED = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
/** TREESEQ_FIXTURES points the tests at other fixtures (e.g. from scripts/make_fixture.py). */
export const FIXTURES = process.env.TREESEQ_FIXTURES || BUNDLED;
export const BACKENDS = ["native", "wasm"] as const;

/** Every fixture with an expected-values file: a new fixture needs no new test code. */
export function fixtures(): { name: string; path: string; expected: any }[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".expected.json.gz"))
    .sort()
    .map((f) => {
      const name = f.replace(".expected.json.gz", "");
      const expected = JSON.parse(gunzipSync(readFileSync(join(FIXTURES, f))).toString("utf8"));
      return { name, path: join(FIXTURES, `${name}.trees`), expected };
    })
    .filter((f) => existsSync(f.path));
}

/**
 * tskit's toolkit answers of one kind ("metadata", "rows", "tree", "genotypes", "alignments"):
 * FIXTURES/<kind>/NAME.json.gz, as scripts/make_fixture.py --toolkit writes them for new files
 * (and the make_<kind>_fixture.py scripts for the bundled ones), each with the file it was
 * recorded on (`file`, from FIXTURES). A TREESEQ_FIXTURES folder without them is an error,
 * not an empty suite.
 */
export function toolkitFixtures(kind: string): { name: string; path: string; want: any }[] {
  const dir = join(FIXTURES, kind);
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith(".json.gz"))
        .sort()
    : [];
  if (files.length === 0) throw new Error(`no toolkit answers in ${dir}: make them with scripts/make_fixture.py OUT_DIR --toolkit`);
  return files.map((f) => {
    const want = JSON.parse(gunzipSync(readFileSync(join(dir, f))).toString("utf8"));
    return { name: f.replace(".json.gz", ""), path: join(FIXTURES, want.file), want };
  });
}

/** A bundled fixture's toolkit answers of one kind, whatever TREESEQ_FIXTURES says. */
export function bundledToolkit(kind: string, name: string): { path: string; want: any } {
  const want = JSON.parse(gunzipSync(readFileSync(join(BUNDLED, kind, `${name}.json.gz`))).toString("utf8"));
  return { path: join(BUNDLED, want.file), want };
}

/** A fixture bundled with the project, whatever TREESEQ_FIXTURES says. */
export function bundled(name: string): string {
  return join(BUNDLED, `${name}.trees`);
}

export function badFixtures(): { file: string; path: string; what: string; tskit: any }[] {
  const dir = join(BUNDLED, "bad");
  return JSON.parse(readFileSync(join(dir, "index.json"), "utf8")).map((e: any) => ({ ...e, path: join(dir, e.file) }));
}

/** Relative 1e-9, absolute 1e-12 near zero; null (NaN) must be NaN, "inf" and "-inf" (how
 * the fixtures spell infinities) infinite. */
export function close(actual: number, expected: number | null | "inf" | "-inf"): boolean {
  if (expected === null) return Number.isNaN(actual);
  if (expected === "inf" || expected === "-inf") return actual === (expected === "inf" ? Infinity : -Infinity);
  if (!Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= Math.max(1e-12, 1e-9 * Math.abs(expected));
}

const DTYPES: Record<number, (b: ArrayBuffer, o: number, n: number) => ArrayLike<number | bigint>> = {
  0: (b, o, n) => new Int8Array(b, o, n),
  1: (b, o, n) => new Uint8Array(b, o, n),
  2: (b, o, n) => new Int16Array(b, o, n),
  3: (b, o, n) => new Uint16Array(b, o, n),
  4: (b, o, n) => new Int32Array(b, o, n),
  5: (b, o, n) => new Uint32Array(b, o, n),
  6: (b, o, n) => new BigInt64Array(b, o, n),
  7: (b, o, n) => new BigUint64Array(b, o, n),
  8: (b, o, n) => new Float32Array(b, o, n),
  9: (b, o, n) => new Float64Array(b, o, n),
};

/**
 * A deliberately small, independent kastore reader (header, descriptors, keys, arrays), so
 * that column contents are checked against the file itself and not against our own loader.
 */
export function readKastore(bytes: Uint8Array): Map<string, ArrayLike<number | bigint>> {
  const buf = bytes.slice().buffer;
  const dv = new DataView(buf);
  const n = dv.getUint32(12, true);
  const out = new Map<string, ArrayLike<number | bigint>>();
  for (let i = 0; i < n; i++) {
    const d = 64 + 64 * i;
    const type = dv.getUint8(d);
    const keyStart = Number(dv.getBigUint64(d + 8, true));
    const keyLen = Number(dv.getBigUint64(d + 16, true));
    const arrStart = Number(dv.getBigUint64(d + 24, true));
    const arrLen = Number(dv.getBigUint64(d + 32, true));
    const key = new TextDecoder().decode(new Uint8Array(buf, keyStart, keyLen));
    out.set(key, DTYPES[type](buf, arrStart, arrLen));
  }
  return out;
}

/**
 * The samples of populations 0, 1 and 2 of a fixture, as three sample sets: how the tests
 * that check the CLI, the demo and the workflow build their expected values (on their own,
 * not with the code under test).
 */
export function firstThreePopulations(ts: { samples(): Int32Array; tables: { nodes: { population: ArrayLike<number> } } }): Int32Array[] {
  const pop = ts.tables.nodes.population;
  return [0, 1, 2].map((p) => Int32Array.from(Array.from(ts.samples()).filter((u) => pop[u] === p)));
}

/** n equal windows over [0, L], the last ending exactly at L. */
export function evenWindows(L: number, n: number): number[] {
  return Array.from({ length: n + 1 }, (_, i) => (i === n ? L : (i * L) / n));
}

/**
 * Packs treeseq and this platform's addon package (scripts/stage-native.sh) into `dir`, as
 * `npm publish` would, and returns the two tarballs' paths: what a user installs.
 */
export function packTarballs(dir: string): string[] {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  mkdirSync(dir, { recursive: true });
  execFileSync("bash", ["scripts/stage-native.sh"], { cwd: root, stdio: "pipe" });
  return [".", `./npm/${hostTriple()}`].map((what) => {
    const out = execFileSync("npm", ["pack", what, "--json", "--pack-destination", dir], { cwd: root, encoding: "utf8" });
    return join(dir, JSON.parse(out)[0].filename);
  });
}

/** A new project in `dir` with `tarballs` installed, offline (treeseq's one dependency, yaml, is in npm's cache from the repository's own install). */
export function installInto(dir: string, tarballs: string[]): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs], { cwd: dir, stdio: "pipe" });
}

export const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/**
 * Our value in the JSON form of the toolkit fixtures (make_metadata_fixture.py,
 * make_rows_fixture.py): bytes, non-finite floats and integers beyond 2^53 tagged, numeric
 * typed arrays as lists, object keys in their order.
 */
export function tag(v: unknown): unknown {
  if (v instanceof Uint8Array) return { $bytes: hex(v) };
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>, tag);
  if (typeof v === "bigint") return v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : { $int: v.toString() };
  if (typeof v === "number") {
    if (Number.isNaN(v)) return { $float: "nan" };
    if (!Number.isFinite(v)) return { $float: v > 0 ? "inf" : "-inf" };
    return v;
  }
  if (Array.isArray(v)) return v.map(tag);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tag(x)]));
  return v;
}

/** Equal to tskit's tagged value, keys in tskit's order (JSON text of both). */
export function same(actual: unknown, expected: unknown, what?: string): void {
  expect(tag(actual), what).toEqual(expected);
  expect(JSON.stringify(tag(actual)), what).toBe(JSON.stringify(expected));
}

/** tskit's method name -> treeseq's, from the generated copy of the core's registry. */
export const TSKIT_TO_METHOD: Record<string, string> = Object.fromEntries(
  Object.entries(STATISTICS).map(([ours, theirs]) => [theirs, ours]),
);

const TSKIT_TO_OPTION: Record<string, string> = Object.fromEntries(Object.entries(OPTION_TO_TSKIT).map(([ours, theirs]) => [theirs, ours]));

/** A fixture's tskit keyword arguments as treeseq's options object (names from the registry). */
export function tskitOptions(kwargs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [TSKIT_TO_OPTION[k] ?? k, v]));
}
