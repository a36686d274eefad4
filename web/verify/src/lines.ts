/**
 * Reading an export as a stream, one line at a time (the browser's File.stream() or a fetch body), so a large
 * export is never held whole. Lines are cut on "\n" (a "\r" before it is dropped), as Node's readline cuts them
 * for the `node … cli.js` command, so both read the same lines.
 */
import type { EntrySource } from "../../verifier/src/context.js";

/** Bytes read so far, reported as the stream is consumed. */
export type OnBytes = (bytes: number) => void;

export async function* streamLines(stream: ReadableStream<Uint8Array>, onBytes: OnBytes | null = null): AsyncGenerator<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder("utf-8");
  let rest = "";
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      onBytes?.(bytes);
      rest += decoder.decode(value, { stream: true });
      let cut = rest.indexOf("\n");
      while (cut >= 0) {
        const line = rest.slice(0, cut);
        yield line.endsWith("\r") ? line.slice(0, -1) : line;
        rest = rest.slice(cut + 1);
        cut = rest.indexOf("\n");
      }
    }
    rest += decoder.decode();
    if (rest.length > 0) yield rest.endsWith("\r") ? rest.slice(0, -1) : rest;
  } finally {
    reader.releaseLock();
  }
}

/**
 * Every entry line of the export again, as (index, kind, payload), numbered exactly as the export reader numbers
 * entries (a broken entry line keeps its number); `open` gives a fresh stream of the same export each time.
 * With `limit`, no entry past the first `limit` is given (a board read by URL may have grown since the first read).
 */
export function streamEntries(open: () => Promise<ReadableStream<Uint8Array>>, limit: number | null, onBytes: OnBytes | null = null): EntrySource {
  return async function* () {
    let index = -1;
    let first = true;
    for await (const line of streamLines(await open(), onBytes)) {
      if (first) {
        first = false;
        continue;
      }
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
      if (limit !== null && index >= limit) return;
      const { kind, payload } = obj as { kind?: unknown; payload?: unknown };
      yield [index, String(kind), payload];
    }
  };
}
