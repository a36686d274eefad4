/**
 * RFC 8785 canonical JSON for the record's values (crypto §3.4): objects with keys sorted by UTF-16 code
 * units, no whitespace, strings escaped as ECMAScript's JSON.stringify does (which RFC 8785 adopts), integers
 * within ±(2^53 − 1). A float or a larger integer is refused (`NonCanonicalError`): the record has none.
 */
export class NonCanonicalError extends Error {
  readonly code = "non_canonical";
}

export function jcs(value: unknown): string {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new NonCanonicalError(`not an integer within ±(2^53 − 1): ${value}`);
    return Object.is(value, -0) ? "0" : String(value);
  }
  if (Array.isArray(value)) return `[${value.map(jcs).join(",")}]`;
  if (typeof value === "object") {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${jcs(obj[k])}`).join(",")}}`;
  }
  throw new NonCanonicalError(`not a JSON value: ${typeof value}`);
}
