// HMAC-SHA256 for the stateless link tokens (reset, e-mail confirmation), domain-separated by purpose.

const keys = new WeakMap<Uint8Array, Promise<CryptoKey>>();

/**
 * Imports the secret once per isolate (keyed by the config's secret bytes). Handing jose a
 * CryptoKey instead of raw bytes spares an importKey on every token signed or verified.
 */
export function importHmacKey(secret: Uint8Array): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, key);
  }
  return key;
}

export function toHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/**
 * Hex HMAC of `purpose` and `parts` joined by an unambiguous separator, truncated to `hexLength`.
 * The purpose prefix keeps a reset token from ever verifying as a confirmation key and vice versa.
 */
export async function hmacHex(secret: Uint8Array, purpose: string, parts: ReadonlyArray<string | number>, hexLength = 40): Promise<string> {
  const key = await importHmacKey(secret);
  const message = [purpose, ...parts.map((part) => String(part).replaceAll("\\", "\\\\").replaceAll("|", "\\|"))].join("|");
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message));
  return toHex(new Uint8Array(mac)).slice(0, hexLength);
}
