import { Readable } from "node:stream";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";

import { streamEntries, streamLines } from "../src/lines.js";

/** A stream of `bytes` cut into chunks of `size` bytes (cuts fall inside lines and inside UTF-8 characters). */
function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) controller.close();
      else {
        controller.enqueue(bytes.slice(at, at + size));
        at += size;
      }
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of streamLines(stream)) lines.push(line);
  return lines;
}

async function readline(text: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of createInterface({ input: Readable.from([text]), crlfDelay: Infinity })) lines.push(line);
  return lines;
}

describe("streamLines", () => {
  const texts = [
    '{"type":"header"}\n{"name":"Шайлоо — Кыргызстан"}\n{"type":"end"}\n',
    "a\r\nb\r\n\r\nc",
    "no newline at the end",
    "two\n\nblank\n\n",
    "",
  ];
  it.each(texts)("cuts %j into the lines Node's readline gives, whatever the chunk size", async (text) => {
    const bytes = new TextEncoder().encode(text);
    const expected = await readline(text);
    for (const size of [1, 2, 3, 7, 64, 1 << 16]) expect(await collect(chunked(bytes, size))).toEqual(expected);
  });

  it("reports the bytes read as it goes", async () => {
    const seen: number[] = [];
    const bytes = new TextEncoder().encode("x\n".repeat(10));
    for await (const _ of streamLines(chunked(bytes, 4), (n) => seen.push(n))) void _;
    expect(seen).toEqual([4, 8, 12, 16, 20]);
  });
});

describe("streamEntries", () => {
  const text = [
    '{"type":"header"}',
    '{"type":"entry","index":0,"kind":"manifest","payload":{"a":1}}',
    '{"type":"tree_head"}',
    '{"type":"entry","index":1,"kind":"ballot","payload":{"b":2}}',
    '{"type":"entry" broken',
    '{"type":"entry","index":3,"kind":"ballot","payload":{"c":3}}',
    '{"type":"end"}',
  ].join("\n");
  const open = async () => chunked(new TextEncoder().encode(text), 5);

  it("numbers entries as the export reader does: a broken entry line keeps its number", async () => {
    const got: unknown[] = [];
    for await (const entry of streamEntries(open, null)()) got.push(entry);
    expect(got).toEqual([
      [0, "manifest", { a: 1 }],
      [1, "ballot", { b: 2 }],
      [3, "ballot", { c: 3 }],
    ]);
  });

  it("gives no entry past the limit (a board that grew between two reads)", async () => {
    const got: unknown[] = [];
    for await (const entry of streamEntries(open, 2)()) got.push(entry);
    expect(got.map((e) => (e as [number])[0])).toEqual([0, 1]);
  });
});
