// The TOTP secret at rest and the recovery codes: keys derived from MFA_ENCRYPTION_KEYS (once per
// isolate), the secret encrypted under the newest, codes stored only as keyed hashes.
import type { Config } from "../../config";
import { ConfigError } from "../../config-values";
import { decryptAesGcm, deriveKey, encryptAesGcm } from "../../crypto/aes-gcm";
import { decodeBase64Url, encodeBase64Url, randomString, utf8 } from "../../crypto/bytes";
import { toHex } from "../../crypto/hmac";

interface MfaKey {
  /** A fingerprint stored with each row (mfa_totp.key_id): says which key to decrypt with, reveals nothing of it. */
  id: string;
  secrets: CryptoKey;
  recoveryCodes: CryptoKey;
}

interface MfaKeyring {
  /** The first of MFA_ENCRYPTION_KEYS: every new secret and code set is made under it. */
  current: MfaKey;
  byId: ReadonlyMap<string, MfaKey>;
}

async function deriveMfaKey(secret: string): Promise<MfaKey> {
  const [secrets, recoveryCodes, fingerprint] = await Promise.all([
    deriveKey(secret, "edge-rest-auth/mfa/totp-secret", "aes-gcm"),
    deriveKey(secret, "edge-rest-auth/mfa/recovery-code", "hmac"),
    deriveKey(secret, "edge-rest-auth/mfa/key-id", "hmac"),
  ]);
  const id = toHex(new Uint8Array(await crypto.subtle.sign("HMAC", fingerprint, new Uint8Array(0)))).slice(0, 16);
  return { id, secrets, recoveryCodes };
}

const keyrings = new WeakMap<readonly string[], Promise<MfaKeyring>>();

/** The keys, derived once per isolate. Without MFA_ENCRYPTION_KEYS this throws: MFA fails closed, naming the setting. */
export function mfaKeyring(config: Config): Promise<MfaKeyring> {
  const secrets = config.mfaEncryptionKeys;
  if (!secrets) throw new ConfigError("MFA_ENCRYPTION_KEYS: required to use MFA (a JSON array of secrets, newest first)");
  let ring = keyrings.get(secrets);
  if (!ring) {
    ring = Promise.all(secrets.map(deriveMfaKey)).then((keys) => ({ current: keys[0]!, byId: new Map(keys.map((key) => [key.id, key])) }));
    keyrings.set(secrets, ring);
  }
  return ring;
}

/** The key a row was made under; a row whose key was removed from the setting cannot be used (500 naming it). */
export async function keyOfRow(config: Config, keyId: string): Promise<MfaKey> {
  const key = (await mfaKeyring(config)).byId.get(keyId);
  if (!key) throw new ConfigError(`MFA_ENCRYPTION_KEYS: key ${keyId}, which a user's TOTP secret is stored under, is no longer configured`);
  return key;
}

// Bound to the user: a ciphertext copied into another user's row does not decrypt.
const aad = (userId: number) => utf8(`mfa_totp:${userId}`);

export async function encryptSecret(key: MfaKey, userId: number, secret: Uint8Array): Promise<string> {
  return encodeBase64Url(await encryptAesGcm(key.secrets, secret, aad(userId)));
}

/** The secret's bytes; a ciphertext that does not decrypt is a corrupted row, not a wrong code: it throws. */
export async function decryptSecret(key: MfaKey, userId: number, stored: string): Promise<Uint8Array> {
  const secret = await decryptAesGcm(key.secrets, decodeBase64Url(stored), aad(userId));
  if (!secret) throw new Error(`mfa_totp row of user ${userId} does not decrypt under key ${key.id}`);
  return secret;
}

/** Crockford's base32 alphabet: no i, l, o or u to misread; 10 symbols carry 50 bits. */
const RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const RECOVERY_CODE_COUNT = 10;

/** Ten new codes as shown to the user, `xxxx-xxxx-xx`. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const code = randomString(10, RECOVERY_ALPHABET);
    return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
  });
}

/**
 * A typed recovery code in canonical form, or null if it cannot be one: case, spaces and dashes are
 * ignored and the look-alikes Crockford reads as digits (i, l -> 1; o -> 0) are folded.
 */
export function normalizeRecoveryCode(typed: string): string | null {
  const folded = typed.toLowerCase().replace(/[\s-]/g, "").replace(/[il]/g, "1").replace(/o/g, "0");
  return folded.length === 10 && [...folded].every((char) => RECOVERY_ALPHABET.includes(char)) ? folded : null;
}

/**
 * What is stored for a code: an HMAC under a key the database does not hold, so a leaked table
 * cannot be searched offline for codes (50 bits would not resist a plain hash search for long).
 */
export async function hashRecoveryCode(key: MfaKey, userId: number, code: string): Promise<string> {
  const canonical = normalizeRecoveryCode(code);
  if (!canonical) throw new TypeError("not a recovery code");
  return toHex(new Uint8Array(await crypto.subtle.sign("HMAC", key.recoveryCodes, utf8(`${userId}:${canonical}`))));
}
