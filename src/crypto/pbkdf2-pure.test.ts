// The plain-JS PBKDF2: RFC 6070 / published SHA-256 vectors, and byte-for-byte agreement with WebCrypto.
import { describe, expect, it } from "vitest";
import { utf8 } from "./bytes";
import { pbkdf2Pure } from "./pbkdf2-pure";

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

async function webCrypto(hash: "SHA-256" | "SHA-1", password: Uint8Array, salt: Uint8Array, iterations: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", password, "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash, salt, iterations }, key, hash === "SHA-256" ? 256 : 160);
  return hex(new Uint8Array(bits));
}

describe("pbkdf2Pure", () => {
  it.each([
    [1, "0c60c80f961f0e71f3a9b524af6012062fe037a6"],
    [2, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"],
    [4096, "4b007901b765489abead49d926f721d065a429c1"],
  ])("matches RFC 6070 (SHA-1, %i iterations)", (iterations, expected) => {
    expect(hex(pbkdf2Pure("SHA-1", utf8("password"), utf8("salt"), iterations))).toBe(expected);
  });

  it.each([
    [1, "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"],
    [2, "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43"],
    [4096, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"],
  ])("matches the published SHA-256 vectors (%i iterations)", (iterations, expected) => {
    expect(hex(pbkdf2Pure("SHA-256", utf8("password"), utf8("salt"), iterations))).toBe(expected);
  });

  // Keys longer than a block are hashed first; salts of 56+ bytes take two blocks for U1.
  const inputs: Array<[string, string]> = [
    ["", "s"],
    ["x".repeat(64), "seasalt"],
    ["y".repeat(65), "seasalt"],
    ["lètmein 🔑 パスワード".repeat(5), "z".repeat(55)],
    ["pw", "z".repeat(56)],
    ["pw", "z".repeat(200)],
  ];
  for (const hash of ["SHA-256", "SHA-1"] as const) {
    it.each(inputs)(`agrees with WebCrypto ${hash} for password %j, salt %j`, async (password, salt) => {
      for (const iterations of [1, 3, 1000]) {
        expect(hex(pbkdf2Pure(hash, utf8(password), utf8(salt), iterations))).toBe(await webCrypto(hash, utf8(password), utf8(salt), iterations));
      }
    });
  }

  it("refuses iteration counts that are not positive integers", () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 53]) {
      expect(() => pbkdf2Pure("SHA-256", utf8("pw"), utf8("s"), bad)).toThrow(TypeError);
    }
  });
});
