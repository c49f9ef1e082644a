// SQL literals: hostile strings survive a round trip through real D1 byte for byte.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sqlTuple, sqlValue, utf8Length } from "./sql";

const HOSTILE = [
  "O'Brien",
  "''",
  "'); DROP TABLE users;--",
  "back\\slash \\' \\\\",
  "-- not a comment",
  "/* not a comment */",
  "semi;colon;",
  "pbkdf2_sha256$260000$salt$hash=",
  "bcrypt$$2b$12$x",
  "$tag$ dollar quoted? $tag$",
  "line\nbreak\r\nand\ttab",
  "nul\0inside",
  "\0",
  "Zoë 🚀 パスワード עברית العربية",
  "e\u0301 combining, \u200b zero width, \u202e right-to-left override",
  " BEGIN CASE END ",
  "",
];

async function roundTrip(value: string): Promise<unknown> {
  return (await env.DB.prepare(`SELECT ${sqlValue(value)} AS v`).first<{ v: unknown }>())!.v;
}

describe("sqlValue", () => {
  it.each(HOSTILE)("round-trips %j through D1", async (value) => {
    expect(await roundTrip(value)).toBe(value);
  });

  it("writes a lone surrogate as U+FFFD, what any UTF-8 encoder would store", async () => {
    expect(await roundTrip("a\ud800b")).toBe("a\ufffdb");
    expect(await roundTrip("pair \ud83d\ude80 kept")).toBe("pair 🚀 kept");
  });

  it("writes NULL, booleans and integers as SQLite literals", async () => {
    expect(sqlValue(null)).toBe("NULL");
    expect(sqlValue(true)).toBe("1");
    expect(sqlValue(false)).toBe("0");
    expect(sqlValue(-42)).toBe("-42");
    expect(sqlValue(Number.MAX_SAFE_INTEGER)).toBe("9007199254740991");
    const row = await env.DB.prepare(`SELECT ${sqlTuple([null, true, 1_700_000_000_123]).slice(1, -1).split(", ").map((v, i) => `${v} AS c${i}`).join(", ")}`).first();
    expect(row).toEqual({ c0: null, c1: 1, c2: 1_700_000_000_123 });
  });

  it("refuses numbers that are not safe integers", () => {
    for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) expect(() => sqlValue(bad)).toThrow(TypeError);
  });

  it("counts UTF-8 bytes", () => {
    expect(utf8Length("aé🚀")).toBe(1 + 2 + 4);
  });
});
