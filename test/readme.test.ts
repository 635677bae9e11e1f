/**
 * The README's examples run as written, from the packed package installed in a project of its
 * own (as a user runs them): each ```js block as an ES module, each ```cjs block as CommonJS.
 * (```javascript blocks are browser code; the consumer projects in test/consumers run that.)
 */
import { describe, it, expect, beforeAll } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { installInto, packTarballs } from "./helpers.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const PROJECT = join(ROOT, ".cache", "readme-consumer");
const blocks = [...readFileSync(join(ROOT, "README.md"), "utf8").matchAll(/```(js|cjs)\n([\s\S]*?)```/g)].map((m, i) => ({
  i,
  kind: m[1],
  code: m[2],
}));

describe("README examples", () => {
  beforeAll(() => installInto(PROJECT, packTarballs(join(ROOT, ".cache", "readme-pack"))), 120_000);

  it("has examples of both module kinds", () => {
    expect(blocks.filter((b) => b.kind === "js").length).toBeGreaterThan(2);
    expect(blocks.filter((b) => b.kind === "cjs").length).toBeGreaterThan(0);
  });
  it.each(blocks)("example $i ($kind) runs", ({ i, kind, code }) => {
    const file = join(PROJECT, `readme-example-${i}.${kind === "js" ? "mjs" : "cjs"}`);
    writeFileSync(file, code);
    const out = execFileSync(process.execPath, [file], { cwd: PROJECT, encoding: "utf8", timeout: 60_000 });
    expect(out.length).toBeGreaterThan(0);
  });
});
