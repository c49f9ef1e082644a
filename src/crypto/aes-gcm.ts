// AES-256-GCM for secrets at rest, with keys derived from configured strings by HKDF-SHA256.
import { utf8 } from "./bytes";

const IV_BYTES = 12;

/**
 * HKDF-SHA256 of `secret` for one `purpose` (the HKDF info): one configured string yields unrelated
 * keys for unrelated uses. `usage` picks the key type: AES-256-GCM, or HMAC-SHA256.
 */
export async function deriveKey(secret: string, purpose: string, usage: "aes-gcm" | "hmac"): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey("raw", utf8(secret), "HKDF", false, ["deriveKey"]);
  const params = { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: utf8(purpose) };
  return usage === "aes-gcm"
    ? crypto.subtle.deriveKey(params, material, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"])
    : crypto.subtle.deriveKey(params, material, { name: "HMAC", hash: "SHA-256", length: 256 }, false, ["sign"]);
}

/**
 * Encrypts `plaintext` bound to `aad` (what it belongs to: a ciphertext moved to another row fails
 * to decrypt). Returns IV || ciphertext || 16-byte tag. `iv` is random unless given (known-answer tests).
 */
export async function encryptAesGcm(key: CryptoKey, plaintext: Uint8Array, aad: Uint8Array, iv?: Uint8Array): Promise<Uint8Array> {
  const nonce = iv ?? crypto.getRandomValues(new Uint8Array(IV_BYTES));
  if (nonce.length !== IV_BYTES) throw new TypeError("IV must be 12 bytes");
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: aad }, key, plaintext));
  const out = new Uint8Array(IV_BYTES + sealed.length);
  out.set(nonce);
  out.set(sealed, IV_BYTES);
  return out;
}

/** The plaintext of encryptAesGcm's output, or null when the key, the AAD or any byte is wrong. */
export async function decryptAesGcm(key: CryptoKey, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array | null> {
  if (sealed.length < IV_BYTES + 16) return null;
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.subarray(0, IV_BYTES), additionalData: aad }, key, sealed.subarray(IV_BYTES));
    return new Uint8Array(plain);
  } catch {
    return null;
  }
}
