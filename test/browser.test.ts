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

  // The explorer (explorer/, which replaced the demo page) has its own tests: test/explorer.test.ts.
});
