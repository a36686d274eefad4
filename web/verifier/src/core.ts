/** The shared TypeScript implementation of docs/spec (web/core), used by relative path, never rewritten here. */
export * from "../../core/src/index.js";
