/** What the checks share in one run: the export, the options, and what earlier checks established. */
import type { Ciphertext, CurvePoint, RsaPublicKey } from "./core.js";
import type { DecryptionShare } from "./checks/batch.js";
import type { CountedTally } from "./checks/counted.js";
import type { Devices, PaperBallots } from "./checks/precinct.js";
import type { PrecinctProtocol } from "./checks/precinct_records.js";
import type { Tally } from "./checks/tally.js";
import type { BoardExport } from "./export.js";
import type { Row } from "./shuffle.js";
import { CheckSkipped, NotImplemented, type Status } from "./report.js";

export type EntrySource = () => AsyncIterable<[number, string, unknown]>;

export interface WitnessPin {
  name: string;
  key: Uint8Array | null;
}

export interface VerifyOptions {
  witnesses: WitnessPin[];
  minWitnesses: number;
  /** The fewest modulus bits of an issuer key (3072 for any real election; less only for tests and demos). */
  minIssuerBits: number;
  /** A runoff's first round, loaded (`--previous-export`, check 18); null or absent without it. */
  previousExport?: BoardExport | null;
}

export const DEFAULT_OPTIONS: VerifyOptions = { witnesses: [], minWitnesses: 1, minIssuerBits: 3072 };

export interface Commitment {
  index: number;
  n: number;
  k: number;
  coefficients: CurvePoint[];
  coefficientProof: Uint8Array;
  shareKey: CurvePoint;
  shareKeyProof: Uint8Array;
}

export interface Ceremony {
  context: Uint8Array;
  n: number;
  k: number;
  attempt: number;
  /** participant → [entry index, commitment] */
  commitments: Map<number, [number, Commitment]>;
  excluded: Map<number, string>;
  closes: Map<string, [number, number[]]>;
  commitmentsEnded: number;
}

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
    /** Streams the export's entries again (index, kind, payload), for payloads not kept in memory (ballots). */
    readonly source: EntrySource,
  ) {}

  /** Every entry of `kind` with its payload, in index order, streamed from the export. */
  async *entriesOf(kind: string): AsyncGenerator<[number, unknown]> {
    for await (const [index, k, payload] of this.source()) if (k === kind) yield [index, payload];
  }

  /** Each check's status so far (a check needing a value of one not implemented here is not implemented). */
  readonly statuses = new Map<number, Status>();
  ceremony: Ceremony | null = null;
  qualification: { qualified: number[]; disqualified: Map<number, string> } | null = null;
  jointKey: { K: CurvePoint; publicShares: CurvePoint[]; index: number } | null = null;
  issuerFingerprints: Map<string, Uint8Array> | null = null;
  issuerKeys: Map<string, RsaPublicKey> | null = null;
  /** Told how far a long check got (the page's progress bar). */
  progress: ((what: string, done: number) => void) | null = null;
  baseHash: Uint8Array | null = null;
  registeredByStyle: Map<string, number> | null = null;
  /** The counted ballots' sums per style and precinct, built by check 20 as it decoded every ballot (for check 40). */
  countedTally: CountedTally | null = null;
  /** The devices check 30 registered, and those whose registration it refused. */
  devices: Devices | null = null;
  /** The urns' paper ballots summed per ballot style and per precinct (check 31, for check 40). */
  paperBallots: PaperBallots | null = null;
  /** Every device's parsed protocols, [entry index, protocol] in board order (check 31, for check 32). */
  precinctProtocols: Map<string, [number, PrecinctProtocol][]> | null = null;
  /** The encrypted tally, once check 40 recomputed it. */
  tally: Tally | null = null;
  /** Each trustee's complete, verified decryption shares, in decryptable-position order (check 41). */
  decryptionShares: Map<number, DecryptionShare[]> | null = null;
  /** The published counts per style and contest, once check 42 showed them to be the decryption. */
  counts: Record<string, Record<string, number[]>> | null = null;
  /** The ballots' mixed list, once check 45 verified its chain. */
  mixedRows: Row[] | null = null;
  /** The roster's mixed credentials, once check 46 verified its chain. */
  crRoster: Ciphertext[] | null = null;
  /** What check 47 established: the `cr_ballot` count, the order tags (board order), the order chain's exponent
   * keys, and how many ballots a later one with their credential superseded. */
  crOrder: { ballots: number; tags: CurvePoint[]; keys: CurvePoint[]; superseded: number } | null = null;
  /** The fully blinded mixed ballots' credentials and mixed roster, once check 48 verified both chains. */
  crBlinded: { ballots: Ciphertext[]; roster: Ciphertext[]; trustees: number[] } | null = null;

  /** The value, or skip the check naming what is missing and which check should have established it; when that
   * check is one this verifier does not implement yet, the asking check is not implemented either. */
  need<T>(value: T | null, what: string, check: number): T {
    if (value !== null) return value;
    if (this.statuses.get(check) === "not_implemented") {
      throw new NotImplemented(`needs ${what}, from check ${check}, which this verifier does not implement yet`);
    }
    throw new CheckSkipped(`needs ${what}, which check ${check} did not establish`);
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
