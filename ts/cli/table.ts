/**
 * The long table `treeseq stat` writes: TSV (the default), CSV, JSON (one array of row
 * objects) or NDJSON (one row object per line). Values are written so that they read back as
 * the same doubles: JavaScript's shortest round-trip form in text, `NaN`/`Infinity` spelled out
 * (as Python, R and pandas read them); in JSON, NaN is null and infinities are strings.
 */
import type { Output } from "./output.js";
import type { Row } from "./requests.js";

export type TableFormat = "tsv" | "csv" | "json" | "ndjson";
export const TABLE_FORMATS: readonly TableFormat[] = ["tsv", "csv", "json", "ndjson"];

/** Rows as text, and how many. */
export interface Rendered {
  text: string;
  count: number;
}

const ROWS_PER_PIECE = 65536;

export class TableWriter {
  #rows = 0;
  constructor(
    private readonly out: Output,
    private readonly format: TableFormat,
    private readonly columns: readonly string[],
  ) {}

  /** The header (TSV, CSV) or the opening bracket (JSON). */
  async begin(): Promise<void> {
    if (this.format === "tsv") await this.out.write(`${this.columns.join("\t")}\n`);
    else if (this.format === "csv") await this.out.write(`${this.columns.join(",")}\n`);
    else if (this.format === "json") await this.out.write("[");
  }

  /**
   * The text of some rows, to be written in order later: in pieces of at most `ROWS_PER_PIECE`
   * rows (one string per piece, not a write per row, and never one string too long for V8).
   */
  *render(rows: Iterable<Row>): Generator<Rendered> {
    let parts: string[] = [];
    for (const row of rows) {
      parts.push(this.line(row));
      if (parts.length === ROWS_PER_PIECE) {
        yield this.#piece(parts);
        parts = [];
      }
    }
    if (parts.length > 0) yield this.#piece(parts);
  }

  // JSON rows are separated by commas; write() puts one between pieces.
  #piece(parts: string[]): Rendered {
    return { text: parts.join(this.format === "json" ? ",\n" : ""), count: parts.length };
  }

  /** Writes rendered rows; results are written in the order the files were given. */
  async write(rendered: Rendered): Promise<void> {
    if (rendered.count === 0) return;
    const sep = this.format !== "json" ? "" : this.#rows === 0 ? "\n" : ",\n";
    this.#rows += rendered.count;
    await this.out.write(sep + rendered.text);
  }

  /** The closing bracket (JSON). */
  async end(): Promise<void> {
    if (this.format === "json") await this.out.write(this.#rows === 0 ? "]\n" : "\n]\n");
  }

  private line(row: Row): string {
    const cells = row as unknown as Record<string, unknown>;
    switch (this.format) {
      case "tsv":
        return `${this.columns.map((c) => tsvCell(cells[c])).join("\t")}\n`;
      case "csv":
        return `${this.columns.map((c) => csvCell(cells[c])).join(",")}\n`;
      case "json":
      case "ndjson": {
        const obj: Record<string, unknown> = {};
        for (const c of this.columns) obj[c] = jsonCell(cells[c]);
        const text = JSON.stringify(obj);
        return this.format === "ndjson" ? `${text}\n` : text;
      }
    }
  }
}

function text(v: unknown): string {
  if (v === undefined || v === null) return "";
  return String(v); // numbers: the shortest text that reads back as the same double
}

const TSV_SPECIAL = /[\\\t\n\r]/;

/** A TSV field: tabs, line breaks and backslashes escaped, so that a row stays one line. */
export function tsvCell(v: unknown): string {
  if (typeof v === "number") return String(v); // nothing to escape (most cells)
  const s = text(v);
  // One test, not four replacements, for the names and modes that fill the other columns.
  if (!TSV_SPECIAL.test(s)) return s;
  return s.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
}

function csvCell(v: unknown): string {
  const s = text(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function jsonCell(v: unknown): unknown {
  if (typeof v !== "number" || Number.isFinite(v)) return v ?? null;
  return Number.isNaN(v) ? null : String(v);
}
