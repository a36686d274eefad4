/**
 * The verification report, shaped as the Python verifier's `shailoo verify --json` (observer/report.py):
 * `{"format", "export", "passed", "counts", "checks": [{"number", "area", "name", "status", "message",
 * "evidence", "seconds"}]}`. One status more: "not_implemented", for a check this verifier does not run yet
 * (never "pass"); it does not fail verification but `counts` shows it.
 */
export const REPORT_FORMAT = "shailoo-verification-report/1";

export type Status = "pass" | "fail" | "skipped" | "not_implemented";
export type Evidence = Record<string, unknown>;

export interface CheckResult {
  number: number;
  area: string;
  name: string;
  status: Status;
  message: string;
  evidence: Evidence;
  seconds: number;
}

export interface Report {
  format: string;
  verifier: string;
  export: { origin: string; size: number; tree_head_root: string | null; fingerprint: string };
  passed: boolean;
  counts: Record<Status, number>;
  checks: CheckResult[];
}

export class CheckFailed extends Error {
  constructor(
    message: string,
    readonly evidence: Evidence = {},
  ) {
    super(message);
  }
}

export class CheckSkipped extends Error {}

export class NotImplemented extends Error {}

export interface Passed {
  message: string;
  evidence?: Evidence;
}
