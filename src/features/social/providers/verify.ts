// The providers' verification, a lazily loaded module (scripts/build-lazy.mjs, src/lazy/load.ts): only
// the social endpoints need it, so cold starts do not parse jose's JWKS and key import code, OAuth 1.0a
// or the per-provider code. index.ts's verifySocialCredential loads it on first use.
import type { Deps } from "../../../core/deps";
import { verifyApple } from "./apple";
import { acceptedCredentials } from "./credentials";
import { verifyFacebook } from "./facebook";
import { verifyGenericOidc } from "./generic-oidc";
import { verifyGithub } from "./github";
import { verifyGoogle } from "./google";
import { verifyMicrosoft } from "./microsoft";
import { verifyX } from "./x";
import { DEFAULT_TIMEOUT_MS, type ProviderContext } from "./http";
import type { SocialCredentials, SocialIdentity, SocialProviderConfig, SocialProviderKind, VerifyOptions } from "./types";
import { SocialLoginError } from "./types";

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
