/**
 * The page's Web Worker: reads the export twice as a stream (once to load the log, once more for the ballots of
 * check 20), runs the second verifier's numbered checks (web/verifier/src/verify.ts, the same code as the Node
 * command) and posts progress and the report. Nothing is sent anywhere: a URL is fetched only from this page's origin.
 */
import { fromHex } from "../../verifier/src/bytes.js";
import type { VerifyOptions, WitnessPin } from "../../verifier/src/context.js";
import { publicKeyProblem } from "../../verifier/src/ed25519.js";
import { ExportReader, ExportUnreadableError } from "../../verifier/src/export.js";
import { checkName } from "../../verifier/src/notes.js";
import { CHECKS, runChecks } from "../../verifier/src/verify.js";
import { streamEntries, streamLines } from "./lines.js";
import type { Options, Reply, Request, Source } from "./protocol.js";

const post = (reply: Reply): void => (self as unknown as Worker).postMessage(reply);

class FetchFailed extends Error {}
class BadOptions extends Error {}

async function open(source: Source): Promise<{ stream: ReadableStream<Uint8Array>; size: number | null }> {
  if ("file" in source) return { stream: source.file.stream(), size: source.file.size };
  const url = new URL(source.url, self.location.href);
  if (url.origin !== self.location.origin) {
    throw new FetchFailed(`only this site's own export can be fetched (${self.location.origin}), not ${url.origin}`);
  }
  let response: Response;
  try {
    response = await fetch(url, { credentials: "omit", cache: "no-store" });
  } catch (err) {
    throw new FetchFailed(`${url.href}: ${(err as Error).message}`);
  }
  if (!response.ok || response.body === null) throw new FetchFailed(`${url.href}: HTTP ${response.status}`);
  const length = Number(response.headers.get("content-length"));
  return { stream: response.body, size: Number.isSafeInteger(length) && length > 0 ? length : null };
}

function verifyOptions(options: Options): VerifyOptions {
  const { minIssuerBits, minWitnesses } = options;
  if (!Number.isInteger(minIssuerBits) || minIssuerBits < 1024) throw new BadOptions("the fewest issuer key bits must be a whole number ≥ 1024");
  if (!Number.isInteger(minWitnesses) || minWitnesses < 0) throw new BadOptions("the fewest witnesses must be a whole number ≥ 0");
  const witnesses: WitnessPin[] = options.witnesses.map(({ name, key }) => {
    try {
      checkName(name);
    } catch {
      throw new BadOptions(`witness ${JSON.stringify(name)}: the name must be printable ASCII without spaces or '+'`);
    }
    if (key === null) return { name, key: null };
    let bytes: Uint8Array;
    try {
      bytes = fromHex(key, 32);
    } catch {
      throw new BadOptions(`witness ${name}: the key must be 64 lowercase hex digits`);
    }
    const problem = publicKeyProblem(bytes);
    if (problem !== null) throw new BadOptions(`witness ${name}: ${problem}`);
    return { name, key: bytes };
  });
  return { minIssuerBits, minWitnesses, witnesses };
}

async function verify(request: Request): Promise<void> {
  const options = verifyOptions(request.options);
  const first = await open(request.source);
  const reader = new ExportReader();
  let last = 0;
  for await (const line of streamLines(first.stream, (bytes) => {
    if (bytes - last < 1 << 18) return; // a message per 256 KiB read
    last = bytes;
    post({ type: "progress", phase: "read", fraction: first.size ? bytes / first.size : null, bytes, check: null });
  })) {
    reader.feed(line);
  }
  const exp = reader.finish();
  post({ type: "progress", phase: "check", fraction: 0, bytes: last, check: null });
  const limit = "url" in request.source ? exp.entries.length : null;
  const again = streamEntries(async () => (await open(request.source)).stream, limit);
  const numbers = CHECKS.map(([number]) => number);
  const report = await runChecks(exp, again, options, (what) => {
    if (!what.startsWith("check ")) return;
    const number = Number(what.slice(6));
    // told after each check that passed: the bar stands at the last one told
    post({ type: "progress", phase: "check", fraction: (numbers.indexOf(number) + 1) / numbers.length, bytes: last, check: number });
  });
  post({ type: "done", report });
}

self.onmessage = (event: MessageEvent<Request>) => {
  verify(event.data).catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof ExportUnreadableError) post({ type: "error", code: "export_unreadable", message });
    else if (err instanceof FetchFailed) post({ type: "error", code: "fetch_failed", message });
    else if (err instanceof BadOptions) post({ type: "error", code: "bad_options", message });
    else post({ type: "error", code: "internal", message });
  });
};
