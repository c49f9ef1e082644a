// Base32: RFC 4648 §10 vectors, case-insensitive padded/unpadded decoding, strictness.
import { describe, expect, it } from "vitest";
import { utf8 } from "./bytes";
import { decodeBase32, encodeBase32 } from "./base32";

// RFC 4648 §10, padding removed for the encoder (authenticator apps expect none).
const RFC4648: ReadonlyArray<[string, string]> = [
  ["", ""],
  ["f", "MY======"],
  ["fo", "MZXQ===="],
  ["foo", "MZXW6==="],
  ["foob", "MZXW6YQ="],
  ["fooba", "MZXW6YTB"],
  ["foobar", "MZXW6YTBOI======"],
];

describe("base32", () => {
  it.each(RFC4648)("encodes %j as %s (unpadded)", (plain, encoded) => {
    expect(encodeBase32(utf8(plain))).toBe(encoded.replace(/=+$/, ""));
  });

  it.each(RFC4648)("decodes %s, padded or not, in either case, to %j", (plain, encoded) => {
    for (const form of [encoded, encoded.replace(/=+$/, ""), encoded.toLowerCase()]) {
      expect(new TextDecoder().decode(decodeBase32(form))).toBe(plain);
    }
  });

  it("round-trips a 20-byte TOTP secret as 32 characters", () => {
    const secret = crypto.getRandomValues(new Uint8Array(20));
    const encoded = encodeBase32(secret);
    expect(encoded).toMatch(/^[A-Z2-7]{32}$/);
    expect(decodeBase32(encoded)).toEqual(secret);
  });

  it("refuses characters outside the alphabet, impossible lengths and non-canonical trailing bits", () => {
    for (const bad of ["MZXW1", "MZXW6YT!", "M", "MZX", "MZXW6Y", "MZ"]) {
      expect(() => decodeBase32(bad), bad).toThrow(TypeError);
    }
    // "MY" is "f"; "MZ" has a stray bit set after the byte.
    expect(decodeBase32("MY")).toEqual(utf8("f"));
  });
});
