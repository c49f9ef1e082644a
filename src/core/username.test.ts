// identifierKey: the fold every username and address is unique and looked up by.
import { describe, expect, it } from "vitest";
import { identifierKey, normalizeUsername } from "./username";

describe("identifierKey", () => {
  it.each([
    ["Üser", "üser"],
    ["ÜSER", "üser"],
    ["ａｄｍｉｎ", "admin"],
    ["ＡＤＭＩＮ", "admin"],
    ["Admin", "admin"],
    ["Straße", "strasse"],
    ["STRASSE", "strasse"],
    ["ẞ", "ss"],
    ["ΟΔΟΣ", "οδοσ"],
    ["οδος", "οδοσ"],
    ["ﬃ", "ffi"],
    ["\u212Aelvin", "kelvin"], // Kelvin sign
    ["ſam", "sam"], // long s
    ["①", "1"],
    ["e\u0301", "é"], // combining acute composes
    ["Alice@Example.COM", "alice@example.com"],
    ["a@ＥＸＡＭＰＬＥ.com", "a@example.com"],
    ["", ""],
  ])("%j → %j", (input, key) => {
    expect(identifierKey(input)).toBe(key);
  });

  it("is idempotent and never yields ASCII capitals (so PENDING:/COLLISION: markers are unreachable)", () => {
    const samples = ["Üser", "ΐΰ", "İstanbul", "ǅungla", "ᾼ", "ŉ", "Ⅻ", "Ｚ", "ǰ", "ﬅ", "Ꭰ", "ꭰ", "PENDING:1", "COLLISION:2"];
    for (const sample of samples) {
      const key = identifierKey(sample);
      expect(identifierKey(key)).toBe(key);
      expect(key).not.toMatch(/[A-Z]/);
    }
  });

  it("is ASCII lower-case for ASCII input, which is what migration 0006 writes in SQL", () => {
    const ascii = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join("");
    expect(identifierKey(ascii)).toBe(ascii.toLowerCase());
  });
});

describe("normalizeUsername", () => {
  it("is Django's NFKC: fullwidth and compatibility forms become their plain letters; case is kept", () => {
    expect(normalizeUsername("ａｄｍｉｎ")).toBe("admin");
    expect(normalizeUsername("Ｕser")).toBe("User");
    expect(normalizeUsername("ﬁle")).toBe("file");
  });
});
