/**
 * Run every numbered check of docs/spec/record.md §3 on a loaded export, in number order, never stopping at a
 * failure. The numbers, areas and names are the Python verifier's (observer/checks); a check this verifier does
 * not implement yet is reported "not_implemented", never "pass".
 */
import { toHex } from "./bytes.js";
import { annulments } from "./checks/annulment.js";
import { complaints as publicComplaints } from "./checks/complaints.js";
import { runoffLink } from "./checks/runoff.js";
import { everyBallot, spoiledBallots } from "./checks/ballot.js";
import { distinctBallots, weeding } from "./checks/ballots.js";
import { merkleLog, phases, treeHeads, witnesses } from "./checks/log.js";
import { batchChains, deviceKeys, reconciliation } from "./checks/precinct.js";
import { crBallots, crBlinding, crResult, crRoster } from "./checks/coercion.js";
import { mixing } from "./checks/mix.js";
import { results } from "./checks/results.js";
import { aggregation, combination, decryptionShares, eligibility } from "./checks/tally.js";
import { votingWindow } from "./checks/window.js";
import { complaints, jointKey, trusteeCommitments } from "./checks/ceremony.js";
import { baseHash, issuance, issuerKeys, manifest, registerCounts } from "./checks/setup.js";
import { Context, DEFAULT_OPTIONS, type EntrySource, type VerifyOptions } from "./context.js";
import { fingerprint, lastTreeHead, type BoardExport } from "./export.js";
import {
  CheckFailed,
  CheckSkipped,
  NotImplemented,
  REPORT_FORMAT,
  type CheckResult,
  type Passed,
  type Report,
  type Status,
} from "./report.js";

export const VERIFIER = "shailoo-verifier-ts/0.1";

type CheckFn = (ctx: Context) => Passed | Promise<Passed>;

/** [number, area, name, implementation]. */
export const CHECKS: [number, string, string, CheckFn][] = [
  [1, "log", "Merkle log of the export: every entry canonical, in order, under the log's promise", merkleLog],
  [2, "log", "Signed tree heads: signatures, roots, each consistent with the next", treeHeads],
  [3, "log", "Witness cosignatures on the tree heads", witnesses],
  [4, "log", "Entries in the order of the election phases", phases],
  [10, "setup", "Manifest and its hash", manifest],
  [11, "setup", "Key ceremony: who took part — commitments and proofs of knowledge", trusteeCommitments],
  [12, "setup", "Key ceremony: who dealt, every complaint judged, the qualified dealers", complaints],
  [13, "setup", "Joint election key and every trustee's public share, over the qualified dealers", jointKey],
  [14, "setup", "Registrar (issuer) keys: one RSA key per ballot style", issuerKeys],
  [15, "setup", "Election base hash (what every ballot proof binds to)", baseHash],
  [16, "setup", "Credential issuance counts", issuance],
  [
    17,
    "setup",
    "Register counts: the registrar's signed count of voters per ballot style, before voting opens",
    registerCounts,
  ],
  [
    18,
    "setup",
    "Runoff link: a second round names the first round's result and holds exactly its runoff candidates",
    runoffLink,
  ],
  [20, "ballots", "Every ballot: encodings, registrar and credential signatures, all proofs, ballot style", everyBallot],
  [21, "ballots", "Every ballot entry is a distinct ballot (no ballot posted twice)", distinctBallots],
  [22, "ballots", "Re-vote weeding: one counted ballot per credential, as the policy says", weeding],
  [23, "ballots", "Spoiled (challenged) ballots open to what was published, and are never counted", spoiledBallots],
  [24, "ballots", "Voting window: every ballot integrated inside it, the close not before it ends", votingWindow],
  [30, "precincts", "Device keys registered by the commission", deviceKeys],
  [31, "precincts", "Precinct batch chains: every device's batches signed, unbroken and closed by its protocol", batchChains],
  [32, "precincts", "Precinct reconciliation: decrypted subtotals equal the printed protocols", reconciliation],
  [33, "precincts", "Precinct annulments: signed by the commission, before the tally, left out of every sum", annulments],
  [40, "tally", "Aggregation: the encrypted tally is the sum of the counted ballots", aggregation],
  [41, "tally", "Every decryption share and its Chaum–Pedersen proof", decryptionShares],
  [42, "tally", "Combination of k shares and the discrete logs of the published counts", combination],
  [43, "tally", "Results and seats recomputed by the rules engine", results],
  [
    44,
    "tally",
    "Eligibility bounds: ballots counted ≤ credentials issued ≤ registered voters, per ballot style",
    eligibility,
  ],
  [45, "tally", "Mixing: every shuffle signed, of the newest list, its proof verified; k distinct trustees", mixing],
  [46, "tally", "Coercion-resistant roster: consecutive, registrar-signed, none twice; its mix by k trustees", crRoster],
  [47, "tally", "Coercion-resistant ballots: every proof; the mix input is the last ballot of each credential", crBallots],
  [48, "tally", "Coercion-resistant blinding: both chains signed, proved, by the same ≥ k trustees", crBlinding],
  [49, "tally", "Coercion-resistant tally: tags decrypted, matching recomputed, kept choices decrypted, result", crResult],
  [
    50,
    "complaints",
    "Complaints: every promise-backed complaint judged against the log, every complaint answered",
    publicComplaints,
  ],
];

export async function runChecks(
  exp: BoardExport,
  source: EntrySource,
  options: VerifyOptions = DEFAULT_OPTIONS,
  progress: ((what: string, done: number) => void) | null = null,
): Promise<Report> {
  const ctx = new Context(exp, options, source);
  ctx.progress = progress;
  const head = lastTreeHead(exp);
  const checks: CheckResult[] = [];
  for (const [number, area, name, run] of CHECKS) {
    const started = performance.now();
    let status: Status;
    let message: string;
    let evidence: Record<string, unknown> = {};
    try {
      const passed = await run(ctx);
      progress?.(`check ${number}`, number);
      status = "pass";
      message = passed.message;
      evidence = passed.evidence ?? {};
    } catch (err) {
      if (err instanceof CheckFailed) {
        status = "fail";
        message = err.message;
        evidence = err.evidence;
      } else if (err instanceof CheckSkipped) {
        status = "skipped";
        message = err.message;
      } else if (err instanceof NotImplemented) {
        status = "not_implemented";
        message = err.message;
      } else {
        // a check that crashes on hostile input fails; it never passes silently
        status = "fail";
        message = `${(err as Error).name}: ${(err as Error).message}`;
      }
    }
    const seconds = Math.round(performance.now() - started) / 1000;
    ctx.statuses.set(number, status);
    checks.push({ number, area, name, status, message, evidence, seconds });
  }
  const counts: Record<Status, number> = { pass: 0, fail: 0, skipped: 0, not_implemented: 0 };
  for (const c of checks) counts[c.status] += 1;
  return {
    format: REPORT_FORMAT,
    verifier: VERIFIER,
    export: {
      origin: exp.origin,
      size: exp.entries.length,
      tree_head_root: head ? toHex(head.root) : null,
      fingerprint: fingerprint(exp),
    },
    passed: counts.fail === 0,
    counts,
    checks,
  };
}
