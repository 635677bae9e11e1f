/**
 * The long table's cells (ts/cli/table.ts): a TSV cell stays on one line and in one column
 * whatever the file name or set name holds, and a number is the text that reads back as the
 * same double.
 */
import { describe, expect, it } from "vitest";
import { tsvCell } from "../ts/cli/table.js";

describe("tsvCell", () => {
  it("writes numbers as their shortest round-trip text", () => {
    for (const x of [0, -0.5, 1 / 3, 1e-300, 123456789.123, Number.NaN, Number.POSITIVE_INFINITY]) {
      const s = tsvCell(x);
      expect(s).toBe(String(x));
      if (!Number.isNaN(x)) expect(Number(s)).toBe(x);
    }
  });

  it("leaves plain text alone and escapes tabs, line breaks and backslashes", () => {
    expect(tsvCell("pop_0,pop_1")).toBe("pop_0,pop_1");
    expect(tsvCell("data/a b.trees")).toBe("data/a b.trees");
    expect(tsvCell("a\tb")).toBe("a\\tb");
    expect(tsvCell("a\nb\r")).toBe("a\\nb\\r");
    expect(tsvCell("C:\\x\\y")).toBe("C:\\\\x\\\\y");
    expect(tsvCell("\\t")).toBe("\\\\t");
    expect(tsvCell(undefined)).toBe("");
    expect(tsvCell(null)).toBe("");
  });
});
