import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Consumer projects are installed and run by test/package.test.ts, not collected here.
    exclude: ["test/consumers/**", "node_modules/**"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One file at a time: each test file starts its own worker pools, and the machine has 2 cores.
    fileParallelism: false,
  },
});
