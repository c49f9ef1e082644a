// Names of Django's password hashers, shared by login (passwords.ts) and the import's report (free of
// Workers APIs, so the Node CLI can load it).

/** Django's hashers that verifyPassword supports (the others: sha1, md5, unsalted_*, crypt). */
export const SUPPORTED_HASHERS: ReadonlySet<string> = new Set(["pbkdf2_sha256", "pbkdf2_sha1", "argon2", "bcrypt_sha256", "bcrypt", "scrypt"]);

/** The hasher named by a stored password (Django's identify_hasher: the part before the first "$"). */
export function hasherOf(encoded: string): string {
  const end = encoded.indexOf("$");
  return end < 0 ? "" : encoded.slice(0, end);
}
