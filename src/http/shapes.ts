// Wire shapes shared by several features: UserDetails, TokenResponse, events, DRF datetimes.
import type { Config } from "../config";
import type { SecurityEvent, User } from "../db/schema";
import type { TokenPair } from "../core/tokens";

/** DRF DateTimeField: ISO 8601 UTC with six fractional digits. */
export function formatDateTime(ms: number): string {
  // toISOString always ends in ".mmmZ" (years 0–9999); DRF writes microseconds.
  return `${new Date(ms).toISOString().slice(0, -1)}000Z`;
}

/** A history event (contract §1.9). */
export function eventShape(row: SecurityEvent) {
  return {
    id: row.id,
    event: row.event,
    created_at: formatDateTime(row.createdAt),
    ip: row.ip,
    user_agent: row.userAgent,
    country: row.country,
    meta: row.meta,
  };
}

export function userDetails(user: User) {
  return { pk: user.id, username: user.username, email: user.email, first_name: user.firstName, last_name: user.lastName };
}

/**
 * Login / registration answer, in the configured field style (contract §1.5). With JWT_AUTH_HTTPONLY
 * the refresh token travels only in its HttpOnly cookie, out of reach of scripts: `refresh` is "".
 */
export function tokenResponse(config: Config, user: User, tokens: TokenPair) {
  const accessExpiration = formatDateTime(tokens.accessExp * 1000);
  const refreshExpiration = formatDateTime(tokens.refreshExp * 1000);
  const refresh = config.jwtCookie.httpOnly ? "" : tokens.refresh;
  if (config.jwtResponseFieldStyle === "legacy") {
    return {
      access_token: tokens.access,
      refresh_token: refresh,
      user: userDetails(user),
      access_token_expiration: accessExpiration,
      refresh_token_expiration: refreshExpiration,
    };
  }
  return {
    access: tokens.access,
    refresh,
    user: userDetails(user),
    access_expiration: accessExpiration,
    refresh_expiration: refreshExpiration,
  };
}

/**
 * token/refresh/ answer (dj-rest-auth ≤ 3 kept simplejwt's access/refresh keys even in legacy style).
 * With JWT_AUTH_HTTPONLY the refresh token and its expiration are left out (dj-rest-auth deletes them).
 */
export function refreshResponse(config: Config, tokens: TokenPair) {
  const accessExpiration = formatDateTime(tokens.accessExp * 1000);
  const refreshExpiration = formatDateTime(tokens.refreshExp * 1000);
  const withhold = config.jwtCookie.httpOnly;
  if (config.jwtResponseFieldStyle === "legacy") {
    const access = { access: tokens.access };
    const expiration = { access_token_expiration: accessExpiration };
    return withhold ? { ...access, ...expiration } : { ...access, refresh: tokens.refresh, ...expiration, refresh_token_expiration: refreshExpiration };
  }
  const access = { access: tokens.access, access_expiration: accessExpiration };
  return withhold ? access : { ...access, refresh: tokens.refresh, refresh_expiration: refreshExpiration };
}
