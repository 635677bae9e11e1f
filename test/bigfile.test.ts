/**
 * Files over 2 GiB (issue 14): the native backend loads one from its path (Rust reads it, not
 * a Node Buffer, which stops at 2 GiB); WebAssembly refuses it, and bytes too large for its
 * 4 GiB memory, before reading them, with FILE_TOO_LARGE; both then answer a statistic as usual.
 *
 * The file is small.trees with 2.1 GiB of metadata on its last node (nodes/metadata_offset
 * ends at 2.1 GiB): a file tskit 1.0.3 loads (scripts/make_bad_fixtures.py's kastore layout,
 * checked with tskit while writing this test). The zero bytes are a hole in a sparse file, so
 * making it costs no disk and little time.
 */
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync, ftruncateSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { init, load, TreeSeqError } from "../ts/index.js";
import { bundled } from "./helpers.js";

const METADATA_BYTES = 2 ** 31 + 100 * 2 ** 20; // 2.1 GiB: over Node's 2 GiB Buffer limit
const SIZES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 8, 7: 8, 8: 4, 9: 8 };

interface Item {
  key: Buffer;
  type: number;
  bytes: Uint8Array | null;
  length: number;
}

function readItems(file: Uint8Array): Item[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const items: Item[] = [];
  for (let j = 0; j < dv.getUint32(12, true); j++) {
    const d = 64 + 64 * j;
    const type = dv.getUint8(d);
    const [ks, kl, as, al] = [8, 16, 24, 32].map((o) => Number(dv.getBigUint64(d + o, true)));
    items.push({ key: Buffer.from(file.subarray(ks, ks + kl)), type, bytes: file.subarray(as, as + al * SIZES[type]), length: al });
  }
  return items;
}

/** Writes `items` as kastore lays them out; an item with `bytes: null` is `length` zero
 * bytes left as a hole (the file is extended past it, never written there). */
function writeSparse(path: string, items: Item[]): number {
  items.sort((a, b) => Buffer.compare(a.key, b.key));
  let offset = 64 + 64 * items.length;
  const keyStarts = items.map((it) => {
    const s = offset;
    offset += it.key.length;
    return s;
  });
  const arrayStarts = items.map((it) => {
    offset = Math.ceil(offset / 8) * 8;
    const s = offset;
    offset += it.length * SIZES[it.type];
    return s;
  });
  const head = Buffer.alloc(keyStarts.length ? arrayStarts[0] : 64);
  head.set([0x89, 0x4b, 0x41, 0x53, 0x0d, 0x0a, 0x1a, 0x0a]);
  head.writeUInt16LE(1, 8);
  head.writeUInt16LE(0, 10);
  head.writeUInt32LE(items.length, 12);
  head.writeBigUInt64LE(BigInt(offset), 16);
  items.forEach((it, j) => {
    const d = 64 + 64 * j;
    head.writeUInt8(it.type, d);
    [keyStarts[j], it.key.length, arrayStarts[j], it.length].forEach((v, k) => {
      head.writeBigUInt64LE(BigInt(v), d + 8 + 8 * k);
    });
    it.key.copy(head, keyStarts[j]);
  });
  const fd = openSync(path, "w");
  try {
    writeSync(fd, head, 0, head.length, 0);
    items.forEach((it, j) => {
      if (it.bytes) writeSync(fd, it.bytes, 0, it.bytes.length, arrayStarts[j]);
    });
    ftruncateSync(fd, offset);
  } finally {
    closeSync(fd);
  }
  return offset;
}

const dir = mkdtempSync(join(tmpdir(), "treeseq-bigfile-"));
const big = join(dir, "big.trees");
const expected = JSON.parse(gunzipSync(readFileSync(bundled("small").replace(/\.trees$/, ".expected.json.gz"))).toString());
const diversityCase = expected.stats.find(
  (s: any) => s.method === "diversity" && s.kwargs.mode === "site" && s.kwargs.windows === null && s.kwargs.span_normalise,
);

async function usualDiversity(backend: "native" | "wasm"): Promise<void> {
  const ts = await load(bundled("small"), { backend });
  const r = await ts.diversity({ sampleSets: diversityCase.kwargs.sample_sets });
  expect(Array.from(r.data)).toEqual(diversityCase.values.map((v: number) => expect.closeTo(v, 12)));
  ts.dispose();
}

beforeAll(async () => {
  await init({ threads: 2 });
  const items = readItems(new Uint8Array(readFileSync(bundled("small"))));
  const numNodes = items.find((it) => it.key.toString() === "nodes/time")!.length;
  const offsets = new Uint32Array(numNodes + 1);
  offsets[numNodes] = METADATA_BYTES;
  const kept = items.filter((it) => !["nodes/metadata", "nodes/metadata_offset"].includes(it.key.toString()));
  kept.push({ key: Buffer.from("nodes/metadata"), type: 1, bytes: null, length: METADATA_BYTES });
  kept.push({ key: Buffer.from("nodes/metadata_offset"), type: 5, bytes: new Uint8Array(offsets.buffer), length: numNodes + 1 });
  writeSparse(big, kept);
  expect(statSync(big).size).toBeGreaterThan(2 ** 31);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a sparse 2.1 GiB file", () => {
  it("loads natively from its path, then a statistic gives its usual answer", async () => {
    const ts = await load(big, { backend: "native" });
    expect(ts.numTrees).toBe(expected.summary.num_trees);
    const last = ts.numNodes - 1;
    expect(ts.tables.nodes.metadata(last).length).toBe(METADATA_BYTES);
    expect(ts.tables.nodes.metadata(0).length).toBe(0);
    const r = await ts.diversity({ sampleSets: diversityCase.kwargs.sample_sets });
    expect(Array.from(r.data)).toEqual(diversityCase.values.map((v: number) => expect.closeTo(v, 12)));
    // dispose() lets the 2.1 GiB go at once, not when V8 (which does not see it) collects.
    const held = process.memoryUsage().rss;
    ts.dispose();
    expect(held - process.memoryUsage().rss).toBeGreaterThan(METADATA_BYTES * 0.9);
    await usualDiversity("native");
  }, 60_000);

  it("is refused by WebAssembly before it is read, saying why and what to use", async () => {
    const started = performance.now();
    const err = await load(big, { backend: "wasm" }).then(
      () => null,
      (e) => e,
    );
    expect(err).toBeInstanceOf(TreeSeqError);
    expect(err.code).toBe("FILE_TOO_LARGE");
    expect(err.message).toMatch(/big\.trees has \d+ bytes \(2\.10 GiB\).*WebAssembly.*4 GiB.*native backend/);
    // Refused by its size: reading 2.1 GiB would take far longer than this.
    expect(performance.now() - started).toBeLessThan(1000);
    await usualDiversity("wasm");
  });

  it("bytes too large for WebAssembly are refused by their length, before any copy", async () => {
    // 1.3 GiB of zeros: the OS gives them lazily, so this costs no real memory or time.
    const bytes = new Uint8Array(1.3 * 2 ** 30);
    const err = await load(bytes, { backend: "wasm" }).then(
      () => null,
      (e) => e,
    );
    expect(err).toBeInstanceOf(TreeSeqError);
    expect(err.code).toBe("FILE_TOO_LARGE");
    expect(err.message).toMatch(/the file has \d+ bytes \(1\.30 GiB\); the WebAssembly backend loads files up to 1\.25 GiB/);
    await usualDiversity("wasm");
  });

  it("a missing file is IO with the OS's message on both backends", async () => {
    for (const backend of ["native", "wasm"] as const) {
      const err = await load(join(dir, "none.trees"), { backend }).then(
        () => null,
        (e) => e,
      );
      expect(err).toBeInstanceOf(TreeSeqError);
      expect(err.code).toBe("IO");
      expect(err.message).toMatch(/none\.trees.*(ENOENT|No such file)/);
    }
  });
});
