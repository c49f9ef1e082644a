// The social verification layer's public entry: which credentials a provider takes, and who they prove.
// The verification itself (verify.ts and everything it reaches) is a lazily loaded module.
import type { Deps } from "../../../core/deps";
import { socialProviders } from "../../../lazy/load";
import type { SocialCredentials, SocialIdentity, SocialProviderConfig, VerifyOptions } from "./types";

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
export { acceptedCredentials } from "./credentials";

/**
 * Verifies the credential with the provider (HTTP, 5 s timeouts, JWKS/discovery cached in KV) and
 * returns who it is. Never writes D1. The first call in an isolate loads the verification module; a
 * failed load throws (no identity without verification).
 */
export async function verifySocialCredential(
  deps: Deps,
  provider: SocialProviderConfig,
  c: SocialCredentials,
  options: VerifyOptions = {},
): Promise<SocialIdentity> {
  return (await socialProviders()).verifySocialCredential(deps, provider, c, options);
}

/** The configured provider a path word names ("twitter" is X), or null when it is not routed. */
export function findSocialProvider(providers: ReadonlyMap<string, SocialProviderConfig>, word: string): SocialProviderConfig | null {
  return providers.get(word === "twitter" ? "x" : word) ?? null;
}
