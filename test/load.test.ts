/**
 * Loading, on both backends, driven by the fixtures: summaries, samples, breakpoints, column
 * contents (against an independent reading of the file), round trips, malformed files.
 */
import { describe, it, expect, beforeAll } from "vitest";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { init, load, backendInfo, TreeSeqError } from "../dist/index.js";
import { distinctWorkerThreads } from "../dist/api.js";
import { BACKENDS, fixtures, badFixtures, readKastore } from "./helpers.js";

const SUMMARY_KEYS: Array<[string, string]> = [
  ["sequence_length", "sequenceLength"],
  ["num_trees", "numTrees"],
  ["num_samples", "numSamples"],
  ["num_nodes", "numNodes"],
  ["num_edges", "numEdges"],
  ["num_sites", "numSites"],
  ["num_mutations", "numMutations"],
  ["num_individuals", "numIndividuals"],
  ["num_populations", "numPopulations"],
  ["num_migrations", "numMigrations"],
  ["num_provenances", "numProvenances"],
  ["time_units", "timeUnits"],
];

// Columns compared with the file's own arrays: [key in the file, table, property].
const COLUMNS: Array<[string, string, string]> = [
  ["nodes/flags", "nodes", "flags"],
  ["nodes/time", "nodes", "time"],
  ["nodes/population", "nodes", "population"],
  ["nodes/individual", "nodes", "individual"],
  ["edges/left", "edges", "left"],
  ["edges/right", "edges", "right"],
  ["edges/parent", "edges", "parent"],
  ["edges/child", "edges", "child"],
  ["sites/position", "sites", "position"],
  ["sites/ancestral_state", "sites", "ancestralStateData"],
  ["mutations/site", "mutations", "site"],
  ["mutations/node", "mutations", "node"],
  ["mutations/parent", "mutations", "parent"],
  ["mutations/derived_state", "mutations", "derivedStateData"],
  ["individuals/flags", "individuals", "flags"],
  ["indexes/edge_insertion_order", "indexes", "edgeInsertionOrder"],
  ["indexes/edge_removal_order", "indexes", "edgeRemovalOrder"],
];

// tskit's error class/message -> our code.
function expectedCode(t: { error: string; message: string }): string {
  const m = t.message;
  if (t.error === "EOFError") return "END_OF_FILE";
  // tskit parses each table's metadata schema after loading: what that raises is BAD_METADATA.
  if (["MetadataSchemaValidationError", "UnicodeDecodeError", "KeyError"].includes(t.error) || /Metadata schema is not JSON/.test(m))
    return "BAD_METADATA";
  if (/too new. Please upgrade your kastore/.test(m)) return "KASTORE_VERSION_TOO_NEW";
  if (t.error === "VersionTooNewError") return "VERSION_TOO_NEW";
  if (t.error === "VersionTooOldError") return "VERSION_TOO_OLD";
  if (/REQUIRED_COL_NOT_FOUND/.test(m)) return "REQUIRED_COLUMN";
  if (/BAD_COLUMN_TYPE/.test(m)) return "BAD_COLUMN_TYPE";
  if (/BAD_OFFSET/.test(m)) return "BAD_OFFSET";
  if (/TABLES_NOT_INDEXED/.test(m)) return "TABLES_NOT_INDEXED";
  if (/BOTH_COLUMNS_REQUIRED/.test(m)) return "BOTH_COLUMNS_REQUIRED";
  if (/BAD_SEQUENCE_LENGTH/.test(m)) return "BAD_SEQUENCE_LENGTH";
  if (/NODE_OUT_OF_BOUNDS|NODE_TIME_ORDERING|EDGE_INTERVAL|EDGES_NOT_SORTED/.test(m)) return "BAD_EDGES";
  if (/SITE_POSITION/.test(m)) return "BAD_SITES";
  if (/SITE_OUT_OF_BOUNDS/.test(m)) return "BAD_MUTATIONS";
  return "FILE_FORMAT";
}

beforeAll(async () => {
  await init({ threads: 2 });
});

describe.each(BACKENDS)("%s backend", (backend) => {
  it("reports a pool of 2 real threads", async () => {
    const info = await init({ backend, threads: 2 });
    expect(info.name).toBe(backend);
    expect(info.threads).toBe(2);
    expect(backendInfo().threads).toBe(2);
    // 64 pieces of work on a 2-thread pool: both threads must have run some.
    expect(await distinctWorkerThreads(64, { backend })).toBe(2);
  });

  describe.each(fixtures())("$name", ({ path, expected }) => {
    it("summary, samples and breakpoints equal tskit's", async () => {
      const ts = await load(path, { backend });
      expect(ts.backend).toBe(backend);
      for (const [k, prop] of SUMMARY_KEYS) expect((ts as any)[prop], k).toEqual(expected.summary[k]);
      expect(Array.from(ts.samples())).toEqual(expected.summary.samples);
      expect(Array.from(ts.breakpoints())).toEqual(expected.summary.breakpoints);
      ts.dispose();
    });

    it("columns equal the file's arrays", async () => {
      const file = readKastore(readFileSync(path));
      const ts = await load(path, { backend });
      for (const [key, table, prop] of COLUMNS) {
        const want = file.get(key);
        if (!want) continue;
        expect(Array.from((ts.tables as any)[table][prop]), key).toEqual(Array.from(want));
      }
      const states = ts.tables.sites;
      for (let i = 0; i < Math.min(ts.numSites, 50); i++) {
        const a = Number(file.get("sites/ancestral_state_offset")![i]);
        const b = Number(file.get("sites/ancestral_state_offset")![i + 1]);
        const bytes = Uint8Array.from(Array.from(file.get("sites/ancestral_state")!).slice(a, b) as number[]);
        expect(states.ancestralState(i)).toBe(new TextDecoder().decode(bytes));
      }
      ts.dispose();
    });

    it("dump round-trips", async () => {
      const ts = await load(path, { backend });
      const again = await load(ts.dump(), { backend });
      for (const [key, table, prop] of COLUMNS) {
        expect(Array.from((again.tables as any)[table][prop]), key).toEqual(Array.from((ts.tables as any)[table][prop]));
      }
      expect(Array.from(again.breakpoints())).toEqual(Array.from(ts.breakpoints()));
      expect(again.timeUnits).toBe(ts.timeUnits);
      ts.dispose();
      again.dispose();
    });
  });

  it("dumps files that tskit loads with equal tables", async () => {
    const py = spawnSync("python3", ["-c", "import tskit"]);
    if (py.status !== 0) {
      // Without Python's tskit this check cannot run here; CI installs it, so there it must.
      expect(process.env.CI, "python3 with tskit is required in CI (npm run setup installs it)").toBeFalsy();
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), "treeseq-dump-"));
    for (const { name, path } of fixtures()) {
      const ts = await load(path, { backend });
      const out = join(dir, `${name}.${backend}.trees`);
      writeFileSync(out, ts.dump());
      ts.dispose();
      const r = spawnSync("python3", ["scripts/check_dump_with_tskit.py", path, out], { encoding: "utf8" });
      expect(r.status, `${name}: ${r.stderr}`).toBe(0);
    }
  });

  describe.each(badFixtures())("bad/$file ($what)", ({ path, tskit, treeseq }) => {
    // `treeseq`: a file tskit loads that treeseq refuses on purpose (README: differences).
    const loads = treeseq ? treeseq.loads : tskit.loads;
    it(
      loads
        ? "loads, as in tskit"
        : treeseq
          ? "is refused on purpose (a listed difference)"
          : "is refused with a TreeSeqError, as in tskit",
      async () => {
        const p = load(path, { backend });
        if (loads) {
          const ts = await p;
          expect(ts.numNodes).toBeGreaterThan(0);
          ts.dispose();
          return;
        }
        const err = await p.then(
          () => null,
          (e) => e,
        );
        expect(err).toBeInstanceOf(TreeSeqError);
        expect(err.code).toBe(treeseq ? treeseq.code : expectedCode(tskit));
        expect(err.message.length).toBeGreaterThan(10);
        if (err.code === "BAD_METADATA")
          expect(err.message).toMatch(/^(nodes|edges|sites|mutations|migrations|individuals|populations)\/metadata_schema: /);
      },
    );
  });

  it("refuses bad arguments and disposed use with codes", async () => {
    await expect(load(42 as any, { backend })).rejects.toMatchObject({ code: "BAD_PARAM" });
    await expect(load("/no/such/file.trees", { backend })).rejects.toMatchObject({ code: "IO" });
    const ts = await load(fixtures()[0].path, { backend });
    ts.dispose();
    expect(() => ts.samples()).toThrow(TreeSeqError);
    try {
      ts.dump();
    } catch (e) {
      expect((e as TreeSeqError).code).toBe("DISPOSED");
    }
  });
});

// Node refuses a worker that is handed V8's flags (`--expose-gc`, `--max-old-space-size=N`),
// which a worker inherits anyway: WebAssembly's workers must start under any flags `node`
// itself accepts, as the native backend does.
it("the WebAssembly backend starts under V8 flags (node --expose-gc --max-old-space-size)", () => {
  const script = `
    import { load } from "./dist/index.js";
    const ts = await load(${JSON.stringify(fixtures()[0].path)}, { backend: "wasm" });
    globalThis.gc();
    console.log(JSON.stringify({ samples: ts.numSamples, threads: (await import("./dist/index.js")).backendInfo().threads }));`;
  const r = spawnSync(process.execPath, ["--expose-gc", "--max-old-space-size=2048", "--input-type=module", "-e", script], {
    cwd: join(import.meta.dirname, ".."),
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, TREESEQ_THREADS: "2" },
  });
  expect(r.status, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout.trim());
  expect(out.samples).toBeGreaterThan(0);
  expect(out.threads).toBe(2);
});

/** A response whose body comes in chunks of `chunk` bytes, claiming `length` (or no length). */
function chunkedResponse(bytes: Uint8Array, chunk: number, length: number | null): Response {
  let at = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
  return new Response(body, { headers: length === null ? {} : { "content-length": String(length) } });
}

// Blobs, responses and (WebAssembly) local paths are read straight into where the backend
// keeps the file (ts/sources.ts): the same tree sequence as from the bytes, whatever the
// chunks, and also where a response's Content-Length is wrong (a compressed transfer's, or a
// file that changed), and a tszip file still told by its first bytes.
describe.each(BACKENDS)("%s backend: sources read in place", (backend) => {
  const { path } = fixtures().find((f) => f.name === "medium") ?? fixtures()[0];
  const bytes = new Uint8Array(readFileSync(path));
  let expected: Uint8Array;
  beforeAll(async () => {
    const ts = await load(bytes, { backend });
    expected = ts.dump();
    ts.dispose();
  });
  /** The file's items, less its uuid (a fresh one at every dump, as tskit writes). */
  const items = (dump: Uint8Array) =>
    [...readKastore(dump)].filter(([k]) => k !== "uuid").map(([k, v]) => [k, Array.from(v as ArrayLike<number>, String).join()]);
  const same = async (source: Parameters<typeof load>[0]) => {
    const ts = await load(source, { backend });
    try {
      expect(items(ts.dump())).toEqual(items(expected));
    } finally {
      ts.dispose();
    }
  };
  it("a local path", () => same(path));
  it("a Blob", () => same(new Blob([bytes])));
  it("a Response in chunks, with its length, without, and with a wrong one", async () => {
    await same(chunkedResponse(bytes, 1 << 14, bytes.length));
    await same(chunkedResponse(bytes, 3, null));
    await same(chunkedResponse(bytes, 1 << 14, bytes.length - 1000)); // the file outgrows it
    await same(chunkedResponse(bytes, 1 << 14, bytes.length + 1000)); // the file falls short
  });
  it("a tszip file as a Blob and as a Response, told by its first bytes", async () => {
    const tsz = new Uint8Array(readFileSync(join(import.meta.dirname, "fixtures/tszip/small.tsz")));
    const small = await load(fixtures().find((f) => f.name === "small")!.path, { backend });
    const want = small.numNodes;
    small.dispose();
    for (const source of [new Blob([tsz]), chunkedResponse(tsz, 2, tsz.length)]) {
      const ts = await load(source, { backend });
      expect(ts.numNodes).toBe(want);
      ts.dispose();
    }
  });
  it("a response that fails midway is an IO error", async () => {
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent) return c.error(new Error("connection reset"));
        c.enqueue(bytes.slice(0, 4096));
        sent = true;
      },
    });
    const r = new Response(body, { headers: { "content-length": String(bytes.length) } });
    await expect(load(r, { backend })).rejects.toMatchObject({ code: "IO" });
  });
});
