/**
 * The progress display (dist/cli/progress.js): drawn on a real pseudo-terminal (Python's pty
 * module), silent when stderr is a pipe, JSON lines that parse in "json" mode, and time left
 * estimated from the bytes and statistics done (checked with a clock the test moves).
 */
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createProgress, progressLine, type ProgressMode } from "../dist/cli/progress.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const PROGRESS = pathToFileURL(join(ROOT, "dist/cli/progress.js")).href;

/**
 * Runs a command with its stderr on a new pseudo-terminal 200 columns wide (stdout discarded,
 * or on the terminal too with PTY_STDOUT=1) and prints what the terminal received; exits with
 * the command's status.
 */
const IN_TERMINAL = `
import fcntl, os, pty, struct, subprocess, sys, termios
master, slave = pty.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
out = slave if os.environ.get("PTY_STDOUT") == "1" else subprocess.DEVNULL
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=out, stderr=slave)
os.close(slave)
got = b""
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:
        break
    if not chunk:
        break
    got += chunk
sys.stdout.buffer.write(got)
sys.exit(p.wait())
`;

/** A Node script that drives a Progress as a batch of three files with two statistics each would. */
function driver(mode: ProgressMode, burst = false, rows = false): string {
  return `
import { createProgress } from ${JSON.stringify(PROGRESS)};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const p = createProgress(${JSON.stringify(mode)}, process.stderr);
const files = [{ name: "alpha.trees", bytes: 100 }, { name: "beta.trees", bytes: 200 }, { name: "gamma.trees", bytes: 300 }];
p.start(files, 2);
for (const f of files) {
  p.fileStarted(f.name);
  for (const stat of ["diversity", "fst"]) {
    p.statStarted(f.name, stat);
    ${burst ? "for (let i = 0; i < 2000; i++) { p.statStarted(f.name, stat); }" : ""}
    await sleep(160);
    p.statDone(f.name, stat, true);
    ${rows ? "process.stdout.write(`row ${f.name} ${stat}\\n`);" : ""}
  }
  p.fileDone(f.name, f.name !== "beta.trees");
  // A failure reported mid-run, as the commands do, straight to stderr.
  if (f.name === "beta.trees") process.stderr.write("treeseq: IO: beta.trees: cannot read\\n");
}
p.finish();
process.stderr.write("END");
`;
}

function inTerminal(...command: string[]) {
  return inTerminalWith({}, ...command);
}

function inTerminalWith(env: Record<string, string>, ...command: string[]) {
  const r = spawnSync("python3", ["-c", IN_TERMINAL, ...command], { encoding: "utf8", timeout: 60_000, env: { ...process.env, ...env } });
  return { status: r.status, terminal: r.stdout, stderr: r.stderr };
}

const runNode = (script: string) => [process.execPath, "--input-type=module", "-e", script];

describe("progress on a terminal", () => {
  it("redraws one line with files done, the file and statistic, elapsed and time left, and clears it at the end", () => {
    const r = inTerminal(...runNode(driver("auto")));
    expect(r.status, r.stderr).toBe(0);
    const t = r.terminal;
    // Every draw starts at the line's start and clears it; only the message written mid-run
    // moves to a new line, after the display was cleared, and the display comes back below it.
    const draws = t.split("\r\x1b[K").slice(1);
    expect(draws.length).toBeGreaterThan(3);
    expect(t.match(/\n/g)?.length).toBe(1);
    const message = draws.indexOf("treeseq: IO: beta.trees: cannot read\r\n");
    expect(message).toBeGreaterThan(0);
    expect(draws[message - 1]).toMatch(/^treeseq: \d\/3 files/); // the line it cleared
    expect(draws.slice(message + 1).some((d) => /^treeseq: 2\/3 files, 1 failed/.test(d))).toBe(true);
    expect(t).toMatch(/treeseq: 0\/3 files/);
    expect(t).toMatch(/treeseq: 1\/3 files/);
    expect(t).toMatch(/treeseq: 2\/3 files, 1 failed/);
    expect(t).toMatch(/alpha\.trees: diversity/);
    expect(t).toMatch(/gamma\.trees: fst/);
    expect(t).toMatch(/\d+:\d\d elapsed/);
    expect(t).toMatch(/~\d+:\d\d left/);
    // finish() cleared the line: the last draw is empty, then what the script wrote after.
    expect(draws[draws.length - 1]).toBe("END");
  });

  it("clears the line before results written to stdout on the same terminal", () => {
    const r = inTerminalWith({ PTY_STDOUT: "1" }, ...runNode(driver("auto", false, true)));
    expect(r.status, r.stderr).toBe(0);
    const draws = r.terminal.split("\r\x1b[K").slice(1);
    const rows = draws.filter((d) => d.startsWith("row "));
    // Each row starts on a cleared line and ends its own line: none is written after the display.
    expect(rows.map((d) => d.replace(/^(row \S+ \S+)\r\n.*$/s, "$1"))).toEqual(
      ["alpha", "beta", "gamma"].flatMap((f) => [`row ${f}.trees diversity`, `row ${f}.trees fst`]),
    );
    expect(r.terminal).not.toMatch(/(left|more|loading|fst|diversity)row /);
    expect(draws.some((d) => /^treeseq: \d\/3 files/.test(d))).toBe(true);
  });

  it("redraws at most about ten times a second however many events come", () => {
    const r = inTerminal(...runNode(driver("auto", true)));
    expect(r.status, r.stderr).toBe(0);
    const draws = r.terminal.split("\r\x1b[K").length - 1;
    // 12 000 events over about 1 s: a few draws per 160 ms step, not one per event.
    expect(draws).toBeGreaterThan(3);
    expect(draws).toBeLessThan(40);
  });

  it("is silent when stderr is a pipe, and in mode none on a terminal", () => {
    const piped = spawnSync(process.execPath, runNode(driver("auto")).slice(1), { encoding: "utf8", timeout: 60_000 });
    expect(piped.status, piped.stderr).toBe(0);
    expect(piped.stderr).toBe("treeseq: IO: beta.trees: cannot read\nEND");
    const none = inTerminal(...runNode(driver("none")));
    expect(none.status, none.stderr).toBe(0);
    expect(none.terminal).toBe("treeseq: IO: beta.trees: cannot read\r\nEND");
  });

  it("writes one JSON object per event in mode json, piped or on a terminal", () => {
    const piped = spawnSync(process.execPath, runNode(driver("json")).slice(1), { encoding: "utf8", timeout: 60_000 });
    expect(piped.status, piped.stderr).toBe(0);
    const terminal = inTerminal(...runNode(driver("json")));
    expect(terminal.status, terminal.stderr).toBe(0);
    for (const text of [piped.stderr, terminal.terminal.replace(/\r\n/g, "\n")]) {
      const lines = text
        .replace(/END$/, "")
        .trimEnd()
        .split("\n")
        .filter((l) => !l.startsWith("treeseq: IO:"));
      const events = lines.map((l) => JSON.parse(l));
      // start, then per file: file_started, 2 x (stat_started, stat_done), file_done; finish.
      expect(events.length).toBe(1 + 3 * 6 + 1);
      expect(events[0]).toMatchObject({ event: "start", files_total: 3, files_done: 0, statistics_per_file: 2, bytes_total: 600 });
      expect(events.at(-1)).toMatchObject({ event: "finish", files_done: 3, files_failed: 1, fraction: 1, eta_s: 0 });
      const statDone = events.filter((e) => e.event === "stat_done");
      expect(statDone.map((e) => `${e.file}:${e.statistic}`)).toEqual([
        "alpha.trees:diversity",
        "alpha.trees:fst",
        "beta.trees:diversity",
        "beta.trees:fst",
        "gamma.trees:diversity",
        "gamma.trees:fst",
      ]);
      for (const e of events) {
        expect(typeof e.elapsed_s).toBe("number");
        expect(e.eta_s === null || typeof e.eta_s === "number").toBe(true);
      }
      expect(events.find((e) => e.event === "file_done" && e.file === "beta.trees").ok).toBe(false);
    }
  });
});

describe("time left", () => {
  /** A json Progress on a string, with a clock the test sets. */
  function recorder() {
    let t = 0;
    const lines: any[] = [];
    const stream = {
      write: (s: string) => {
        lines.push(JSON.parse(s));
        return true;
      },
    } as unknown as NodeJS.WriteStream;
    const p = createProgress("json", stream, () => t);
    return {
      p,
      lines,
      at: (seconds: number) => {
        t = seconds * 1000;
      },
    };
  }

  it("weighs files by bytes: a quarter of the bytes done in 10 s leaves 30 s", () => {
    const { p, lines, at } = recorder();
    p.start(
      [
        { name: "a", bytes: 100 },
        { name: "b", bytes: 300 },
      ],
      1,
    );
    p.fileStarted("a");
    expect(lines.at(-1).eta_s).toBeNull(); // nothing done yet: no estimate
    at(10);
    p.fileDone("a", true);
    expect(lines.at(-1)).toMatchObject({ fraction: 0.25, elapsed_s: 10, eta_s: 30 });
  });

  it("counts the statistics a running file has done as that share of it (loading as one step)", () => {
    const { p, lines, at } = recorder();
    p.start([{ name: "a", bytes: 1000 }], 3);
    p.fileStarted("a");
    p.statStarted("a", "diversity");
    at(6);
    p.statDone("a", "diversity", true);
    // One of four steps (load + 3 statistics) of the only file: 25% in 6 s, 18 s left.
    expect(lines.at(-1)).toMatchObject({ fraction: 0.25, eta_s: 18 });
    p.statStarted("a", "fst");
    at(12);
    p.statDone("a", "fst", true);
    expect(lines.at(-1)).toMatchObject({ fraction: 0.5, eta_s: 12 });
  });

  it("gives files of unknown size (0 bytes) the mean weight of the others", () => {
    const { p, lines, at } = recorder();
    p.start(
      [
        { name: "a", bytes: 0 },
        { name: "b", bytes: 50 },
        { name: "c", bytes: 150 },
      ],
      0,
    );
    p.fileStarted("a");
    at(4);
    p.fileDone("a", true);
    // a weighs 100 of 300.
    expect(lines.at(-1).fraction).toBeCloseTo(1 / 3, 3);
    expect(lines.at(-1).eta_s).toBeCloseTo(8, 3);
  });
});

describe("treeseq stat's progress, end to end", () => {
  const CLI = join(ROOT, "dist/cli.js");
  const files = [join(ROOT, "test/fixtures/cli/a.trees"), join(ROOT, "test/fixtures/medium.trees")];
  // Node mode on medium.trees takes a few seconds: long enough for several redraws.
  const args = [
    "stat",
    ...files,
    "--stat",
    "diversity",
    "--stat",
    "y3",
    "--mode",
    "node",
    "--windows",
    "10",
    "--jobs",
    "1",
    "--threads",
    "2",
  ];

  it("draws on a terminal, then clears the line for the summary", () => {
    const r = inTerminal(process.execPath, CLI, ...args);
    expect(r.status, r.stderr).toBe(0);
    const draws = r.terminal.split("\r\x1b[K").slice(1);
    expect(draws.length).toBeGreaterThan(2);
    expect(draws[0]).toMatch(/^treeseq: 0\/2 files, 0%, 0:00 elapsed, time left unknown/);
    expect(
      draws.some((d) =>
        /^treeseq: [01]\/2 files, \d+%, \d+:\d\d elapsed, (~\d+:\d\d left|time left unknown) \| \S+\.trees: (loading|diversity|y3)$/.test(
          d,
        ),
      ),
    ).toBe(true);
    expect(draws.some((d) => /~\d+:\d\d left/.test(d))).toBe(true);
    // The last draw was cleared: the summary line stands alone.
    expect(draws.at(-1)).toMatch(/^treeseq stat: 2 files, 4 statistics, \d+ values in [\d.]+ s wall; .*\r\n$/);
  });

  it("piped, stderr has the summary line only; --progress json gives parseable events", () => {
    const piped = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 120_000, maxBuffer: 1 << 28 });
    expect(piped.status, piped.stderr).toBe(0);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: no carriage return or escape (a redrawn line) when piped
    expect(piped.stderr).toMatch(/^treeseq stat: 2 files, 4 statistics, [^\r\x1b]*\n$/);
    const json = spawnSync(process.execPath, [CLI, ...args, "--progress", "json"], {
      encoding: "utf8",
      timeout: 120_000,
      maxBuffer: 1 << 28,
    });
    expect(json.status, json.stderr).toBe(0);
    const lines = json.stderr.trimEnd().split("\n");
    expect(lines.pop()).toMatch(/^treeseq stat: /);
    const events = lines.map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ event: "start", files_total: 2, statistics_per_file: 2 });
    expect(events.filter((e) => e.event === "stat_done").map((e) => e.statistic)).toEqual(["diversity", "y3", "diversity", "y3"]);
    expect(events.filter((e) => e.event === "file_done").map((e) => [e.file, e.ok])).toEqual(files.map((f) => [f, true]));
    expect(events.at(-1)).toMatchObject({ event: "finish", files_done: 2, fraction: 1 });
  });
});

describe("the terminal line", () => {
  const state = {
    filesDone: 1,
    filesTotal: 3,
    file: "/data/runs/2026/replicate_0001/chromosome_21.trees",
    statistic: "fst",
    running: 2,
    failed: 1,
    elapsedS: 65,
    etaS: 3725,
    fraction: 0.333,
  };

  it("fits the terminal's width, keeping the end of a long file path", () => {
    const wide = progressLine(state, 200);
    expect(wide).toBe(
      "treeseq: 1/3 files, 1 failed, 33%, 1:05 elapsed, ~1:02:05 left | /data/runs/2026/replicate_0001/chromosome_21.trees: fst (+1 more)",
    );
    for (const columns of [120, 100, 90, 80, 60, 40, 20]) {
      const line = progressLine(state, columns);
      expect(line.length, `${columns}: ${line}`).toBeLessThanOrEqual(columns - 1);
    }
    expect(progressLine(state, 120)).toMatch(/ \| …[^ ]*chromosome_21\.trees: fst \(\+1 more\)$/);
    expect(progressLine({ ...state, file: null }, 200)).toBe("treeseq: 1/3 files, 1 failed, 33%, 1:05 elapsed, ~1:02:05 left");
    expect(progressLine({ ...state, statistic: null, running: 1, etaS: null }, 200)).toMatch(/time left unknown \| \S+: loading$/);
  });
});
