// The username of an account a first social login creates: derived from what the provider tells,
// shaped to the username rules, made unique (allauth's generate_unique_username, without unidecode).
import type { Deps } from "../../core/deps";
import { findUserByUsername, identifierKey } from "../../core/users";
import type { SocialIdentity } from "./providers";

/** Room for a suffix under Django's 150. */
const MAX_BASE = 140;
const NOT_USERNAME = /[^\p{L}\p{N}_@.+-]/gu;

/** NFKC (full-width letters, ligatures) and then only the characters usernames may have. */
function clean(value: string | null | undefined): string {
  if (!value) return "";
  return value.normalize("NFKC").trim().replace(/\s+/g, "_").replace(NOT_USERNAME, "").slice(0, MAX_BASE);
}

/** The first usable source: the e-mail's local part, the provider's username, the name, first + last name. */
export function usernameBase(identity: SocialIdentity): string {
  const sources = [
    identity.email?.split("@")[0],
    identity.username,
    identity.name,
    [identity.firstName, identity.lastName].filter(Boolean).join("_"),
  ];
  for (const source of sources) {
    const cleaned = clean(source);
    if (cleaned) return cleaned;
  }
  return "user";
}

const randomDigits = (count: number) =>
  Array.from(crypto.getRandomValues(new Uint8Array(count)), (byte) => String(byte % 10)).join("");

/**
 * A username no account has (case-insensitively), not blacklisted and long enough: the base, else the
 * base with random digits. A concurrent sign-up may still take it; the insert's unique index decides
 * and the caller tries again.
 */
export async function freeUsername(deps: Deps, identity: SocialIdentity): Promise<string> {
  const { usernameBlacklist, usernameMinLength } = deps.config;
  const base = usernameBase(identity);
  for (let attempt = 0; attempt < 6; attempt++) {
    let candidate = attempt === 0 ? base : `${base}${randomDigits(attempt < 3 ? 4 : 8)}`;
    if (candidate.length < usernameMinLength) candidate += randomDigits(usernameMinLength - candidate.length);
    if (usernameBlacklist.has(identifierKey(candidate))) continue;
    if (!(await findUserByUsername(deps, candidate))) return candidate;
  }
  return `${base}${crypto.randomUUID().replace(/-/g, "").slice(0, 9)}`;
}
