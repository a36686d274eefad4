/**
 * A command-line front to web/core for the cross-implementation tests (tests/web/): the Python test drives the
 * same credential and ballot steps the app does, with JSON on stdin and stdout.
 *
 *   node dist/cli/ballot-cli.mjs credential-request < {election_id, style_id, modulus_hex, public_exponent}
 *   node dist/cli/ballot-cli.mjs ballot < {...pending, blind_signature, joint_public_key, election_base_hash, contests}
 */
import {
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
    return { ballot, reveal, tracking_code: trackingCode(ballotHash(ballot)), credential_fingerprint: credentialFingerprint(credential.publicKey) };
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
