/**
 * Where the native addon comes from: the platform triple, the order of the places tried
 * (TREESEQ_NATIVE_ADDON, the platform package, build/native/), the errors an installed user
 * reads when none fits, and the platform packages under npm/ agreeing with package.json.
 */
import { describe, it, expect, afterEach } from "vitest";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import {
  platformTriple,
  hostTriple,
  explicitAddon,
  chooseAddon,
  findAddon,
  loadNative,
  PREBUILT_TRIPLES,
  type AddonSearch,
} from "../dist/native.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const MAIN = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

/** A search over a made-up file system: `files` exist, `packages` are installed. */
function search(triple: string, files: string[], packages: Record<string, { version: string }> = {}, checkout = false): AddonSearch {
  return {
    triple,
    root: "/app/node_modules/treeseq",
    version: "0.1.0",
    checkout,
    exists: (p) => files.includes(p),
    findPackage: (name) =>
      packages[name] ? { dir: `/app/node_modules/${name}`, version: packages[name].version, main: `treeseq.${triple}.node` } : null,
  };
}

describe("platform triple", () => {
  it("names platforms as napi-rs does", () => {
    expect(platformTriple("linux", "x64", "glibc")).toBe("linux-x64-gnu");
    expect(platformTriple("linux", "x64", "musl")).toBe("linux-x64-musl");
    expect(platformTriple("linux", "arm64", "glibc")).toBe("linux-arm64-gnu");
    expect(platformTriple("darwin", "arm64", null)).toBe("darwin-arm64");
    expect(platformTriple("darwin", "x64", null)).toBe("darwin-x64");
    expect(platformTriple("win32", "x64", null)).toBe("win32-x64-msvc");
    expect(platformTriple("freebsd", "x64", null)).toBe("freebsd-x64");
  });

  it("detects this machine's C library", () => {
    if (process.platform !== "linux") return;
    // Independently of Node's report: musl systems have its dynamic loader in /lib.
    const musl = readdirSync("/lib").some((f) => f.startsWith("ld-musl-"));
    expect(hostTriple()).toBe(`linux-${process.arch}-${musl ? "musl" : "gnu"}`);
  });
});

describe("platform packages", () => {
  it("npm/<triple>/ exists for each prebuilt triple, selected by os/cpu/libc for that triple", () => {
    const dirs = readdirSync(join(ROOT, "npm"), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(dirs.sort()).toEqual([...PREBUILT_TRIPLES].sort());
    for (const triple of PREBUILT_TRIPLES) {
      const pkg = JSON.parse(readFileSync(join(ROOT, "npm", triple, "package.json"), "utf8"));
      expect(pkg.name).toBe(`treeseq-${triple}`);
      expect(pkg.version).toBe(MAIN.version);
      expect(pkg.main).toBe(`treeseq.${triple}.node`);
      expect(pkg.files).toEqual([pkg.main]);
      expect(pkg.os).toHaveLength(1);
      expect(pkg.cpu).toHaveLength(1);
      const libc = pkg.os[0] === "linux" ? pkg.libc?.[0] : null;
      if (pkg.os[0] === "linux") expect(["glibc", "musl"]).toContain(libc);
      expect(platformTriple(pkg.os[0], pkg.cpu[0], libc)).toBe(triple);
    }
  });

  it("the main package pins each at its own version and lists six napi targets", () => {
    expect(Object.keys(MAIN.optionalDependencies).sort()).toEqual(PREBUILT_TRIPLES.map((t) => `treeseq-${t}`).sort());
    for (const v of Object.values(MAIN.optionalDependencies)) expect(v).toBe(MAIN.version);
    expect(MAIN.napi.binaryName).toBe("treeseq");
    expect(MAIN.napi.targets).toHaveLength(PREBUILT_TRIPLES.length);
  });
});

describe("choosing the addon", () => {
  const pkgFile = "/app/node_modules/treeseq-linux-x64-gnu/treeseq.linux-x64-gnu.node";
  const devFile = "/app/node_modules/treeseq/build/native/treeseq.linux-x64-gnu.node";

  it("TREESEQ_NATIVE_ADDON at a missing file is an error naming the path", () => {
    expect(() => explicitAddon("/nowhere/treeseq.node", () => false)).toThrow(/TREESEQ_NATIVE_ADDON.*\/nowhere\/treeseq\.node/);
    expect(explicitAddon("/somewhere/treeseq.node", (p) => p === "/somewhere/treeseq.node")).toEqual({
      path: "/somewhere/treeseq.node",
      reason: "TREESEQ_NATIVE_ADDON=/somewhere/treeseq.node",
    });
  });

  it("an installed treeseq prefers its platform package", () => {
    const c = chooseAddon(search("linux-x64-gnu", [pkgFile, devFile], { "treeseq-linux-x64-gnu": { version: "0.1.0" } }));
    expect(c.path).toBe(pkgFile);
    expect(c.reason).toMatch(/^platform package treeseq-linux-x64-gnu@0\.1\.0/);
  });

  it("a checkout prefers its own build over an installed platform package", () => {
    const c = chooseAddon(search("linux-x64-gnu", [pkgFile, devFile], { "treeseq-linux-x64-gnu": { version: "0.1.0" } }, true));
    expect(c).toEqual({ path: devFile, reason: `development build ${devFile}` });
  });

  it("a platform package of another version is passed over, and said so", () => {
    const s = search("linux-x64-gnu", [pkgFile], { "treeseq-linux-x64-gnu": { version: "0.0.9" } });
    expect(() => chooseAddon(s)).toThrow(/treeseq-linux-x64-gnu is 0\.0\.9, treeseq is 0\.1\.0/);
  });

  it("a missing platform package names it, the npm flags that drop it, and the fallback", () => {
    let msg = "";
    try {
      chooseAddon(search("linux-x64-gnu", []));
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain("no native addon for linux-x64-gnu");
    expect(msg).toContain("npm installed no treeseq-linux-x64-gnu@0.1.0");
    expect(msg).toContain("--omit=optional");
    expect(msg).toContain(devFile);
    expect(msg).toMatch(/falls back to WebAssembly/);
  });

  it("an unsupported platform is told there is no prebuilt addon and how to build one", () => {
    let msg = "";
    try {
      chooseAddon(search("freebsd-x64", []));
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain("no prebuilt native addon for freebsd-x64");
    expect(msg).toContain("linux-x64-gnu, linux-arm64-gnu");
    expect(msg).toContain("TREESEQ_NATIVE_ADDON");
    expect(msg).toMatch(/README/);
    expect(msg).toMatch(/falls back to WebAssembly/);
    expect(msg).not.toContain("npm installed no");
  });
});

describe("on this machine", () => {
  const saved = process.env.TREESEQ_NATIVE_ADDON;
  afterEach(() => {
    if (saved === undefined) delete process.env.TREESEQ_NATIVE_ADDON;
    else process.env.TREESEQ_NATIVE_ADDON = saved;
  });
  const dev = join(ROOT, "build", "native", `treeseq.${hostTriple()}.node`);

  it("picks the development build of this checkout, and loads it", () => {
    delete process.env.TREESEQ_NATIVE_ADDON;
    expect(existsSync(dev), `${dev} is built by npm run build`).toBe(true);
    expect(findAddon()).toEqual({ path: dev, reason: `development build ${dev}` });
    const backend = loadNative(1, MAIN.version, "requested: native");
    expect(backend.threads).toBe(1);
    expect(backend.reason).toBe(`requested: native: development build ${dev}`);
  });

  it("TREESEQ_NATIVE_ADDON at a missing file stops loadNative with the path", () => {
    const missing = join(ROOT, "build", "native", "no-such-addon.node");
    process.env.TREESEQ_NATIVE_ADDON = missing;
    expect(() => loadNative(1, MAIN.version, "requested: native")).toThrow(missing);
  });

  it("TREESEQ_NATIVE_ADDON wins over the development build", () => {
    process.env.TREESEQ_NATIVE_ADDON = dev;
    expect(findAddon()).toEqual({ path: dev, reason: `TREESEQ_NATIVE_ADDON=${dev}` });
  });
});
