/** Signed notes of the board (docs/spec/board.md §4): tree heads, promises, witness cosignatures. */
import { concat, equalBytes, fromBase64, toBase64, utf8 } from "./bytes.js";
import { verifyEd25519 } from "./ed25519.js";
import { sha256 } from "./hash.js";

export class NoteError extends Error {}

const DASH = "\u2014";

export function checkName(name: string): void {
  if (!/^[\x21-\x7e]+$/.test(name) || name.includes("+")) {
    throw new NoteError(`signer name ${JSON.stringify(name)} must be printable ASCII without spaces or '+'`);
  }
}

/** `SHA-256(name ‖ 0x0a ‖ 0x01 ‖ key)[0:4]`. */
export function keyId(name: string, key: Uint8Array): Uint8Array {
  return sha256(concat(utf8(name), Uint8Array.of(0x0a, 0x01), key)).slice(0, 4);
}

function uint(text: string, what: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(text)) throw new NoteError(`${what} ${JSON.stringify(text)} is not a decimal number`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new NoteError(`${what} is too large`);
  return n;
}

function unb64(text: string, length: number, what: string): Uint8Array {
  const bytes = fromBase64(text);
  if (bytes === null) throw new NoteError(`${what} is not canonical base64`);
  if (bytes.length !== length) throw new NoteError(`${what} must be ${length} bytes, not ${bytes.length}`);
  return bytes;
}

export interface TreeHead {
  origin: string;
  size: number;
  root: Uint8Array;
  timestamp: number;
  body: string;
}

export interface SignedTreeHead extends TreeHead {
  keyId: Uint8Array;
  signature: Uint8Array;
}

export function treeHeadBody(origin: string, size: number, root: Uint8Array, timestamp: number): string {
  return `${origin}\n${size}\n${toBase64(root)}\ntime ${timestamp}\n`;
}

/** A checkpoint note with exactly one signature line of its origin (lines of other names are ignored). */
export function parseTreeHead(text: string): SignedTreeHead {
  const cut = text.indexOf("\n\n");
  const sigs = cut < 0 ? "" : text.slice(cut + 2);
  if (cut < 0 || !sigs.endsWith("\n")) {
    throw new NoteError("a signed note is a body, an empty line and signature lines ending in newline");
  }
  const lines: [string, Uint8Array, Uint8Array][] = [];
  for (const line of sigs.slice(0, -1).split("\n")) {
    const parts = line.split(" ");
    if (parts.length !== 3 || parts[0] !== DASH) throw new NoteError(`bad signature line ${JSON.stringify(line)}`);
    const blob = unb64(parts[2] as string, 68, "signature");
    lines.push([parts[1] as string, blob.slice(0, 4), blob.slice(4)]);
  }
  const body = text.slice(0, cut) + "\n";
  const b = body.split("\n");
  if (b.length !== 5 || b[4] !== "" || !(b[3] as string).startsWith("time ")) {
    throw new NoteError("checkpoint body must be origin, size, root and 'time <ms>' lines");
  }
  const origin = b[0] as string;
  checkName(origin);
  const head = {
    origin,
    size: uint(b[1] as string, "tree size"),
    root: unb64(b[2] as string, 32, "root hash"),
    timestamp: uint((b[3] as string).slice(5), "time"),
    body,
  };
  const own = lines.filter((l) => l[0] === origin);
  if (own.length !== 1) throw new NoteError("checkpoint must carry exactly one signature line of its origin");
  const [, kid, signature] = own[0] as [string, Uint8Array, Uint8Array];
  return { ...head, keyId: kid, signature };
}

/** Null when the log's signature on the head verifies under `logKey`, else why not. */
export function treeHeadSignatureProblem(head: SignedTreeHead, logKey: Uint8Array): string | null {
  if (!equalBytes(head.keyId, keyId(head.origin, logKey))) {
    return `tree head of size ${head.size} is signed by another key id than the log key's`;
  }
  return verifyEd25519(logKey, utf8(head.body), head.signature)
    ? null
    : `tree head of size ${head.size}: Ed25519 signature of ${head.origin} does not verify`;
}

export function promiseBody(origin: string, index: number, entryHash: Uint8Array, timestamp: number): string {
  return `shailoo-promise/v1\n${origin}\n${index}\n${toBase64(entryHash)}\n${timestamp}\n`;
}

export function cosignatureMessage(head: TreeHead, timestamp: number): Uint8Array {
  return utf8(`shailoo-cosignature/v1\ntime ${timestamp}\n${head.body}`);
}
