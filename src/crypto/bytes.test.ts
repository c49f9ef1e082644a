// Byte helpers: RFC 4648 vectors, strict decoding, randomness and constant-time comparison.
import { describe, expect, it } from "vitest";
import {
  constantTimeEqual,
  decodeBase64Url,
  encodeBase64,
  encodeBase64Url,
  randomBytes,
  randomString,
  utf8,
} from "./bytes";

// RFC 4648 §10 test vectors.
const RFC4648: ReadonlyArray<[string, string]> = [
  ["", ""],
  ["f", "Zg=="],
  ["fo", "Zm8="],
  ["foo", "Zm9v"],
  ["foob", "Zm9vYg=="],
  ["fooba", "Zm9vYmE="],
  ["foobar", "Zm9vYmFy"],
];

describe("base64 (Django's hash layout)", () => {
  it.each(RFC4648)("encodes %j", (plain, encoded) => {
    expect(encodeBase64(utf8(plain))).toBe(encoded);
  });

  it("uses + and / and handles every byte value and large inputs", () => {
    expect(encodeBase64(new Uint8Array([0xfb, 0xff]))).toBe("+/8=");
    const big = randomBytes(200_000);
    const decoded = Uint8Array.from(atob(encodeBase64(big)), (char) => char.charCodeAt(0));
    // Element-wise toEqual is slow on 200 KB; comparing the bytes directly is not.
    expect(decoded.length === big.length && decoded.every((b, i) => b === big[i])).toBe(true);
  });
});

describe("base64url", () => {
  it.each(RFC4648)("encodes %j without padding", (plain, encoded) => {
    const unpadded = encoded.replace(/=+$/, "");
    expect(encodeBase64Url(utf8(plain))).toBe(unpadded);
    expect(decodeBase64Url(unpadded)).toEqual(utf8(plain));
  });

  it("uses - and _", () => {
    expect(encodeBase64Url(new Uint8Array([0xfb, 0xff]))).toBe("-_8");
    expect(decodeBase64Url("-_8")).toEqual(new Uint8Array([0xfb, 0xff]));
  });

  it.each(["Zg==", "Zm9v=", "+/8", "Z", "Zm9vY", "Zh", "a b"])("rejects %j with TypeError", (bad) => {
    expect(() => decodeBase64Url(bad)).toThrow(TypeError);
  });
});

describe("randomBytes", () => {
  it("returns the requested length, beyond one getRandomValues call", () => {
    expect(randomBytes(0)).toHaveLength(0);
    expect(randomBytes(32)).toHaveLength(32);
    expect(randomBytes(70_000)).toHaveLength(70_000);
    expect(randomBytes(32)).not.toEqual(randomBytes(32));
  });

  it("refuses a bad count", () => {
    expect(() => randomBytes(-1)).toThrow(TypeError);
    expect(() => randomBytes(1.5)).toThrow(TypeError);
  });
});

describe("constantTimeEqual", () => {
  it("compares contents and lengths", () => {
    expect(constantTimeEqual(utf8("abc"), utf8("abc"))).toBe(true);
    expect(constantTimeEqual(utf8("abc"), utf8("abd"))).toBe(false);
    expect(constantTimeEqual(utf8("abc"), utf8("abcd"))).toBe(false);
    expect(constantTimeEqual(new Uint8Array(), new Uint8Array())).toBe(true);
  });
});

describe("randomString", () => {
  it("draws only from the alphabet, with the requested length", () => {
    const s = randomString(1000, "abc");
    expect(s).toMatch(/^[abc]{1000}$/);
    expect(randomString(0, "abc")).toBe("");
    expect(randomString(5, "🔑")).toBe("🔑".repeat(5));
  });

  it("has no modulo bias toward the start of a 62-symbol alphabet", () => {
    // With `byte % 62` the first 8 symbols would come up 5/4 as often as the rest.
    const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const s = randomString(62_000, alphabet);
    const head = [...s].filter((c) => alphabet.indexOf(c) < 8).length / 8;
    const tail = [...s].filter((c) => alphabet.indexOf(c) >= 8).length / 54;
    expect(head / tail).toBeGreaterThan(0.9);
    expect(head / tail).toBeLessThan(1.1);
  });

  it("refuses a bad alphabet or length", () => {
    expect(() => randomString(4, "")).toThrow(TypeError);
    expect(() => randomString(4, "aa")).toThrow(TypeError);
    const tooMany = Array.from({ length: 257 }, (_, i) => String.fromCodePoint(0x100 + i)).join("");
    expect(() => randomString(4, tooMany)).toThrow(TypeError);
    expect(() => randomString(-1, "ab")).toThrow(TypeError);
  });
});
