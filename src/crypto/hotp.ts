// HOTP (RFC 4226): an HMAC of a counter, dynamically truncated to a short decimal code.

/** The HMAC hashes RFC 6238 allows; authenticator apps only reliably support SHA-1. */
export type OtpHash = "SHA-1" | "SHA-256" | "SHA-512";

/** Throws `TypeError` unless `digits` is 6 to 10 (RFC 4226 §5.3: at least 6; 2^31 has 10 digits). */
function checkDigits(digits: number): void {
  if (!Number.isInteger(digits) || digits < 6 || digits > 10) throw new TypeError("Digits must be an integer from 6 to 10");
}

/** The code for `counter` (a non-negative safe integer): RFC 4226 §5.3 with `hash` as RFC 6238 extends it. */
export async function generateHOTP(key: Uint8Array, counter: number, digits = 6, hash: OtpHash = "SHA-1"): Promise<string> {
  checkDigits(digits);
  if (!Number.isSafeInteger(counter) || counter < 0) throw new TypeError("Counter must be a non-negative safe integer");
  const message = new Uint8Array(8);
  new DataView(message.buffer).setBigUint64(0, BigInt(counter));
  const hmacKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey, message));
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = new DataView(mac.buffer).getUint32(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, "0");
}
