// Microsoft identity platform: id_token with the issuer of the token's tenant, Graph /me for access tokens, code exchange.
import { decodeJwt, type JWTPayload } from "jose";
import { callProvider, fail, objectBody, type ProviderContext, stringField } from "./http";
import { exchangeCode } from "./oauth2";
import { claimsVouchForEmail, identityFromClaims, verifyIdToken } from "./oidc";
import type { SocialCredentials, SocialIdentity } from "./types";

const LOGIN = "https://login.microsoftonline.com";
export const MICROSOFT = {
  jwksUri: (tenant: string) => `${LOGIN}/${tenant}/discovery/v2.0/keys`,
  tokenEndpoint: (tenant: string) => `${LOGIN}/${tenant}/oauth2/v2.0/token`,
  issuer: (tid: string) => `${LOGIN}/${tid}/v2.0`,
  graphMe: "https://graph.microsoft.com/v1.0/me",
  /** The tenant of personal Microsoft accounts. */
  consumersTenant: "9188040d-6c67-4c5b-b112-36a304b66dad",
} as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether the configured tenant lets a token of tenant `tid` in (common: any; organizations: not personal; a GUID: that one). */
export function tenantAdmits(tenant: string, tid: unknown): tid is string {
  if (typeof tid !== "string" || !GUID.test(tid)) return false;
  switch (tenant) {
    case "common":
      return true;
    case "organizations":
      return tid.toLowerCase() !== MICROSOFT.consumersTenant;
    case "consumers":
      return tid.toLowerCase() === MICROSOFT.consumersTenant;
    default:
      return tid.toLowerCase() === tenant.toLowerCase();
  }
}

/**
 * The uid is `oid` (the user's object id, the same for every app of ours and equal to Graph's `id`),
 * not the per-app `sub`: an id_token and a Graph access token of one person then find one account.
 */
function identity(ctx: ProviderContext, claims: JWTPayload): SocialIdentity {
  const oid = typeof claims.oid === "string" ? claims.oid : null;
  if (!oid) fail(ctx, "invalid", "id_token has no oid claim (request the profile scope)");
  // Entra ID's email claim is not verified (it is editable by tenant admins): only an explicit email_verified counts.
  return identityFromClaims(claims, oid, claimsVouchForEmail(claims));
}

async function fromIdToken(ctx: ProviderContext, idToken: string, nonce?: string): Promise<SocialIdentity> {
  const tenant = ctx.provider.tenant ?? "common";
  const claims = await verifyIdToken(ctx, idToken, {
    jwksUri: MICROSOFT.jwksUri(tenant),
    // Multi-tenant keys sign for every tenant: the issuer must be the one of the token's own tid, and the tid one we admit.
    issuer: (iss, verified) => tenantAdmits(tenant, verified.tid) && iss === MICROSOFT.issuer(verified.tid as string),
    audiences: ctx.provider.clientIds,
    nonce,
  });
  return identity(ctx, claims);
}

/**
 * A Graph access token cannot be verified by us (Graph tokens are for Graph), so Graph checks it: once
 * /me answers 200 the token is genuine, and its claims can be trusted to say which app it was issued to
 * (`appid`, or `azp` in v2 tokens). Personal-account tokens are opaque, so their app cannot be checked:
 * they are refused (use the id_token or a code).
 */
async function fromAccessToken(ctx: ProviderContext, accessToken: string, ours: boolean): Promise<SocialIdentity> {
  let claims: JWTPayload;
  try {
    claims = decodeJwt(accessToken);
  } catch {
    return fail(ctx, "invalid", "opaque access token: the app it was issued to cannot be checked (send the id_token or a code)");
  }
  const me = objectBody(
    ctx,
    await callProvider(ctx, `${MICROSOFT.graphMe}?$select=id,displayName,givenName,surname,mail,userPrincipalName`, { headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" } }, { what: "Graph /me", rejectedAs: "invalid" }),
    "Graph /me",
  );
  const app = typeof claims.appid === "string" ? claims.appid : typeof claims.azp === "string" ? claims.azp : null;
  if (!ours && (!app || !ctx.provider.clientIds.includes(app))) fail(ctx, "invalid", "access token was issued to another app");
  if (!tenantAdmits(ctx.provider.tenant ?? "common", claims.tid)) fail(ctx, "invalid", "access token of a tenant not admitted");
  const uid = stringField(me, "id");
  if (!uid || (typeof claims.oid === "string" && claims.oid !== uid)) fail(ctx, "invalid", "Graph /me is not the token's user");
  const email = stringField(me, "mail") ?? null;
  // Graph's mail is whatever the directory holds: never counted as verified.
  const result: SocialIdentity = { uid, email, emailVerified: false, extraData: me };
  const firstName = stringField(me, "givenName");
  const lastName = stringField(me, "surname");
  const name = stringField(me, "displayName");
  if (firstName) result.firstName = firstName;
  if (lastName) result.lastName = lastName;
  if (name) result.name = name;
  return result;
}

export async function verifyMicrosoft(ctx: ProviderContext, c: SocialCredentials): Promise<SocialIdentity> {
  if (c.id_token) return fromIdToken(ctx, c.id_token, c.nonce);
  if (c.code) {
    const tenant = ctx.provider.tenant ?? "common";
    const tokens = await exchangeCode(ctx, c, {
      tokenEndpoint: MICROSOFT.tokenEndpoint(tenant),
      clientId: ctx.provider.clientIds[0]!,
      clientSecret: ctx.provider.secret,
      clientAuth: "post",
    });
    return tokens.id_token ? fromIdToken(ctx, tokens.id_token, c.nonce) : fromAccessToken(ctx, tokens.access_token, true);
  }
  return fromAccessToken(ctx, c.access_token!, false);
}
