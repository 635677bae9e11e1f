/**
 * Smoke test in headless Chromium (Debian's, driven by playwright-core): the threaded
 * WebAssembly build on a cross-origin-isolated page loads a file and runs a 2-thread pool;
 * on a page without isolation the single-threaded build still loads it.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { serve } from "../scripts/serve.mjs";
import { evenWindows, firstThreePopulations } from "./helpers.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

describe("browser (headless Chromium)", () => {
  let browser: Browser;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run npm run setup`);
    // playwright gives each launch a fresh, temporary user-data-dir.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function run(isolated: boolean) {
    const { server, url } = await serve(ROOT, isolated);
    try {
      const page = await browser.newPage();
      // What the page printed or threw, to say where it stopped if it never reports.
      const log: string[] = [];
      page.on("console", (m) => log.push(`console.${m.type()}: ${m.text()}`));
      page.on("pageerror", (e) => log.push(`page error: ${e.message}`));
      page.on("requestfailed", (r) => log.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
      await page.goto(`${url}/test/browser/smoke.html`);
      try {
        await page.waitForFunction(() => (window as any).__result, null, { timeout: 60_000 });
      } catch (e) {
        const shown = await page
          .locator("#out")
          .textContent()
          .catch(() => "?");
        throw new Error(`smoke page gave no result (it shows ${JSON.stringify(shown)}); ${log.join("; ") || "no console output"}: ${e}`);
      }
      const r = await page.evaluate(() => (window as any).__result);
      await page.close();
      return r;
    } finally {
      server.close();
    }
  }

  let threadedDiversity: number[] = [];

  it("threaded WASM on a cross-origin-isolated page: 2 threads, file loaded", async () => {
    const r = await run(true);
    threadedDiversity = r.diversity;
    expect(r.diversity.length).toBe(61);
    expect(r.error).toBeUndefined();
    expect(r.crossOriginIsolated).toBe(true);
    expect(r.info.name).toBe("wasm");
    expect(r.threads).toBe(2);
    expect(r.distinct).toBe(2);
    expect(r.numTrees).toBe(61);
    expect(r.numSamples).toBe(24);
  });

  it("single-threaded WASM on a page without isolation: file loaded", async () => {
    const r = await run(false);
    expect(r.error).toBeUndefined();
    expect(r.crossOriginIsolated).toBe(false);
    expect(r.threads).toBe(1);
    expect(r.numTrees).toBe(61);
    // Statistics run in the build's worker, with the same bits as the threaded build.
    expect(r.diversity).toEqual(threadedDiversity);
  });

  /** Opens the demo page with `query`, waits for its result (`window.__demo`) and its plots. */
  async function demo(query: string, isolated = true) {
    const { server, url } = await serve(ROOT, isolated);
    try {
      const page = await browser.newPage();
      await page.goto(`${url}/demo/?${query}`);
      await page.waitForFunction(() => (window as any).__demo?.done, null, { timeout: 60_000 });
      const r = await page.evaluate(() => (window as any).__demo);
      const paths = await page.locator("#along svg path").count();
      const bars = await page.locator("#afs svg rect").count();
      const status = await page.locator("#status").textContent();
      await page.close();
      return { ...r, paths, bars, status };
    } finally {
      server.close();
    }
  }

  /** What native treeseq computes for the demo's request on medium.trees. */
  async function nativeValues(stat: "diversity" | "fst", mode: "site" | "branch", n: number) {
    const api = await import("../dist/index.js");
    await api.init({ backend: "native" });
    const ts = await api.load(join(ROOT, "test/fixtures/medium.trees"));
    const sets = firstThreePopulations(ts);
    const windows = evenWindows(ts.sequenceLength, n);
    const indexes =
      stat === "fst"
        ? {
            indexes: [
              [0, 1],
              [0, 2],
              [1, 2],
            ],
          }
        : {};
    const r = await ts[stat]({ sampleSets: sets, windows, mode, ...indexes });
    const afs = await ts.alleleFrequencySpectrum({ sampleSets: [sets[0]], mode });
    ts.dispose();
    return { values: Array.from(r.data), afs: Array.from(afs.data) };
  }

  it("the demo plots a windowed statistic and the spectrum, with native treeseq's bits", async () => {
    const r = await demo("file=/test/fixtures/medium.trees&stat=diversity&mode=site&windows=40&run=1");
    expect(r.error).toBeUndefined();
    expect(r.shape).toEqual([40, 3]);
    expect(r.names).toEqual(["pop0", "pop1", "pop2"]);
    expect(r.paths).toBe(3); // one line per population
    expect(r.bars).toBeGreaterThan(10);
    expect(r.status).toMatch(/^done in /);
    const want = await nativeValues("diversity", "site", 40);
    expect(r.values).toEqual(want.values);
    expect(r.afs).toEqual(want.afs);
  });

  it("the demo works without isolation too (single-threaded build), for pairs in branch mode", async () => {
    const r = await demo("file=/test/fixtures/medium.trees&stat=fst&mode=branch&windows=7&run=1", false);
    expect(r.error).toBeUndefined();
    expect(r.shape).toEqual([7, 3]);
    expect(r.names).toEqual(["pop0 vs pop1", "pop0 vs pop2", "pop1 vs pop2"]);
    const want = await nativeValues("fst", "branch", 7);
    expect(r.values).toEqual(want.values);
  });

  it("the demo reports a file it cannot load instead of failing silently", async () => {
    const r = await demo("file=/test/fixtures/bad/does-not-exist.trees");
    expect(r.error).toMatch(/^IO: /);
    expect(r.status).toMatch(/cannot load does-not-exist\.trees: IO/);
  });
});
