// The Django hashers other than PBKDF2, as one module loaded on first use (see crypto/passwords.ts):
// argon2 (@noble/hashes), bcrypt and bcrypt_sha256 (bcryptjs), scrypt (@noble/hashes). All plain
// JS and synchronous: Workers refuse to compile WebAssembly at run time.
import { verifyArgon2 } from "./argon2";
import { verifyBcrypt } from "./bcrypt";
import { verifyScrypt } from "./scrypt";

const VERIFIERS: Record<string, (password: string, encoded: string) => boolean> = {
  argon2: verifyArgon2,
  bcrypt: verifyBcrypt,
  bcrypt_sha256: verifyBcrypt,
  scrypt: verifyScrypt,
};

/** Whether `password` matches `encoded`; false for anything malformed, unknown or over the memory limit. */
export function verifyDjangoHash(password: string, encoded: string): boolean {
  const verify = VERIFIERS[encoded.slice(0, encoded.indexOf("$"))];
  try {
    return verify ? verify(password, encoded) : false;
  } catch {
    // The libraries throw on parameters they refuse (e.g. argon2 m < 8·p): such a hash never verifies.
    return false;
  }
}
