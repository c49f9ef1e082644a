// X (Twitter): OAuth 1.0a token + secret via a signed verify_credentials; OAuth 2 access token or code + PKCE via users/me.
import { callProvider, fail, objectBody, type ProviderContext, stringField } from "./http";
import { oauth1Header } from "./oauth1";
import { exchangeCode } from "./oauth2";
import type { SocialCredentials, SocialIdentity } from "./types";

export const X = {
  verifyCredentials: "https://api.twitter.com/1.1/account/verify_credentials.json?include_email=true",
  tokenEndpoint: "https://api.x.com/2/oauth2/token",
  usersMe: "https://api.x.com/2/users/me",
} as const;

function identity(ctx: ProviderContext, uid: string, profile: Record<string, unknown>, email: string | null, username?: string): SocialIdentity {
  // Contract §2.5: X's address counts as verified only with trust_email.
  const result: SocialIdentity = { uid, email, emailVerified: email !== null && ctx.provider.trustEmail, extraData: profile };
  const name = stringField(profile, "name");
  if (username) result.username = username;
  if (name) result.name = name;
  return result;
}

/**
 * OAuth 1.0a (seeds 001/003): the request is signed with our consumer key and secret plus the user's
 * token and secret, so X answers 200 only for a token issued to this app.
 */
async function fromOAuth1(ctx: ProviderContext, token: string, tokenSecret: string): Promise<SocialIdentity> {
  const url = new URL(X.verifyCredentials);
  const authorization = await oauth1Header("GET", url, { consumerKey: ctx.provider.clientIds[0]!, consumerSecret: ctx.provider.secret!, token, tokenSecret }, { nowMs: ctx.deps.now() });
  const profile = objectBody(ctx, await callProvider(ctx, url.href, { headers: { authorization, accept: "application/json" } }, { what: "verify_credentials", rejectedAs: "invalid" }), "verify_credentials");
  const uid = stringField(profile, "id_str") ?? (typeof profile.id === "number" ? String(profile.id) : undefined);
  if (!uid) fail(ctx, "invalid", "verify_credentials answered without an id");
  return identity(ctx, uid, profile, stringField(profile, "email") ?? null, stringField(profile, "screen_name"));
}

/**
 * OAuth 2 users/me. X has no introspection endpoint, so an access token sent by the frontend cannot be
 * tied to our client: prefer code + PKCE, which is exchanged with our own client credentials.
 */
async function fromOAuth2(ctx: ProviderContext, accessToken: string): Promise<SocialIdentity> {
  const url = `${X.usersMe}?user.fields=id,name,username,profile_image_url,confirmed_email`;
  const answer = await callProvider(ctx, url, { headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" } }, { what: "users/me", rejectedAs: "invalid" });
  const data = objectBody(ctx, answer, "users/me").data as Record<string, unknown> | undefined;
  const uid = data && stringField(data, "id");
  if (!data || !uid) fail(ctx, "invalid", "users/me answered without a user");
  return identity(ctx, uid, data, stringField(data, "confirmed_email") ?? null, stringField(data, "username"));
}

export async function verifyX(ctx: ProviderContext, c: SocialCredentials): Promise<SocialIdentity> {
  if (c.token_secret) {
    if (!ctx.provider.secret) return fail(ctx, "upstream", "OAuth 1.0a needs the consumer secret in secret");
    return fromOAuth1(ctx, c.access_token!, c.token_secret);
  }
  if (c.code) {
    const oauth2 = ctx.provider.x;
    const tokens = await exchangeCode(ctx, c, {
      tokenEndpoint: X.tokenEndpoint,
      clientId: oauth2?.oauth2ClientId ?? ctx.provider.clientIds[0]!,
      clientSecret: oauth2 ? oauth2.oauth2Secret : ctx.provider.secret,
      clientAuth: "basic",
    });
    return fromOAuth2(ctx, tokens.access_token);
  }
  return fromOAuth2(ctx, c.access_token!);
}
