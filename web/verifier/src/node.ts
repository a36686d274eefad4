/** Reading an export file in Node, streamed line by line (the whole file is never in memory). */
import { ECDH } from "node:crypto";
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

import type { EntrySource } from "./context.js";
import { setSquareRootHint } from "./core.js";
import { ExportReader, type BoardExport } from "./export.js";

/** Every entry line of the export file again, as (index, kind, payload); other lines are skipped. */
export function fileEntries(path: string): EntrySource {
  return async function* () {
    const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
    let index = -1;
    let first = true;
    for await (const line of lines) {
      if (first) {
        first = false;
        continue;
      }
      // numbered exactly as ExportReader numbers entries (a broken entry line keeps its number)
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        obj = undefined;
      }
      if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
        if (line.includes('"type":"entry"')) index += 1;
        continue;
      }
      if ((obj as { type?: unknown }).type !== "entry") continue;
      index += 1;
      const { kind, payload } = obj as { kind?: unknown; payload?: unknown };
      yield [index, String(kind), payload];
    }
  };
}

export async function loadExportFile(path: string): Promise<BoardExport> {
  const reader = new ExportReader();
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  for await (const line of lines) reader.feed(line);
  return reader.finish();
}

/**
 * Decode P-256 points with OpenSSL's square root as a hint (web/core's `setSquareRootHint`): ~60 µs a point against
 * ~210 µs in BigInt on Node 20. The hint's y is checked against the curve equation and the prefix's parity before
 * it is used, so OpenSSL is not trusted: a wrong or missing answer falls back to the BigInt square root.
 */
export function useOpenSslSquareRoot(): void {
  setSquareRootHint((compressed) => {
    try {
      return new Uint8Array(ECDH.convertKey(compressed, "prime256v1", undefined, undefined, "uncompressed") as Buffer);
    } catch {
      return null;
    }
  });
}
