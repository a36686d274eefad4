/**
 * A command-line front to web/core for the cross-implementation tests (tests/web/): the Python test drives the
 * same credential and ballot steps the app does, with JSON on stdin and stdout.
 *
 *   node dist/cli/ballot-cli.mjs credential-request < {election_id, style_id, modulus_hex, public_exponent}
 *   node dist/cli/ballot-cli.mjs ballot < {...pending, blind_signature, joint_public_key, election_base_hash, contests}
 *   node dist/cli/ballot-cli.mjs cr-device-key < {}                                   (coercion-resistant mode)
 *   node dist/cli/ballot-cli.mjs cr-credential < {election_id, device_secret, registration, joint_public_key, election_base_hash}
 *   node dist/cli/ballot-cli.mjs cr-ballot < {credential, joint_public_key, election_base_hash, choices: {id: [value, bits]}}
 */
import {
  G,
  checkCrCredential,
  ciphertextFromBytes,
  createCrBallot,
  crCheckCode,
  crCredentialFromText,
  crCredentialToText,
  fakeCrCredential,
  mulSecret,
  encodePoint,
  randomScalar,
  rosterProofFromBytes,
  decodeScalar,
  createBallot,
  credentialFingerprint,
  decodePoint,
  finalizeCredential,
  fromHex,
  requestCredential,
  toHex,
  trackingCode,
  ballotHash,
} from '../core/src/index.js';

async function readStdin(): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

async function run(): Promise<unknown> {
  const command = process.argv[2];
  const input = await readStdin();
  if (command === 'cr-device-key') {
    const d = randomScalar();
    return { device_secret: d.toString(16).padStart(64, '0'), device_key: toHex(encodePoint(mulSecret(G, d))) };
  }
  if (command === 'cr-credential') {
    const reg = input.registration as { style_id: string; position: number; credential_secret: string; roster_credential: string; proof: string };
    const d = decodeScalar(fromHex(String(input.device_secret), 32));
    const K = decodePoint(fromHex(String(input.joint_public_key), 33));
    const B = fromHex(String(input.election_base_hash), 32);
    const real = {
      electionId: String(input.election_id),
      styleId: reg.style_id,
      position: reg.position,
      secret: decodeScalar(fromHex(reg.credential_secret, 32)),
      rosterCredential: ciphertextFromBytes(fromHex(reg.roster_credential, 66)),
      proof: rosterProofFromBytes(fromHex(reg.proof, 195)),
      deviceKey: mulSecret(G, d),
    };
    checkCrCredential(real, B, K, String(input.election_id));
    const fake = fakeCrCredential(real, B, K, d);
    return { real: crCredentialToText(real), real_check_code: crCheckCode(real.secret), fake: crCredentialToText(fake), fake_check_code: crCheckCode(fake.secret) };
  }
  if (command === 'cr-ballot') {
    const cred = crCredentialFromText(String(input.credential));
    const K = decodePoint(fromHex(String(input.joint_public_key), 33));
    const B = fromHex(String(input.election_base_hash), 32);
    checkCrCredential(cred, B, K);
    const choices = input.choices as Record<string, [number, number]>;
    return createCrBallot(B, K, cred.electionId, cred.styleId, cred.secret, choices);
  }
  const key = { n: BigInt('0x' + String(input.modulus_hex)), e: BigInt(Number(input.public_exponent)) };
  if (command === 'credential-request') {
    const p = await requestCredential(String(input.election_id), String(input.style_id), key);
    return { secret_key: toHex(p.secretKey), public_key: toHex(p.publicKey), prepared: toHex(p.prepared), blinded_message: toHex(p.blindedMessage), inv: toHex(p.inv) };
  }
  if (command === 'ballot') {
    const pending = {
      electionId: String(input.election_id),
      styleId: String(input.style_id),
      secretKey: fromHex(String(input.secret_key)),
      publicKey: fromHex(String(input.public_key)),
      prepared: fromHex(String(input.prepared)),
      blindedMessage: fromHex(String(input.blinded_message)),
      inv: fromHex(String(input.inv)),
    };
    const credential = await finalizeCredential(pending, key, fromHex(String(input.blind_signature)));
    const contests = (input.contests as { contest_id: string; selections: number[]; min_marks: number; max_marks: number }[]).map((c) => ({
      contestId: c.contest_id,
      selections: c.selections,
      minMarks: c.min_marks,
      maxMarks: c.max_marks,
    }));
    const { ballot, reveal } = createBallot({
      electionId: credential.electionId,
      styleId: credential.styleId,
      contests,
      jointKey: decodePoint(fromHex(String(input.joint_public_key), 33)),
      baseHash: fromHex(String(input.election_base_hash), 32),
      credential,
    });
    return { ballot, reveal, tracking_code: trackingCode(ballotHash(ballot)), credential_fingerprint: credentialFingerprint(credential.publicKey, credential.msgPrefix, credential.registrarSignature) };
  }
  throw new Error(`unknown command ${command}`);
}

run().then(
  (out) => process.stdout.write(JSON.stringify(out)),
  (e: unknown) => {
    process.stderr.write(`${String((e as { code?: string }).code ?? '')} ${String(e)}\n`);
    process.exit(1);
  },
);
