/**
 * `ts.tables`: read-only typed-array columns, named as tskit's Python names in camelCase.
 * Columns are views over the backend's memory where it allows (native: the loaded file's
 * bytes; threaded WASM: the shared memory), made on first use and cached.
 *
 * Ragged columns (metadata, states, locations, ...) are a method per row, e.g.
 * `tables.sites.ancestralState(i): string`, plus their raw arrays as `<name>Data` and
 * `<name>Offset`.
 */
import type { TypedArray } from "./backend.js";
import { TreeSeqError } from "./errors.js";
import { optionsObject, toInteger } from "./values.js";
import { MetadataDecoder, type ColumnValues, type MetadataSchema } from "./metadata.js";

type ColumnSource = (key: string) => TypedArray;

/**
 * [column, kind] per table; kind: "n" numeric, "t" ragged text, "b" ragged bytes, "f"/"i"
 * ragged f64/i32. The interfaces below spell out what this builds (checked against it at the
 * end of this file), with the element types the core gives each column (access.rs).
 */
const SCHEMA = {
  nodes: [
    ["flags", "n"],
    ["time", "n"],
    ["population", "n"],
    ["individual", "n"],
    ["metadata", "b"],
  ],
  edges: [
    ["left", "n"],
    ["right", "n"],
    ["parent", "n"],
    ["child", "n"],
    ["metadata", "b"],
  ],
  sites: [
    ["position", "n"],
    ["ancestral_state", "t"],
    ["metadata", "b"],
  ],
  mutations: [
    ["site", "n"],
    ["node", "n"],
    ["parent", "n"],
    ["time", "n"],
    ["derived_state", "t"],
    ["metadata", "b"],
  ],
  migrations: [
    ["left", "n"],
    ["right", "n"],
    ["node", "n"],
    ["source", "n"],
    ["dest", "n"],
    ["time", "n"],
    ["metadata", "b"],
  ],
  individuals: [
    ["flags", "n"],
    ["location", "f"],
    ["parents", "i"],
    ["metadata", "b"],
  ],
  populations: [["metadata", "b"]],
  provenances: [
    ["timestamp", "t"],
    ["record", "t"],
  ],
  indexes: [
    ["edge_insertion_order", "n"],
    ["edge_removal_order", "n"],
  ],
} as const satisfies Record<keyof Tables, ReadonlyArray<readonly [string, "n" | "t" | "b" | "f" | "i"]>>;

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const decoder = new TextDecoder();

/**
 * A ragged column's offsets: row i is `data[offset[i]]` to `data[offset[i + 1]]`. 32-bit, or
 * 64-bit (`BigUint64Array`) in files written with 64-bit offsets; convert with `Number()`.
 */
export type Offsets = Uint32Array | BigUint64Array;

/** Raw metadata per row: `metadata(i)` is row i's bytes (a view), undecoded. Row indexes here
 * and below may be numbers or BigInts. */
interface MetadataColumn {
  metadata(i: number | bigint): Uint8Array;
  readonly metadataData: Uint8Array;
  readonly metadataOffset: Offsets;
  /** The table's metadata schema: `{ codec, schema }` (both null where there is none). */
  readonly metadataSchema: MetadataSchema;
  /**
   * One field of every row's struct-codec metadata, in one pass over the column: `path` is a
   * property name, or names through nested objects joined by "."; a typed array by the
   * field's binaryFormat (BigInt64Array for `q`), strings for `s`/`p`, `{ data, shape }` for
   * a fixed-length array. A row with no metadata under an `["object", "null"]` schema (SLiM's
   * nodes that are not SLiM genomes) takes `defaultValue` (as tskit's `metadata_vector`), and
   * is refused (BAD_METADATA) without one.
   */
  metadataColumn(path: string, options?: { defaultValue?: number | bigint | string }): ColumnValues;
}

export interface NodeTable extends MetadataColumn {
  readonly numRows: number;
  readonly flags: Uint32Array;
  readonly time: Float64Array;
  /** -1 for none. */
  readonly population: Int32Array;
  /** -1 for none. */
  readonly individual: Int32Array;
}

export interface EdgeTable extends MetadataColumn {
  readonly numRows: number;
  readonly left: Float64Array;
  readonly right: Float64Array;
  readonly parent: Int32Array;
  readonly child: Int32Array;
}

export interface SiteTable extends MetadataColumn {
  readonly numRows: number;
  readonly position: Float64Array;
  ancestralState(i: number | bigint): string;
  /** UTF-8 bytes of every row's ancestral state. */
  readonly ancestralStateData: Uint8Array;
  readonly ancestralStateOffset: Offsets;
}

export interface MutationTable extends MetadataColumn {
  readonly numRows: number;
  readonly site: Int32Array;
  readonly node: Int32Array;
  /** -1 for none. */
  readonly parent: Int32Array;
  /** NaN where unknown (tskit's UNKNOWN_TIME). */
  readonly time: Float64Array;
  derivedState(i: number | bigint): string;
  readonly derivedStateData: Uint8Array;
  readonly derivedStateOffset: Offsets;
}

export interface MigrationTable extends MetadataColumn {
  readonly numRows: number;
  readonly left: Float64Array;
  readonly right: Float64Array;
  readonly node: Int32Array;
  readonly source: Int32Array;
  readonly dest: Int32Array;
  readonly time: Float64Array;
}

export interface IndividualTable extends MetadataColumn {
  readonly numRows: number;
  readonly flags: Uint32Array;
  location(i: number | bigint): Float64Array;
  readonly locationData: Float64Array;
  readonly locationOffset: Offsets;
  parents(i: number | bigint): Int32Array;
  readonly parentsData: Int32Array;
  readonly parentsOffset: Offsets;
}

export interface PopulationTable extends MetadataColumn {
  readonly numRows: number;
}

export interface ProvenanceTable {
  readonly numRows: number;
  timestamp(i: number | bigint): string;
  readonly timestampData: Uint8Array;
  readonly timestampOffset: Offsets;
  /** The provenance record, JSON text. */
  record(i: number | bigint): string;
  readonly recordData: Uint8Array;
  readonly recordOffset: Offsets;
}

/** The edge indexes: edge ids in insertion and removal order. */
export interface IndexesTable {
  readonly numRows: number;
  readonly edgeInsertionOrder: Int32Array;
  readonly edgeRemovalOrder: Int32Array;
}

export interface Tables {
  readonly nodes: NodeTable;
  readonly edges: EdgeTable;
  readonly sites: SiteTable;
  readonly mutations: MutationTable;
  readonly migrations: MigrationTable;
  readonly individuals: IndividualTable;
  readonly populations: PopulationTable;
  readonly provenances: ProvenanceTable;
  readonly indexes: IndexesTable;
}

/** Any one table. */
export type Table = Tables[keyof Tables];

function makeTable(name: keyof Tables, get: ColumnSource): Table {
  const cols = SCHEMA[name];
  const table: Record<string, unknown> = {};
  const define = (prop: string, key: string) => Object.defineProperty(table, prop, { enumerable: true, get: () => get(key) });
  for (const [col, kind] of cols) {
    const key = `${name}/${col}`;
    if (kind === "n") {
      define(camel(col), key);
      continue;
    }
    define(`${camel(col)}Data`, key);
    define(`${camel(col)}Offset`, `${key}_offset`);
    table[camel(col)] = (i: number | bigint) => {
      const off = get(`${key}_offset`);
      const row = toInteger(i, { where: `tables.${name}.${camel(col)}`, path: "row" }, "a row index");
      if (row < 0 || row >= off.length - 1) {
        throw new TreeSeqError("BAD_PARAM", `tables.${name}.${camel(col)}: row ${row} is out of range [0, ${off.length - 1})`);
      }
      const a = Number(off[row]);
      const b = Number(off[row + 1]);
      const data = get(key);
      const bytes = data.subarray(a, b);
      // TextDecoder refuses views of shared memory: copy text first.
      return kind === "t" ? decoder.decode((bytes as Uint8Array).slice()) : bytes;
    };
  }
  if (cols.some(([c]) => c === "metadata")) defineMetadata(table, name as MetadataTableName, get);
  const first = cols[0];
  const rowsKey = first[1] === "n" ? `${name}/${first[0]}` : `${name}/${first[0]}_offset`;
  Object.defineProperty(table, "numRows", {
    enumerable: true,
    get: () => (first[1] === "n" ? get(rowsKey).length : get(rowsKey).length - 1),
  });
  return table as unknown as Table;
}

// ---- Metadata (decoding in metadata.ts) ----

/** The tables whose rows have metadata. */
export type MetadataTableName = "nodes" | "edges" | "sites" | "mutations" | "migrations" | "individuals" | "populations";

/** Each table's schema decoder, parsed on first use. */
const decoders = new WeakMap<object, () => MetadataDecoder>();

/** Adds `metadataSchema` and `metadataColumn(path)` to a table with a metadata column. */
function defineMetadata(table: Record<string, unknown>, name: MetadataTableName, get: ColumnSource): void {
  let parsed: MetadataDecoder | null = null;
  const schema = () => {
    const text = get(`${name}/metadata_schema`) as Uint8Array; // DISPOSED once disposed
    return (parsed ??= new MetadataDecoder(decoder.decode(text.slice()), name));
  };
  decoders.set(table, schema);
  Object.defineProperty(table, "metadataSchema", { enumerable: true, get: () => schema().schema });
  table.metadataColumn = (...args: unknown[]) => {
    const where = `tables.${name}.metadataColumn`;
    if (args.length < 1 || args.length > 2) {
      throw new TreeSeqError("BAD_PARAM", `${where} takes a field's path and an optional { defaultValue }, not ${args.length} arguments`);
    }
    const o = args.length === 2 ? optionsObject(args[1], ["defaultValue"], where) : {};
    return schema().column(
      get(`${name}/metadata`) as Uint8Array,
      get(`${name}/metadata_offset`) as Offsets,
      args[0] as string,
      name,
      o.defaultValue,
    );
  };
}

/** Row `i`'s metadata decoded with its table's schema (raw bytes, a copy, without one); a
 * `BAD_METADATA` naming the table, row and field where it does not decode. For row objects. */
export function decodeRowMetadata(tables: Tables, name: MetadataTableName, i: number): unknown {
  const table = tables[name];
  return decoders.get(table)!().decode(table.metadata(i), `${name} row ${i}`);
}

export function makeTables(get: ColumnSource): Tables {
  const out: Record<string, Table> = {};
  for (const name of Object.keys(SCHEMA) as Array<keyof Tables>) out[name] = makeTable(name, get);
  return Object.freeze(out) as unknown as Tables;
}

// The interfaces name exactly the members SCHEMA builds: `<column>` in camelCase, and
// `<column>Data` and `<column>Offset` beside each ragged one.
type Camel<S extends string> = S extends `${infer A}_${infer B}` ? `${A}${Capitalize<Camel<B>>}` : S;
type Members<C> = C extends readonly [infer N extends string, infer K]
  ? K extends "n"
    ? Camel<N>
    : Camel<N> | `${Camel<N>}Data` | `${Camel<N>}Offset`
  : never;
type WithMetadata<M> = "metadata" extends M ? "metadataSchema" | "metadataColumn" : never;
type Built = { [T in keyof Tables]: Members<(typeof SCHEMA)[T][number]> | "numRows" | WithMetadata<Members<(typeof SCHEMA)[T][number]>> };
type Declared = { [T in keyof Tables]: keyof Tables[T] };
type Assert<T extends true> = T;
type SchemaMatchesInterfaces = Assert<[Built] extends [Declared] ? ([Declared] extends [Built] ? true : false) : false>;
