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

type ColumnSource = (key: string) => TypedArray;

/** [table, column, kind]; kind: "n" numeric, "t" ragged text, "b" ragged bytes, "f"/"i" ragged f64/i32. */
const SCHEMA: Record<string, Array<[string, "n" | "t" | "b" | "f" | "i"]>> = {
  nodes: [["flags", "n"], ["time", "n"], ["population", "n"], ["individual", "n"], ["metadata", "b"]],
  edges: [["left", "n"], ["right", "n"], ["parent", "n"], ["child", "n"], ["metadata", "b"]],
  sites: [["position", "n"], ["ancestral_state", "t"], ["metadata", "b"]],
  mutations: [["site", "n"], ["node", "n"], ["parent", "n"], ["time", "n"], ["derived_state", "t"], ["metadata", "b"]],
  migrations: [["left", "n"], ["right", "n"], ["node", "n"], ["source", "n"], ["dest", "n"], ["time", "n"], ["metadata", "b"]],
  individuals: [["flags", "n"], ["location", "f"], ["parents", "i"], ["metadata", "b"]],
  populations: [["metadata", "b"]],
  provenances: [["timestamp", "t"], ["record", "t"]],
  indexes: [["edge_insertion_order", "n"], ["edge_removal_order", "n"]],
};

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const decoder = new TextDecoder();

export interface Table {
  readonly numRows: number;
  [column: string]: any;
}

function makeTable(name: string, get: ColumnSource): Table {
  const cols = SCHEMA[name];
  const table: Record<string, unknown> = {};
  const define = (prop: string, key: string) =>
    Object.defineProperty(table, prop, { enumerable: true, get: () => get(key) });
  for (const [col, kind] of cols) {
    const key = `${name}/${col}`;
    if (kind === "n") {
      define(camel(col), key);
      continue;
    }
    define(`${camel(col)}Data`, key);
    define(`${camel(col)}Offset`, `${key}_offset`);
    table[camel(col)] = (i: number) => {
      const off = get(`${key}_offset`);
      if (!Number.isInteger(i) || i < 0 || i >= off.length - 1) {
        throw new RangeError(`${name} row ${i} out of range [0, ${off.length - 1})`);
      }
      const a = Number(off[i]);
      const b = Number(off[i + 1]);
      const data = get(key);
      const row = data.subarray(a, b);
      // TextDecoder refuses views of shared memory: copy text first.
      return kind === "t" ? decoder.decode((row as Uint8Array).slice()) : row;
    };
  }
  const first = cols[0];
  const rowsKey = first[1] === "n" ? `${name}/${first[0]}` : `${name}/${first[0]}_offset`;
  Object.defineProperty(table, "numRows", {
    enumerable: true,
    get: () => (first[1] === "n" ? get(rowsKey).length : get(rowsKey).length - 1),
  });
  return table as Table;
}

export interface Tables {
  nodes: Table; edges: Table; sites: Table; mutations: Table; migrations: Table;
  individuals: Table; populations: Table; provenances: Table; indexes: Table;
}

export function makeTables(get: ColumnSource): Tables {
  const out: Record<string, Table> = {};
  for (const name of Object.keys(SCHEMA)) out[name] = makeTable(name, get);
  return Object.freeze(out) as unknown as Tables;
}
