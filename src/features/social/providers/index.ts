// The social verification layer's public entry: which credentials a provider takes, and who they prove.
import type { Deps } from "../../../core/deps";
import { verifyApple } from "./apple";
import { verifyFacebook } from "./facebook";
import { verifyGenericOidc } from "./generic-oidc";
import { verifyGithub } from "./github";
import { verifyGoogle } from "./google";
import { verifyMicrosoft } from "./microsoft";
import { verifyX } from "./x";
import { DEFAULT_TIMEOUT_MS, type ProviderContext } from "./http";
import type { SocialCredentials, SocialIdentity, SocialProviderConfig, SocialProviderKind, VerifyOptions } from "./types";
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
  // A field a provider has no use for (an id_token for GitHub, a token_secret for Google) is ignored.
  if (provider.kind === "x" && has(c.token_secret)) return has(c.access_token);
  if (OIDC_KINDS.has(provider.kind) && has(c.id_token)) return true;
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
  const ctx: ProviderContext = { deps, provider, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, jwksFetched: new Set() };
  // Empty strings count as absent, as in acceptedCredentials.
  const given: SocialCredentials = Object.fromEntries(Object.entries(c).filter(([, value]) => typeof value === "string" && value !== ""));
  return VERIFIERS[provider.kind](ctx, given);
}

const VERIFIERS: Record<SocialProviderKind, (ctx: ProviderContext, c: SocialCredentials) => Promise<SocialIdentity>> = {
  google: verifyGoogle,
  github: verifyGithub,
  facebook: verifyFacebook,
  apple: verifyApple,
  microsoft: verifyMicrosoft,
  x: verifyX,
  oidc: verifyGenericOidc,
};

/** The configured provider a path word names ("twitter" is X), or null when it is not routed. */
export function findSocialProvider(providers: ReadonlyMap<string, SocialProviderConfig>, word: string): SocialProviderConfig | null {
  return providers.get(word === "twitter" ? "x" : word) ?? null;
}
