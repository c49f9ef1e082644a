// Byte helpers: RFC 4648 vectors, strict decoding, randomness and constant-time comparison.
import { describe, expect, it } from "vitest";
import {
  constantTimeEqual,
  decodeBase64,
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

describe("base64", () => {
  it.each(RFC4648)("encodes and decodes %j", (plain, encoded) => {
    expect(encodeBase64(utf8(plain))).toBe(encoded);
    expect(decodeBase64(encoded)).toEqual(utf8(plain));
  });

  it("uses + and / and handles every byte value", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(decodeBase64(encodeBase64(all))).toEqual(all);
    expect(encodeBase64(new Uint8Array([0xfb, 0xff]))).toBe("+/8=");
  });

  it("encodes large inputs", () => {
    const big = randomBytes(200_000);
    const decoded = decodeBase64(encodeBase64(big));
    // Element-wise toEqual is slow on 200 KB; comparing the bytes directly is not.
    expect(decoded.length === big.length && decoded.every((b, i) => b === big[i])).toBe(true);
  });

  it.each(["Zg", "Zg=", "Zm9v=", "Z===", "Zm9v\n", "Zm-v", "Zh==", " Zm9v"])(
    "rejects %j with TypeError",
    (bad) => {
      expect(() => decodeBase64(bad)).toThrow(TypeError);
    },
  );
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
