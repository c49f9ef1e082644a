// Apple: id_token (JWKS), and code exchange with the ES256 client-secret JWT Apple requires.
import { importPKCS8, SignJWT } from "jose";
import { fail, type ProviderContext } from "./http";
import { exchangeCode } from "./oauth2";
import { claimsVouchForEmail, identityFromClaims, verifyIdToken } from "./oidc";
import type { AppleSigningKey, SocialCredentials, SocialIdentity } from "./types";

export const APPLE = {
  issuer: "https://appleid.apple.com",
  jwksUri: "https://appleid.apple.com/auth/keys",
  tokenEndpoint: "https://appleid.apple.com/auth/token",
} as const;

/** Client secrets are minted per exchange; Apple allows up to six months, five minutes is plenty. */
const CLIENT_SECRET_LIFETIME_SECONDS = 300;

// The imported key per configured PEM string: importing is the costly part, and the PEM is constant per isolate.
const importedKeys = new Map<string, Promise<CryptoKey>>();

function signingKey(pem: string): Promise<CryptoKey> {
  let key = importedKeys.get(pem);
  if (!key) {
    key = importPKCS8(pem, "ES256");
    // A failed import is not cached: the next request reports it again.
    key.catch(() => importedKeys.delete(pem));
    importedKeys.set(pem, key);
  }
  return key;
}

/** Apple's client secret: an ES256 JWT, iss team_id, sub client_id, aud appleid.apple.com, kid key_id. */
export async function appleClientSecret(apple: AppleSigningKey, clientId: string, nowMs: number): Promise<string> {
  const now = Math.floor(nowMs / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "ES256", kid: apple.keyId })
    .setIssuer(apple.teamId)
    .setSubject(clientId)
    .setAudience(APPLE.issuer)
    .setIssuedAt(now)
    .setExpirationTime(now + CLIENT_SECRET_LIFETIME_SECONDS)
    .sign(await signingKey(apple.privateKey));
}

async function fromIdToken(ctx: ProviderContext, idToken: string, nonce?: string): Promise<SocialIdentity> {
  const claims = await verifyIdToken(ctx, idToken, {
    jwksUri: APPLE.jwksUri,
    issuer: (iss) => iss === APPLE.issuer,
    audiences: ctx.provider.clientIds,
    nonce,
  });
  // Apple's tokens carry no name (it comes once, to the frontend, at the first authorization).
  return identityFromClaims(claims, claims.sub!, claimsVouchForEmail(claims));
}

export async function verifyApple(ctx: ProviderContext, c: SocialCredentials): Promise<SocialIdentity> {
  // An access_token sent beside the id_token is ignored: Apple has no API that would say whose it is.
  if (c.id_token) return fromIdToken(ctx, c.id_token, c.nonce);
  const apple = ctx.provider.apple;
  if (!apple) return fail(ctx, "code_exchange", "a code was sent but team_id/key_id/private_key are not configured");
  const clientId = ctx.provider.clientIds[0]!;
  let clientSecret: string;
  try {
    clientSecret = await appleClientSecret(apple, clientId, ctx.deps.now());
  } catch (error) {
    return fail(ctx, "upstream", "private_key could not be imported as an ES256 PKCS#8 key", error);
  }
  const tokens = await exchangeCode(ctx, c, {
    tokenEndpoint: APPLE.tokenEndpoint,
    clientId,
    clientSecret,
    clientAuth: "post",
    redirectUriOptional: true,
  });
  if (!tokens.id_token) return fail(ctx, "code_exchange", "token endpoint answered without an id_token");
  return fromIdToken(ctx, tokens.id_token, c.nonce);
}
