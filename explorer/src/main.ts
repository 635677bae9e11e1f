/**
 * The explorer: a tree-sequence workbench that runs in the page. A file (from disk, dropped, or
 * a URL; nothing is uploaded) is loaded with the library's browser entry, the same one users
 * get; five views show it: overview, tables, trees, along the genome, between populations. The
 * view and its settings live in the URL (state.ts), so a link reopens the same view.
 *
 * `window.__explorer` says what the page is doing, for the browser tests: `settled` once the
 * view has rendered and no job runs.
 */
import { init, load, backendInfo, type TreeSequence } from "../../dist/browser.js";
import { populationSampleSets } from "../../dist/grouping.js";
import type { Context } from "./context.js";
import { attachJobBar, busy, cancelAll, runJob } from "./jobs.js";
import { currentView, param, setParams, type ViewName, VIEWS } from "./state.js";
import { escapeHtml, fmtBytes } from "./util.js";
import { renderOverview } from "./views/overview.js";
import { renderTables } from "./views/tables.js";
import { renderTrees } from "./views/trees.js";
import { renderGenome } from "./views/genome.js";
import { renderPairs } from "./views/pairs.js";

const $ = (id: string) => document.getElementById(id)!;
const RENDER: Record<ViewName, (ctx: Context, root: HTMLElement) => Promise<void>> = {
  overview: renderOverview,
  tables: renderTables,
  trees: renderTrees,
  genome: renderGenome,
  pairs: renderPairs,
};

interface Explorer {
  settled: boolean;
  view: ViewName | null;
  error: string | null;
  file: string | null;
  /** Milliseconds from the page's start: file loaded, and each view's first render done. */
  timings: Record<string, number>;
  busy(): number;
}
const state: Explorer = { settled: false, view: null, error: null, file: null, timings: {}, busy };
(window as any).__explorer = state;

let open: { ts: TreeSequence; name: string; size: number; loadSeconds: number; pops: Context["pops"] } | null = null;
let renderToken = 0;

function status(text: string, error = false): void {
  const s = $("status");
  s.className = error ? "error" : "";
  s.textContent = text;
  if (error) state.error = text;
}

async function render(): Promise<void> {
  const token = ++renderToken;
  const view = currentView();
  state.settled = false;
  state.view = view;
  for (const a of document.querySelectorAll<HTMLAnchorElement>("#tabs a")) {
    a.classList.toggle("active", a.dataset.view === view);
    a.classList.toggle("disabled", !open);
    // Each tab's link keeps the file, so a tab opened in a new window shows the same file.
    const file = param("file");
    a.href = `?${new URLSearchParams({ ...(file ? { file } : {}), view: a.dataset.view! })}`;
  }
  if (!open) return;
  const root = $("view");
  root.innerHTML = "";
  const ctx: Context = {
    ...open,
    alive: () => token === renderToken,
    rerender: () => void render(),
  };
  try {
    await RENDER[view](ctx, root);
    if (token !== renderToken) return;
    state.timings[view] ??= performance.now();
  } catch (e) {
    if (token !== renderToken) return;
    status(`${view}: ${(e as any).code ?? "ERROR"}: ${(e as Error).message}`, true);
  }
  // Jobs a view started in the background (none of these views leaves one) are waited for too.
  while (busy() > 0 && token === renderToken) await new Promise((r) => setTimeout(r, 50));
  if (token === renderToken) state.settled = true;
}

/** Opens a file: a File from the picker or a drop, or a URL (`?file=` keeps it for links). */
async function openSource(source: File | string): Promise<void> {
  const name =
    typeof source === "string" ? decodeURIComponent(new URL(source, location.href).pathname.split("/").pop() || source) : source.name;
  cancelAll();
  state.settled = false;
  state.error = null;
  state.file = name;
  open?.ts.dispose();
  open = null;
  $("file-name").textContent = "";
  const t0 = performance.now();
  status("");
  try {
    const r = await runJob(`loading ${name}`, async (job) => {
      let size = 0;
      let src: File | Response;
      if (typeof source === "string") {
        const resp = await job.wait(fetch(source));
        if (!resp.ok) throw Object.assign(new Error(`cannot fetch ${source}: HTTP ${resp.status}`), { code: "IO" });
        size = Number(resp.headers.get("content-length") ?? 0);
        src = resp;
      } else {
        size = source.size;
        src = source;
      }
      const ts = await job.wait(load(src));
      if (job.cancelled) ts.dispose();
      return { ts, size: size || ts.nbytes };
    });
    if (!r) {
      status(`loading ${name} cancelled`);
      state.settled = true;
      return;
    }
    open = { ts: r.ts, name, size: r.size, loadSeconds: (performance.now() - t0) / 1000, pops: populationSampleSets(r.ts) };
    state.timings.loaded = performance.now();
    $("file-name").textContent = `${name} (${fmtBytes(r.size)}, loaded in ${open.loadSeconds.toFixed(2)} s)`;
    $("drop")?.remove();
    await render();
  } catch (e) {
    const code = (e as any).code ?? (e instanceof TypeError ? "IO" : "ERROR");
    status(`cannot load ${name}: ${code}: ${(e as Error).message}`, true);
    state.settled = true;
  }
}

function wire(): void {
  attachJobBar($("jobs"));
  $("file").addEventListener("change", () => {
    const f = ($("file") as HTMLInputElement).files?.[0];
    if (!f) return;
    setParams({ file: null }, true);
    void openSource(f);
  });
  $("open-url").addEventListener("submit", (e) => {
    e.preventDefault();
    const url = ($("url") as HTMLInputElement).value.trim();
    if (!url) return;
    setParams({ file: url }, true);
    void openSource(url);
  });
  // A drop anywhere on the page opens the file.
  let depth = 0;
  const cover = $("dropcover");
  window.addEventListener("dragenter", (e) => {
    if (!e.dataTransfer?.types.includes("Files")) return;
    depth++;
    cover.hidden = false;
  });
  window.addEventListener("dragleave", () => {
    if (--depth <= 0) {
      depth = 0;
      cover.hidden = true;
    }
  });
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => {
    e.preventDefault();
    depth = 0;
    cover.hidden = true;
    const f = e.dataTransfer?.files[0];
    if (!f) return;
    setParams({ file: null }, true);
    void openSource(f);
  });
  $("tabs").addEventListener("click", (e) => {
    const a = (e.target as HTMLElement).closest("a");
    if (!a?.dataset.view || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    if (a.dataset.view === currentView()) return;
    cancelAll();
    // A view's own settings stay in the URL: coming back to a view finds them again.
    setParams({ view: a.dataset.view }, true);
    void render();
  });
  window.addEventListener("popstate", () => {
    const file = param("file");
    if (file && file !== state.file && new URL(file, location.href).pathname.split("/").pop() !== state.file) void openSource(file);
    else void render();
  });
}

async function start(): Promise<void> {
  wire();
  try {
    const info = await init();
    $("backend").textContent =
      `${info.name}, ${info.threads} thread${info.threads === 1 ? "" : "s"}${crossOriginIsolated ? "" : " (page not cross-origin isolated)"}`;
    $("backend").title = backendInfo().reason ?? "";
  } catch (e) {
    status(`cannot start treeseq: ${(e as any).code ?? "ERROR"}: ${(e as Error).message}`, true);
    state.settled = true;
    return;
  }
  const file = param("file");
  if (file) {
    ($("url") as HTMLInputElement).value = file;
    await openSource(file);
  } else {
    void render();
    state.settled = true;
  }
}

if (!VIEWS.includes(currentView())) setParams({ view: "overview" });
void start().catch((e) => status(`${escapeHtml((e as Error).message)}`, true));
