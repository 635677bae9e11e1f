/**
 * The explorer (explorer/, built into build/explorer by npm run build) in headless Chromium:
 * each view opened on fixture files served from another origin (`?file=http://127.0.0.1:N/…`,
 * the CORS path), its numbers (data attributes and the CSV exports) compared with native
 * treeseq's on the same file, bit for bit; URL state that reopens a view; SVG and PNG exports;
 * the page's responsiveness while a statistic runs (no long task over 100 ms). Both on a
 * cross-origin-isolated page (threaded WebAssembly) and on one without isolation
 * (single-threaded). A screenshot of each view goes to .cache/artefacts/explorer/.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { Server } from "node:http";
import { chromium, type Browser, type Page } from "playwright-core";
import { serve } from "../scripts/serve.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const EXPLORER = join(ROOT, "build/explorer");
const ARTEFACTS = join(ROOT, ".cache/artefacts/explorer");
// ../shared beside the checkout (a worktree one level deeper), or where TREESEQ_BENCH_30K says;
// elsewhere (a fresh clone in CI) a file like it, simulated once with msprime into .cache.
const BENCH =
  [process.env.TREESEQ_BENCH_30K, join(ROOT, "../shared/bench/bench-30k.trees"), join(ROOT, "../../shared/bench/bench-30k.trees")].find(
    (f): f is string => !!f && existsSync(f),
  ) ?? simulatedBench();

/** A 30,000-sample file from scripts/simulate_bench.py (a few seconds, once), or "" without
 * Python's msprime, which only a machine that is not CI may lack (npm run setup installs it). */
function simulatedBench(): string {
  const out = join(ROOT, ".cache/sim-30k/bench-30k.trees");
  if (!existsSync(out)) {
    mkdirSync(dirname(out), { recursive: true });
    const r = spawnSync("python3", [join(ROOT, "scripts/simulate_bench.py"), out, "30000", "30"], { encoding: "utf8" });
    if (r.status !== 0) {
      if (process.env.CI) throw new Error(`cannot simulate the 30,000-sample file for the explorer test: ${r.stderr}`);
      return "";
    }
  }
  return out;
}
const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
];

let api: typeof import("../dist/index.js");
let browser: Browser;
let files: { server: Server; url: string };
let bench: { server: Server; url: string } | null = null;

beforeAll(async () => {
  if (!existsSync(join(EXPLORER, "explorer.js"))) throw new Error("build/explorer is missing: run npm run build");
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run npm run setup`);
  mkdirSync(ARTEFACTS, { recursive: true });
  api = await import("../dist/index.js");
  await api.init({ backend: "native" });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  // The files come from another origin (another port) that allows it, as a user's would.
  files = await serve(join(ROOT, "test/fixtures"), false, 0, { cors: true });
  if (existsSync(BENCH)) bench = await serve(dirname(BENCH), false, 0, { cors: true });
});
afterAll(async () => {
  await browser?.close();
  files?.server.close();
  bench?.server.close();
});

/** A tiny CSV reader (quoted fields as csv() in explorer/src/util.ts writes them). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.trimEnd().split("\n")) {
    const out: string[] = [];
    let cur = "";
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (c === '"') quoted = false;
        else cur += c;
      } else if (c === '"') quoted = true;
      else if (c === ",") {
        out.push(cur);
        cur = "";
      } else cur += c;
    }
    out.push(cur);
    rows.push(out);
  }
  return rows;
}
const num = (s: string) => Number(s);

type Open = (query: string, options?: { expectError?: boolean }) => Promise<Page>;

async function withExplorer<T>(isolated: boolean, body: (open: Open) => Promise<T>): Promise<T> {
  const { server, url } = await serve(EXPLORER, isolated);
  const pages: Page[] = [];
  try {
    return await body(async (query, { expectError = false } = {}) => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
      pages.push(page);
      const log: string[] = [];
      page.on("pageerror", (e) => log.push(`page error: ${e.message}`));
      page.on("console", (m) => m.type() === "error" && log.push(`console: ${m.text()}`));
      await page.goto(`${url}/?${query}`);
      await settle(page, log, expectError);
      return page;
    });
  } finally {
    for (const p of pages) await p.close();
    server.close();
  }
}

async function settle(page: Page, log: string[] = [], expectError = false): Promise<void> {
  try {
    await page.waitForFunction(() => (window as any).__explorer?.settled, null, { timeout: 60_000 });
  } catch (e) {
    const status = await page.locator("#status").textContent();
    throw new Error(`the explorer did not settle (status ${JSON.stringify(status)}; ${log.join("; ")}): ${e}`);
  }
  const error = await page.evaluate(() => (window as any).__explorer.error);
  if (!expectError) expect(error, log.join("; ")).toBeNull();
}

/** A figure's export, as the user gets it: the download its button starts. */
async function exported(page: Page, figure: string, kind: "csv" | "svg" | "png"): Promise<Buffer> {
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.locator(`[data-figure="${figure}"] [data-export="${kind}"]`).click(),
  ]);
  return readFileSync((await download.path())!);
}
async function csvOf(page: Page, figure: string): Promise<string[][]> {
  return parseCsv((await exported(page, figure, "csv")).toString("utf8"));
}

/** The overview's counts and population names are native treeseq's for `ts`. */
async function expectOverview(page: Page, ts: any): Promise<void> {
  for (const key of [
    "numTrees",
    "numSamples",
    "numNodes",
    "numEdges",
    "numSites",
    "numMutations",
    "numIndividuals",
    "numPopulations",
    "numProvenances",
    "sequenceLength",
    "nbytes",
  ] as const) {
    const v = await page.locator(`[data-key="${key}"]`).getAttribute("data-value");
    expect(num(v!), key).toBe(ts[key]);
  }
  const names = await page.locator("#populations .pop-name").allTextContents();
  expect(names).toEqual([...ts.populations()].map((p: any) => p.metadata.name));
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTEFACTS, `${name}.png`), fullPage: true });
}

function fileUrl(name: string): string {
  return `${files.url}/${name}`;
}

async function native(name: string) {
  return api.load(join(ROOT, "test/fixtures", name));
}

/** The populations with samples, as the explorer takes them (grouping.ts's populationSampleSets). */
async function popSets(ts: any): Promise<{ name: string; samples: Int32Array }[]> {
  const { populationSampleSets } = await import("../dist/grouping.js");
  return populationSampleSets(ts);
}

describe.each([
  { isolated: true, label: "isolated" },
  { isolated: false, label: "not-isolated" },
])("explorer in Chromium ($label)", ({ isolated, label }) => {
  it("overview: counts, populations with names and sample counts, provenance, as native treeseq's", async () => {
    await withExplorer(isolated, async (open) => {
      const page = await open(`file=${fileUrl("stdpopsim.trees")}&view=overview`);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(isolated);
      const ts = await native("stdpopsim.trees");
      await expectOverview(page, ts);
      expect(await page.locator('[data-key="timeUnits"]').getAttribute("data-value")).toBe(ts.timeUnits);
      const counts = await page
        .locator("#populations .pop-samples")
        .evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-value"))));
      expect(counts).toEqual([...ts.populations()].map((p: any) => ts.samples({ population: p.id }).length));
      expect(await page.locator("#provenance tr").count()).toBe(ts.numProvenances + 1);
      await shot(page, `overview-${label}`);
      ts.dispose();
    });
  });

  it("a tszip (.tsz) file opens as its .trees file: the overview's counts as native treeseq's on the .trees", async () => {
    await withExplorer(isolated, async (open) => {
      const page = await open(`file=${fileUrl("tszip/stdpopsim.tsz")}&view=overview`);
      const ts = await native("stdpopsim.trees");
      await expectOverview(page, ts);
      ts.dispose();
    });
  });

  it("tables: every row counted, sorted by a column, decoded metadata, rows by URL", async () => {
    await withExplorer(isolated, async (open) => {
      const ts = await native("metadata/slim.trees");
      const page = await open(`file=${fileUrl("metadata/slim.trees")}&view=tables&table=nodes&sort=time&desc=1`);
      expect(num((await page.locator(".vt").getAttribute("data-rows"))!)).toBe(ts.numNodes);
      const time = ts.tables.nodes.time;
      const want = Array.from({ length: ts.numNodes }, (_, i) => i).sort((a, b) => time[b] - time[a] || a - b);
      const ids = await page.locator(".vt-row").evaluateAll((rows) => rows.map((r) => Number(r.getAttribute("data-id"))));
      expect(ids.length).toBeGreaterThan(5);
      expect(ids).toEqual(want.slice(0, ids.length));
      // Each row's cells: id, flags, time, population, individual, decoded metadata (JSON;
      // SLiM's oldest nodes have none).
      const metadataJson = (v: unknown) =>
        v === null
          ? ""
          : JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : ArrayBuffer.isView(x) ? Array.from(x as any) : x));
      const cells = await page.locator(".vt-row").evaluateAll((rows) => rows.map((r) => Array.from(r.children, (c) => c.textContent)));
      let decoded = 0;
      cells.forEach((row, k) => {
        const n = ts.node(ids[k]) as any;
        expect(row.slice(0, 5).map(Number)).toEqual([n.id, n.flags, n.time, n.population, n.individual]);
        expect(row[5]).toBe(metadataJson(n.metadata));
        if (n.metadata !== null) decoded++;
      });
      expect(decoded).toBeGreaterThan(0);
      await shot(page, `tables-${label}`);
      // Another table, opened at a row by the URL.
      const p2 = await open(`file=${fileUrl("medium.trees")}&view=tables&table=edges&row=1000`);
      const first = await p2.locator(".vt-row").first().getAttribute("data-id");
      expect(Number(first)).toBe(1000);
      ts.dispose();
    });
  });

  it("trees: the tree at pos=, stepping, its nodes (CSV) as native treeseq's; node details on click", async () => {
    await withExplorer(isolated, async (open) => {
      const ts = await native("small.trees");
      const pos = ts.sequenceLength * 0.37;
      const page = await open(`file=${fileUrl("small.trees")}&view=trees&pos=${pos}`);
      const tree = ts.at(pos);
      expect(num((await page.locator('[data-key="index"]').textContent())!)).toBe(tree.index);
      const rows = await csvOf(page, `tree-${tree.index}`);
      expect(rows[0]).toEqual(["node", "parent", "time", "population", "num_samples", "is_sample"]);
      const time = ts.tables.nodes.time;
      const want: number[][] = [];
      for (const r of tree.roots)
        for (const u of tree.preorder(r))
          want.push([u, tree.parent(u), time[u], ts.tables.nodes.population[u], tree.numSamples(u), tree.isSample(u) ? 1 : 0]);
      expect(rows.slice(1).map((r) => r.map(num))).toEqual(want);
      // The tree is tskit's drawing (one group per node, the samples' with their class).
      await expect(page.locator(".tree-svg svg").count()).resolves.toBe(1);
      await expect(page.locator(".tree-svg .node").count()).resolves.toBe(want.length);
      // Click a sample's node: its details show.
      await page.locator(".tree-svg .node.sample > .sym").first().click();
      await expect(page.locator("#node-details [data-key=time]").count()).resolves.toBe(1);
      await shot(page, `trees-${label}`);
      // The next tree, by its button: the URL follows.
      await page.locator('[data-step="next"]').click();
      const next = ts.atIndex(tree.index + 1);
      expect(num((await page.locator('[data-key="index"]').textContent())!)).toBe(next.index);
      expect(new URL(page.url()).searchParams.get("pos")).toBe(String(next.interval.left));
      ts.dispose();
    });
  });

  it("trees: a tree above draw=N samples is offered, not drawn, until asked; the CSV works meanwhile", async () => {
    await withExplorer(isolated, async (open) => {
      const ts = await native("small.trees");
      const page = await open(`file=${fileUrl("small.trees")}&view=trees&pos=0&draw=10`);
      const tree = ts.at(0);
      expect(tree.numSamples()).toBeGreaterThan(10);
      await expect(page.locator("#large-tree").isVisible()).resolves.toBe(true);
      await expect(page.locator(".tree-svg svg").count()).resolves.toBe(0);
      await expect(page.locator(`[data-figure="tree-${tree.index}"] [data-export="svg"]`).isDisabled()).resolves.toBe(true);
      expect((await csvOf(page, `tree-${tree.index}`)).length).toBeGreaterThan(tree.numSamples());
      await page.locator("#draw-large").click();
      await expect(page.locator(".tree-svg svg").count()).resolves.toBe(1);
      expect(new URL(page.url()).searchParams.get("draw")).toBe("all");
      ts.dispose();
    });
  });

  it("along the genome: a statistic per pair in windows and the mutations' frequencies, as native treeseq's", async () => {
    await withExplorer(isolated, async (open) => {
      const ts = await native("medium.trees");
      const sets = await popSets(ts);
      const page = await open(`file=${fileUrl("medium.trees")}&view=genome&stat=fst&mode=branch&windows=7`);
      const rows = await csvOf(page, "fst-branch");
      expect(rows[0]).toEqual(["left", "right", "pop0 vs pop1", "pop0 vs pop2", "pop1 vs pop2"]);
      const windows = [...rows.slice(1).map((r) => num(r[0])), ts.sequenceLength];
      expect(windows.length).toBe(8);
      const r = await ts.fst({
        sampleSets: sets.map((s) => s.samples),
        indexes: [
          [0, 1],
          [0, 2],
          [1, 2],
        ],
        windows,
        mode: "branch",
      });
      expect(rows.slice(1).flatMap((row) => row.slice(2).map(num))).toEqual(Array.from(r.data));
      // Mutations: position, time and frequency of each, from a walk along the trees.
      const mut = await csvOf(page, "mutations");
      const m = ts.tables.mutations;
      const freq = new Float64Array(m.numRows);
      for (const tree of ts.trees()) for (const id of tree.mutations()) freq[id] = tree.numSamples(m.node[id]) / ts.numSamples;
      expect(mut.length - 1).toBe(m.numRows);
      for (const row of mut.slice(1)) {
        const id = num(row[0]);
        expect([num(row[1]), num(row[3])]).toEqual([ts.tables.sites.position[m.site[id]], freq[id]]);
      }
      await shot(page, `genome-${label}`);
      ts.dispose();
    });
  });

  it("along the genome, zoomed (windows by size in xmin..xmax), site mode, per population", async () => {
    await withExplorer(isolated, async (open) => {
      const ts = await native("medium.trees");
      const sets = await popSets(ts);
      const L = ts.sequenceLength;
      const [a, b, size] = [L * 0.25, L * 0.5, L / 40];
      const page = await open(
        `file=${fileUrl("medium.trees")}&view=genome&stat=diversity&mode=site&by=size&wsize=${size}&xmin=${a}&xmax=${b}&pops=0,2`,
      );
      const rows = await csvOf(page, "diversity-site");
      expect(rows[0]).toEqual(["left", "right", "pop0", "pop2"]);
      const inner = [...rows.slice(1).map((r) => num(r[0])), num(rows[rows.length - 1][1])];
      expect(inner[0]).toBe(a);
      expect(inner[inner.length - 1]).toBe(b);
      const r = await ts.diversity({ sampleSets: [sets[0].samples, sets[2].samples], windows: [0, ...inner, L], mode: "site" });
      // Drop the coarse windows either side of the view.
      expect(rows.slice(1).flatMap((row) => row.slice(2).map(num))).toEqual(Array.from(r.data.slice(2, 2 + (inner.length - 1) * 2)));
      ts.dispose();
    });
  });

  it("between populations: Fst, divergence, relatedness, GNN and the spectrum, as native treeseq's", async () => {
    await withExplorer(isolated, async (open) => {
      const ts = await native("medium.trees");
      const sets = (await popSets(ts)).map((s) => s.samples);
      const page = await open(`file=${fileUrl("medium.trees")}&view=pairs&mode=branch&afs=1&nind=12`);
      const fst = await csvOf(page, "fst-branch");
      const wantFst = await ts.fst({
        sampleSets: sets,
        indexes: [
          [0, 1],
          [0, 2],
          [1, 2],
        ],
        mode: "branch",
      });
      expect(fst.slice(1).map((r) => num(r[4]))).toEqual(Array.from(wantFst.data));
      const div = await csvOf(page, "divergence-branch");
      const idx = [
        [0, 0],
        [0, 1],
        [0, 2],
        [1, 1],
        [1, 2],
        [2, 2],
      ];
      expect(div.slice(1).map((r) => [num(r[0]), num(r[1])])).toEqual(idx);
      const wantDiv = await ts.divergence({ sampleSets: sets, indexes: idx, mode: "branch" });
      expect(div.slice(1).map((r) => num(r[4]))).toEqual(Array.from(wantDiv.data));
      // Relatedness among the first 12 individuals with sample nodes.
      const isSample = new Set(ts.samples());
      const ind: Int32Array[] = [];
      for (let i = 0; i < ts.numIndividuals && ind.length < 12; i++) {
        const nodes = ts.individual(i).nodes.filter((u: number) => isSample.has(u));
        if (nodes.length) ind.push(nodes);
      }
      const rel = await csvOf(page, "relatedness-branch");
      const wantRel = await ts.geneticRelatednessMatrix({ sampleSets: ind, mode: "branch" });
      expect(rel.length - 1).toBe(144);
      expect(rel.slice(1).map((r) => num(r[2]))).toEqual(Array.from(wantRel.data));
      // GNN: each population's mean of its samples' proportions.
      const gnn = await csvOf(page, "gnn");
      const focal = Int32Array.from(sets.flatMap((s) => Array.from(s)));
      const g = await ts.genealogicalNearestNeighbours({ focal, sampleSets: sets });
      const want: number[] = [];
      let row = 0;
      for (const s of sets) {
        const sum = [0, 0, 0];
        for (let k = 0; k < s.length; k++, row++) for (let j = 0; j < 3; j++) sum[j] += g.data[row * 3 + j];
        want.push(...sum.map((v) => v / s.length));
      }
      expect(gnn.slice(1).map((r) => num(r[2]))).toEqual(want);
      const afs = await csvOf(page, "afs-1-branch");
      const wantAfs = await ts.alleleFrequencySpectrum({ sampleSets: [sets[1]], mode: "branch" });
      expect(afs.slice(1).map((r) => num(r[1]))).toEqual(Array.from(wantAfs.data));
      // Exports: the SVG is the figure's SVG; the PNG is a PNG.
      const svg = (await exported(page, "fst-branch", "svg")).toString("utf8");
      expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(svg).toContain('class="cell"');
      const png = await exported(page, "gnn", "png");
      expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
      await shot(page, `pairs-${label}`);
      ts.dispose();
    });
  });

  it("settings chosen in the page go into the URL, and that URL reopens the same view", async () => {
    await withExplorer(isolated, async (open) => {
      const page = await open(`file=${fileUrl("medium.trees")}&view=genome`);
      await page.selectOption('select[name="stat"]', "tajimasD");
      await page.selectOption('select[name="mode"]', "branch");
      await page.fill('input[name="windows"]', "9");
      await page.locator('#genome-form button[type="submit"]').click();
      await page.waitForFunction(() => new URLSearchParams(location.search).get("stat") === "tajimasD");
      await settle(page);
      const first = (await exported(page, "tajimasD-branch", "csv")).toString("utf8");
      const url = new URL(page.url());
      expect(Object.fromEntries(url.searchParams)).toMatchObject({ view: "genome", stat: "tajimasD", mode: "branch", windows: "9" });
      // A new page from the link shows the same numbers.
      const again = await open(url.search.slice(1));
      expect((await exported(again, "tajimasD-branch", "csv")).toString("utf8")).toBe(first);
      // The tabs keep the file: the trees tab opens the first tree of the same file.
      await again.locator('#tabs a[data-view="trees"]').click();
      await settle(again);
      expect(new URL(again.url()).searchParams.get("view")).toBe("trees");
      expect(await again.locator('[data-key="index"]').textContent()).toBe("0");
    });
  });

  it("a file that cannot be fetched is reported", async () => {
    await withExplorer(isolated, async (open) => {
      const page = await open(`file=${fileUrl("bad/does-not-exist.trees")}`, { expectError: true });
      expect(await page.evaluate(() => (window as any).__explorer.error)).toMatch(
        /^cannot load does-not-exist\.trees: IO: cannot fetch .* HTTP 404/,
      );
      await expect(page.locator("#status.error").textContent()).resolves.toMatch(/HTTP 404/);
    });
  });
});

describe("explorer on bench-30k (30,000 samples)", () => {
  it.runIf(BENCH !== "")(
    "stays responsive while a statistic runs (no main-thread task over 100 ms); times to overview and first tree",
    async () => {
      await withExplorer(true, async (open) => {
        const t0 = Date.now();
        const page = await open(`file=${bench!.url}/bench-30k.trees&view=overview`);
        const overviewMs = await page.evaluate(() => (window as any).__explorer.timings.overview);
        const overviewWall = Date.now() - t0;
        await page.evaluate(() => {
          (window as any).__long = [];
          new PerformanceObserver((l) => (window as any).__long.push(...l.getEntries().map((e) => [e.startTime, e.duration]))).observe({
            type: "longtask",
          });
        });
        // Fst per pair in 200 windows, branch mode; then the mutations' walk (sliced on this thread).
        await page.evaluate(() => history.replaceState(null, "", `${location.search}&stat=fst&mode=branch&windows=200`));
        const tc = Date.now();
        await page.locator('#tabs a[data-view="genome"]').click();
        // The job bar says what runs, with a Cancel button, while it runs.
        await page.locator("#jobs .job .cancel").first().waitFor({ state: "visible", timeout: 30_000 });
        await settle(page);
        const computeMs = Date.now() - tc;
        const { long, stat } = await page.evaluate(() => {
          const marks = performance.getEntriesByType("mark");
          const start = marks.find((m) => m.name.startsWith("job start: Fst"))!.startTime;
          const end = marks.find((m) => m.name.startsWith("job end: Fst"))!.startTime;
          return { long: (window as any).__long as [number, number][], stat: [start, end] };
        });
        // The tasks that ran while the statistic ran (it computes in the library's workers).
        const during = long.filter(([t, d]) => t + d > stat[0] && t < stat[1]).map(([, d]) => d);
        await shot(page, "genome-bench30k");
        const t1 = Date.now();
        await page.locator('#tabs a[data-view="trees"]').click();
        await settle(page);
        const firstTreeMs = Date.now() - t1;
        await shot(page, "trees-bench30k");
        // Cancel: a statistic asked for and cancelled leaves the view free at once.
        await page.evaluate(() =>
          history.replaceState(null, "", location.search.replace(/view=trees/, "view=genome").replace(/windows=200/, "windows=300")),
        );
        await page.evaluate(() => dispatchEvent(new PopStateEvent("popstate")));
        await page.locator("#jobs .job .cancel").first().click();
        await settle(page);
        expect(await page.locator("#jobs").isHidden()).toBe(true);
        expect(await page.locator('[data-figure="fst-branch"]').count()).toBe(0);
        writeFileSync(
          join(ARTEFACTS, "bench30k-timings.json"),
          JSON.stringify(
            { overviewMs, overviewWall, computeMs, statMs: stat[1] - stat[0], firstTreeMs, longTasks: long, duringStat: during },
            null,
            1,
          ),
        );
        expect(stat[1] - stat[0]).toBeGreaterThan(0);
        expect(Math.max(0, ...during), `tasks while Fst ran: ${during.join(", ")} ms`).toBeLessThan(100);
      });
    },
  );
});
