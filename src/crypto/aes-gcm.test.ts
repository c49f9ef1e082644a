// AES-GCM: the GCM specification's test cases 4 (AES-128) and 16 (AES-256), AAD binding, HKDF-derived keys.
import { describe, expect, it } from "vitest";
import { utf8 } from "./bytes";
import { decryptAesGcm, deriveKey, encryptAesGcm } from "./aes-gcm";
import { toHex } from "./hmac";

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((byte) => parseInt(byte, 16)));
const rawKey = (s: string) => crypto.subtle.importKey("raw", hex(s), "AES-GCM", false, ["encrypt", "decrypt"]);

// McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 4 and 16.
const IV = "cafebabefacedbaddecaf888";
const P =
  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
const A = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
const CASES = [
  {
    name: "test case 4 (AES-128)",
    key: "feffe9928665731c6d6a8f9467308308",
    c: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
    tag: "5bc94fbc3221a5db94fae95ae7121a47",
  },
  {
    name: "test case 16 (AES-256)",
    key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
    c: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
    tag: "76fc6ece0f4e1768cddf8853bb2d551b",
  },
];

describe("AES-GCM known answers", () => {
  it.each(CASES)("$name", async ({ key, c, tag }) => {
    const sealed = await encryptAesGcm(await rawKey(key), hex(P), hex(A), hex(IV));
    expect(toHex(sealed)).toBe(IV + c + tag);
    expect(toHex((await decryptAesGcm(await rawKey(key), sealed, hex(A)))!)).toBe(P);
  });
});

describe("AES-GCM with derived keys", () => {
  it("round-trips with the same secret and purpose; a random IV makes each ciphertext new", async () => {
    const key = await deriveKey("a configured secret", "purpose", "aes-gcm");
    const one = await encryptAesGcm(key, utf8("hello"), utf8("user:1"));
    const two = await encryptAesGcm(key, utf8("hello"), utf8("user:1"));
    expect(toHex(one)).not.toBe(toHex(two));
    expect(new TextDecoder().decode((await decryptAesGcm(key, one, utf8("user:1")))!)).toBe("hello");
  });

  it("refuses another secret, another purpose, another AAD, a flipped bit and a truncated value", async () => {
    const key = await deriveKey("a configured secret", "purpose", "aes-gcm");
    const sealed = await encryptAesGcm(key, utf8("hello"), utf8("user:1"));
    expect(await decryptAesGcm(await deriveKey("another secret", "purpose", "aes-gcm"), sealed, utf8("user:1"))).toBeNull();
    expect(await decryptAesGcm(await deriveKey("a configured secret", "other", "aes-gcm"), sealed, utf8("user:1"))).toBeNull();
    expect(await decryptAesGcm(key, sealed, utf8("user:2"))).toBeNull();
    const flipped = sealed.slice();
    flipped[14]! ^= 1;
    expect(await decryptAesGcm(key, flipped, utf8("user:1"))).toBeNull();
    expect(await decryptAesGcm(key, sealed.subarray(0, 20), utf8("user:1"))).toBeNull();
  });

  it("refuses an IV that is not 12 bytes", async () => {
    const key = await deriveKey("s", "p", "aes-gcm");
    await expect(encryptAesGcm(key, utf8("x"), utf8(""), new Uint8Array(8))).rejects.toThrow(TypeError);
  });
});
