// SQLite literals for generated SQL files (wrangler d1 execute --file takes no bound parameters).

export type SqlValue = string | number | boolean | null;

const encoder = new TextEncoder();
const LONE_SURROGATE = /\p{Cs}/gu;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The literal for one value: NULL, an integer, 1/0 for booleans, or a single-quoted string with
 * quotes doubled (SQLite gives backslashes, `--`, `;` and `$` no meaning inside one). A string with
 * a NUL, which SQLite's tokenizer would take as the end of the statement, is written as the
 * UTF-8 bytes in hex cast back to text. Throws `TypeError` for non-integers and unsafe integers
 * (nothing we store is fractional, and a rounded id would be a different row).
 */
export function sqlValue(value: SqlValue): string {
  if (value === null) return "NULL";
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new TypeError(`Not a safe integer: ${value}`);
    return String(value);
  }
  if (value.includes("\0")) return `CAST(X'${hex(encoder.encode(value))}' AS TEXT)`;
  // A lone surrogate (possible in JSON text) becomes U+FFFD here rather than in some later
  // encoder, so what we write is what lands in D1. In /u mode only unpaired ones are \p{Cs}.
  return `'${value.replace(LONE_SURROGATE, "\uFFFD").replaceAll("'", "''")}'`;
}

/** `(v1, v2, …)` for a VALUES list. */
export function sqlTuple(values: readonly SqlValue[]): string {
  return `(${values.map(sqlValue).join(", ")})`;
}

/** UTF-8 length of a string, what D1's statement size limit counts. */
export function utf8Length(s: string): number {
  return encoder.encode(s).length;
}
