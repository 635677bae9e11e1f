/**
 * Metadata on both backends against tskit's answers (test/fixtures/metadata, written by
 * scripts/make_metadata_fixture.py; TREESEQ_FIXTURES's metadata/ from make_fixture.py
 * --toolkit): schemas, every row of every table decoded, the top level, struct columns, and
 * rows that do not decode (BAD_METADATA naming table, row and field).
 */
import { describe, it, expect, beforeAll } from "vitest";
import { join } from "node:path";
import { init, load, TreeSeqError } from "../dist/index.js";
import { BACKENDS, bundled, bundledToolkit, hex, same, tag, toolkitFixtures } from "./helpers.js";

/** The bundled metadata files, for the checks written for one of them. */
const DIR = join(bundled("x"), "..", "metadata");
const TABLES = ["nodes", "edges", "sites", "mutations", "migrations", "individuals", "populations"] as const;

beforeAll(async () => {
  await init({ threads: 2 });
});

describe.each(BACKENDS)("%s backend", (backend) => {
  describe.each(toolkitFixtures("metadata"))("$name", ({ name, path, want }) => {
    const open = () => load(path, { backend });

    it("top-level metadata and schema are tskit's", async () => {
      const ts = await open();
      expect(ts.metadataSchema.schema).toEqual(want.metadataSchema);
      expect(ts.metadataSchema.codec).toBe(want.metadataSchema?.codec ?? null);
      same(ts.metadata, want.metadata);
      ts.dispose();
    });

    it("every table's schema is tskit's", async () => {
      const ts = await open();
      for (const t of TABLES) {
        const schema = want.tables[t].schema;
        expect(ts.tables[t].metadataSchema.schema, t).toEqual(schema);
        expect(ts.tableMetadataSchemas[t].codec, t).toBe(schema?.codec ?? null);
      }
      ts.dispose();
    });

    it("every row decodes as tskit decodes it, or is refused where tskit refuses it", async () => {
      const ts = await open();
      let refused = 0;
      for (const t of TABLES) {
        const rows = want.tables[t].rows;
        expect(ts.tables[t].numRows).toBe(rows.length);
        rows.forEach((row: any, i: number) => {
          if ("value" in row) {
            same(ts.decodeRowMetadata(t, i), row.value);
          } else {
            refused++;
            let err: unknown;
            try {
              ts.decodeRowMetadata(t, i);
            } catch (e) {
              err = e;
            }
            expect(err, `${t} row ${i}: tskit says ${row.error}`).toBeInstanceOf(TreeSeqError);
            expect((err as TreeSeqError).code).toBe("BAD_METADATA");
            expect((err as TreeSeqError).message).toContain(`${t} row ${i}`);
          }
        });
      }
      expect(refused > 0).toBe(name === "bad");
      ts.dispose();
    });

    // only files whose fixture names columns (struct tables)
    if (Object.keys(want.columns).length > 0)
      it("metadataColumn gives each field of every row", async () => {
        const ts = await open();
        for (const [key, col] of Object.entries<any>(want.columns)) {
          const [t, path] = key.split(":") as [(typeof TABLES)[number], string];
          const got = ts.tables[t].metadataColumn(path) as any;
          const data = got.shape ? got.data : got;
          if (got.shape) expect(got.shape, key).toEqual(col.shape);
          else expect([data.length], key).toEqual(col.shape);
          // numpy's dtype where tskit gives a structured array: the same element type
          if (col.dtype) {
            const kind: Record<string, string> = {
              "<i8": "BigInt64Array",
              "<i4": "Int32Array",
              "<u4": "Uint32Array",
              "<f8": "Float64Array",
              "<f4": "Float32Array",
              "<i2": "Int16Array",
              "<u1": "Uint8Array",
            };
            expect(data.constructor.name, key).toBe(kind[col.dtype]);
          }
          const flat = (v: any): any[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);
          // a bytes value ("c" under a numeric type) is its byte; booleans are 0/1
          const expected = flat(col.values).map((v) =>
            v && typeof v === "object" && "$bytes" in v ? parseInt(v.$bytes, 16) : typeof v === "boolean" ? Number(v) : v,
          );
          expect(Array.from(data as ArrayLike<unknown>, tag), key).toEqual(expected);
        }
        ts.dispose();
      });
  });

  it("population names from JSON metadata (msprime)", async () => {
    const ts = await load(join(DIR, "msprime.trees"), { backend });
    const names = Array.from({ length: ts.numPopulations }, (_, i) => (ts.decodeRowMetadata("populations", i) as any).name);
    expect(names).toEqual(["north", "south"]);
    ts.dispose();
  });

  it("a row that does not decode names its table, row and field", async () => {
    const ts = await load(join(DIR, "bad.trees"), { backend });
    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as TreeSeqError;
      }
      throw new Error("not refused");
    };
    let e = refusal(() => ts.decodeRowMetadata("nodes", 1));
    expect(e.code).toBe("BAD_METADATA");
    expect(e.message).toMatch(/nodes row 1: field 'a'.*needs 4 bytes at byte 0, the row has 2/);
    e = refusal(() => ts.decodeRowMetadata("nodes", 2));
    expect(e.message).toMatch(/nodes row 2: field 's'.*not valid utf-8/);
    e = refusal(() => ts.decodeRowMetadata("nodes", 3));
    expect(e.message).toMatch(/nodes row 3: field 'l'/);
    e = refusal(() => ts.decodeRowMetadata("populations", 1));
    expect(e.message).toMatch(/populations row 1: cannot decode its json metadata/);
    // the column reader: row 1 is too short for 'a', row 4 is empty
    e = refusal(() => ts.tables.nodes.metadataColumn("a"));
    expect(e.code).toBe("BAD_METADATA");
    expect(e.message).toMatch(/nodes row 1: field 'a': needs 4 bytes at byte 0, the row has 2/);
    e = refusal(() => ts.tables.nodes.metadataColumn("nope"));
    expect(e.code).toBe("BAD_PARAM");
    expect(e.message).toMatch(/no field 'nope'.*fields: a, s, l/);
    e = refusal(() => (ts.tables.nodes.metadataColumn as any)("a", { extra: 1 }));
    expect(e.code).toBe("BAD_PARAM");
    e = refusal(() => (ts.tables.nodes.metadataColumn as any)(3));
    expect(e.code).toBe("BAD_PARAM");
    e = refusal(() => ts.tables.nodes.metadataColumn("l"));
    expect(e.message).toMatch(/'l' is a variable-length array/);
    e = refusal(() => ts.tables.populations.metadataColumn("name"));
    expect(e.code).toBe("BAD_METADATA");
    expect(e.message).toMatch(/codec is "json"; metadataColumn reads struct-codec metadata/);
    ts.dispose();
  });

  it("metadataColumn reads past variable-length fields (individuals 'after' follows arrays)", async () => {
    const ts = await load(join(DIR, "struct.trees"), { backend });
    const after = ts.tables.individuals.metadataColumn("after");
    expect(after).toBeInstanceOf(Int32Array);
    expect(Array.from(after as Int32Array)).toEqual([99, -1, 5]);
    const id = ts.tables.individuals.metadataColumn("id") as BigInt64Array;
    expect(id[2]).toBe(2n ** 60n);
    ts.dispose();
  });

  it('metadataColumn gives null rows (an ["object", "null"] schema) its defaultValue, and refuses them without one', async () => {
    for (const [file, table, path, dflt] of [
      ["slim", "nodes", "slim_id", -1],
      ["struct", "edges", "w", Number.NaN],
    ] as const) {
      const ts = await load(join(DIR, `${file}.trees`), { backend });
      const rows = bundledToolkit("metadata", file).want.tables[table].rows as Array<{ value: any }>;
      expect(rows.some((r) => r.value === null)).toBe(true);
      const got = ts.tables[table].metadataColumn(path, { defaultValue: dflt }) as ArrayLike<number | bigint>;
      expect(Array.from(got, Number)).toEqual(rows.map((r) => (r.value === null ? dflt : Number(r.value[path]))));
      let err: any;
      try {
        ts.tables[table].metadataColumn(path);
      } catch (e) {
        err = e;
      }
      expect(err?.code).toBe("BAD_METADATA");
      expect(err?.message).toMatch(
        new RegExp(`${table} row \\d+: field '${path}': the row has no metadata \\(null\\); give \\{ defaultValue \\}`),
      );
      expect(() => ts.tables[table].metadataColumn(path, { defaultValue: "x" } as any)).toThrow(
        expect.objectContaining({ code: "BAD_PARAM" }),
      );
      expect(() => ts.tables[table].metadataColumn(path, { other: 1 } as any)).toThrow(expect.objectContaining({ code: "BAD_PARAM" }));
      ts.dispose();
    }
  });

  it("raw metadata (no schema) stays bytes; tables.X.metadata(i) stays raw", async () => {
    const ts = await load(join(DIR, "struct.trees"), { backend });
    expect(ts.tables.migrations.metadataSchema).toEqual({ codec: null, schema: null });
    const raw = ts.decodeRowMetadata("migrations", 0) as Uint8Array;
    expect(raw).toBeInstanceOf(Uint8Array);
    expect(hex(raw)).toBe("00ff726177");
    expect(ts.tables.nodes.metadata(0)).toBeInstanceOf(Uint8Array);
    const tables = ts.tables;
    expect(tables.nodes.metadataSchema.codec).toBe("struct");
    ts.dispose();
    for (const f of [
      () => tables.nodes.metadataSchema,
      () => tables.nodes.metadataColumn("int8"),
      () => ts.metadata,
      () => ts.metadataSchema,
    ]) {
      expect(f).toThrow(expect.objectContaining({ code: "DISPOSED" }));
    }
  });
});
