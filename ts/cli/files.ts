/**
 * The files a command was given: paths as they are, and globs (`runs/*.trees`,
 * `data/**\/*.trees`) expanded here too, for job files and for shells that pass them quoted.
 * A glob that matches nothing stays in the list, so that it is reported like a missing file.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const GLOB = /[*?[]/;

/** Each argument, or the files its glob matches (sorted), in the order given; no repeats. */
export function expandFiles(patterns: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const p of patterns) {
    const matches = !existsSync(p) && GLOB.test(p) ? glob(p) : [p];
    for (const f of matches.length > 0 ? matches : [p]) {
      if (!seen.has(f)) {
        seen.add(f);
        out.push(f);
      }
    }
  }
  return out;
}

function glob(pattern: string): string[] {
  const absolute = pattern.startsWith("/");
  const parts = pattern.split("/").filter((s, i) => s !== "" || i === 0);
  const start = absolute ? "/" : ".";
  const found: string[] = [];
  const walk = (dir: string, prefix: string, i: number) => {
    if (i === parts.length) {
      found.push(prefix);
      return;
    }
    const part = parts[i];
    if (part === "" && i === 0) return walk("/", "", 1);
    const join2 = (name: string) => (prefix === "" ? (absolute ? `/${name}` : name) : `${prefix}/${name}`);
    if (!GLOB.test(part)) {
      const next = join(dir, part);
      if (i === parts.length - 1 ? existsSync(next) : isDir(next)) walk(next, join2(part), i + 1);
      return;
    }
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    if (part === "**") {
      walk(dir, prefix, i + 1); // zero directories
      for (const n of names) if (!n.startsWith(".") && isDir(join(dir, n))) walk(join(dir, n), join2(n), i);
      return;
    }
    const re = segmentRegex(part);
    for (const n of names) {
      if (n.startsWith(".") && !part.startsWith(".")) continue;
      if (!re.test(n)) continue;
      const next = join(dir, n);
      if (i === parts.length - 1 ? !isDir(next) : isDir(next)) walk(next, join2(n), i + 1);
    }
  };
  walk(start, "", 0);
  return found;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** One path segment's pattern: `*`, `?` and `[...]` classes. */
function segmentRegex(part: string): RegExp {
  let re = "";
  for (let i = 0; i < part.length; i++) {
    const c = part[i];
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = part.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        const body = part
          .slice(i + 1, end)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\");
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}
