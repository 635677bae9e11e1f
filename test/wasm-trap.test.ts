/**
 * A panic in WebAssembly aborts (traps) the instance. treeseq must turn it into a
 * TreeSeqError, never call the broken instance again, and give a fresh one on the next init.
 */
import { it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { WasmBackend } from "../dist/wasm.js";
import { nodeHost } from "../dist/wasm-host-node.js";
import { TreeSeqError } from "../dist/errors.js";
import { toKwargs } from "../dist/stats.js";
import { fixtures } from "./helpers.js";

it("a trapped WASM instance is retired and replaced", async () => {
  const fixture = fixtures()[0];
  const bytes = readFileSync(fixture.path);
  const b = await WasmBackend.create(nodeHost, 2, "test", "test");
  const ok = await b.load(bytes);
  expect(ok.summary().numTrees).toBe(fixture.expected.summary.num_trees);

  const err = await b.driver!.call({ op: "trap" }).then(() => null, (e) => e);
  expect(err).toBeInstanceOf(TreeSeqError);
  expect(err.code).toBe("INTERNAL");
  await expect(b.load(bytes)).rejects.toMatchObject({ code: "INTERNAL" });
  expect(() => ok.summary()).toThrow(/trapped earlier/);

  const fresh = await WasmBackend.create(nodeHost, 2, "test", "test");
  const again = await fresh.load(bytes);
  expect(again.summary().numTrees).toBe(fixture.expected.summary.num_trees);
  expect(await fresh.distinctWorkerThreads(64)).toBe(2);
});

it("the single-threaded build computes off the calling thread, with the threaded build's bits", async () => {
  // "small" in ../shared/fixtures; any fixture when TREESEQ_FIXTURES points elsewhere.
  const fixture = fixtures().find((f) => f.name === "small") ?? fixtures()[0];
  const bytes = readFileSync(fixture.path);
  const st = await WasmBackend.create(nodeHost, 1, "test", "test", true);
  expect(st.threaded).toBe(false);
  const mt = await WasmBackend.create(nodeHost, 2, "test", "test");
  const args = () => toKwargs("diversity", { mode: "site", windows: "trees" });
  const a = await (await st.load(bytes)).compute("diversity", args());
  const b = await (await mt.load(bytes)).compute("diversity", args());
  expect(a.shape).toEqual([fixture.expected.summary.num_trees]);
  expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
});
