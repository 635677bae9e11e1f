/**
 * Objects and lookups on both backends against tskit's answers (test/fixtures/rows, written
 * by scripts/make_rows_fixture.py; TREESEQ_FIXTURES's rows/ from make_fixture.py --toolkit):
 * every row object of every table (metadata decoded,
 * mutations' computed edge and inherited state, individuals' nodes), samples() by population
 * (id and name) and time, the derived columns and the computed properties (nbytes with
 * each table's schema as tskit canonicalises it).
 */
import { describe, it, expect, beforeAll } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { init, load } from "../dist/index.js";
import { canonicalJson } from "../dist/nbytes.js";
import { BACKENDS, bundled, readKastore, same, tag, toolkitFixtures } from "./helpers.js";

/** The bundled fixtures, for the checks written for one of them. */
const FIX = join(bundled("x"), "..");
const ROWS = join(FIX, "rows");

beforeAll(async () => {
  await init({ threads: 2 });
});

const TABLES = [
  ["nodes", "node"],
  ["edges", "edge"],
  ["sites", "site"],
  ["mutations", "mutation"],
  ["individuals", "individual"],
  ["populations", "population"],
  ["migrations", "migration"],
  ["provenances", "provenance"],
] as const;

describe.each(BACKENDS)("%s backend", (backend) => {
  describe.each(toolkitFixtures("rows"))("$name", ({ path, want }) => {
    const open = () => load(path, { backend });

    it("every row object, by id and by iterator, is tskit's", async () => {
      const ts = await open();
      for (const [plural, one] of TABLES) {
        const rows = want[plural] as unknown[];
        same([...(ts as any)[plural]()], rows, plural);
        rows.forEach((r, i) => {
          same((ts as any)[one](i), r, `${one}(${i})`);
        });
        if (rows.length > 0) {
          same((ts as any)[one](BigInt(rows.length - 1)), rows[rows.length - 1], `${one}(BigInt)`);
          // Negative ids count from the end, as tskit's.
          same((ts as any)[one](-1), rows[rows.length - 1], `${one}(-1)`);
          same((ts as any)[one](-rows.length), rows[0], `${one}(-n)`);
        }
      }
      ts.dispose();
    });

    it("site({ position }) finds each site; a position without one is BAD_PARAM", async () => {
      const ts = await open();
      for (const s of want.sites) same(ts.site({ position: s.position }), s);
      if (want.sites.length > 0) {
        const x = want.sites[0].position + 0.5 < (want.sites[1]?.position ?? Infinity) ? want.sites[0].position + 0.5 : NaN;
        if (!Number.isNaN(x)) expect(() => ts.site({ position: x })).toThrow(expect.objectContaining({ code: "BAD_PARAM" }));
      }
      expect(() => ts.site({ position: ts.sequenceLength })).toThrow(expect.objectContaining({ code: "BAD_PARAM" }));
      expect(() => ts.site({ pos: 1 } as any)).toThrow(/unknown option 'pos'/);
      ts.dispose();
    });

    it("samples({ population, time }) is tskit's", async () => {
      const ts = await open();
      for (const c of want.samples) {
        const { expected, ...options } = c;
        same(ts.samples(options), expected, JSON.stringify(options));
        if (typeof options.time === "number") same(ts.samples({ ...options, time: [options.time] }), expected, "[time]");
      }
      // By name: the same as by id, for populations whose metadata has a unique name.
      const names = want.populations.map((p: any) => p.metadata?.name);
      names.forEach((name: unknown, id: number) => {
        if (typeof name === "string" && names.filter((n: unknown) => n === name).length === 1) {
          same(ts.samples({ population: name }), tag(ts.samples({ population: id })));
        }
      });
      ts.dispose();
    });

    it("derived columns and properties are tskit's", async () => {
      const ts = await open();
      const nodes = ts.individualsNodes;
      same({ data: nodes, shape: nodes.shape }, want.individualsNodes);
      for (const key of ["individualPopulations", "individualTimes", "individualLocations"] as const) {
        const w = want[key];
        if (w && typeof w === "object" && "$error" in w) {
          expect(() => ts[key], key).toThrow(expect.objectContaining({ code: "BAD_INDIVIDUALS" }));
        } else if (key === "individualLocations") {
          const l = ts.individualLocations;
          same({ data: l, shape: l.shape }, w, key);
        } else {
          same(ts[key], w, key);
        }
      }
      same(ts.mutationsEdge, want.mutationsEdge);
      same(ts.mutationsInheritedState, want.mutationsInheritedState);
      for (const key of ["discreteGenome", "discreteTime", "maxRootTime", "minTime", "maxTime"] as const) {
        const w = want[key];
        // tskit refuses maxRootTime without samples (ValueError): BAD_PARAM here.
        if (w && typeof w === "object" && "$error" in w) expect(() => ts[key], key).toThrow(expect.objectContaining({ code: "BAD_PARAM" }));
        else same(ts[key], w, key);
      }
      expect(ts.nbytes, "nbytes").toBe(want.nbytes);
      expect(ts.fileUuid).toBe(want.fileUuid);
      const ref = ts.referenceSequence;
      if (want.referenceSequence === null) expect(ref).toBeNull();
      else {
        const { codec, ...rest } = want.referenceSequence;
        same({ data: ref!.data, url: ref!.url, metadata: ref!.metadata }, rest, "referenceSequence");
        expect(ref!.metadataSchema.codec).toBe(codec);
      }
      ts.dispose();
    });
  });

  describe.each(toolkitFixtures("rows"))("$name: metadata schemas as tskit writes them out (nbytes counts them)", ({ path, want }) => {
    it("canonicalJson of each table's stored schema is tskit's repr", () => {
      const stored = readKastore(readFileSync(path));
      const text = (key: string) => new TextDecoder().decode(Uint8Array.from(stored.get(key) as ArrayLike<number>));
      for (const [table, canonical] of Object.entries<string>(want.canonicalSchemas)) {
        const raw = text(`${table}/metadata_schema`);
        expect(raw === "" ? "" : canonicalJson(raw), table).toBe(canonical);
      }
    });
  });

  describe("refusals", () => {
    const open = () => load(join(FIX, "metadata", "msprime.trees"), { backend });

    it("out-of-range and non-integer ids, unknown options and extra arguments are BAD_PARAM", async () => {
      const ts = await open();
      const bad = expect.objectContaining({ code: "BAD_PARAM" });
      for (const [plural, one] of TABLES) {
        const n = (ts as any)[`num${plural[0].toUpperCase()}${plural.slice(1)}`];
        expect(() => (ts as any)[one](n), one).toThrow(bad);
        expect(() => (ts as any)[one](-n - 1), one).toThrow(bad);
        expect(() => (ts as any)[one](0.5), one).toThrow(bad);
        expect(() => (ts as any)[one]("0"), one).toThrow(bad);
        expect(() => (ts as any)[plural](1), plural).toThrow(bad);
      }
      expect(() => ts.node(0, 1 as never)).toThrow(bad);
      expect(() => ts.samples({ populaton: 0 } as any)).toThrow(/unknown option 'populaton'/);
      expect(() => ts.samples({ population: "nowhere" })).toThrow(/no population has the name "nowhere"/);
      expect(() => ts.samples({ time: [1, 1] })).toThrow(bad);
      expect(() => ts.samples({ time: [0, 1, 2] })).toThrow(bad);
      expect(() => ts.samples({ time: "0" as any })).toThrow(bad);
      expect(() => ts.samples({}, 1 as never)).toThrow(bad);
      ts.dispose();
    });

    it("by name: 'north' and 'south' are msprime's populations 0 and 1", async () => {
      const ts = await open();
      expect(ts.samples({ population: "north" })).toEqual(ts.samples({ population: 0 }));
      expect(ts.samples({ population: "south" })).toEqual(ts.samples({ population: 1 }));
      expect(ts.samples({ population: "north" }).length).toBeGreaterThan(0);
      ts.dispose();
    });

    it("a name two populations share is refused; a unique one selects", async () => {
      const ts = await load(join(ROWS, "edge_cases.trees"), { backend });
      expect(() => ts.samples({ population: "x" })).toThrow(/populations 0, 2 all have the name "x"/);
      expect(Array.from(ts.samples({ population: "y" }))).toEqual([2]);
      ts.dispose();
    });

    it("everything throws DISPOSED after dispose(), iterators made before included", async () => {
      const ts = await open();
      const it = ts.nodes();
      it.next();
      ts.dispose();
      const disposed = expect.objectContaining({ code: "DISPOSED" });
      expect(() => it.next()).toThrow(disposed);
      for (const [plural, one] of TABLES) {
        expect(() => (ts as any)[one](0), one).toThrow(disposed);
        expect(() => (ts as any)[plural](), plural).toThrow(disposed);
      }
      for (const key of [
        "individualsNodes",
        "individualPopulations",
        "individualTimes",
        "individualLocations",
        "mutationsEdge",
        "mutationsInheritedState",
        "discreteGenome",
        "discreteTime",
        "maxRootTime",
        "minTime",
        "maxTime",
      ] as const) {
        expect(() => ts[key], key).toThrow(disposed);
      }
      expect(() => ts.samples({ population: 0 })).toThrow(disposed);
    });
  });
});
