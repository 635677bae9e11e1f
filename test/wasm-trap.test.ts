/**
 * A panic or a failed allocation in WebAssembly aborts (traps) the instance. treeseq must
 * reject the call that caused it with a TreeSeqError that says so, never leave a promise
 * pending (not even those queued behind it), never call the trapped instance again, and serve
 * the next call from a fresh instance on the same backend, with the usual answers.
 */
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { WasmBackend } from "../dist/wasm.js";
import { nodeHost } from "../dist/wasm-host-node.js";
import { TreeSeqError } from "../dist/errors.js";
import { TreeSequence } from "../dist/treesequence.js";
import { toKwargs } from "../dist/stats.js";
import { fixtures } from "./helpers.js";

// "small" in ../shared/fixtures; any fixture when TREESEQ_FIXTURES points elsewhere.
const fixture = fixtures().find((f) => f.name === "small") ?? fixtures()[0];
const bytes = readFileSync(fixture.path);

/** Rejects with "still pending" when `p` has not settled within `ms`: no call may hang. */
function settles<T>(p: Promise<T>, ms = 20_000): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error("still pending")), ms))]);
}

/** The statistic every recovery is checked with: diversity per tree, in branch mode. */
async function usual(b: InstanceType<typeof WasmBackend>): Promise<Float64Array> {
  const ts = new TreeSequence(b, await settles(b.load(bytes)));
  const r = await settles(ts.diversity({ mode: "branch", windows: "trees" }));
  expect(r.shape).toEqual([fixture.expected.summary.num_trees]);
  ts.dispose();
  return r.data;
}

const builds = [
  { name: "threaded", singleThreaded: false },
  { name: "single-threaded", singleThreaded: true },
] as const;
const traps = [
  { kind: "panic", where: "pool", says: /deliberate panic for tests \(panic\)/ },
  { kind: "oom", where: "pool", says: /allocation failed, out of memory/ },
  { kind: "panic", where: "driver", says: /deliberate panic/ },
  { kind: "oom", where: "main", says: /allocation failed/ },
] as const;

describe.each(builds)("WASM, $name build", ({ singleThreaded }) => {
  it.each(traps)(
    "a trap ($kind in $where) rejects its call and those behind it, and the next call gets a fresh instance",
    async ({ kind, where, says }) => {
      const b = await WasmBackend.create(nodeHost, 2, "test", "test", singleThreaded);
      const before = await usual(b);
      const old = new TreeSequence(b, await b.load(bytes));

      const trap = b.trapForTests(kind, where);
      // Queued behind the trap on the same worker: must settle too (rejected: its file was in
      // the retired instance).
      const queued = old.diversity({ windows: "trees" });
      const err = await settles(trap).then(
        () => null,
        (e) => e,
      );
      expect(err).toBeInstanceOf(TreeSeqError);
      expect(err.code).toBe("INTERNAL");
      expect(err.message).toMatch(/trapped/);
      expect(err.message).toMatch(says);
      expect(err.message).toMatch(/retired/);
      if (where !== "main") await expect(settles(queued)).rejects.toBeInstanceOf(TreeSeqError);
      else await settles(queued).catch(() => {}); // ran before the trap, or refused: settled either way

      // The trapped instance's objects are never called again.
      expect(() => old.samples()).toThrow(/trapped/);
      await expect(settles(old.diversity())).rejects.toMatchObject({ code: "DISPOSED" });
      old.dispose(); // harmless

      // The same backend, a fresh instance: the usual answer, bit for bit.
      const after = await usual(b);
      expect(Buffer.from(after.buffer).equals(Buffer.from(before.buffer))).toBe(true);
      if (!singleThreaded) expect(await settles(b.distinctWorkerThreads(64))).toBe(2);
      // And a later create() (init) gets the fresh instance too.
      const again = await WasmBackend.create(nodeHost, 2, "test", "test", singleThreaded);
      expect(Buffer.from((await usual(again)).buffer).equals(Buffer.from(before.buffer))).toBe(true);
    },
    60_000,
  );
});

it("the single-threaded build computes off the calling thread, with the threaded build's bits", async () => {
  const st = await WasmBackend.create(nodeHost, 1, "test", "test", true);
  expect(st.threaded).toBe(false);
  const mt = await WasmBackend.create(nodeHost, 2, "test", "test");
  const args = () => toKwargs("diversity", { mode: "site", windows: "trees" });
  const a = await (await st.load(bytes)).compute("diversity", args());
  const b = await (await mt.load(bytes)).compute("diversity", args());
  expect(a.shape).toEqual([fixture.expected.summary.num_trees]);
  expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
});

it("the memory ceiling is set in the instance, and set again in the fresh instance after a trap", async () => {
  // The TypeScript's part only: a host whose glue records set_max_memory (the crate's own is
  // tested with the crate). Threaded build: one memory, so one call sets it for every thread.
  const set: number[] = [];
  const host = {
    ...nodeHost,
    async glue(build: any) {
      const factory = await nodeHost.glue(build);
      return {
        createGlue() {
          const glue = factory.createGlue();
          let max = 1;
          return Object.assign(Object.create(glue), {
            set_max_memory: (b: number) => {
              set.push(b);
              max = b;
            },
            max_memory: () => max,
          });
        },
      };
    },
  };
  // Instances are shared per build: retire the one earlier tests made, so that this host makes the next.
  await (await WasmBackend.create(nodeHost, 2, "test", "test")).trapForTests("panic", "main").catch(() => {});
  const b = await WasmBackend.create(host, 2, "test", "test");
  await b.setMaxMemory(123_456_789);
  expect(b.maxMemory()).toBe(123_456_789);
  await b.trapForTests("panic", "pool").catch(() => {});
  await usual(b); // a fresh instance...
  expect(set).toEqual([123_456_789, 123_456_789]); // ...with the ceiling set again
  expect(b.maxMemory()).toBe(123_456_789);
});
