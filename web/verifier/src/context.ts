/** What the checks share in one run: the export, the options, and what earlier checks established. */
import type { BoardExport } from "./export.js";
import { CheckSkipped } from "./report.js";

export interface WitnessPin {
  name: string;
  key: Uint8Array | null;
}

export interface VerifyOptions {
  witnesses: WitnessPin[];
  minWitnesses: number;
}

export const DEFAULT_OPTIONS: VerifyOptions = { witnesses: [], minWitnesses: 1 };

export interface Manifest {
  raw: Record<string, unknown>;
  electionId: string;
  styles: { styleId: string; contests: string[]; regionId: string }[];
  policy: Record<string, unknown>;
  hash: Uint8Array;
}

export class Context {
  manifest: Manifest | null = null;
  /** Issued credentials per ballot style (check 16). */
  issuedByStyle: Map<string, number> | null = null;

  constructor(
    readonly exp: BoardExport,
    readonly options: VerifyOptions,
  ) {}

  /** The value, or skip the check naming what is missing and which check should have established it. */
  need<T>(value: T | null, what: string, check: number): T {
    if (value === null) throw new CheckSkipped(`needs ${what}, which check ${check} did not establish`);
    return value;
  }

  ofKind(kind: string): number[] {
    return this.exp.entries.filter((e) => e.kind === kind).map((e) => e.index);
  }

  payload(index: number): Record<string, unknown> {
    const p = this.exp.payloads.get(index);
    if (p === undefined) throw new Error(`entry ${index} has no payload in memory`);
    return p;
  }
}
