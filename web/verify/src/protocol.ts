/** The messages between the page and its Web Worker. */
import type { Report } from "../../verifier/src/report.js";

export interface Options {
  minIssuerBits: number;
  minWitnesses: number;
  /** name → 64 hex digits of its Ed25519 key, or null to pin the name only */
  witnesses: { name: string; key: string | null }[];
}

export type Source = { file: File } | { url: string };

export interface Request {
  source: Source;
  options: Options;
}

export type Reply =
  /** phase "read": the first pass over the export; "check": the checks (fraction of checks done). */
  | { type: "progress"; phase: "read" | "check"; fraction: number | null; bytes: number; check: number | null }
  | { type: "done"; report: Report }
  | { type: "error"; code: "export_unreadable" | "fetch_failed" | "bad_options" | "internal"; message: string };
