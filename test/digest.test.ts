/**
 * Nothing changes by accident: every statistic call the tests replay (and the many-pairs
 * calls scripts/digest.mjs adds), on native at 1 and 2 threads and on the WebAssembly builds,
 * gives the same bits as recorded in test/digest/results.tsv. A change of results that is
 * meant is recorded with `node scripts/digest.mjs --write` (see that script's header).
 */
import { it, expect } from "vitest";
import { compare, compute } from "../scripts/digest.mjs";

it("every statistic gives the bits recorded in test/digest/results.tsv, on every backend and thread count", async () => {
  const diffs: string[] = compare(await compute());
  expect(
    diffs,
    `${diffs.length} call(s) changed (node scripts/digest.mjs --write records a deliberate change):\n${diffs.slice(0, 60).join("\n")}`,
  ).toEqual([]);
}, 300_000);
