/**
 * The drawings (ts/draw) against tskit's, recorded by scripts/make_draw_fixture.py in
 * test/fixtures/draw/*.json.gz, on both backends: `drawSvg` by structure (the trees drawn,
 * every node group with its classes, parent, edge, label and position, every mutation with its
 * branch, site, label and height, the genome axis' sites, the axes' tick labels, the groups),
 * `drawText` by its text, and tskit's refusals as BAD_PARAM. The structure is read from both
 * SVGs the same way: `structure` here is make_draw_fixture.py's `structure`.
 */
import { describe, it, expect, beforeAll } from "vitest";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { init, load, TreeSeqError } from "../dist/index.js";
import { BACKENDS, bundled, toolkitFixtures } from "./helpers.js";
import { parseXml, structure } from "./draw-structure.js";

const CASES = toolkitFixtures("draw");

beforeAll(async () => {
  await init({ threads: 2 });
});

/** Positions agree within `tol` (tskit rounds every translate to 6 digits, and adds them up). */
const TOL = 0.05;
function near(a: number, b: number, what: string): void {
  expect(Math.abs(a - b) <= TOL * Math.max(1, Math.abs(b) / 100), `${what}: ${a} vs ${b}`).toBe(true);
}

function compare(got: any, want: any, what: string): void {
  expect([got.width, got.height, got.title], `${what}: size and title`).toEqual([want.width, want.height, want.title]);
  expect(got.groups, `${what}: groups`).toEqual(want.groups);
  expect(got.xTicks, `${what}: genome axis ticks`).toEqual(want.xTicks);
  expect(got.yTicks, `${what}: time axis ticks`).toEqual(want.yTicks);
  expect(
    got.sites.map((s: any) => [s.id, s.muts]),
    `${what}: sites on the genome axis`,
  ).toEqual(want.sites.map((s: any) => [s.id, s.muts]));
  got.sites.forEach((s: any, i: number) => {
    near(s.x, want.sites[i].x, `${what}: site ${s.id} x`);
  });
  expect(
    got.trees.map((t: any) => t.cls),
    `${what}: trees`,
  ).toEqual(want.trees.map((t: any) => t.cls));
  got.trees.forEach((t: any, i: number) => {
    const w = want.trees[i];
    const wt = `${what} ${t.cls}`;
    near(t.x, w.x, `${wt} x`);
    const byId = (a: any[]) => [...a].sort((p, q) => p.id - q.id);
    const gn = byId(t.nodes),
      wn = byId(w.nodes);
    expect(
      gn.map((n: any) => [n.id, n.parent, n.edge, n.label, n.cls.join(" ")]),
      `${wt}: nodes (id, parent, edge, label, classes)`,
    ).toEqual(wn.map((n: any) => [n.id, n.parent, n.edge, n.label, n.cls.join(" ")]));
    gn.forEach((n: any, k: number) => {
      near(n.x, wn[k].x, `${wt} node ${n.id} x`);
      near(n.y, wn[k].y, `${wt} node ${n.id} y`);
    });
    const gm = byId(t.muts),
      wm = byId(w.muts);
    expect(
      gm.map((m: any) => [m.id, m.site, m.node, m.label, m.cls.join(" ")]),
      `${wt}: mutations (id, site, node, label, classes)`,
    ).toEqual(wm.map((m: any) => [m.id, m.site, m.node, m.label, m.cls.join(" ")]));
    gm.forEach((m: any, k: number) => {
      near(m.y, wm[k].y, `${wt} mutation ${m.id} y`);
    });
  });
}

/** The fixture's options as treeseq takes them (labels keyed by id strings are fine as they are). */
const draw = (ts: any, tree: number | null, options: any, text: boolean): string => {
  const target = tree === null ? ts : ts.atIndex(tree);
  return text ? target.drawText(options) : target.drawSvg(options);
};

for (const backend of BACKENDS) {
  describe(`drawings (${backend})`, () => {
    for (const { name, path, want } of CASES) {
      it(`${name}: drawSvg has tskit's structure`, async () => {
        const ts = await load(path, { backend });
        try {
          for (const c of want.svg) {
            const what = `${name} ${c.tree === null ? "ts" : `tree ${c.tree}`} ${JSON.stringify(c.options)}`;
            compare(structure(draw(ts, c.tree, c.options, false)), c.want, what);
          }
        } finally {
          ts.dispose();
        }
      });
      it(`${name}: drawText is tskit's text`, async () => {
        const ts = await load(path, { backend });
        try {
          for (const c of want.text) {
            const what = `${name} ${c.tree === null ? "ts" : `tree ${c.tree}`} ${JSON.stringify(c.options)}`;
            expect(draw(ts, c.tree, c.options, true), what).toBe(c.want);
          }
        } finally {
          ts.dispose();
        }
      });
      it(`${name}: what tskit refuses is a BAD_PARAM`, async () => {
        const ts = await load(path, { backend });
        try {
          for (const c of want.errors) {
            let thrown: unknown = null;
            try {
              draw(ts, c.tree, c.options, false);
            } catch (e) {
              thrown = e;
            }
            expect(thrown, `${name} ${JSON.stringify(c.options)}: tskit raised ${c.error}`).toBeInstanceOf(TreeSeqError);
            expect((thrown as TreeSeqError).code).toBe("BAD_PARAM");
          }
        } finally {
          ts.dispose();
        }
      });
    }
  });
}

describe("drawing options", () => {
  it("refuses unknown options and bad values, naming them", async () => {
    const ts = await load(bundled("small"));
    try {
      const tree = ts.first();
      const refused: Array<[() => unknown, RegExp]> = [
        [() => tree.drawSvg({ colour: "red" } as any), /unknown option 'colour'/],
        [() => tree.drawSvg({ path: "x.svg" } as any), /unknown option 'path'/],
        [() => tree.drawSvg({ xLim: [0, 1] } as any), /unknown option 'xLim'/],
        [() => ts.drawSvg({ allEdgeMutations: true } as any), /unknown option 'allEdgeMutations'/],
        [() => tree.drawSvg({ size: [100] as any }), /size/],
        [() => tree.drawSvg({ symbolSize: -1 }), /symbolSize/],
        [() => tree.drawSvg({ nodeLabels: [1, 2] as any }), /nodeLabels/],
        [() => tree.drawSvg({ rootSvgAttributes: { "bad name": 1 } }), /rootSvgAttributes/],
        [() => tree.drawSvg({ maxTime: "all" as any }), /maxTime/],
        [() => tree.drawText({ orientation: "up" as any }), /orientation 'up'/],
        [() => tree.drawText({ maxTime: 5 as any }), /maxTime/],
        [() => ts.drawText({ timeLabelFormat: "{:.1f}" as any }), /timeLabelFormat/],
        [() => ts.drawSvg({ xLim: [0] as any }), /xLim/],
        [() => ts.drawSvg({ xScale: "treewise", xRegions: [[0, 10, "a"]] }), /xRegions/],
      ];
      for (const [f, message] of refused) {
        let thrown: any = null;
        try {
          f();
        } catch (e) {
          thrown = e;
        }
        expect(thrown, String(message)).toBeInstanceOf(TreeSeqError);
        expect(thrown.code).toBe("BAD_PARAM");
        expect(thrown.message).toMatch(message);
      }
    } finally {
      ts.dispose();
    }
  });

  it("styles, titles, attributes and text are written as given, escaped", async () => {
    const ts = await load(bundled("single_tree"));
    try {
      const svg = ts.first().drawSvg({
        rootSvgAttributes: { id: "fig" },
        style: ".n0 > .sym {fill: red}",
        nodeLabels: { 0: "a<b>&c" },
        nodeTitles: { 0: "zero" },
        preamble: "<desc>pre</desc>",
        canvasSize: [300, 250],
      });
      const root = parseXml(svg);
      expect(root.attrs.id).toBe("fig");
      expect([root.attrs.width, root.attrs.height]).toEqual(["300", "250"]);
      expect(root.children[0].tag).toBe("desc");
      expect(svg).toContain(".n0 > .sym {fill: red}");
      const s = structure(svg);
      expect(s.trees[0].nodes.find((n: any) => n.id === 0).label).toBe("a<b>&c");
      expect(svg).toContain("<title>zero</title>");
      expect(s.trees[0].nodes.filter((n: any) => n.label !== null && n.label !== "").map((n: any) => n.id)).toEqual([0]);
      // A function for the tree sequence's time labels.
      const text = ts.drawText({ timeLabelFormat: (t: number) => t.toFixed(0) });
      expect(text.split("\n")[0]).toMatch(/^\d+ *┊/);
    } finally {
      ts.dispose();
    }
  });
});

/**
 * Pictures: a few drawings rendered by headless Chromium into .cache/artefacts/draw/*.png (to
 * look at), each checked to have drawn every node symbol and edge where the SVG says (the
 * browser's own layout of the elements, not our numbers).
 */
describe("pictures (headless Chromium)", () => {
  const CHROMIUM = "/usr/bin/chromium";
  const OUT = join(dirname(fileURLToPath(import.meta.url)), "..", ".cache", "artefacts", "draw");
  it("renders trees and tree sequences", async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run npm run setup`);
    mkdirSync(OUT, { recursive: true });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu"],
      headless: true,
    });
    const ts = await load(bundled("small"));
    const nb = await load(bundled("nonbinary"));
    const ut = await load(bundled("unknown_times"));
    try {
      const L = ts.sequenceLength;
      const pictures: Array<[string, string]> = [
        ["tree-default", ts.atIndex(5).drawSvg()],
        [
          "tree-axes-rank",
          ts.atIndex(5).drawSvg({ size: [700, 450], timeScale: "rank", yAxis: true, xAxis: true, title: "small.trees, tree 5 (rank)" }),
        ],
        [
          "tree-log-labels",
          nb.first().drawSvg({
            size: [700, 450],
            timeScale: "log_time",
            yAxis: "right",
            yGridlines: true,
            nodeLabels: { 0: "first", 1: "second" },
            forceRootBranch: true,
          }),
        ],
        ["tree-unknown-times", ut.first().drawSvg({ size: [600, 400], xAxis: true, allEdgeMutations: true })],
        ["ts-region", ts.drawSvg({ xLim: [0, L / 6], size: [1000, 360], yAxis: true, title: "small.trees, first sixth" })],
        [
          "ts-skipped",
          ts.drawSvg({ maxNumTrees: 4, size: [1000, 320], timeScale: "rank", yAxis: true, style: ".sample > .sym {fill: steelblue}" }),
        ],
        ["ts-treewise", nb.drawSvg({ xScale: "treewise", maxNumTrees: 5, size: [1000, 320] })],
      ];
      const page = await browser.newPage({ viewport: { width: 1040, height: 500 } });
      for (const [name, svg] of pictures) {
        await page.setContent(`<!doctype html><html><body style="margin:0;background:white">${svg}</body></html>`);
        const drawn = await page.evaluate(() => {
          const box = (e: Element) => (e as SVGGraphicsElement).getBoundingClientRect();
          const svg = document.querySelector("svg")!;
          const frame = box(svg);
          const inside = (e: Element) => {
            const b = box(e);
            return b.left >= frame.left - 1 && b.right <= frame.right + 1 && b.top >= frame.top - 1 && b.bottom <= frame.bottom + 1;
          };
          const syms = [...document.querySelectorAll(".node > .sym")];
          const edges = [...document.querySelectorAll(".edge")];
          return {
            syms: syms.length,
            symsInside: syms.filter((e) => box(e).width > 0 && inside(e)).length,
            edges: edges.length,
            edgesInside: edges.filter(inside).length,
          };
        });
        await page
          .locator("svg")
          .first()
          .screenshot({ path: join(OUT, `${name}.png`) });
        expect(drawn.syms, `${name}: node symbols`).toBeGreaterThan(0);
        expect(drawn.symsInside, `${name}: node symbols inside the picture`).toBe(drawn.syms);
        expect(drawn.edgesInside, `${name}: edges inside the picture`).toBe(drawn.edges);
        writeFileSync(join(OUT, `${name}.svg`), svg);
      }
    } finally {
      ts.dispose();
      nb.dispose();
      ut.dispose();
      await browser.close();
    }
  }, 120_000);
});
