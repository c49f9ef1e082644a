// Django PBKDF2 hashers: known-answer vectors, the WebCrypto cap and the plain-JS path above it, malformed input.
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  PBKDF2_MAX_ITERATIONS,
  PBKDF2_VERIFY_MAX_ITERATIONS,
  decodePbkdf2,
  hashPassword,
  isUsablePassword,
  makeUnusablePassword,
  verifyAgainstDummy,
  verifyPbkdf2 as verifyPassword,
} from "./pbkdf2";

// Made by Django itself: tests/auth_tests/test_hashers.py test_pkbdf2 in Django 1.4 and 1.5.
const DJANGO_LETMEIN = "pbkdf2_sha256$10000$seasalt$FQCNpiZpTb0zub+HBsH6TOwyRxJ19FwvjbweatNmK/Y=";
const DJANGO_LETMEIN_ACCENTED = "pbkdf2_sha256$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=";
// Django 5.x test_pbkdf2 (600,000 iterations): above what WebCrypto derives on Workers.
const DJANGO_5_LETMEIN_ACCENTED =
  "pbkdf2_sha256$600000$seasalt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=";

// Computed independently with Python's hashlib.pbkdf2_hmac, which is what Django calls.
const PYTHON_VECTORS: ReadonlyArray<{ password: string; iterations: number; salt: string; encoded: string }> = [
  {
    password: "",
    iterations: 10_000,
    salt: "seasalt",
    encoded: "pbkdf2_sha256$10000$seasalt$3+RsI0gN4hO2ePw81JnODNK3dqd5IHVBN0nCWJCnlzU=",
  },
  {
    password: "パスワード🔑",
    iterations: 1,
    salt: "pepper",
    encoded: "pbkdf2_sha256$1$pepper$MqosiDqkB9eHKF7rfOaMNteVX4E/dTByVsxMRaow8p4=",
  },
  {
    password: "x".repeat(100),
    iterations: 1000,
    salt: "s",
    encoded: "pbkdf2_sha256$1000$s$G8Fo+1x4eIVIZkicnd0GFfE6cz2UiCDTSh4eYb0hxN0=",
  },
  {
    password: "correct horse battery staple",
    iterations: 100_000,
    salt: "Zf3kQ9xW2mLp7RtY1aBcDe",
    encoded: "pbkdf2_sha256$100000$Zf3kQ9xW2mLp7RtY1aBcDe$Vgu4WcbVhPe+FtnM7SnayAI4pLDZLuXALJDrO6AEdTw=",
  },
];
const PYTHON_OVER_CAP =
  "pbkdf2_sha256$100001$Zf3kQ9xW2mLp7RtY1aBcDe$SwuV20iqxa8Z6eyOEUgrRLd2TASyEWRrxtcVJbK4YGc=";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("hashPassword", () => {
  it("reproduces Django-made hashes", async () => {
    expect(await hashPassword("letmein", 10_000, "seasalt")).toBe(DJANGO_LETMEIN);
    expect(await hashPassword("lètmein", 10_000, "seasalt")).toBe(DJANGO_LETMEIN_ACCENTED);
  });

  it.each(PYTHON_VECTORS)("matches hashlib for $iterations iterations", async (v) => {
    expect(await hashPassword(v.password, v.iterations, v.salt)).toBe(v.encoded);
  });

  it("makes a 22-character [a-zA-Z0-9] salt by default", async () => {
    const encoded = await hashPassword("pw", 1);
    const [, , salt] = encoded.split("$");
    expect(salt).toMatch(/^[a-zA-Z0-9]{22}$/);
    expect(await hashPassword("pw", 1)).not.toBe(encoded);
  });

  it.each([0, -1, 1.5, Number.NaN, PBKDF2_MAX_ITERATIONS + 1, 600_000])(
    "refuses %s iterations",
    async (iterations) => {
      await expect(hashPassword("pw", iterations, "salt")).rejects.toThrow(TypeError);
    },
  );

  it("refuses an empty salt or one containing $", async () => {
    await expect(hashPassword("pw", 1, "")).rejects.toThrow(TypeError);
    await expect(hashPassword("pw", 1, "a$b")).rejects.toThrow(TypeError);
  });
});

describe("verifyPassword", () => {
  it("accepts the right password for Django-made hashes", async () => {
    expect(await verifyPassword("letmein", DJANGO_LETMEIN)).toBe(true);
    expect(await verifyPassword("lètmein", DJANGO_LETMEIN_ACCENTED)).toBe(true);
  });

  it.each(PYTHON_VECTORS)("accepts hashlib vector at $iterations iterations", async (v) => {
    expect(await verifyPassword(v.password, v.encoded)).toBe(true);
  });

  it("rejects a wrong password", async () => {
    expect(await verifyPassword("lètmeinz", DJANGO_LETMEIN_ACCENTED)).toBe(false);
    expect(await verifyPassword("letmein", DJANGO_LETMEIN_ACCENTED)).toBe(false);
    expect(await verifyPassword("", DJANGO_LETMEIN)).toBe(false);
  });

  it("round-trips a fresh hash", async () => {
    const encoded = await hashPassword("s3cret pässword", 1000);
    expect(await verifyPassword("s3cret pässword", encoded)).toBe(true);
    expect(await verifyPassword("s3cret password", encoded)).toBe(false);
  });

  // This replaced "a hash above 100k iterations is refused before any derivation": only the Django
  // import writes such rows (users cannot), and WebCrypto would throw on production Workers.
  it("verifies counts above the cap with the plain-JS derivation, never WebCrypto", async () => {
    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    expect(await verifyPassword("correct horse battery staple", PYTHON_OVER_CAP)).toBe(true);
    expect(await verifyPassword("lètmein", DJANGO_5_LETMEIN_ACCENTED)).toBe(true);
    expect(await verifyPassword("letmein", DJANGO_5_LETMEIN_ACCENTED)).toBe(false);
    expect(derive).not.toHaveBeenCalled();
    // 1.3 million plain-JS iterations: a margin for a busy machine, not a wait.
  }, 60_000);

  it("uses WebCrypto up to the cap", async () => {
    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    expect(await verifyPassword("correct horse battery staple", PYTHON_VECTORS[3]!.encoded)).toBe(true);
    expect(derive).toHaveBeenCalledTimes(1);
    expect(derive.mock.calls[0]?.[0]).toMatchObject({ iterations: PBKDF2_MAX_ITERATIONS, hash: "SHA-256" });
  });

  it("verifies pbkdf2_sha1 on both paths and tells it apart from pbkdf2_sha256", async () => {
    // hashlib.pbkdf2_hmac("sha1", b"letmein", b"seasalt", n) for n = 10000 and 100001.
    const sha1 = "pbkdf2_sha1$10000$seasalt$91JiNKgwADC8j2j86Ije/cc4vfQ=";
    const sha1OverCap = "pbkdf2_sha1$100001$seasalt$brx1LI2Ka66X8Rsi3pFTu/Soz5Y=";
    expect(await verifyPassword("letmein", sha1)).toBe(true);
    expect(await verifyPassword("letmein", sha1OverCap)).toBe(true);
    expect(await verifyPassword("letmeout", sha1OverCap)).toBe(false);
    expect(await verifyPassword("letmein", sha1.replace("pbkdf2_sha1", "pbkdf2_sha256"))).toBe(false);
  });

  it.each([
    "",
    "letmein",
    "!" + "a".repeat(40),
    "!pbkdf2_sha256$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=",
    "pbkdf2_md5$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=",
    "argon2$argon2id$v=19$m=102400,t=2,p=8$c29tZXNhbHQ$hash",
    "pbkdf2_sha256$10000$seasalt",
    "pbkdf2_sha256$10000$seasalt$",
    "pbkdf2_sha256$10000$$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=",
    "pbkdf2_sha256$$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=",
    "pbkdf2_sha256$0$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=",
    "pbkdf2_sha256$010000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=",
    "pbkdf2_sha256$1e4$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=",
    "pbkdf2_sha256$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=$",
    "pbkdf2_sha256$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY",
  ])("rejects malformed or unusable %j", async (encoded) => {
    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    expect(await verifyPassword("lètmein", encoded)).toBe(false);
    // The unpadded hash is well-formed, so it derives and then fails the exact comparison, as in Django.
    if (!encoded.endsWith("ArtVY")) expect(derive).not.toHaveBeenCalled();
  });
});

describe("decodePbkdf2", () => {
  it("reads algorithm and count of well-formed hashes, including ones above the cap", () => {
    expect(decodePbkdf2(DJANGO_LETMEIN)).toEqual({ algorithm: "pbkdf2_sha256", iterations: 10_000, salt: "seasalt" });
    expect(decodePbkdf2(DJANGO_5_LETMEIN_ACCENTED)?.iterations).toBe(600_000);
    expect(decodePbkdf2("pbkdf2_sha1$260000$s$h=")).toEqual({ algorithm: "pbkdf2_sha1", iterations: 260_000, salt: "s" });
  });

  it("returns null for anything else", () => {
    expect(decodePbkdf2("")).toBeNull();
    expect(decodePbkdf2(makeUnusablePassword())).toBeNull();
    expect(decodePbkdf2("bcrypt_sha256$$2b$12$abc")).toBeNull();
    expect(decodePbkdf2("pbkdf2_sha256$ten$seasalt$abc=")).toBeNull();
    expect(decodePbkdf2("pbkdf2_sha256$99999999999999999999$seasalt$abc=")).toBeNull();
  });
});

describe("unusable passwords", () => {
  it("look like Django's", () => {
    const unusable = makeUnusablePassword();
    expect(unusable).toMatch(/^![a-zA-Z0-9]{40}$/);
    expect(makeUnusablePassword()).not.toBe(unusable);
  });

  it("are reported as unusable and never verify", async () => {
    const unusable = makeUnusablePassword();
    expect(isUsablePassword(unusable)).toBe(false);
    expect(isUsablePassword(null)).toBe(false);
    expect(isUsablePassword(DJANGO_LETMEIN)).toBe(true);
    expect(await verifyPassword(unusable, unusable)).toBe(false);
  });
});

describe("verifyAgainstDummy", () => {
  it("always returns false after deriving once per call", async () => {
    await verifyAgainstDummy("warm-up", 1000);
    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    expect(await verifyAgainstDummy("anything", 1000)).toBe(false);
    expect(await verifyAgainstDummy("", 1000)).toBe(false);
    expect(derive).toHaveBeenCalledTimes(2);
    expect(derive.mock.calls[0]?.[0]).toMatchObject({ iterations: 1000 });
  });

  it("refuses an invalid iteration count", async () => {
    await expect(verifyAgainstDummy("pw", PBKDF2_MAX_ITERATIONS + 1)).rejects.toThrow(TypeError);
  });
});

describe("the verification cap", () => {
  it("refuses, without deriving, a stored count above PBKDF2_VERIFY_MAX_ITERATIONS", async () => {
    const derive = vi.spyOn(crypto.subtle, "deriveBits");
    expect(await verifyPassword("letmein", `pbkdf2_sha256$${PBKDF2_VERIFY_MAX_ITERATIONS + 1}$seasalt$AAAA`)).toBe(false);
    expect(derive).not.toHaveBeenCalled();
  });
});
