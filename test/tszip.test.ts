/**
 * tszip (`.tsz`) files, on both backends: each fixture tszip wrote (test/fixtures/tszip,
 * scripts/make_tszip_fixture.py) loads as the `.trees` file tskit writes for
 * `tszip.decompress` of it (every kastore item's type, length and bytes, but the fresh uuid),
 * and as the `.trees` file it was made from; damaged ones are refused with a code.
 */
import { describe, it, expect } from "vitest";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { load, TreeSeqError } from "../dist/index.js";
import { BACKENDS, FIXTURES, readKastore, toolkitFixtures } from "./helpers.js";

const TYPES: Record<string, string> = {
  Int8Array: "i1",
  Uint8Array: "u1",
  Int16Array: "i2",
  Uint16Array: "u2",
  Int32Array: "i4",
  Uint32Array: "u4",
  BigInt64Array: "i8",
  BigUint64Array: "u8",
  Float32Array: "f4",
  Float64Array: "f8",
};

/** A `.trees` file's items as the fixtures record them: type, length, SHA-256; no uuid. */
function items(trees: Uint8Array): Record<string, { type: string; length: number; sha256: string }> {
  const out: Record<string, { type: string; length: number; sha256: string }> = {};
  for (const [key, a] of readKastore(trees)) {
    if (key === "uuid") continue;
    const t = a as unknown as ArrayBufferView & { length: number };
    const bytes = new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
    out[key] = { type: TYPES[t.constructor.name], length: t.length, sha256: createHash("sha256").update(bytes).digest("hex") };
  }
  return out;
}

const SUMMARY: Array<[string, string]> = [
  ["num_nodes", "numNodes"],
  ["num_edges", "numEdges"],
  ["num_sites", "numSites"],
  ["num_mutations", "numMutations"],
  ["num_trees", "numTrees"],
  ["num_samples", "numSamples"],
  ["num_populations", "numPopulations"],
  ["num_individuals", "numIndividuals"],
  ["num_migrations", "numMigrations"],
  ["sequence_length", "sequenceLength"],
];

const files = toolkitFixtures("tszip");

describe.each(BACKENDS)("%s", (backend) => {
  describe.each(files)("tszip/$name", ({ name, path, want }) => {
    const tsz = join(FIXTURES, want.tsz);

    it("loads as the .trees file tskit writes for tszip.decompress", async () => {
      const ts = await load(tsz, { backend });
      expect(items(ts.dump())).toEqual(want.items);
      for (const [py, js] of SUMMARY) expect((ts as any)[js], `${name}: ${py}`).toBe(want.summary[py]);
      ts.dispose();
    });

    it("loads as the file it was made from, from a path, a file: URL and bytes", async () => {
      const trees = await load(path, { backend });
      const expected = items(trees.dump());
      trees.dispose();
      for (const source of [tsz, pathToFileURL(tsz), new Uint8Array(readFileSync(tsz))]) {
        const ts = await load(source, { backend });
        expect(items(ts.dump()), String(source)).toEqual(expected);
        ts.dispose();
      }
    });
  });

  describe("damaged tszip files", () => {
    const good = readFileSync(join(FIXTURES, "tszip/small.tsz"));
    const latin1 = (b: Uint8Array): string => Buffer.from(b).toString("latin1");
    /** `good` with every occurrence of `from` replaced by `to` (same length: members are stored). */
    const edit = (from: string, to: string): Uint8Array => {
      expect(to.length).toBe(from.length);
      const text = latin1(good);
      expect(text.includes(from), from).toBe(true);
      return new Uint8Array(Buffer.from(text.split(from).join(to), "latin1"));
    };
    /** `good` with the bytes of member `name` (its first stored copy) changed by `f`. */
    const editMember = (name: string, f: (data: Uint8Array) => void): Uint8Array => {
      const bytes = new Uint8Array(good);
      const at = latin1(bytes).indexOf(name);
      const dv = new DataView(bytes.buffer);
      // The local header is 30 bytes before the name; the data follows the name and extra field.
      const header = at - 30;
      expect(dv.getUint32(header, true)).toBe(0x04034b50);
      const start = at + dv.getUint16(header + 26, true) + dv.getUint16(header + 28, true);
      f(bytes.subarray(start, start + dv.getUint32(header + 22, true)));
      return bytes;
    };
    const refused = async (bytes: Uint8Array, code: string, message: RegExp): Promise<void> => {
      const e = await load(bytes, { backend }).then(
        (ts) => {
          ts.dispose();
          return null;
        },
        (e) => e,
      );
      expect(e, `expected ${code}`).toBeInstanceOf(TreeSeqError);
      expect(e.code, e.message).toBe(code);
      expect(e.message).toMatch(message);
    };

    it("truncated: no end record, or members past the end", async () => {
      await refused(good.subarray(0, good.length - 10), "FILE_FORMAT", /end-of-central-directory.*truncated/);
      await refused(good.subarray(0, 4), "FILE_FORMAT", /truncated/);
      // The directory kept, the members cut short.
      const cut = new Uint8Array(good);
      cut.fill(0, 1000, 30000);
      await refused(cut, "FILE_FORMAT", /tszip file/);
    });

    it("a zip that is not tszip, and tszip format versions it does not know", async () => {
      await refused(edit('"format_name": "tszip"', '"format_name": "other"'), "FILE_FORMAT", /not a tszip file/);
      await refused(
        edit('"format_version": [\n    1,', '"format_version": [\n    2,'),
        "VERSION_TOO_NEW",
        /tszip format version 2\.0 is too new/,
      );
      await refused(
        edit('"format_version": [\n    1,', '"format_version": [\n    0,'),
        "VERSION_TOO_OLD",
        /tszip format version 0\.0 is too old/,
      );
    });

    it("codecs it does not read, and sizes a chunk merely claims", async () => {
      await refused(edit('"id": "blosc"', '"id": "bzip2"'), "FILE_FORMAT", /compressor "bzip2" is not read/);
      // Blosc's flags: zstd (4 << 5) becomes lz4 (1 << 5).
      await refused(
        editMember("nodes/time/0", (d) => (d[2] = (d[2] & 0x1f) | (1 << 5))),
        "FILE_FORMAT",
        /nodes\/time\/0: Blosc compressor lz4 is not read/,
      );
      // The frame says it holds 2 GiB: refused before anything is allocated for it.
      await refused(
        editMember("nodes/time/0", (d) => new DataView(d.buffer, d.byteOffset).setUint32(4, 2 ** 31 - 1, true)),
        "FILE_FORMAT",
        /holds 2147483647 bytes but the chunk is 67108864/,
      );
      // The first block's zstd frame says it holds more than its bytes can.
      await refused(
        editMember("nodes/time/0", (d) => {
          const dv = new DataView(d.buffer, d.byteOffset);
          const stream = dv.getUint32(16, true) + 4;
          dv.setUint32(stream + 6, 0x7fffffff, true);
        }),
        "FILE_FORMAT",
        /nodes\/time\/0, Blosc block 0/,
      );
      // Damaged zstd data.
      await refused(
        editMember("nodes/time/0", (d) => {
          const stream = new DataView(d.buffer, d.byteOffset).getUint32(16, true) + 4;
          d.fill(0xff, stream + 12, stream + 60);
        }),
        "FILE_FORMAT",
        /nodes\/time\/0/,
      );
    });

    it("a decompressed size over the memory ceiling (WebAssembly's 4 GiB, or init's maxMemory), refused before it is allocated", async () => {
      // The edge columns claim 2e10 rows (chunks left out are fill value, so a file may say so):
      // 480 GB, over WebAssembly's limit and the native default (80% of the machine's memory).
      await refused(edit('"shape": [\n    258\n  ]', '"shape": [20000000000]'), "FILE_TOO_LARGE", /decompressed, has \d+ bytes/);
    });
  });
});
