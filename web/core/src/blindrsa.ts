/**
 * docs/spec/blind_rsa.md: RFC 9474 RSABSSA-SHA384-PSS-Randomized through @cloudflare/blindrsa-ts, the issuer
 * key's DER SubjectPublicKeyInfo (encoded and strictly decoded here) and its fingerprint.
 */
import { RSABSSA } from '@cloudflare/blindrsa-ts';
import { bigIntToBytes, bytesToBigInt, concatBytes, equalBytes } from './bytes.js';
import { ShailooError } from './errors.js';
import { hashFields } from './hashing.js';

export const PUBLIC_KEY_TAG = 'blind-rsa/public-key';
const RSA_OID = new Uint8Array([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]);

function derLength(n: number): Uint8Array {
  if (n < 0x80) return new Uint8Array([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return new Uint8Array([0x80 | bytes.length, ...bytes]);
}

function der(tag: number, body: Uint8Array): Uint8Array {
  return concatBytes(new Uint8Array([tag]), derLength(body.length), body);
}

function derInteger(n: bigint): Uint8Array {
  let len = 1;
  while (n >> BigInt(8 * len) > 0n) len++;
  let body = bigIntToBytes(n, len);
  if (body[0]! & 0x80) body = concatBytes(new Uint8Array([0]), body);
  return der(0x02, body);
}

export interface RsaPublicKey {
  readonly n: bigint;
  readonly e: bigint;
}

export function modulusBits(key: RsaPublicKey): number {
  return key.n.toString(2).length;
}

export function checkRsaPublicKey(key: RsaPublicKey, minBits = 3072): void {
  if (key.n % 2n === 0n || modulusBits(key) < minBits) {
    throw new ShailooError('invalid_parameters', `an issuer modulus is odd and at least ${minBits} bits`);
  }
  if (key.e % 2n === 0n || key.e < 3n || key.e >= key.n) throw new ShailooError('invalid_parameters', 'a bad public exponent');
}

/** DER SubjectPublicKeyInfo with rsaEncryption and NULL parameters. */
export function spkiFromKey(key: RsaPublicKey): Uint8Array {
  const algorithm = der(0x30, concatBytes(RSA_OID, new Uint8Array([0x05, 0x00])));
  const rsaKey = der(0x30, concatBytes(derInteger(key.n), derInteger(key.e)));
  return der(0x30, concatBytes(algorithm, der(0x03, concatBytes(new Uint8Array([0]), rsaKey))));
}

/** Strict: parse, then re-encode and demand byte equality (one accepted encoding per key). */
export function keyFromSpki(spki: Uint8Array, minBits = 3072): RsaPublicKey {
  return parseSpki(spki, minBits);
}

function parseSpki(spki: Uint8Array, minBits: number): RsaPublicKey {
  // A linear walk over the fixed shape SEQ{SEQ{OID,NULL}, BITSTRING{0, SEQ{INT n, INT e}}}.
  let at = 0;
  const header = (tag: number): number => {
    if (spki[at] !== tag) throw new ShailooError('non_canonical', 'not an RSA SubjectPublicKeyInfo');
    at++;
    let len = spki[at++] ?? 0;
    if (len & 0x80) {
      const count = len & 0x7f;
      len = 0;
      for (let i = 0; i < count; i++) len = len * 256 + (spki[at++] ?? 0);
    }
    if (at + len > spki.length) throw new ShailooError('non_canonical', 'truncated DER');
    return len;
  };
  header(0x30);
  const algorithmLength = header(0x30);
  at += algorithmLength;
  header(0x03);
  at++;
  header(0x30);
  const nLen = header(0x02);
  const n = bytesToBigInt(spki.subarray(at, at + nLen));
  at += nLen;
  const eLen = header(0x02);
  const e = bytesToBigInt(spki.subarray(at, at + eLen));
  const key = { n, e };
  checkRsaPublicKey(key, minBits);
  if (!equalBytes(spkiFromKey(key), spki)) throw new ShailooError('non_canonical', 'not the canonical DER of this key');
  return key;
}

/** hash_fields("blind-rsa/public-key", spki_der): what clients pin. */
export function issuerFingerprint(key: RsaPublicKey): Uint8Array {
  return hashFields(PUBLIC_KEY_TAG, spkiFromKey(key));
}

/** Each key object's import, done once: a verifier checks every ballot's credential under the same few keys. */
const imported = new WeakMap<RsaPublicKey, Promise<CryptoKey>>();

/** The key as a WebCrypto RSA-PSS/SHA-384 verification key (what the RFC 9474 library takes). */
export function importIssuerKey(key: RsaPublicKey): Promise<CryptoKey> {
  let done = imported.get(key);
  if (done === undefined) {
    const spki = spkiFromKey(key);
    done = crypto.subtle.importKey('spki', spki.slice().buffer as ArrayBuffer, { name: 'RSA-PSS', hash: 'SHA-384' }, true, ['verify']);
    imported.set(key, done);
  }
  return done;
}

export function suite() {
  return RSABSSA.SHA384.PSS.Randomized();
}

export function modulusBytes(key: RsaPublicKey): number {
  return Math.ceil(modulusBits(key) / 8);
}
