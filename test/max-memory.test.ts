/**
 * `init({ maxMemory })` and TREESEQ_MAX_MEMORY reach the backend's binding, are applied to
 * every backend made afterwards, and `backendInfo()` reports the ceiling in force. The
 * bindings' own ceilings are tested with them; here, the TypeScript's part, with a recording
 * backend behind the real `init`.
 */
import { it, expect } from "vitest";
import { setPlatform, init, backendInfo } from "../dist/api.js";
import { NativeBackend } from "../dist/native.js";

const env: Record<string, string | undefined> = {};
const made: Array<{ name: string; set: number[] }> = [];

setPlatform({
  defaultThreads: () => 1,
  env: (name) => env[name],
  async create(choice) {
    const name = choice === "wasm" ? "wasm" : "native";
    const rec = { name, set: [] as number[] };
    made.push(rec);
    let max: number | null = null;
    return {
      name,
      threads: 1,
      version: "test",
      reason: "test",
      load: async () => {
        throw new Error("not here");
      },
      distinctWorkerThreads: async () => 1,
      setMaxMemory: async (b: number) => {
        rec.set.push(b);
        max = b;
      },
      maxMemory: () => max,
      close: async () => {},
    } as any;
  },
  readSource: async () => new Uint8Array(),
});

it("init({ maxMemory }) sets the ceiling, keeps it for backends made later, and backendInfo reports it", async () => {
  expect((await init({ backend: "native" })).maxMemory).toBe(null);
  expect((await init({ backend: "native", maxMemory: 2n ** 33n })).maxMemory).toBe(2 ** 33);
  expect(made.at(-1)!.set).toEqual([2 ** 33]);
  // A later init without maxMemory keeps it, on whichever backend it makes.
  expect((await init({ backend: "wasm" })).maxMemory).toBe(2 ** 33);
  expect(made.at(-1)).toEqual({ name: "wasm", set: [2 ** 33] });
  env.TREESEQ_MAX_MEMORY = "1000000";
  expect((await init({ backend: "wasm" })).maxMemory).toBe(1_000_000);
  env.TREESEQ_MAX_MEMORY = "1 GiB";
  await expect(init()).rejects.toMatchObject({ code: "BAD_PARAM", message: expect.stringContaining("TREESEQ_MAX_MEMORY") });
  // The refusal left the earlier choice in force.
  expect(backendInfo()).toMatchObject({ name: "wasm", maxMemory: 1_000_000 });
});

it("the native backend calls the addon's setMaxMemory/maxMemory, and says so clearly where the addon has none", async () => {
  const calls: number[] = [];
  const addon = { setMaxMemory: (b: number) => void calls.push(b), maxMemory: () => calls.at(-1) ?? 7 } as any;
  const b = new NativeBackend(addon, 1, "test", "test");
  expect(b.maxMemory()).toBe(7);
  await b.setMaxMemory(5e9);
  expect(calls).toEqual([5e9]);
  expect(b.maxMemory()).toBe(5e9);
  const old = new NativeBackend({} as any, 1, "test", "test");
  expect(old.maxMemory()).toBe(null);
  await expect(old.setMaxMemory(1)).rejects.toMatchObject({
    code: "BACKEND_UNAVAILABLE",
    message: expect.stringContaining("no setMaxMemory"),
  });
});
