// Google: id_token (JWKS), access_token (tokeninfo proves it is ours, then userinfo) and code exchange.
import { callProvider, fail, form, objectBody, type ProviderContext, stringField } from "./http";
import { exchangeCode } from "./oauth2";
import { claimsVouchForEmail, identityFromClaims, verifyIdToken } from "./oidc";
import type { SocialCredentials, SocialIdentity } from "./types";

export const GOOGLE = {
  issuers: ["https://accounts.google.com", "accounts.google.com"],
  jwksUri: "https://www.googleapis.com/oauth2/v3/certs",
  tokenEndpoint: "https://oauth2.googleapis.com/token",
  tokenInfo: "https://oauth2.googleapis.com/tokeninfo",
  userInfo: "https://openidconnect.googleapis.com/v1/userinfo",
} as const;

async function fromIdToken(ctx: ProviderContext, idToken: string, nonce?: string): Promise<SocialIdentity> {
  const claims = await verifyIdToken(ctx, idToken, {
    jwksUri: GOOGLE.jwksUri,
    issuer: (iss) => (GOOGLE.issuers as readonly string[]).includes(iss),
    audiences: ctx.provider.clientIds,
    nonce,
  });
  return identityFromClaims(claims, claims.sub!, claimsVouchForEmail(claims));
}

/** tokeninfo first: it names the client the token was issued to, which must be one of ours. */
async function fromAccessToken(ctx: ProviderContext, accessToken: string, checkAudience: boolean): Promise<SocialIdentity> {
  let tokenSubject: string | undefined;
  if (checkAudience) {
    const info = objectBody(
      ctx,
      await callProvider(ctx, GOOGLE.tokenInfo, { method: "POST", body: form({ access_token: accessToken }) }, { what: "tokeninfo", rejectedAs: "invalid" }),
      "tokeninfo",
    );
    const aud = stringField(info, "aud");
    const azp = stringField(info, "azp");
    if (!ctx.provider.clientIds.some((id) => id === aud || id === azp)) fail(ctx, "invalid", "access token was issued to another client");
    tokenSubject = stringField(info, "sub");
  }
  const profile = objectBody(
    ctx,
    await callProvider(ctx, GOOGLE.userInfo, { headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" } }, { what: "userinfo", rejectedAs: "invalid" }),
    "userinfo",
  );
  const sub = stringField(profile, "sub");
  if (!sub || (tokenSubject !== undefined && tokenSubject !== sub)) fail(ctx, "invalid", "userinfo subject missing or not the token's");
  return identityFromClaims(profile, sub, claimsVouchForEmail(profile));
}

export async function verifyGoogle(ctx: ProviderContext, c: SocialCredentials): Promise<SocialIdentity> {
  if (c.id_token) return fromIdToken(ctx, c.id_token, c.nonce);
  if (c.code) {
    const tokens = await exchangeCode(ctx, c, {
      tokenEndpoint: GOOGLE.tokenEndpoint,
      clientId: ctx.provider.clientIds[0]!,
      clientSecret: ctx.provider.secret,
      clientAuth: "post",
    });
    // Our own exchange: the tokens are ours; the id_token still proves who signed in.
    return tokens.id_token ? fromIdToken(ctx, tokens.id_token, c.nonce) : fromAccessToken(ctx, tokens.access_token, false);
  }
  return fromAccessToken(ctx, c.access_token!, true);
}
