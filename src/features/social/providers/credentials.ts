// Which credential combinations a provider takes (contract §2.5 table): no I/O, so the handlers refuse
// an unusable body without loading the verification module.
import type { SocialCredentials, SocialProviderConfig } from "./types";

const OIDC_KINDS = new Set(["google", "apple", "microsoft", "oidc"]);

/** Whether a credential combination is acceptable for this provider (contract §2.5 table), without I/O. */
export function acceptedCredentials(provider: SocialProviderConfig, c: SocialCredentials): boolean {
  const has = (value: string | undefined) => typeof value === "string" && value !== "";
  // A field a provider has no use for (an id_token for GitHub, a token_secret for Google) is ignored.
  if (provider.kind === "x" && has(c.token_secret)) return has(c.access_token);
  if (OIDC_KINDS.has(provider.kind) && has(c.id_token)) return true;
  if (has(c.code)) return provider.kind !== "x" || has(c.code_verifier);
  // Apple has no user-info API: an access token alone proves nothing.
  if (has(c.access_token)) return provider.kind !== "apple";
  return false;
}
