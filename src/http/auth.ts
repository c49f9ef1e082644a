// Bearer authentication (simplejwt semantics) plus the session check against the token's family.
import { eq } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import { tokenFamilies, users } from "../db/schema";
import type { Deps } from "../services/deps";
import { decodeToken, type TokenClaims } from "../services/tokens";
import type { AppEnv, Authenticated } from "./context";
import { authErrors } from "./errors";
import { enforceThrottle } from "./throttle";

/** The raw bearer token; null when absent or another scheme (treated as absent, like simplejwt). */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const parts = header.trim().split(/\s+/);
  if (parts[0] !== "Bearer") return null;
  if (parts.length !== 2) throw authErrors.badHeader();
  return parts[1]!;
}

/** Loads the user and the family's state in one D1 query. */
async function loadUser(deps: Deps, claims: TokenClaims): Promise<Authenticated> {
  const [row] = await deps.db
    .select({ user: users, familyRevokedAt: tokenFamilies.revokedAt, familyId: tokenFamilies.id })
    .from(users)
    .leftJoin(tokenFamilies, eq(tokenFamilies.id, claims.fam))
    .where(eq(users.id, Number(claims.user_id)))
    .limit(1);
  if (!row) throw authErrors.userNotFound();
  // Logout and revocation take effect at once instead of at access-token expiry.
  if (deps.config.accessTokenSessionCheck && (row.familyId === null || row.familyRevokedAt !== null)) {
    throw authErrors.tokenNotValid();
  }
  if (!row.user.isActive) throw authErrors.userInactive();
  return { user: row.user, claims };
}

/** Resolves the caller from a Bearer access token; throws the contract's 401s. */
export async function authenticate(deps: Deps, header: string | undefined): Promise<Authenticated | null> {
  const token = bearerToken(header);
  if (token === null) return null;
  const claims = await decodeToken(deps, token, "access");
  if (!claims) throw authErrors.tokenNotValid();
  return loadUser(deps, claims);
}

/** Protected endpoints: 401 without a valid access token; then the per-user throttle. */
export const requireAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const deps = c.var.deps;
  const auth = await authenticate(deps, c.req.header("authorization"));
  if (!auth) throw authErrors.missing();
  c.set("auth", auth);
  await enforceThrottle(deps, "user", String(auth.user.id));
  await next();
};
