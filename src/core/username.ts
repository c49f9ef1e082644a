// Django's username rules (UnicodeUsernameValidator, NFKC) and the one key usernames and addresses are
// unique and looked up by. No imports: the config, the Django import and the services all use it.

/** Django's UnicodeUsernameValidator: \w plus @ . + - (checked on the NFKC form, as Django does). */
export const USERNAME_PATTERN = /^[\p{L}\p{N}_@.+-]+$/u;

/** Django's AbstractBaseUser.normalize_username: NFKC, so "ａｄｍｉｎ" is stored as "admin". */
export function normalizeUsername(username: string): string {
  return username.normalize("NFKC");
}

/**
 * The caseless, compatibility-folded form of a username or an e-mail address: two identifiers with
 * the same key are the same account (users.username_key / users.email_key, unique), and throttles
 * key unknown identifiers by it. NFKC, then a full case fold, then NFKC again, repeated until stable
 * (case mapping can leave a string that is not normalized, e.g. "ΐ").
 *
 * JavaScript has no casefold(): upper-casing first applies the full (multi-character) mappings
 * (ß → SS, ŉ → ʼN, ﬃ → FFI, ᾳ → ΑΙ), lower-casing then brings every cased letter to one form, and
 * the final sigma, which toLowerCase writes by context, is folded to σ. This is the comparison
 * Django's `iexact` makes on PostgreSQL (UPPER(a) = UPPER(b)), so "ı" meets "i" as it does there;
 * SQLite's lower() only folds ASCII, which is why the key is computed here and stored.
 * Pure ASCII keys are the ASCII lower case (what the migration writes in SQL for ASCII rows).
 */
export function identifierKey(value: string): string {
  let key = value.normalize("NFKC");
  for (let round = 0; round < 4; round++) {
    const next = key.toUpperCase().toLowerCase().replace(/ς/g, "σ").normalize("NFKC");
    if (next === key) break;
    key = next;
  }
  return key;
}
