// Facebook: debug_token with the app token proves an access token is our app's; /me with appsecret_proof gives the profile.
import { toHex } from "../../../crypto/hmac";
import { utf8 } from "../../../crypto/bytes";
import { callProvider, fail, objectBody, type ProviderContext, stringField } from "./http";
import { exchangeCode } from "./oauth2";
import type { SocialCredentials, SocialIdentity } from "./types";

export const FACEBOOK_GRAPH = "https://graph.facebook.com/v21.0";

/** appsecret_proof: hex HMAC-SHA256 of the access token keyed by the app secret (Graph API "Securing requests"). */
export async function appSecretProof(secret: string, accessToken: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", utf8(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return toHex(new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8(accessToken))));
}

/** debug_token: valid, a user token, and issued to our app id. Returns the app-scoped user id it names. */
async function checkToken(ctx: ProviderContext, accessToken: string): Promise<string> {
  const appId = ctx.provider.clientIds[0]!;
  const query = new URLSearchParams({ input_token: accessToken, access_token: `${appId}|${ctx.provider.secret}` });
  const body = objectBody(ctx, await callProvider(ctx, `${FACEBOOK_GRAPH}/debug_token?${query}`, {}, { what: "debug_token", rejectedAs: "invalid" }), "debug_token");
  const data = (body.data ?? {}) as Record<string, unknown>;
  if (data.is_valid !== true) fail(ctx, "invalid", "debug_token says the token is not valid");
  if (String(data.app_id) !== appId) fail(ctx, "invalid", "access token was issued to another app");
  if (data.type !== undefined && data.type !== "USER") fail(ctx, "invalid", `debug_token type ${String(data.type)} is not a user token`);
  if (typeof data.user_id !== "string" && typeof data.user_id !== "number") fail(ctx, "invalid", "debug_token names no user");
  return String(data.user_id);
}

async function profileOf(ctx: ProviderContext, accessToken: string, expectedUid: string | null): Promise<SocialIdentity> {
  const query = new URLSearchParams({
    fields: "id,name,email,first_name,last_name",
    access_token: accessToken,
    appsecret_proof: await appSecretProof(ctx.provider.secret!, accessToken),
  });
  const me = objectBody(ctx, await callProvider(ctx, `${FACEBOOK_GRAPH}/me?${query}`, {}, { what: "/me", rejectedAs: "invalid" }), "/me");
  const uid = stringField(me, "id");
  if (!uid || (expectedUid !== null && uid !== expectedUid)) fail(ctx, "invalid", "/me id missing or not the token's user");
  const email = stringField(me, "email") ?? null;
  // Contract §2.5: Facebook's address counts as verified only with trust_email.
  const identity: SocialIdentity = { uid, email, emailVerified: email !== null && ctx.provider.trustEmail, extraData: me };
  const firstName = stringField(me, "first_name");
  const lastName = stringField(me, "last_name");
  const name = stringField(me, "name");
  if (firstName) identity.firstName = firstName;
  if (lastName) identity.lastName = lastName;
  if (name) identity.name = name;
  return identity;
}

export async function verifyFacebook(ctx: ProviderContext, c: SocialCredentials): Promise<SocialIdentity> {
  if (c.code) {
    const tokens = await exchangeCode(ctx, c, {
      tokenEndpoint: `${FACEBOOK_GRAPH}/oauth/access_token`,
      clientId: ctx.provider.clientIds[0]!,
      clientSecret: ctx.provider.secret,
      clientAuth: "post",
      method: "GET",
    });
    return profileOf(ctx, tokens.access_token, null);
  }
  const uid = await checkToken(ctx, c.access_token!);
  return profileOf(ctx, c.access_token!, uid);
}
