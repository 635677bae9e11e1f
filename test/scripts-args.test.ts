/**
 * The scripts (benchmarks, the explorer's server) read their flags with the command line's parser
 * (scripts/script-args.mjs over dist/cli/args.js): --help lists every flag and exits 0, an
 * unknown flag or a bad value exits 2 naming the flag, and bench.mjs's internal --child
 * BACKEND:THREADS (how it starts each configuration's process) still runs a configuration.
 */
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SMALL = join(ROOT, "test/fixtures/small.trees");

function run(script: string, args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", script), ...args], { encoding: "utf8", timeout: 60_000, cwd: ROOT });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Each script: the flags its help must list, and a bad value for one of them. */
const SCRIPTS = [
  {
    script: "bench.mjs",
    flags: [
      "--repeats",
      "--passes",
      "--cases",
      "--json",
      "--no-tskit",
      "--max-case-seconds",
      "--timeout",
      "--singleton-sets",
      "--singleton-file",
      "--backends",
      "--one-thread",
      "--render",
      "--baseline",
      "--slower",
      "--child",
      "--root",
    ],
    bad: [[SMALL, "--repeats", "0"], "--repeats"],
  },
  {
    script: "bench_batch.mjs",
    flags: ["--runs", "--cores", "--windows", "--json"],
    bad: [[SMALL, "--cores", "many"], "--cores"],
  },
  {
    script: "serve.mjs",
    flags: ["--port", "--no-isolation", "--root", "--cors"],
    bad: [["--port", "abc"], "--port"],
  },
] as const;

describe.each(SCRIPTS)("scripts/$script", ({ script, flags, bad: [badArgs, badFlag] }) => {
  it("--help prints the usage and every flag, exit 0", () => {
    for (const help of ["--help", "-h"]) {
      const r = run(script, [help]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^usage: /);
      for (const f of flags) expect(r.stdout).toContain(`${f} `);
    }
  });

  it("an unknown flag exits 2 naming it, with the usage", () => {
    const r = run(script, ["--no-such-flag"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${script}: unknown flag --no-such-flag`);
    expect(r.stderr).toContain("usage: ");
    expect(r.stdout).toBe("");
  });

  it("a bad value exits 2 naming the flag", () => {
    const r = run(script, [...badArgs]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${script}: ${badFlag}: expected`);
  });
});

describe("scripts/bench.mjs", () => {
  it("a flag without its value, a second FILE and a bad --timeout exit 2 naming themselves", () => {
    expect(run("bench.mjs", [SMALL, "--repeats"]).stderr).toContain("bench.mjs: --repeats needs a value");
    expect(run("bench.mjs", [SMALL, SMALL]).stderr).toContain("unexpected argument");
    const t = run("bench.mjs", [SMALL, "--timeout", "0"]);
    expect(t.status).toBe(2);
    expect(t.stderr).toContain("--timeout: expected a number > 0");
    const c = run("bench.mjs", [SMALL, "--cases", "diversity_site,nope"]);
    expect(c.status).toBe(2);
    expect(c.stderr).toContain("--cases: unknown case(s) nope");
    const b = run("bench.mjs", [SMALL, "--baseline", join(ROOT, "test")]);
    expect(b.status).toBe(2);
    expect(b.stderr).toContain("--baseline: no built checkout");
    expect(run("bench.mjs", [SMALL, "--baseline", ROOT]).stderr).toContain("--baseline: that is this checkout");
    expect(run("bench.mjs", [SMALL, "--slower", "5"]).stderr).toContain("--slower: only with --baseline");
  });

  // Fractional and exponent seconds are accepted (positiveNumberValue), as Number() took them before.
  it("--child BACKEND:THREADS runs one configuration and reports it as JSON lines", () => {
    const r = run("bench.mjs", [
      "--child",
      "native:1",
      SMALL,
      "--repeats",
      "1",
      "--cases",
      "diversity_site",
      "--timeout",
      "0.5",
      "--max-case-seconds",
      "1e3",
    ]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.find((m) => m.type === "info").info).toMatchObject({ name: "native", threads: 1 });
    const result = lines.find((m) => m.type === "case" && m.name === "diversity_site").result;
    expect(result.error).toBeUndefined();
    expect(result.runs).toHaveLength(1);
    for (const v of ["native", "native:0", "gpu:1", "native:1:2"]) {
      const bad = run("bench.mjs", ["--child", v, SMALL]);
      expect(bad.status, v).toBe(2);
      expect(bad.stderr, v).toContain("--child");
    }
  });
});
