/** The README's JavaScript examples run as written (each ```js block, as an ES module). */
import { describe, it, expect } from "vitest";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const blocks = [...readFileSync(join(ROOT, "README.md"), "utf8").matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

describe("README examples", () => {
  it("has examples", () => expect(blocks.length).toBeGreaterThan(2));
  it.each(blocks.map((code, i) => ({ i, code })))("example $i runs", ({ i, code }) => {
    // Inside the package, so that `import ... from "treeseq"` resolves to this package.
    mkdirSync(join(ROOT, ".cache"), { recursive: true });
    const file = join(ROOT, ".cache", `readme-example-${i}.mjs`);
    writeFileSync(file, code);
    const out = execFileSync(process.execPath, [file], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(out.length).toBeGreaterThan(0);
  });
});
