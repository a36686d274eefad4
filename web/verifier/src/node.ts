/** Reading an export file in Node, streamed line by line (the whole file is never in memory). */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

import { ExportReader, type BoardExport } from "./export.js";

export async function loadExportFile(path: string): Promise<BoardExport> {
  const reader = new ExportReader();
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  for await (const line of lines) reader.feed(line);
  return reader.finish();
}
