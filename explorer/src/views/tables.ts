/**
 * Tables: every table of the file, one at a time, with decoded metadata; sortable by its
 * numeric columns; virtual scrolling (only the rows in view are in the page), so a table of
 * millions of rows scrolls as one of ten. Settings in the URL: `table`, `sort`, `desc`, `row`
 * (the first row shown, in the table's current order).
 */
import type { TreeSequence } from "../../../dist/browser.js";
import type { Context } from "../context.js";
import { numParam, param, setParams } from "../state.js";
import { csv, el, escapeHtml, metadataText } from "../util.js";

type Cell = string | number;
interface Column {
  name: string;
  /** The typed-array column this one sorts by (tables.X[key]); absent: not sortable. */
  key?: string;
  width: string;
  get(row: any): Cell;
}

const md = (r: any) => metadataText(() => r.metadata, 300);
const list = (a: ArrayLike<number>) => Array.from(a).join(", ");
const COLUMNS: Record<string, { row: (ts: TreeSequence, i: number) => any; count: (ts: TreeSequence) => number; columns: Column[] }> = {
  nodes: {
    row: (ts, i) => ts.node(i),
    count: (ts) => ts.numNodes,
    columns: [
      { name: "flags", key: "flags", width: "70px", get: (r) => r.flags },
      { name: "time", key: "time", width: "150px", get: (r) => r.time },
      { name: "population", key: "population", width: "90px", get: (r) => r.population },
      { name: "individual", key: "individual", width: "90px", get: (r) => r.individual },
      { name: "metadata", width: "1fr", get: md },
    ],
  },
  edges: {
    row: (ts, i) => ts.edge(i),
    count: (ts) => ts.numEdges,
    columns: [
      { name: "left", key: "left", width: "130px", get: (r) => r.left },
      { name: "right", key: "right", width: "130px", get: (r) => r.right },
      { name: "parent", key: "parent", width: "90px", get: (r) => r.parent },
      { name: "child", key: "child", width: "90px", get: (r) => r.child },
      { name: "metadata", width: "1fr", get: md },
    ],
  },
  sites: {
    row: (ts, i) => ts.site(i),
    count: (ts) => ts.numSites,
    columns: [
      { name: "position", key: "position", width: "130px", get: (r) => r.position },
      { name: "ancestral state", width: "120px", get: (r) => r.ancestralState },
      { name: "mutations", width: "90px", get: (r) => r.mutations.length },
      { name: "metadata", width: "1fr", get: md },
    ],
  },
  mutations: {
    row: (ts, i) => ts.mutation(i),
    count: (ts) => ts.numMutations,
    columns: [
      { name: "site", key: "site", width: "80px", get: (r) => r.site },
      { name: "node", key: "node", width: "80px", get: (r) => r.node },
      { name: "time", key: "time", width: "140px", get: (r) => r.time },
      { name: "derived state", width: "100px", get: (r) => r.derivedState },
      { name: "inherited state", width: "100px", get: (r) => r.inheritedState },
      { name: "parent", key: "parent", width: "70px", get: (r) => r.parent },
      { name: "metadata", width: "1fr", get: md },
    ],
  },
  migrations: {
    row: (ts, i) => ts.migration(i),
    count: (ts) => ts.numMigrations,
    columns: [
      { name: "left", key: "left", width: "110px", get: (r) => r.left },
      { name: "right", key: "right", width: "110px", get: (r) => r.right },
      { name: "node", key: "node", width: "80px", get: (r) => r.node },
      { name: "source", key: "source", width: "70px", get: (r) => r.source },
      { name: "dest", key: "dest", width: "70px", get: (r) => r.dest },
      { name: "time", key: "time", width: "140px", get: (r) => r.time },
      { name: "metadata", width: "1fr", get: md },
    ],
  },
  individuals: {
    row: (ts, i) => ts.individual(i),
    count: (ts) => ts.numIndividuals,
    columns: [
      { name: "flags", key: "flags", width: "60px", get: (r) => r.flags },
      { name: "location", width: "150px", get: (r) => list(r.location) },
      { name: "parents", width: "110px", get: (r) => list(r.parents) },
      { name: "nodes", width: "110px", get: (r) => list(r.nodes) },
      { name: "metadata", width: "1fr", get: md },
    ],
  },
  populations: {
    row: (ts, i) => ts.population(i),
    count: (ts) => ts.numPopulations,
    columns: [{ name: "metadata", width: "1fr", get: md }],
  },
  provenances: {
    row: (ts, i) => ts.provenance(i),
    count: (ts) => ts.numProvenances,
    columns: [
      { name: "timestamp", width: "230px", get: (r) => r.timestamp },
      { name: "record", width: "1fr", get: (r) => (r.record.length > 400 ? `${r.record.slice(0, 400)}…` : r.record) },
    ],
  },
};
export const TABLE_NAMES = Object.keys(COLUMNS);

const ROW_H = 24;
/** Past this many pixels the scroll height is scaled (browsers cap an element's height). */
const MAX_H = 8_000_000;

/** Row ids in the order of `key` (ascending or descending), ties by id; NaN last. */
function sortOrder(values: ArrayLike<number>, desc: boolean): Int32Array {
  const n = values.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const sign = desc ? -1 : 1;
  order.sort((a, b) => {
    const x = values[a],
      y = values[b];
    if (x !== y) {
      if (Number.isNaN(x)) return 1;
      if (Number.isNaN(y)) return -1;
      return x < y ? -sign : sign;
    }
    return a - b;
  });
  return order;
}

export async function renderTables(ctx: Context, root: HTMLElement): Promise<void> {
  const ts = ctx.ts;
  let table = param("table", "nodes");
  if (!COLUMNS[table]) table = "nodes";
  const spec = COLUMNS[table];
  const n = spec.count(ts);
  const columns: Column[] = [{ name: "id", key: "id", width: "80px", get: (r) => r.id }, ...spec.columns];
  const sortKey = columns.some((c) => c.key === param("sort")) ? param("sort") : "id";
  const desc = param("desc") === "1";
  let order: Int32Array | null = null;
  if (sortKey !== "id" || desc) {
    const values =
      sortKey === "id" ? Float64Array.from({ length: n }, (_, i) => i) : ((ts.tables as any)[table][sortKey] as ArrayLike<number>);
    order = sortOrder(values, desc);
  }
  const rowAt = (k: number) => (order ? order[k] : k);

  const select = TABLE_NAMES.map(
    (t) => `<option value="${t}"${t === table ? " selected" : ""}>${t} (${COLUMNS[t].count(ts).toLocaleString("en")})</option>`,
  ).join("");
  root.innerHTML = `<div class="controls"><label>Table <select id="table">${select}</select></label>
    <label>Go to row <input type="number" id="goto" min="0" max="${Math.max(0, n - 1)}" value="0"></label>
    <span class="muted" id="range"></span><span class="muted">Click a numeric column's header to sort.</span>
    <button type="button" id="table-csv">CSV of rows in view</button></div>`;
  const grid = columns.map((c) => (c.width === "1fr" ? "minmax(200px, 1fr)" : c.width)).join(" ");
  const vt = el(
    `<div class="vt" data-table="${table}" data-rows="${n}"><div class="vt-head" style="grid-template-columns:${grid}">${columns
      .map(
        (c) =>
          `<div data-col="${c.key ?? ""}" class="${c.key ? "sortable" : ""}${c.key === sortKey && (order || c.key !== "id") ? ` sorted${desc ? " desc" : ""}` : ""}">${escapeHtml(c.name)}</div>`,
      )
      .join("")}</div><div class="vt-body"><div class="vt-spacer"></div></div></div>`,
  );
  root.append(vt);
  const body = vt.querySelector<HTMLElement>(".vt-body")!;
  const spacer = vt.querySelector<HTMLElement>(".vt-spacer")!;
  const fullH = n * ROW_H;
  const scaled = fullH > MAX_H;
  spacer.style.height = `${Math.min(fullH, MAX_H)}px`;
  let shown: number[] = [];

  const firstRow = (): number => {
    const view = body.clientHeight;
    const visible = Math.ceil(view / ROW_H);
    if (!scaled) return Math.floor(body.scrollTop / ROW_H);
    const max = Math.max(1, MAX_H - view);
    return Math.min(Math.max(0, n - visible), Math.floor((body.scrollTop / max) * Math.max(0, n - visible)));
  };
  const scrollToRow = (k: number) => {
    const view = body.clientHeight;
    const visible = Math.ceil(view / ROW_H);
    body.scrollTop = scaled ? (k / Math.max(1, n - visible)) * Math.max(1, MAX_H - view) : k * ROW_H;
  };

  const paint = () => {
    const first = firstRow();
    const count = Math.min(n - first, Math.ceil(body.clientHeight / ROW_H) + 2);
    const offset = scaled ? body.scrollTop : first * ROW_H;
    for (const old of body.querySelectorAll(".vt-row")) old.remove();
    shown = [];
    const frag = document.createDocumentFragment();
    for (let k = 0; k < count; k++) {
      const id = rowAt(first + k);
      shown.push(id);
      let row: any;
      let cells: string;
      try {
        row = spec.row(ts, id);
        cells = columns.map((c) => `<div>${escapeHtml(String(c.get(row)))}</div>`).join("");
      } catch (e) {
        cells = `<div>${id}</div><div style="grid-column: span ${columns.length - 1}">⚠ ${escapeHtml((e as Error).message)}</div>`;
      }
      const r = el(`<div class="vt-row" data-id="${id}" style="top:${offset + k * ROW_H}px;grid-template-columns:${grid}">${cells}</div>`);
      frag.append(r);
    }
    body.append(frag);
    root.querySelector("#range")!.textContent = n
      ? `rows ${first.toLocaleString("en")}–${(first + count - 1).toLocaleString("en")} of ${n.toLocaleString("en")}`
      : "no rows";
  };

  let frame = 0;
  let urlTimer = 0;
  body.addEventListener("scroll", () => {
    if (!frame)
      frame = requestAnimationFrame(() => {
        frame = 0;
        paint();
      });
    clearTimeout(urlTimer);
    urlTimer = window.setTimeout(() => ctx.alive() && setParams({ row: firstRow() || null }), 250);
  });
  vt.querySelector(".vt-head")!.addEventListener("click", (e) => {
    const key = (e.target as HTMLElement).dataset.col;
    if (!key) return;
    setParams({ sort: key === "id" && sortKey !== "id" ? null : key, desc: key === sortKey && !desc ? 1 : null, row: null });
    ctx.rerender();
  });
  root.querySelector("#table")!.addEventListener("change", (e) => {
    setParams({ table: (e.target as HTMLSelectElement).value, sort: null, desc: null, row: null });
    ctx.rerender();
  });
  root.querySelector("#goto")!.addEventListener("change", (e) => {
    scrollToRow(Math.max(0, Math.min(n - 1, Number((e.target as HTMLInputElement).value) || 0)));
  });
  root.querySelector("#table-csv")!.addEventListener("click", () => {
    const rows = shown.map((id) => {
      const r = spec.row(ts, id);
      return columns.map((c) => c.get(r));
    });
    const text = csv(
      columns.map((c) => c.name),
      rows,
    );
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
    a.download = `${table}.csv`;
    a.click();
  });
  const startRow = Math.max(0, Math.min(n - 1, numParam("row", 0)));
  (root.querySelector("#goto") as HTMLInputElement).value = String(startRow);
  if (startRow) scrollToRow(startRow);
  paint();
}
