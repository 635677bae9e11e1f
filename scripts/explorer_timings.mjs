#!/usr/bin/env node
/**
 * Times the explorer as a user meets it, in headless Chromium (Debian's, as the tests use):
 * for each file, a fresh page opened at `?file=URL&view=overview`, then one at
 * `view=trees&pos=0`. Prints a Markdown table (the README's), one row per file:
 *
 *   load_s        fetching and loading the file (the explorer's own timing)
 *   overview_s    from navigation to the overview shown
 *   first_tree_s  from navigation to the trees view shown at position 0, loading included: the
 *                 tree drawn by tree.drawSvg, or, above the explorer's LARGE_TREE samples, the
 *                 offer to draw it (`--draw-all` draws those too, as `draw=all` in the URL)
 *   memory_mib    how much the browser's processes grew (resident set, summed over Chromium's
 *                 processes) with the file open in the trees view, against the file's size
 *
 * The page is cross-origin isolated (threaded WebAssembly), the file served from another port
 * with CORS, as `npm run explorer` and `scripts/serve.mjs --cors` do.
 *
 * `node scripts/explorer_timings.mjs [--draw-all] FILE...` (needs `npm run build`)
 */
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { parseScriptArgs } from "./script-args.mjs";
import { serve } from "./serve.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CHROMIUM = "/usr/bin/chromium";
const USAGE = "usage: node scripts/explorer_timings.mjs [--draw-all] FILE...";
const FLAGS = { "draw-all": { type: "boolean", help: "draw every tree, however large (draw=all)" } };

/** Resident memory of every Chromium process, in bytes (Linux /proc; 0 where there is none). */
function chromiumRss() {
  try {
    const out = execFileSync("ps", ["-C", "chromium", "-o", "rss="], { encoding: "utf8" });
    return out
      .split("\n")
      .filter((l) => l.trim() !== "")
      .reduce((s, l) => s + Number(l) * 1024, 0);
  } catch {
    return 0;
  }
}

async function settled(page) {
  await page.waitForFunction(() => window.__explorer?.settled, null, { timeout: 600_000, polling: 100 });
  const error = await page.evaluate(() => window.__explorer.error);
  if (error) throw new Error(`the explorer reported: ${error}`);
  return page.evaluate(() => ({ ...window.__explorer.timings }));
}

async function main() {
  const a = await parseScriptArgs(
    { name: "explorer_timings.mjs", usage: USAGE, flags: FLAGS },
    ({ values, positionals }, { UsageError }) => {
      if (positionals.length === 0) throw new UsageError("no files");
      return { drawAll: values["draw-all"] === true, files: positionals.map((f) => resolve(f)) };
    },
  );
  for (const f of a.files) if (!existsSync(f)) throw new Error(`no such file: ${f}`);
  if (!existsSync(join(ROOT, "build/explorer/explorer.js"))) throw new Error("build/explorer is missing: run npm run build");
  const site = await serve(join(ROOT, "build/explorer"), true, 0);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  const rows = [];
  const version = browser.version();
  try {
    for (const file of a.files) {
      const files = await serve(dirname(file), false, 0, { cors: true });
      const url = `${files.url}/${encodeURIComponent(basename(file))}`;
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const before = chromiumRss();
        await page.goto(`${site.url}/?file=${encodeURIComponent(url)}&view=overview`);
        const o = await settled(page);
        await page.close();
        const trees = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await trees.goto(`${site.url}/?file=${encodeURIComponent(url)}&view=trees&pos=0${a.drawAll ? "&draw=all" : ""}`);
        const t = await settled(trees);
        const grown = chromiumRss() - before;
        await trees.close();
        const mib = statSync(file).size / 2 ** 20;
        rows.push([basename(file), mib, (o.loaded ?? Number.NaN) / 1000, o.overview / 1000, t.trees / 1000, grown / 2 ** 20]);
        process.stderr.write(`[explorer_timings] ${basename(file)} done\n`);
      } finally {
        files.server.close();
      }
    }
  } finally {
    await browser.close();
    site.server.close();
  }
  console.log("| file | size (MiB) | load (s) | overview (s) | first tree (s) | browser memory grown (MiB) | memory / size |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const [name, mib, load, overview, tree, grown] of rows)
    console.log(
      `| ${name} | ${mib.toFixed(1)} | ${load.toFixed(2)} | ${overview.toFixed(2)} | ${tree.toFixed(2)} | ${grown.toFixed(0)} | ${(grown / mib).toFixed(1)}× |`,
    );
  console.log(`\nChromium ${version}, headless, cross-origin isolated; ${new Date().toISOString()}`);
}

main().catch((e) => {
  console.error(`explorer_timings.mjs: ${e.message}`);
  process.exit(1);
});
