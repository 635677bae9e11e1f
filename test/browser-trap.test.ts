/**
 * In headless Chromium (as test/browser.test.ts): a trap in a pool worker (a Web Worker) or on
 * the page's own instance rejects its call with a TreeSeqError, and the same backend then
 * answers as before, on a fresh instance. Nothing is left pending: the page reports within 60 s.
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

describe("browser (headless Chromium): traps", () => {
  let browser: Browser;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run npm run setup`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it.each([true, false])(
    "cross-origin isolated: %s — each trap rejects, and the next call answers as before",
    async (isolated) => {
      const { server, url } = await serve(ROOT, isolated);
      try {
        const page = await browser.newPage();
        const log: string[] = [];
        page.on("console", (m) => log.push(`console.${m.type()}: ${m.text()}`));
        page.on("pageerror", (e) => log.push(`page error: ${e.message}`));
        await page.goto(`${url}/test/browser/trap.html`);
        try {
          await page.waitForFunction(() => (window as any).__result, null, { timeout: 60_000 });
        } catch (e) {
          const shown = await page
            .locator("#out")
            .textContent()
            .catch(() => "?");
          throw new Error(`trap page gave no result (it shows ${JSON.stringify(shown)}); ${log.join("; ")}: ${e}`);
        }
        const r = await page.evaluate(() => (window as any).__result);
        expect(r.error).toBeUndefined();
        expect(r.threaded).toBe(isolated);
        expect(r.before.length).toBe(61);
        expect(r.traps.length).toBe(2);
        for (const t of r.traps) {
          expect(t.code, t.message).toBe("INTERNAL");
          expect(t.message).toMatch(/trapped.*retired/s);
          expect(t.message).toMatch(t.kind === "panic" ? /deliberate panic/ : /allocation failed/);
          expect(t.after).toEqual(r.before);
        }
      } finally {
        server.close();
      }
    },
    90_000,
  );
});
