// Generic OpenID Connect providers (Keycloak, Okta, Auth0, GitLab, ...): endpoints from discovery, id_token / code / access_token.
import { callProvider, fail, objectBody, type ProviderContext, stringField } from "./http";
import { exchangeCode } from "./oauth2";
import { claimsVouchForEmail, type DiscoveredProvider, discover, identityFromClaims, verifyIdToken } from "./oidc";
import type { SocialCredentials, SocialIdentity } from "./types";

async function fromIdToken(ctx: ProviderContext, discovered: DiscoveredProvider, idToken: string, nonce?: string): Promise<SocialIdentity> {
  const claims = await verifyIdToken(ctx, idToken, {
    jwksUri: discovered.jwks_uri,
    issuer: (iss) => iss === discovered.issuer,
    audiences: ctx.provider.clientIds,
    nonce,
  });
  return identityFromClaims(claims, claims.sub!, claimsVouchForEmail(claims));
}

/**
 * userinfo_endpoint with the access token. The standard offers no way to see which client a token was
 * issued to short of RFC 7662 introspection, which not every provider offers: prefer id_token or code.
 */
async function fromUserInfo(ctx: ProviderContext, discovered: DiscoveredProvider, accessToken: string): Promise<SocialIdentity> {
  if (!discovered.userinfo_endpoint) fail(ctx, "upstream", "discovery document has no userinfo_endpoint for an access token");
  const profile = objectBody(
    ctx,
    await callProvider(ctx, discovered.userinfo_endpoint, { headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" } }, { what: "userinfo", rejectedAs: "invalid" }),
    "userinfo",
  );
  const sub = stringField(profile, "sub");
  if (!sub) fail(ctx, "invalid", "userinfo answered without sub");
  return identityFromClaims(profile, sub, claimsVouchForEmail(profile));
}

export async function verifyGenericOidc(ctx: ProviderContext, c: SocialCredentials): Promise<SocialIdentity> {
  const discovered = await discover(ctx, ctx.provider.serverUrl!);
  if (c.id_token) return fromIdToken(ctx, discovered, c.id_token, c.nonce);
  if (c.code) {
    if (!discovered.token_endpoint) fail(ctx, "upstream", "discovery document has no token_endpoint for a code");
    // OIDC Discovery: client_secret_basic is the default when the provider lists no methods.
    const methods = discovered.token_endpoint_auth_methods_supported ?? ["client_secret_basic"];
    const tokens = await exchangeCode(ctx, c, {
      tokenEndpoint: discovered.token_endpoint,
      clientId: ctx.provider.clientIds[0]!,
      clientSecret: ctx.provider.secret,
      clientAuth: methods.includes("client_secret_basic") || !methods.includes("client_secret_post") ? "basic" : "post",
    });
    return tokens.id_token ? fromIdToken(ctx, discovered, tokens.id_token, c.nonce) : fromUserInfo(ctx, discovered, tokens.access_token);
  }
  return fromUserInfo(ctx, discovered, c.access_token!);
}
