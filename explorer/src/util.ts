/** Small helpers shared by the views: escaping, number formats, element building. */

export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** A number for an axis or a cell: short, but never rounded to a wrong-looking zero. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(2);
  return String(+v.toPrecision(4));
}

/** A genome position: bases, kb or Mb. */
export function fmtPos(v: number): string {
  if (v >= 1e6) return `${+(v / 1e6).toPrecision(4)} Mb`;
  if (v >= 1e3) return `${+(v / 1e3).toPrecision(4)} kb`;
  return String(+v.toPrecision(4));
}

export function fmtBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(2)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

/** A number in a CSV file: JavaScript's shortest text that reads back as the same double. */
export function csvNumber(v: number): string {
  return Object.is(v, -0) ? "-0" : String(v);
}

export function csvField(v: unknown): string {
  const s = typeof v === "number" ? csvNumber(v) : String(v ?? "");
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csv(header: string[], rows: unknown[][]): string {
  return `${[header, ...rows].map((r) => r.map(csvField).join(",")).join("\n")}\n`;
}

/** An element from HTML text (one root element). */
export function el<T extends HTMLElement = HTMLElement>(html: string): T {
  const t = document.createElement("template");
  t.innerHTML = html.trim();
  return t.content.firstElementChild as T;
}

/** Metadata as text for a cell or a details panel: JSON, bytes as hex, errors as themselves. */
export function metadataText(read: () => unknown, max = 200): string {
  let v: unknown;
  try {
    v = read();
  } catch (e) {
    return `⚠ ${(e as Error).message}`;
  }
  let s: string;
  if (v === null || v === undefined) s = "";
  else if (v instanceof Uint8Array)
    s = v.length ? `0x${Array.from(v.subarray(0, 64), (b) => b.toString(16).padStart(2, "0")).join("")}${v.length > 64 ? "…" : ""}` : "";
  else
    s = JSON.stringify(v, (_k, x) =>
      typeof x === "bigint" ? x.toString() : ArrayBuffer.isView(x) ? Array.from(x as unknown as ArrayLike<number>) : x,
    );
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** Categorical colours (population i gets COLOURS[i % n]). */
export const COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** A sequential colour scale (viridis, by its stops) for t in [0, 1]; grey for NaN. */
const VIRIDIS = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"];
export function sequential(t: number): string {
  if (!Number.isFinite(t)) return "#dddddd";
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = hex(VIRIDIS[i]),
    b = hex(VIRIDIS[i + 1]);
  return `rgb(${a.map((c, k) => Math.round(c + (b[k] - c) * f)).join(",")})`;
}
function hex(h: string): number[] {
  return [1, 3, 5].map((i) => Number.parseInt(h.slice(i, i + 2), 16));
}

/** Gives the event loop a turn (rendering, input), so that a long walk on this thread never
 * makes one long task. */
export function yieldToPage(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}
