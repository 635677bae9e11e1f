#!/usr/bin/env node
/**
 * treeseq's version has one source, package.json's "version"; the other places that must say it
 * are copies, checked here (scripts/build.sh and scripts/check.sh run the check) and written
 * here:
 *
 *   node scripts/version.mjs          checks every copy; exit 1 naming each that differs
 *   node scripts/version.mjs 0.2.0    sets package.json and every copy (then add a CHANGELOG.md entry)
 *
 * The copies: Cargo.toml's [workspace.package] version (every crate inherits it), ts/api.ts's
 * VERSION (the browser build cannot read package.json), and each platform package
 * npm/<triple>/package.json with its exact pin in package.json's optionalDependencies (the
 * addon and the TypeScript must come from the same release).
 */
import { readFileSync, writeFileSync, readdirSync, existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const read = (f) => readFileSync(join(root, f), "utf8");

/** Each copy: where it is, how to read it from the file's text, how to write it. */
const textCopy = (file, pattern, render) => ({
  file,
  get: (text) => text.match(pattern)?.[1] ?? null,
  set: (text, v) => text.replace(pattern, render(v)),
});
const copies = [
  textCopy("Cargo.toml", /\[workspace\.package\]\nversion = "([^"]*)"/, (v) => `[workspace.package]\nversion = "${v}"`),
  textCopy("ts/api.ts", /^export const VERSION = "([^"]*)";$/m, (v) => `export const VERSION = "${v}";`),
];
const platforms = existsSync(join(root, "npm"))
  ? readdirSync(join(root, "npm"), { withFileTypes: true }).filter((d) => d.isDirectory())
  : [];
for (const d of platforms) {
  const file = `npm/${d.name}/package.json`;
  copies.push(textCopy(file, /^ {2}"version": "([^"]*)",$/m, (v) => `  "version": "${v}",`));
  const pin = new RegExp(`^( {4}"treeseq-${d.name}": )"([^"]*)"`, "m");
  copies.push({
    file: "package.json",
    what: `optionalDependencies["treeseq-${d.name}"]`,
    get: (text) => text.match(pin)?.[2] ?? null,
    set: (text, v) => text.replace(pin, `$1"${v}"`),
  });
}
const versionLine = /^ {2}"version": "([^"]*)",$/m;

const wanted = process.argv[2];
if (wanted !== undefined) {
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(wanted)) {
    console.error(`version: ${wanted} is not a version (MAJOR.MINOR.PATCH)`);
    process.exit(2);
  }
  writeFileSync(join(root, "package.json"), read("package.json").replace(versionLine, `  "version": "${wanted}",`));
  for (const c of copies) writeFileSync(join(root, c.file), c.set(read(c.file), wanted));
  // Cargo.lock records the crates' versions: let cargo rewrite it (offline; nothing else changes).
  execFileSync("cargo", ["metadata", "--format-version", "1", "--offline"], { cwd: root, stdio: "ignore" });
  console.log(`version: ${wanted} written to package.json and its ${copies.length} copies; add it to CHANGELOG.md`);
}

const source = read("package.json").match(versionLine)?.[1];
if (!source) {
  console.error('version: package.json has no "version" line');
  process.exit(1);
}
const bad = [];
for (const c of copies) {
  const got = c.get(read(c.file));
  if (got !== source) bad.push(`${c.file}${c.what ? ` ${c.what}` : ""}: ${got ?? "no version found"}`);
}
if (bad.length) {
  console.error(
    `version: package.json says ${source}, but:\n  ${bad.join("\n  ")}\n` +
      `run \`node scripts/version.mjs ${source}\` to write it everywhere (or name the version you mean)`,
  );
  process.exit(1);
}
if (wanted === undefined) console.log(`version: ${source} everywhere (package.json and ${copies.length} copies)`);
