import { defineConfig } from "vitest/config";

export default defineConfig({
  // proof-heavy tests take seconds each, more on a loaded machine: the same generous limit as web/vitest.config.ts
  test: { include: ["test/**/*.test.ts"], pool: "forks", maxWorkers: 1, testTimeout: 60_000 },
});
