// The social verification layer's public entry: which credentials a provider takes, and who they prove.
import type { Deps } from "../../../core/deps";
import type { SocialCredentials, SocialIdentity, SocialProviderConfig, VerifyOptions } from "./types";
import { SocialLoginError } from "./types";

export type {
  AppleSigningKey,
  SocialCredentials,
  SocialIdentity,
  SocialLoginErrorKind,
  SocialProviderConfig,
  SocialProviderId,
  SocialProviderKind,
  VerifyOptions,
} from "./types";
export { SOCIAL_ERROR_MESSAGES, SocialLoginError } from "./types";

const OIDC_KINDS = new Set(["google", "apple", "microsoft", "oidc"]);

/** Whether a credential combination is acceptable for this provider (contract §2.5 table), without I/O. */
export function acceptedCredentials(provider: SocialProviderConfig, c: SocialCredentials): boolean {
  const has = (value: string | undefined) => typeof value === "string" && value !== "";
  if (has(c.token_secret)) return provider.kind === "x" && has(c.access_token);
  if (has(c.id_token)) return OIDC_KINDS.has(provider.kind);
  if (has(c.code)) return provider.kind !== "x" || has(c.code_verifier);
  // Apple has no user-info API: an access token alone proves nothing.
  if (has(c.access_token)) return provider.kind !== "apple";
  return false;
}

/** Verifies the credential with the provider (HTTP, 5 s timeouts, JWKS/discovery cached in KV) and returns who it is. Never writes D1. */
export async function verifySocialCredential(
  deps: Deps,
  provider: SocialProviderConfig,
  c: SocialCredentials,
  options: VerifyOptions = {},
): Promise<SocialIdentity> {
  if (!acceptedCredentials(provider, c)) throw new SocialLoginError("missing_input", "Incorrect input. access_token or code is required.");
  void deps;
  void options;
  throw new SocialLoginError("upstream", `provider kind ${provider.kind} is not wired yet`);
}

/** The configured provider a path word names ("twitter" is X), or null when it is not routed. */
export function findSocialProvider(providers: ReadonlyMap<string, SocialProviderConfig>, word: string): SocialProviderConfig | null {
  return providers.get(word === "twitter" ? "x" : word) ?? null;
}
