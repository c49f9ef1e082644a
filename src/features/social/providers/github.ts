// GitHub: the token API proves an access token belongs to our OAuth app; then /user and /user/emails (verified primary).
import { basicAuth, callProvider, fail, objectBody, type ProviderContext, stringField, USER_AGENT } from "./http";
import { exchangeCode } from "./oauth2";
import type { SocialCredentials, SocialIdentity } from "./types";

export const GITHUB = {
  api: "https://api.github.com",
  tokenEndpoint: "https://github.com/login/oauth/access_token",
} as const;

const API_HEADERS = { accept: "application/vnd.github+json", "user-agent": USER_AGENT, "x-github-api-version": "2022-11-28" };

/**
 * POST /applications/{client_id}/token with the app's Basic credentials: 200 only for a live token
 * issued to this app (404 otherwise). Returns the GitHub user id it names.
 */
async function checkToken(ctx: ProviderContext, accessToken: string): Promise<string> {
  const clientId = ctx.provider.clientIds[0]!;
  const answer = await callProvider(
    ctx,
    `${GITHUB.api}/applications/${encodeURIComponent(clientId)}/token`,
    {
      method: "POST",
      headers: { ...API_HEADERS, authorization: basicAuth(clientId, ctx.provider.secret!), "content-type": "application/json" },
      body: JSON.stringify({ access_token: accessToken }),
    },
    { what: "token API", rejectedAs: "invalid" },
  );
  const body = objectBody(ctx, answer, "token API");
  const app = body.app as Record<string, unknown> | undefined;
  const user = body.user as Record<string, unknown> | undefined;
  if (app && app.client_id !== undefined && app.client_id !== clientId) fail(ctx, "invalid", "token API names another app");
  if (!user || (typeof user.id !== "number" && typeof user.id !== "string")) fail(ctx, "invalid", "token API answered without a user");
  return String(user.id);
}

async function profileOf(ctx: ProviderContext, accessToken: string, expectedUid: string | null): Promise<SocialIdentity> {
  const headers = { ...API_HEADERS, authorization: `Bearer ${accessToken}` };
  const user = objectBody(ctx, await callProvider(ctx, `${GITHUB.api}/user`, { headers }, { what: "/user", rejectedAs: "invalid" }), "/user");
  if (typeof user.id !== "number" && typeof user.id !== "string") fail(ctx, "invalid", "/user answered without an id");
  const uid = String(user.id);
  if (expectedUid !== null && uid !== expectedUid) fail(ctx, "invalid", "/user is not the token's user");
  // Without the user:email scope GitHub answers 403/404 here: the address is then only the public, unvouched one.
  const emailsAnswer = await callProvider(ctx, `${GITHUB.api}/user/emails`, { headers }, { what: "/user/emails", rejectedAs: "invalid", accept: [403, 404] });
  const emails = Array.isArray(emailsAnswer.body) ? (emailsAnswer.body as Array<Record<string, unknown>>) : [];
  const primary = emails.find((entry) => entry && entry.primary === true && entry.verified === true && typeof entry.email === "string");
  const publicEmail = stringField(user, "email") ?? null;
  const email = primary ? (primary.email as string) : publicEmail;
  // The public address counts as verified only when /user/emails lists it as verified.
  const verified = primary !== undefined || (publicEmail !== null && emails.some((entry) => entry?.email === publicEmail && entry.verified === true));
  const identity: SocialIdentity = { uid, email, emailVerified: email !== null && verified, extraData: user };
  const login = stringField(user, "login");
  const name = stringField(user, "name");
  if (login) identity.username = login;
  if (name) identity.name = name;
  return identity;
}

export async function verifyGithub(ctx: ProviderContext, c: SocialCredentials): Promise<SocialIdentity> {
  if (c.code) {
    const tokens = await exchangeCode(ctx, c, {
      tokenEndpoint: GITHUB.tokenEndpoint,
      clientId: ctx.provider.clientIds[0]!,
      clientSecret: ctx.provider.secret,
      clientAuth: "post",
      headers: { "user-agent": USER_AGENT },
    });
    // Exchanged with our own secret: the token is ours by construction.
    return profileOf(ctx, tokens.access_token, null);
  }
  const uid = await checkToken(ctx, c.access_token!);
  return profileOf(ctx, c.access_token!, uid);
}
