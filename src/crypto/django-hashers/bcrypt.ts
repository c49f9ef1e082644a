// Django's BCryptSHA256PasswordHasher ("bcrypt_sha256$$2b$12$…") and BCryptPasswordHasher ("bcrypt$$2b$12$…").
import { sha256 } from "@noble/hashes/sha2.js";
import { hashSync } from "bcryptjs";
import { timingSafeEqual, utf8 } from "./shared";

// Python's bcrypt writes $2b$; $2a$ and $2y$ hashes from other tools verify the same way. Costs
// above 14 (Django's default is 12; each step doubles) are refused: one check at 31 would hold the
// isolate's CPU for hours, and only an import can write such a row.
const PATTERN = /^(bcrypt_sha256|bcrypt)\$(\$2[aby]\$(0[4-9]|1[0-4])\$[./A-Za-z0-9]{53})$/;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Re-hashes `password` with the stored salt and cost and compares the whole string in constant
 * time, as Django does. bcrypt_sha256 first turns the password into the hex SHA-256 digest (so
 * nothing past 72 bytes is lost); plain bcrypt uses the UTF-8 bytes, truncated at 72 by bcrypt.
 */
export function verifyBcrypt(password: string, encoded: string): boolean {
  const match = PATTERN.exec(encoded);
  if (!match) return false;
  const [, algorithm, data] = match;
  const secret = algorithm === "bcrypt_sha256" ? hex(sha256(utf8(password))) : password;
  const candidate = `${algorithm}$${hashSync(secret, data!.slice(0, 29))}`;
  return timingSafeEqual(utf8(candidate), utf8(encoded));
}
