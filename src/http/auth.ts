// Access-token authentication (simplejwt semantics; Bearer header or, in cookie mode, the access cookie) plus the session check.
import { eq, sql } from "drizzle-orm";
import type { Context, MiddlewareHandler } from "hono";
import { prepared } from "../db/prepared";
import { onSession } from "../db/replica";
import { tokenFamilies, users } from "../db/schema";
import type { Database, Deps } from "../core/deps";
import { isStorageUnavailable } from "../core/storage-errors";
import { decodeToken, type TokenClaims } from "../core/tokens";
import type { AppEnv, Authenticated } from "./context";
import { enforceCsrf, isUnsafeMethod } from "./csrf";
import { authErrors, throttled } from "./errors";
import { accessTokenCookie } from "./jwt-cookies";
import { hitUserQuota } from "../core/throttle";

/** The raw bearer token; null when absent or another scheme (treated as absent, like simplejwt). */
function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const parts = header.trim().split(/\s+/);
  if (parts[0] !== "Bearer") return null;
  if (parts.length !== 2) throw authErrors.badHeader();
  return parts[1]!;
}

const userWithFamily = (db: Database) =>
  db
    .select({ user: users, familyRevokedAt: tokenFamilies.revokedAt, familyId: tokenFamilies.id })
    .from(users)
    .leftJoin(tokenFamilies, eq(tokenFamilies.id, sql.placeholder("family")))
    .where(eq(users.id, sql.placeholder("userId")))
    .limit(1)
    .prepare();

/**
 * Loads the user and the family's state in one D1 query. `nearby`: a read replica may answer; when it
 * lacks the user or the family (written moments ago: a sign-up, a login), the primary is asked. A
 * family the replica shows revoked is revoked (revocation is never undone); one it shows live may have
 * been revoked for as long as the replica lags, and never longer than the access token lives.
 */
async function loadUser(deps: Deps, claims: TokenClaims, nearby: boolean): Promise<Authenticated> {
  const query = prepared(deps.db, userWithFamily);
  const values = { family: claims.fam, userId: Number(claims.user_id) };
  let row = nearby ? await onSession(query, deps.replica()).get(values) : undefined;
  if (!row || row.familyId === null) row = await query.get(values);
  if (!row) throw authErrors.userNotFound();
  // Logout and revocation take effect at once instead of at access-token expiry.
  if (deps.config.accessTokenSessionCheck && (row.familyId === null || row.familyRevokedAt !== null)) {
    throw authErrors.accessTokenNotValid();
  }
  if (!row.user.isActive) throw authErrors.userInactive();
  return { user: row.user, claims };
}

/** Where the access token came from: the Bearer header wins; else the JWT_AUTH_COOKIE cookie (cookie mode). */
function accessCredential(c: Context<AppEnv>): { token: string; fromCookie: boolean } | null {
  const bearer = bearerToken(c.req.header("authorization"));
  if (bearer !== null) return { token: bearer, fromCookie: false };
  const cookie = accessTokenCookie(c, c.var.deps.config);
  return cookie === null ? null : { token: cookie, fromCookie: true };
}

/**
 * A browser attaches the access cookie to forged cross-site requests too, so an unsafe request that
 * relies on it must pass the double-submit check (contract §1.7). Checked before the token itself,
 * like dj-rest-auth, so a forged request learns nothing about the cookie.
 */
async function guardCookieCredential(c: Context<AppEnv>, credential: { fromCookie: boolean }): Promise<void> {
  const { config } = c.var.deps;
  const { useCsrf, enforceCsrfOnUnauthenticated } = config.jwtCookie;
  if (credential.fromCookie && (useCsrf || enforceCsrfOnUnauthenticated) && isUnsafeMethod(c.req.method)) {
    await enforceCsrf(c, config);
  }
}

/**
 * `nearby` for safe methods only: a request that writes must not act on a replica's older copy of
 * the user (a password change checks the old password against the stored hash), and it goes to the
 * primary for its write anyway.
 */
async function verifyAccessToken(deps: Deps, token: string, nearby: boolean): Promise<Authenticated> {
  const claims = await decodeToken(deps, token, "access");
  if (!claims) throw authErrors.accessTokenNotValid();
  return loadUser(deps, claims, nearby);
}

/** Protected endpoints: 401 without a valid access token; then the per-user throttle. */
export const requireAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const deps = c.var.deps;
  const credential = accessCredential(c);
  if (!credential) throw authErrors.missing();
  await guardCookieCredential(c, credential);
  const auth = await verifyAccessToken(deps, credential.token, !isUnsafeMethod(c.req.method));
  c.set("auth", auth);
  const quota = await hitUserQuota(deps, auth.user.id);
  if (!quota.allowed) throw throttled(quota.retryAfterSeconds);
  await next();
};

/**
 * logout/: the caller when a valid access token came along (null otherwise: logout must always be
 * possible, so a bad token is ignored). The CSRF check of a cookie credential is not waived. Runs
 * before body validation so the check can read a form's csrfmiddlewaretoken.
 */
export const optionalAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  let credential: ReturnType<typeof accessCredential> = null;
  try {
    credential = accessCredential(c);
  } catch {
    // A malformed Authorization header counts as none here.
  }
  if (credential) await guardCookieCredential(c, credential);
  // A bad token is no caller; D1 failing to say is not an answer (503), or logout would skip its ownership check.
  const caller = credential
    ? await verifyAccessToken(c.var.deps, credential.token, false).catch((error: unknown) => {
        if (isStorageUnavailable(error)) throw error;
        return null;
      })
    : null;
  c.set("caller", caller);
  await next();
};
