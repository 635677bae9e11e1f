/**
 * The view's settings in the URL (`?file=URL&view=genome&stat=fst&...`), so that a link reopens
 * the same view. Views read their settings with `param` and write them with `setParams`, which
 * replaces the history entry (a change of view pushes one).
 */
export type ViewName = "overview" | "tables" | "trees" | "genome" | "pairs";
export const VIEWS: ViewName[] = ["overview", "tables", "trees", "genome", "pairs"];

export function params(): URLSearchParams {
  return new URLSearchParams(location.search);
}

export function param(key: string, fallback = ""): string {
  return params().get(key) ?? fallback;
}

export function numParam(key: string, fallback: number): number {
  const s = params().get(key);
  if (s === null || s === "") return fallback;
  const v = Number(s);
  return Number.isFinite(v) ? v : fallback;
}

/** Sets (or, with null, removes) keys; `push` makes a new history entry. */
export function setParams(values: Record<string, string | number | null | undefined>, push = false): void {
  const p = params();
  for (const [k, v] of Object.entries(values)) {
    if (v === null || v === undefined || v === "") p.delete(k);
    else p.set(k, String(v));
  }
  const url = `${location.pathname}?${p.toString()}${location.hash}`;
  if (url === `${location.pathname}${location.search}${location.hash}`) return;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}

export function currentView(): ViewName {
  const v = param("view", "overview") as ViewName;
  return VIEWS.includes(v) ? v : "overview";
}
