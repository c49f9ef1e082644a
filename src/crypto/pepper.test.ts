// The password pepper (PASSWORD_PEPPERS): known answers computed with Python's hmac + hashlib (what a
// Django hasher subclass would run), rotation, a removed pepper, and the runtime evening of failed checks.
import { describe, expect, it, vi } from "vitest";
import fixture from "../../test/fixtures/django-hashes.json";
import { hardenRuntime, makePassword, needsRehash, type PasswordSettings, verifyAgainstDummy, verifyPassword } from "./passwords";
import { PBKDF2_VERIFY_MAX_ITERATIONS, hashPassword } from "./pbkdf2";
import { type PasswordPepper, pepperIdOf, pepperPassword } from "./pepper";

const bytes = (fill: (i: number) => number) => Uint8Array.from({ length: 32 }, (_, i) => fill(i));
/** Secret 00 01 02 … 1f, i.e. PASSWORD_PEPPERS="7:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=". */
const SEVEN: PasswordPepper = { id: 7, secret: bytes((i) => i) };
const EIGHT: PasswordPepper = { id: 8, secret: bytes((i) => 255 - i) };
const settings = (passwordPeppers: readonly PasswordPepper[], pbkdf2Iterations = 1000): PasswordSettings => ({ pbkdf2Iterations, passwordPeppers });

// Python: base64(hmac.new(pepper, pw.encode(), sha256).digest()), then hashlib.pbkdf2_hmac("sha256", that, b"seasalt", 1000).
const PYTHON_PEPPERED_INPUT = "G54Alds+qQwgqrTIT2q+nG2rVk/LAiDk3Lkqj11L6YA=";
const PYTHON_PEPPERED = "pbkdf2_sha256_pepper7$1000$seasalt$7QmM1n14JDmHWGdLEoQhtHSCd82n++turQLPfIKsCTM=";
const PYTHON_PEPPERED_ACCENTED = "pbkdf2_sha256_pepper7$1000$seasalt$MzlLco/YpVXdP+bcYkPvOrQ1TzYtnn/sB4nVYKCPjj4=";
const PASSWORD = "correct horse battery staple";

describe("the peppered hash", () => {
  it("is PBKDF2 over base64(HMAC-SHA256(pepper, password)), as computed by Python's hmac and hashlib", async () => {
    expect(await pepperPassword(SEVEN, PASSWORD)).toBe(PYTHON_PEPPERED_INPUT);
    expect(await verifyPassword(PASSWORD, PYTHON_PEPPERED, [SEVEN])).toBe(true);
    expect(await verifyPassword("lètmein", PYTHON_PEPPERED_ACCENTED, [SEVEN])).toBe(true);
    expect(await verifyPassword("letmein", PYTHON_PEPPERED_ACCENTED, [SEVEN])).toBe(false);
  });

  it("names the newest pepper's version; is not a plain Django hash; needs its pepper to verify", async () => {
    const encoded = await makePassword(PASSWORD, settings([SEVEN, EIGHT]));
    expect(encoded).toMatch(/^pbkdf2_sha256_pepper7\$1000\$[A-Za-z0-9]{22}\$[A-Za-z0-9+/]{43}=$/);
    expect(pepperIdOf(encoded.split("$")[0]!)).toBe(7);
    expect(await verifyPassword(PASSWORD, encoded, [SEVEN, EIGHT])).toBe(true);
    expect(await verifyPassword(`${PASSWORD}!`, encoded, [SEVEN])).toBe(false);
    // The database alone: without the pepper, or with another secret under the same version, nothing verifies.
    expect(await verifyPassword(PASSWORD, encoded, [])).toBe(false);
    expect(await verifyPassword(PASSWORD, encoded, [EIGHT])).toBe(false);
    expect(await verifyPassword(PASSWORD, encoded, [{ id: 7, secret: EIGHT.secret }])).toBe(false);
    // Renamed to the plain algorithm it is PBKDF2 over the wrong input, so it cannot pass for a Django hash either.
    expect(await verifyPassword(PASSWORD, encoded.replace(/^pbkdf2_sha256_pepper7/, "pbkdf2_sha256"), [SEVEN])).toBe(false);
  });

  it("without PASSWORD_PEPPERS new hashes stay plain Django pbkdf2_sha256", async () => {
    expect(await makePassword(PASSWORD, settings([]))).toMatch(/^pbkdf2_sha256\$1000\$/);
  });

  it("keeps every Django-made hash verifying while a pepper is configured", async () => {
    const cheap = ["pbkdf2_sha256 at our cap", "pbkdf2_sha1 under the cap", "argon2id small", "bcrypt_sha256 5 rounds", "bcrypt 5 rounds", "scrypt N=1024"];
    for (const label of cheap) {
      const v = fixture.vectors.find((vector) => vector.label.startsWith(label))!;
      expect(await verifyPassword(v.password, v.hash, [SEVEN]), v.label).toBe(true);
    }
  });
});

describe("rotation (needsRehash)", () => {
  it("re-hashes plain, imported and older-pepper hashes under the newest pepper, and other counts", async () => {
    const rotated = settings([EIGHT, SEVEN]);
    expect(needsRehash(PYTHON_PEPPERED, rotated)).toBe(true);
    expect(await verifyPassword(PASSWORD, PYTHON_PEPPERED, rotated.passwordPeppers)).toBe(true);
    expect(needsRehash(PYTHON_PEPPERED, settings([SEVEN]))).toBe(false);
    expect(needsRehash(PYTHON_PEPPERED, settings([SEVEN], 2000))).toBe(true);
    expect(needsRehash(await hashPassword(PASSWORD, 1000), settings([SEVEN]))).toBe(true);
    expect(needsRehash(await makePassword(PASSWORD, rotated), rotated)).toBe(false);
    for (const v of fixture.vectors.filter((vector) => vector.supported)) expect(needsRehash(v.hash, rotated)).toBe(true);
  });
});

/** Iterations derived and HMACs signed while `work` runs. */
async function workOf(work: () => Promise<unknown>) {
  const derive = vi.spyOn(crypto.subtle, "deriveBits");
  const sign = vi.spyOn(crypto.subtle, "sign");
  await work();
  const iterations = derive.mock.calls.map((call) => (call[0] as { iterations: number }).iterations);
  const signs = sign.mock.calls.length;
  derive.mockRestore();
  sign.mockRestore();
  return { iterations, signs };
}

describe("verifyAgainstDummy", () => {
  it("costs what a real check costs at the current settings: the pepper's HMAC, then PBKDF2 at our count", async () => {
    const peppered = settings([SEVEN]);
    await verifyAgainstDummy("warm-up", peppered);
    const real = await workOf(() => verifyPassword(PASSWORD, PYTHON_PEPPERED, [SEVEN]));
    const dummy = await workOf(() => verifyAgainstDummy(PASSWORD, peppered));
    expect(real).toEqual({ iterations: [1000], signs: 1 });
    expect(dummy).toEqual(real);
    expect(await verifyAgainstDummy(PASSWORD, peppered)).toBe(false);
    await verifyAgainstDummy("warm-up", settings([]));
    expect(await workOf(() => verifyAgainstDummy(PASSWORD, settings([])))).toEqual({ iterations: [1000], signs: 0 });
  });
});

describe("hardenRuntime", () => {
  const DJANGO_LETMEIN = "pbkdf2_sha256$10000$seasalt$FQCNpiZpTb0zub+HBsH6TOwyRxJ19FwvjbweatNmK/Y=";
  const DJANGO_5_LETMEIN_ACCENTED = "pbkdf2_sha256$600000$seasalt$OAXyhAQ/4ZDA9V5RMExt3C1OwQdUpLZ99vm1McFlLRA=";

  it("derives the missing iterations for a cheaper pbkdf2_sha256 hash, peppered or not; nothing for a costlier one", async () => {
    const cheap = await workOf(() => hardenRuntime("wrong", DJANGO_LETMEIN, settings([], 100_000)));
    expect(cheap.iterations).toEqual([90_000]);
    const costly = await workOf(async () => {
      await hardenRuntime("wrong", DJANGO_LETMEIN, settings([], 10_000));
      await hardenRuntime("wrong", DJANGO_5_LETMEIN_ACCENTED, settings([], 100_000));
      await hardenRuntime("wrong", PYTHON_PEPPERED, settings([SEVEN], 1000));
    });
    expect(costly.iterations).toEqual([]);
    const pepperedCheap = await workOf(() => hardenRuntime("wrong", PYTHON_PEPPERED, settings([SEVEN], 5000)));
    expect(pepperedCheap).toEqual({ iterations: [4000], signs: 1 });
  });

  it("runs a whole dummy check where the stored string did no comparable work", async () => {
    const peppered = settings([SEVEN]);
    await verifyAgainstDummy("warm-up", peppered);
    const { iterations, signs } = await workOf(async () => {
      // A cheaper pbkdf2_sha1 hash, a hasher we do not verify, a count over the verification cap, a pepper no longer configured.
      await hardenRuntime("wrong", "pbkdf2_sha1$100$seasalt$91JiNKgwADC8j2j86Ije/cc4vfQ=", peppered);
      await hardenRuntime("wrong", "md5$seasalt$0123456789abcdef0123456789abcdef", peppered);
      await hardenRuntime("wrong", `pbkdf2_sha256$${PBKDF2_VERIFY_MAX_ITERATIONS + 1}$seasalt$AAAA`, peppered);
      await hardenRuntime("wrong", PYTHON_PEPPERED.replace("pepper7", "pepper3"), peppered);
      // Malformed: nothing was derived for it.
      await hardenRuntime("wrong", "pbkdf2_sha256_pepper7$1000$seasalt", peppered);
      await hardenRuntime("wrong", "pbkdf2_sha256$01000$seasalt$AAAA", peppered);
    });
    expect(iterations).toEqual([1000, 1000, 1000, 1000, 1000, 1000]);
    expect(signs).toBe(6);
  });
});
