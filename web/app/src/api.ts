/** The voter API (/v1, docs/server.md) as the app calls it: same origin only; every failure becomes a code. */

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    const init: RequestInit = { method, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' };
    if (body !== undefined) {
      init.headers = { 'Content-Type': 'application/json' };
      init.body = JSON.stringify(body);
    }
    response = await fetch(path, init);
  } catch {
    throw new ApiError('server_down', 'the server could not be reached', 0);
  }
  let data: unknown = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const record = (data ?? {}) as { code?: unknown; message?: unknown };
    const code = typeof record.code === 'string' ? record.code : response.status >= 500 ? 'server_down' : 'unknown';
    throw new ApiError(code, typeof record.message === 'string' ? record.message : response.statusText, response.status);
  }
  return data as T;
}

export interface IssuerKeyPublic {
  style_id: string;
  modulus_hex: string;
  public_exponent: number;
}

export interface ElectionPublic {
  election_id: string;
  phase: string;
  manifest: Record<string, unknown>;
  manifest_hash: string;
  election_base_hash: string | null;
  joint_public_key: string | null;
  issuer_keys: IssuerKeyPublic[];
  board_public_key: string;
  revoting_allowed: boolean;
  challenge_allowed: boolean;
}

export interface SelectionText {
  selection_id: string;
  kind: string;
  label: string;
}

export interface ContestText {
  contest_id: string;
  kind: string;
  title: string;
  question: string | null;
  min_marks: number;
  max_marks: number;
  selections: SelectionText[];
}

export interface BallotDefinition {
  election_id: string;
  style_id: string;
  language: string;
  contests: ContestText[];
}

export interface IdentificationSession {
  session_id: string;
  liveness_nonce: string;
  liveness_turns: string[];
  expires_in_seconds: number;
}

export interface IdentificationResult {
  session_id: string;
  identified: boolean;
  style_id: string;
}

export interface Receipt {
  election_id: string;
  tracking_code: string;
  credential_fingerprint: string;
  ballot_hash: string;
  entry_index: number;
  entry_hash: string;
  kind: string;
  promise: string;
}
