#!/usr/bin/env node
/**
 * `node dist/verifier/src/cli.js EXPORT [--json] [--witness NAME[=KEY]]… [--min-witnesses N] [--min-issuer-bits BITS]
 *  [--previous-export FILE]` (a runoff's first round, for check 18)
 *
 * Verifies a board export file with the second, independent verifier and prints the numbered checks (or, with
 * `--json`, the report in the shape of `shailoo verify --json`). Exit status: 0 verified, 1 a check failed,
 * 2 the export could not be read or the arguments are wrong.
 */
import { fromHex } from "./bytes.js";
import type { WitnessPin } from "./context.js";
import { publicKeyProblem } from "./ed25519.js";
import { ExportUnreadableError } from "./export.js";
import { fileEntries, loadExportFile, useOpenSslSquareRoot } from "./node.js";
import { checkName } from "./notes.js";
import { runChecks } from "./verify.js";

const USAGE =
  "usage: shailoo-verify EXPORT [--json] [--witness NAME[=KEY]]... [--min-witnesses N] [--min-issuer-bits BITS] [--previous-export FILE]";

function usage(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function parsePin(text: string): WitnessPin {
  const eq = text.indexOf("=");
  const name = eq < 0 ? text : text.slice(0, eq);
  try {
    checkName(name);
  } catch {
    usage(`--witness ${JSON.stringify(text)}: the name must be printable ASCII without spaces or '+'`);
  }
  if (eq < 0) return { name, key: null };
  let key: Uint8Array;
  try {
    key = fromHex(text.slice(eq + 1), 32);
  } catch {
    usage(`--witness ${name}=…: the key must be 64 lowercase hex digits`);
  }
  const problem = publicKeyProblem(key);
  if (problem !== null) usage(`--witness ${name}=…: ${problem}`);
  return { name, key };
}

async function main(argv: string[]): Promise<number> {
  let path: string | null = null;
  let json = false;
  let minWitnesses = 1;
  let minIssuerBits = 3072;
  const pins: WitnessPin[] = [];
  let previous: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--json") json = true;
    else if (arg === "--witness") pins.push(parsePin(argv[++i] ?? usage("--witness needs NAME[=KEY]")));
    else if (arg.startsWith("--witness=")) pins.push(parsePin(arg.slice("--witness=".length)));
    else if (arg === "--min-witnesses") {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 0) usage("--min-witnesses needs a whole number ≥ 0");
      minWitnesses = n;
    } else if (arg === "--min-issuer-bits") {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1024) usage("--min-issuer-bits needs a whole number ≥ 1024");
      minIssuerBits = n;
    } else if (arg === "--previous-export") {
      previous = argv[++i] ?? usage("--previous-export needs FILE");
    } else if (arg === "-h" || arg === "--help") {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    } else if (arg.startsWith("-")) usage(`unknown option ${arg}`);
    else if (path === null) path = arg;
    else usage("only one export file");
  }
  if (path === null) usage("no export file given");
  useOpenSslSquareRoot();
  let report;
  try {
    const previousExport = previous === null ? null : await loadExportFile(previous);
    report = await runChecks(await loadExportFile(path), fileEntries(path), { witnesses: pins, minWitnesses, minIssuerBits, previousExport });
  } catch (err) {
    if (err instanceof ExportUnreadableError || (err as NodeJS.ErrnoException).code === "ENOENT") {
      process.stderr.write(`cannot read the export: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
  if (json) {
    process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  } else {
    for (const c of report.checks) {
      process.stdout.write(`${String(c.number).padStart(2)}  ${c.status.padEnd(15)} ${c.name}\n      ${c.message}\n`);
    }
    const k = report.counts;
    process.stdout.write(
      `${report.passed ? "VERIFIED" : "NOT VERIFIED"}: ${k.pass} passed, ${k.fail} failed, ${k.skipped} skipped, ` +
        `${k.not_implemented} not implemented\n`,
    );
  }
  return report.passed ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${String((err as Error).stack ?? err)}\n`);
    process.exit(2);
  },
);
