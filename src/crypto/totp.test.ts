// HOTP/TOTP: RFC 4226 Appendix D and RFC 6238 Appendix B known answers, the window, once-per-step.
import { describe, expect, it } from "vitest";
import { utf8 } from "./bytes";
import { generateHOTP } from "./hotp";
import { generateTOTP, totpStep, verifyTOTP } from "./totp";

const RFC4226_KEY = utf8("12345678901234567890");
const RFC4226_CODES = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];

// RFC 6238 Appendix B: 8 digits, a seed per hash.
const SEEDS = {
  "SHA-1": utf8("12345678901234567890"),
  "SHA-256": utf8("12345678901234567890123456789012"),
  "SHA-512": utf8("1234567890123456789012345678901234567890123456789012345678901234"),
} as const;
const RFC6238: ReadonlyArray<[number, Record<keyof typeof SEEDS, string>]> = [
  [59, { "SHA-1": "94287082", "SHA-256": "46119246", "SHA-512": "90693936" }],
  [1111111109, { "SHA-1": "07081804", "SHA-256": "68084774", "SHA-512": "25091201" }],
  [1111111111, { "SHA-1": "14050471", "SHA-256": "67062674", "SHA-512": "99943326" }],
  [1234567890, { "SHA-1": "89005924", "SHA-256": "91819424", "SHA-512": "93441116" }],
  [2000000000, { "SHA-1": "69279037", "SHA-256": "90698825", "SHA-512": "38618901" }],
  [20000000000, { "SHA-1": "65353130", "SHA-256": "77737706", "SHA-512": "47863826" }],
];

describe("HOTP (RFC 4226 Appendix D)", () => {
  it.each(RFC4226_CODES.map((code, counter) => [counter, code] as const))("counter %i gives %s", async (counter, code) => {
    expect(await generateHOTP(RFC4226_KEY, counter)).toBe(code);
  });

  it("refuses fewer than 6 digits and a negative or fractional counter", async () => {
    await expect(generateHOTP(RFC4226_KEY, 0, 4)).rejects.toThrow(TypeError);
    await expect(generateHOTP(RFC4226_KEY, -1)).rejects.toThrow(TypeError);
    await expect(generateHOTP(RFC4226_KEY, 1.5)).rejects.toThrow(TypeError);
  });
});

describe("TOTP (RFC 6238 Appendix B)", () => {
  for (const [seconds, byHash] of RFC6238) {
    for (const hash of Object.keys(SEEDS) as Array<keyof typeof SEEDS>) {
      it(`T=${seconds}s ${hash} gives ${byHash[hash]}`, async () => {
        expect(await generateTOTP(SEEDS[hash], seconds * 1000, { digits: 8, hash })).toBe(byHash[hash]);
      });
    }
  }

  it("a 6-digit SHA-1 code is the last 6 digits of the 8-digit one (same truncated value)", async () => {
    expect(await generateTOTP(SEEDS["SHA-1"], 59_000)).toBe("287082");
  });
});

describe("verifyTOTP", () => {
  const key = SEEDS["SHA-1"];
  const now = 1111111111_000;
  const step = totpStep(now);

  it("accepts the current code and those of the steps either side, returning the step", async () => {
    for (const offset of [-1, 0, 1]) {
      const code = await generateTOTP(key, now + offset * 30_000);
      expect(await verifyTOTP(key, code, now)).toBe(step + offset);
    }
  });

  it("refuses codes two steps away, with window 0 the neighbours too", async () => {
    expect(await verifyTOTP(key, await generateTOTP(key, now - 60_000), now)).toBeNull();
    expect(await verifyTOTP(key, await generateTOTP(key, now + 60_000), now)).toBeNull();
    expect(await verifyTOTP(key, await generateTOTP(key, now + 30_000), now, { window: 0 })).toBeNull();
  });

  it("refuses steps up to afterStep: a used code, and any earlier one, is not good again", async () => {
    const code = await generateTOTP(key, now);
    expect(await verifyTOTP(key, code, now, { afterStep: step })).toBeNull();
    expect(await verifyTOTP(key, await generateTOTP(key, now - 30_000), now, { afterStep: step })).toBeNull();
    expect(await verifyTOTP(key, await generateTOTP(key, now + 30_000), now, { afterStep: step })).toBe(step + 1);
  });

  it("refuses wrong, short, long and non-digit codes", async () => {
    const code = await generateTOTP(key, now);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    for (const bad of [wrong, code.slice(1), `${code}0`, "abcdef", ""]) {
      expect(await verifyTOTP(key, bad, now), bad).toBeNull();
    }
  });
});
