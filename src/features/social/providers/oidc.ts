// OpenID Connect pieces shared by google, apple, microsoft and generic providers: id_token checks, discovery, claims -> identity.
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from "jose";
import { readCached, writeCached } from "./cache";
import { callProvider, fail, objectBody, type ProviderContext, stringField } from "./http";
import { withKeySet } from "./jwks";
import type { SocialIdentity } from "./types";

/** Signature algorithms accepted in provider id_tokens (none, HS* and the rest are refused). */
export const ID_TOKEN_ALGORITHMS = ["RS256", "ES256", "EdDSA"] as const;
/** Clock skew tolerated on exp/iat/nbf, in seconds. */
export const ID_TOKEN_LEEWAY_SECONDS = 60;
/** An id_token is a proof of a recent sign-in: one issued longer ago than this is refused even if unexpired. */
const ID_TOKEN_MAX_AGE_SECONDS = 86_400;
/** Discovery documents are kept this long (contract §2.5). */
const DISCOVERY_TTL_SECONDS = 3600;

export interface IdTokenExpectations {
  jwksUri: string;
  /** True when `iss` (with the verified claims) is the issuer expected; Microsoft's depends on the token's tenant. */
  issuer: (iss: string, claims: JWTPayload) => boolean;
  /** Accepted `aud` values: the entry's client ids. */
  audiences: readonly string[];
  /** The nonce the frontend sent, compared when given. */
  nonce?: string;
}

/**
 * Verifies an id_token: alg in the allowlist, signature by a key of the provider's JWKS, `aud` among the
 * client ids (with several audiences, `azp` must be one of ours), `exp`/`iat`/`nbf` within the leeway,
 * `iss` as expected, `sub` present, `nonce` when given. Any failure is `invalid`; a JWKS failure `upstream`.
 */
export async function verifyIdToken(ctx: ProviderContext, token: string, expect: IdTokenExpectations): Promise<JWTPayload> {
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    fail(ctx, "invalid", "id_token is not a JWS");
  }
  if (!alg || !(ID_TOKEN_ALGORITHMS as readonly string[]).includes(alg)) fail(ctx, "invalid", `id_token alg ${alg ?? "(none)"} is not accepted`);
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await withKeySet(ctx, expect.jwksUri, (keys) =>
      jwtVerify(token, keys, {
        algorithms: [...ID_TOKEN_ALGORITHMS],
        audience: [...expect.audiences],
        clockTolerance: ID_TOKEN_LEEWAY_SECONDS,
        maxTokenAge: ID_TOKEN_MAX_AGE_SECONDS,
        requiredClaims: ["iss", "sub", "aud", "exp", "iat"],
        currentDate: new Date(ctx.deps.now()),
      }),
    ));
  } catch (error) {
    if (error instanceof errors.JOSEError) return fail(ctx, "invalid", `id_token refused (${error.code}: ${error.message})`);
    throw error;
  }
  if (typeof claims.iss !== "string" || !expect.issuer(claims.iss, claims)) fail(ctx, "invalid", `id_token issuer ${String(claims.iss)} is not expected`);
  if (typeof claims.sub !== "string" || claims.sub === "") fail(ctx, "invalid", "id_token has no subject");
  if (Array.isArray(claims.aud) && claims.aud.length > 1) {
    // OIDC Core 3.1.3.7: a token for several audiences must name the party it was issued to.
    if (typeof claims.azp !== "string" || !expect.audiences.includes(claims.azp)) fail(ctx, "invalid", "id_token for several audiences without our azp");
  }
  if (expect.nonce !== undefined && claims.nonce !== expect.nonce) fail(ctx, "invalid", "id_token nonce does not match");
  return claims;
}

/** Whether a provider says the address is verified: `email_verified` true (Apple sends the string "true"). */
export function claimsVouchForEmail(claims: Record<string, unknown>): boolean {
  return claims.email_verified === true || claims.email_verified === "true";
}

/** Claims that say something about the token rather than the user: not kept as extra data. */
const TOKEN_CLAIMS = new Set(["aud", "exp", "iat", "nbf", "nonce", "at_hash", "c_hash", "auth_time", "jti", "azp", "uti", "rh", "aio"]);

/** A SocialIdentity from OIDC standard claims (id_token or userinfo). */
export function identityFromClaims(claims: Record<string, unknown>, uid: string, emailVerified: boolean): SocialIdentity {
  const email = stringField(claims, "email") ?? null;
  const extraData = Object.fromEntries(Object.entries(claims).filter(([name]) => !TOKEN_CLAIMS.has(name)));
  const identity: SocialIdentity = { uid, email, emailVerified: email !== null && emailVerified, extraData };
  const username = stringField(claims, "preferred_username");
  const firstName = stringField(claims, "given_name");
  const lastName = stringField(claims, "family_name");
  const name = stringField(claims, "name");
  if (username) identity.username = username;
  if (firstName) identity.firstName = firstName;
  if (lastName) identity.lastName = lastName;
  if (name) identity.name = name;
  return identity;
}

/** The endpoints of a generic provider's discovery document (contract §2.5). */
export interface DiscoveredProvider {
  issuer: string;
  jwks_uri: string;
  token_endpoint?: string;
  userinfo_endpoint?: string;
  token_endpoint_auth_methods_supported?: string[];
}

const isDiscovered = (value: unknown): value is DiscoveredProvider =>
  !!value && typeof (value as DiscoveredProvider).issuer === "string" && typeof (value as DiscoveredProvider).jwks_uri === "string";

const withoutSlash = (url: string) => url.replace(/\/+$/, "");

function endpoint(ctx: ProviderContext, document: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = stringField(document, name);
  if (value === undefined) {
    if (required) fail(ctx, "upstream", `discovery document has no ${name}`);
    return undefined;
  }
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    url = null;
  }
  const production = ctx.deps.config.environment === "production";
  if (!url || (url.protocol !== "https:" && (production || url.protocol !== "http:"))) fail(ctx, "upstream", `discovery ${name} is not an allowed URL`);
  return value;
}

/** `{server_url}/.well-known/openid-configuration`, cached in KV for an hour; its issuer must be server_url. */
export async function discover(ctx: ProviderContext, serverUrl: string): Promise<DiscoveredProvider> {
  const cached = await readCached(ctx, "oidc", serverUrl, isDiscovered);
  if (cached) return cached.value;
  const answer = await callProvider(ctx, `${withoutSlash(serverUrl)}/.well-known/openid-configuration`, { headers: { accept: "application/json" } }, { what: "discovery", rejectedAs: "upstream" });
  const body = objectBody(ctx, answer, "discovery");
  const issuer = stringField(body, "issuer");
  // OIDC Discovery §4.3: the document must be the one of the issuer configured (a trailing slash aside).
  if (!issuer || withoutSlash(issuer) !== withoutSlash(serverUrl)) fail(ctx, "upstream", `discovery issuer ${String(issuer)} is not server_url`);
  const methods = body.token_endpoint_auth_methods_supported;
  const document: DiscoveredProvider = {
    issuer,
    jwks_uri: endpoint(ctx, body, "jwks_uri", true)!,
    token_endpoint: endpoint(ctx, body, "token_endpoint", false),
    userinfo_endpoint: endpoint(ctx, body, "userinfo_endpoint", false),
    token_endpoint_auth_methods_supported: Array.isArray(methods) ? methods.filter((m): m is string => typeof m === "string") : undefined,
  };
  return writeCached(ctx, "oidc", serverUrl, document, DISCOVERY_TTL_SECONDS).value;
}
