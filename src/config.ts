// Env bindings + vars -> one typed, validated Config, parsed once per env object (per isolate).
import { type JwtAlgorithm, parseMfaKeys, parseSigningKeys, type PrivateJwk } from "./config-keys";
import { parseSocialProviders } from "./config-social";
import type { SocialProviderConfig } from "./features/social/providers/types";
import { absoluteUrl, bool, ConfigError, cookieDomain, cookieName, cookiePath, DEV_SECRET_PREFIX, int, Invalid, list, oneOf, option, origin, pattern, readString, text } from "./config-values";
import { identifierKey } from "./core/username";

export { ConfigError };
export type { JwtAlgorithm, PrivateJwk };

/** Bindings and raw string vars as the Workers runtime hands them to `fetch`. */
export interface Bindings {
  DB: D1Database;
  TOKENS_KV: KVNamespace;
  /** Workers static assets: the docs/ page's Swagger UI files. Optional: without it docs/ answers 404. */
  ASSETS?: Fetcher;
  /** The exact throttle store (src/core/throttle-counter.ts); needed unless THROTTLE_ENABLED=false. */
  THROTTLE?: DurableObjectNamespace<import("./core/throttle-counter").ThrottleCounter>;
  /** The per-user scope's rate limiter (wrangler.toml [[ratelimits]]); needed unless the scope is off. */
  USER_RATE_LIMITER?: RateLimit;
  [name: string]: unknown;
}

export type PasswordValidatorName = "similarity" | "min_length" | "common" | "numeric";
export type SameSite = "Lax" | "Strict" | "None";

/** Cookie mode (contract §1.7). Both names null (the default) = body mode: no JWT cookie is ever set or read. */
export interface JwtCookieConfig {
  /** JWT_AUTH_COOKIE: access cookie name; also accepted as the credential of protected endpoints. Default null. */
  access: string | null;
  /** JWT_AUTH_REFRESH_COOKIE: refresh cookie name; refresh/ and logout/ fall back to it. Default null. */
  refresh: string | null;
  /** JWT_AUTH_REFRESH_COOKIE_PATH. Default "/". */
  refreshPath: string;
  /** JWT_AUTH_SECURE. Default true (dj-rest-auth: false). */
  secure: boolean;
  /** JWT_AUTH_HTTPONLY: HttpOnly cookies and the refresh token withheld from bodies. Default false. */
  httpOnly: boolean;
  /** JWT_AUTH_SAMESITE. Default "Lax"; "None" only together with useCsrf. */
  sameSite: SameSite;
  /** JWT_AUTH_COOKIE_DOMAIN. Default null (host-only cookies). */
  domain: string | null;
  /** JWT_AUTH_COOKIE_USE_CSRF: CSRF on unsafe requests authenticated by the access cookie. Default false. */
  useCsrf: boolean;
  /** JWT_AUTH_COOKIE_ENFORCE_CSRF_ON_UNAUTHENTICATED: CSRF on every unsafe request without Authorization. Default false. */
  enforceCsrfOnUnauthenticated: boolean;
}

export type ThrottleScope =
  | "login"
  | "login_identifier"
  | "register"
  | "password_reset"
  | "password_reset_email"
  | "resend_email"
  | "confirm"
  | "refresh"
  | "mfa"
  | "social"
  | "user";

/** A throttle rate: `limit` requests per `periodSeconds`, or null = unthrottled. */
export type ThrottleRate = { limit: number; periodSeconds: number } | null;

export interface Config {
  /** `development` (default) or `production`; production refuses dev secrets and the console mailer. */
  environment: "development" | "production" | "test";
  /** Mount point, with leading and trailing slash. Default `/auth/`. */
  authPrefix: string;
  /**
   * LEGACY_ACCOUNTS_PREFIX: where seed 004's paths are also served verbatim (e.g. `/accounts/api/`), with
   * the legacy token names. Default null (not served).
   */
  legacyAccountsPrefix: string | null;
  /** API origin used to build links in mails, e.g. `https://api.example.com`. */
  publicBaseUrl: string;
  /** `current` (access/refresh) or `legacy` (access_token/refresh_token). Default `current`. */
  jwtResponseFieldStyle: "current" | "legacy";
  /** Seconds. Default 300. */
  accessTokenLifetime: number;
  /** Seconds, sliding on rotation. Default 86400. */
  refreshTokenLifetime: number;
  /** Absolute family lifetime in seconds, or null (default) for none. */
  sessionLifetime: number | null;
  /**
   * REFRESH_REUSE_INTERVAL: seconds during which the family's previous refresh token still gets the
   * current pair (overlapping refreshes of one SPA). Default 10; 0 = strict (only the first wins).
   */
  refreshReuseInterval: number;
  /** JWT_SIGNING_KEY: signs the HS256 tokens and every HMAC link credential (reset tokens, confirmation keys). */
  jwtSigningKey: Uint8Array;
  /** JWT_ALGORITHM: HS256 (default, JWT_SIGNING_KEY), or ES256 / EdDSA with JWT_PRIVATE_KEYS. */
  jwtAlgorithm: JwtAlgorithm;
  /** JWT_PRIVATE_KEYS for ES256/EdDSA: the first signs, each verifies and is published in the JWKS. Empty under HS256. */
  jwtPrivateKeys: readonly PrivateJwk[];
  /** Allowed clock skew in seconds when verifying tokens. Default 0. */
  jwtLeeway: number;
  /** Refuse access tokens of revoked families on every request. Default true. */
  accessTokenSessionCheck: boolean;
  oldPasswordFieldEnabled: boolean;
  logoutOnPasswordChange: boolean;
  emailVerification: "mandatory" | "optional" | "none";
  /** ACCOUNT_EMAIL_REQUIRED: e-mail needed at registration. Default true with mandatory verification, else false. */
  emailRequired: boolean;
  loginMethods: ReadonlyArray<"username" | "email">;
  usernameRequired: boolean;
  usernameMinLength: number;
  /** ACCOUNT_USERNAME_BLACKLIST, each name as its identifierKey. */
  usernameBlacklist: ReadonlySet<string>;
  emailConfirmationExpireDays: number;
  logoutOnGet: boolean;
  registrationOpen: boolean;
  registrationPreventEnumeration: boolean;
  passwordMinLength: number;
  passwordValidators: readonly PasswordValidatorName[];
  pbkdf2Iterations: number;
  /** Seconds. Default 259200 (3 days). */
  passwordResetTimeout: number;
  passwordResetConfirmUrl: string | null;
  /** Frontend form the reset link redirects to (jwt-allauth flow); null = our own form page. */
  passwordResetRedirect: string | null;
  passwordResetCookie: { httpOnly: boolean; secure: boolean; sameSite: SameSite; maxAge: number };
  /** Double-submit CSRF on password/reset/set-new/. Default true. */
  passwordResetCookieCsrf: boolean;
  /** JWT_AUTH_* cookie mode; off by default. */
  jwtCookie: JwtCookieConfig;
  /** Default "csrftoken". */
  csrfCookieName: string;
  /** Default "X-CSRFToken". */
  csrfHeaderName: string;
  /** Default null (host-only). */
  csrfCookieDomain: string | null;
  /** Origins besides the API's own that pass the CSRF Origin check. Default empty. */
  csrfTrustedOrigins: ReadonlySet<string>;
  emailConfirmUrl: string | null;
  emailVerifiedRedirect: string | null;
  emailVerificationFailedRedirect: string | null;
  verificationBaseUrlAllowedOrigins: ReadonlySet<string>;
  mailApiUrl: string;
  /** null = console transport (development only). */
  mailApiKey: string | null;
  mailFrom: string;
  mailReplyTo: string | null;
  notifyPasswordChange: boolean;
  throttleEnabled: boolean;
  throttleRates: Readonly<Record<ThrottleScope, ThrottleRate>>;
  /** LOCKOUT_THRESHOLD: failed passwords per account within lockoutWindow that lock its password logins. Default 10; 0 = no lockout. */
  lockoutThreshold: number;
  /** LOCKOUT_WINDOW: seconds over which failed passwords are counted. Default 900. */
  lockoutWindow: number;
  clientIpHeader: string;
  historyRetentionDays: number;
  corsAllowedOrigins: readonly string[];
  /** MFA_ENCRYPTION_KEYS, newest first: the TOTP secrets' encryption keys. Default null (MFA answers 500 when it needs one). */
  mfaEncryptionKeys: readonly string[] | null;
  /** MFA_ISSUER: the issuer authenticator apps show. Default "edge-rest-auth". */
  mfaIssuer: string;
  /** SOCIALACCOUNT_AUTO_SIGNUP: a first social login creates the user (else 403). Default true. */
  socialAutoSignup: boolean;
  /**
   * SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT: a first social login whose address belongs to a
   * local account links to it, only when the provider vouches for the address and the account has it
   * verified. Default false (refused: "User is already registered with this e-mail address.").
   */
  socialEmailAuthenticationAutoConnect: boolean;
  /** OPENAPI_ENABLED: serve openapi.json and docs/ (and spectacular/ under the legacy prefix). Default true. */
  openApiEnabled: boolean;
  /**
   * FRONTEND_URL: the app people sign in to (absolute http(s) URL), the target of the "Sign in" and
   * "Continue" links of the built-in pages. Default null: the pages say to sign in from the app.
   */
  frontendUrl: string | null;
  /**
   * SOCIAL_PROVIDERS (contract §2.5, §3): the routed social providers by id ("x" also for an entry keyed
   * "twitter"), built-in and generic OIDC. Default empty (no social endpoint).
   */
  socialProviders: ReadonlyMap<string, SocialProviderConfig>;
  /** PRODUCT_NAME: shown in the built-in pages' titles and headings and in mail subjects and signatures. Default "edge-rest-auth". */
  productName: string;
}

const DEFAULT_THROTTLE_RATES: Record<ThrottleScope, string | null> = {
  login: "10/min",
  login_identifier: "5/min",
  register: "5/min",
  password_reset: "20/min",
  password_reset_email: "5/hour",
  resend_email: "1/3min",
  confirm: "20/min",
  refresh: "60/min",
  mfa: "10/min",
  social: "10/min",
  user: "120/min",
};

const PERIODS: Record<string, number> = { sec: 1, s: 1, min: 60, m: 60, hour: 3600, h: 3600, day: 86400, d: 86400 };

/** Parses DRF-style rates: `"5/min"`, `"1/3min"` (one per three minutes), `"100/day"`. */
export function parseThrottleRate(value: string | null): ThrottleRate {
  if (value === null) return null;
  const match = /^(\d+)\/(\d*)(sec|s|min|m|hour|h|day|d)$/.exec(value.trim());
  if (!match) throw new ConfigError(`THROTTLE_RATES: "${value}" is not a rate like "10/min"`);
  const multiplier = match[2] ? Number(match[2]) : 1;
  return { limit: Number(match[1]), periodSeconds: multiplier * PERIODS[match[3]!]! };
}

const MAX_COOKIE_SECONDS = 400 * 86_400;

function parseJwtCookieConfig(env: Bindings, lifetimes: { access: number; refresh: number }, csrfCookieName: string): JwtCookieConfig {
  const cookies: JwtCookieConfig = {
    access: option<string | null>(env, "JWT_AUTH_COOKIE", cookieName, null),
    refresh: option<string | null>(env, "JWT_AUTH_REFRESH_COOKIE", cookieName, null),
    refreshPath: option(env, "JWT_AUTH_REFRESH_COOKIE_PATH", cookiePath, "/"),
    secure: option(env, "JWT_AUTH_SECURE", bool, true),
    httpOnly: option(env, "JWT_AUTH_HTTPONLY", bool, false),
    sameSite: option(env, "JWT_AUTH_SAMESITE", oneOf<SameSite>("Lax", "Strict", "None"), "Lax"),
    domain: option<string | null>(env, "JWT_AUTH_COOKIE_DOMAIN", cookieDomain, null),
    useCsrf: option(env, "JWT_AUTH_COOKIE_USE_CSRF", bool, false),
    enforceCsrfOnUnauthenticated: option(env, "JWT_AUTH_COOKIE_ENFORCE_CSRF_ON_UNAUTHENTICATED", bool, false),
  };
  // SameSite=None sends the cookies on cross-site requests: only the CSRF check protects them then.
  if (cookies.sameSite === "None" && !cookies.useCsrf) throw new ConfigError("JWT_AUTH_SAMESITE: None requires JWT_AUTH_COOKIE_USE_CSRF=true");
  if (cookies.sameSite === "None" && !cookies.secure) throw new ConfigError("JWT_AUTH_SAMESITE: None requires JWT_AUTH_SECURE=true");
  // Withholding the refresh token from bodies without a refresh cookie would lose it altogether.
  if (cookies.httpOnly && !cookies.refresh) {
    throw new ConfigError("JWT_AUTH_HTTPONLY: true withholds the refresh token from bodies, so it needs JWT_AUTH_REFRESH_COOKIE");
  }
  for (const [setting, name] of [["JWT_AUTH_COOKIE", cookies.access], ["JWT_AUTH_REFRESH_COOKIE", cookies.refresh]] as const) {
    if (!name) continue;
    // One cookie would overwrite the other on every login.
    if (name === csrfCookieName || (setting === "JWT_AUTH_REFRESH_COOKIE" && name === cookies.access)) {
      throw new ConfigError(`${setting}: "${name}" is already the name of another cookie`);
    }
    // Browsers drop (and Hono refuses to write) prefixed cookies that lack these attributes.
    if (/^__(secure|host)-/i.test(name) && !cookies.secure) throw new ConfigError(`${setting}: a __Secure-/__Host- name needs JWT_AUTH_SECURE=true`);
    if (/^__host-/i.test(name) && (cookies.domain || (name === cookies.refresh && cookies.refreshPath !== "/"))) {
      throw new ConfigError(`${setting}: a __Host- name needs no JWT_AUTH_COOKIE_DOMAIN and Path /`);
    }
  }
  if (cookies.access && lifetimes.access > MAX_COOKIE_SECONDS) throw new ConfigError("ACCESS_TOKEN_LIFETIME: at most 400 days in cookie mode");
  if (cookies.refresh && lifetimes.refresh > MAX_COOKIE_SECONDS) throw new ConfigError("REFRESH_TOKEN_LIFETIME: at most 400 days in cookie mode");
  return cookies;
}

function parseThrottleRates(env: Bindings): Record<ThrottleScope, ThrottleRate> {
  const overrides = option<Record<string, unknown>>(
    env,
    "THROTTLE_RATES",
    (raw) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        throw new Invalid("must be a JSON object of scope -> rate");
      }
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Invalid("must be a JSON object of scope -> rate");
      return parsed as Record<string, unknown>;
    },
    {},
  );
  const rates = {} as Record<ThrottleScope, ThrottleRate>;
  for (const scope of Object.keys(DEFAULT_THROTTLE_RATES) as ThrottleScope[]) {
    const value = scope in overrides ? overrides[scope] : DEFAULT_THROTTLE_RATES[scope];
    if (value !== null && typeof value !== "string") throw new ConfigError(`THROTTLE_RATES.${scope}: must be a string or null`);
    rates[scope] = parseThrottleRate(value);
  }
  for (const scope of Object.keys(overrides)) {
    if (!(scope in DEFAULT_THROTTLE_RATES)) throw new ConfigError(`THROTTLE_RATES: unknown scope "${scope}"`);
  }
  // The per-user scope is counted by the USER_RATE_LIMITER binding, whose numbers the Worker cannot
  // read: a different rate here would be a limit that is not enforced.
  if ("user" in overrides && overrides.user !== null && overrides.user !== DEFAULT_THROTTLE_RATES.user) {
    throw new ConfigError(
      `THROTTLE_RATES.user: only null (off) or "${DEFAULT_THROTTLE_RATES.user}"; the per-user limit is set by the USER_RATE_LIMITER binding in wrangler.toml`,
    );
  }
  return rates;
}

function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, "");
  return trimmed ? `/${trimmed}/` : "/";
}

/** Validates bindings and vars; throws ConfigError naming the first bad setting. */
export function parseConfig(env: Bindings): Config {
  if (!env.DB || typeof (env.DB as D1Database).prepare !== "function") throw new ConfigError("DB: D1 binding is missing");
  if (!env.TOKENS_KV || typeof (env.TOKENS_KV as KVNamespace).get !== "function") {
    throw new ConfigError("TOKENS_KV: KV binding is missing");
  }
  const environment = option(env, "ENVIRONMENT", oneOf("development", "production", "test"), "development");
  const production = environment === "production";

  const signingKey = readString(env, "JWT_SIGNING_KEY");
  if (!signingKey) throw new ConfigError("JWT_SIGNING_KEY: secret is missing (run `npm start` once locally, or `wrangler secret put JWT_SIGNING_KEY`)");
  if (production && (signingKey.startsWith(DEV_SECRET_PREFIX) || signingKey.length < 32)) {
    throw new ConfigError("JWT_SIGNING_KEY: production refuses a development or short (< 32 chars) secret");
  }

  const mailApiKey = readString(env, "MAIL_API_KEY") || null;
  if (production && !mailApiKey) {
    throw new ConfigError("MAIL_API_KEY: production refuses the console mail transport; set the secret");
  }
  const publicBaseUrl = readString(env, "PUBLIC_BASE_URL");
  if (!publicBaseUrl) throw new ConfigError("PUBLIC_BASE_URL: required (the API origin used in mailed links)");
  const throttleEnabled = option(env, "THROTTLE_ENABLED", bool, true);
  if (production && !throttleEnabled) throw new ConfigError("THROTTLE_ENABLED: cannot be false in production");
  const throttleRates = parseThrottleRates(env);
  if (throttleEnabled && typeof (env.THROTTLE as DurableObjectNamespace | undefined)?.idFromName !== "function") {
    throw new ConfigError("THROTTLE: Durable Object binding is missing (wrangler.toml [[durable_objects.bindings]]), needed unless THROTTLE_ENABLED=false");
  }
  if (throttleEnabled && throttleRates.user && typeof (env.USER_RATE_LIMITER as RateLimit | undefined)?.limit !== "function") {
    throw new ConfigError('USER_RATE_LIMITER: rate-limiting binding is missing (wrangler.toml [[ratelimits]]), needed unless THROTTLE_RATES.user is null');
  }

  const passwordResetCookie = {
    httpOnly: option(env, "PASSWORD_RESET_COOKIE_HTTP_ONLY", bool, true),
    secure: option(env, "PASSWORD_RESET_COOKIE_SECURE", bool, true),
    sameSite: option(env, "PASSWORD_RESET_COOKIE_SAME_SITE", oneOf<SameSite>("Lax", "Strict", "None"), "Lax"),
    maxAge: option(env, "PASSWORD_RESET_COOKIE_MAX_AGE", int(60, 86_400), 3600),
  };
  if (passwordResetCookie.sameSite === "None" && !passwordResetCookie.secure) {
    throw new ConfigError("PASSWORD_RESET_COOKIE_SAME_SITE: None requires PASSWORD_RESET_COOKIE_SECURE=true");
  }

  const emailVerification = option(env, "ACCOUNT_EMAIL_VERIFICATION", oneOf("mandatory", "optional", "none"), "mandatory");
  const registrationPreventEnumeration = option(env, "REGISTRATION_PREVENT_ENUMERATION", bool, false);
  if (registrationPreventEnumeration && emailVerification !== "mandatory") {
    throw new ConfigError("REGISTRATION_PREVENT_ENUMERATION: only valid with ACCOUNT_EMAIL_VERIFICATION=mandatory");
  }
  const emailRequired = option(env, "ACCOUNT_EMAIL_REQUIRED", bool, emailVerification === "mandatory");
  if (!emailRequired && emailVerification === "mandatory") {
    throw new ConfigError("ACCOUNT_EMAIL_REQUIRED: cannot be false with ACCOUNT_EMAIL_VERIFICATION=mandatory");
  }

  const loginMethods = option(env, "ACCOUNT_LOGIN_METHODS", list(oneOf<"username" | "email">("username", "email")), [
    "username" as const,
    "email" as const,
  ]);
  if (loginMethods.length === 0) throw new ConfigError("ACCOUNT_LOGIN_METHODS: needs at least one of username, email");
  // allauth's rule: accounts without an address could never log in by e-mail alone.
  if (!emailRequired && !loginMethods.includes("username")) {
    throw new ConfigError("ACCOUNT_LOGIN_METHODS: e-mail-only login needs ACCOUNT_EMAIL_REQUIRED=true");
  }
  const csrfCookieName = option(env, "CSRF_COOKIE_NAME", pattern(/^[\w-]+$/, "must be a cookie name"), "csrftoken");
  const accessTokenLifetime = option(env, "ACCESS_TOKEN_LIFETIME", int(1), 300);
  const refreshTokenLifetime = option(env, "REFRESH_TOKEN_LIFETIME", int(1), 86400);
  const allValidators: PasswordValidatorName[] = ["similarity", "min_length", "common", "numeric"];
  const validators = option(env, "PASSWORD_VALIDATORS", list(oneOf<PasswordValidatorName>(...allValidators)), allValidators);

  const prefixPattern = pattern(/^[\w\-/]*$/, "must be a path like /auth/");
  const authPrefix = normalizePrefix(option(env, "AUTH_PREFIX", prefixPattern, "/auth/"));
  const legacyRaw = option<string | null>(env, "LEGACY_ACCOUNTS_PREFIX", prefixPattern, null);
  const legacyAccountsPrefix = legacyRaw === null ? null : normalizePrefix(legacyRaw);
  if (legacyAccountsPrefix !== null && (legacyAccountsPrefix === "/" || legacyAccountsPrefix === authPrefix)) {
    throw new ConfigError("LEGACY_ACCOUNTS_PREFIX: must be a path of its own, like /accounts/api/ (not / nor AUTH_PREFIX)");
  }

  return {
    environment,
    authPrefix,
    legacyAccountsPrefix,
    publicBaseUrl: option(env, "PUBLIC_BASE_URL", absoluteUrl, publicBaseUrl).replace(/\/+$/, ""),
    jwtResponseFieldStyle: option(env, "JWT_RESPONSE_FIELD_STYLE", oneOf("current", "legacy"), "current"),
    accessTokenLifetime,
    refreshTokenLifetime,
    sessionLifetime: option<number | null>(env, "SESSION_LIFETIME", int(1), null),
    refreshReuseInterval: option(env, "REFRESH_REUSE_INTERVAL", int(0, 3600), 10),
    jwtSigningKey: new TextEncoder().encode(signingKey),
    ...parseSigningKeys(env),
    jwtLeeway: option(env, "JWT_LEEWAY", int(0, 3600), 0),
    accessTokenSessionCheck: option(env, "ACCESS_TOKEN_SESSION_CHECK", bool, true),
    oldPasswordFieldEnabled: option(env, "OLD_PASSWORD_FIELD_ENABLED", bool, true),
    logoutOnPasswordChange: option(env, "LOGOUT_ON_PASSWORD_CHANGE", bool, false),
    emailVerification,
    emailRequired,
    loginMethods,
    usernameRequired: option(env, "ACCOUNT_USERNAME_REQUIRED", bool, true),
    usernameMinLength: option(env, "ACCOUNT_USERNAME_MIN_LENGTH", int(1, 150), 1),
    // Keyed like usernames, so a fullwidth or other-case spelling of a listed name is refused too.
    usernameBlacklist: new Set(option(env, "ACCOUNT_USERNAME_BLACKLIST", list(text), []).map(identifierKey)),
    emailConfirmationExpireDays: option(env, "ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS", int(1, 365), 3),
    logoutOnGet: option(env, "ACCOUNT_LOGOUT_ON_GET", bool, false),
    registrationOpen: option(env, "REGISTRATION_OPEN", bool, true),
    registrationPreventEnumeration,
    passwordMinLength: option(env, "PASSWORD_MIN_LENGTH", int(1, 128), 8),
    passwordValidators: validators,
    // Production Workers refuse PBKDF2 above 100,000 iterations (workerd #1346); local workerd does not.
    pbkdf2Iterations: option(env, "PBKDF2_ITERATIONS", int(1000, 100_000), 100_000),
    passwordResetTimeout: option(env, "PASSWORD_RESET_TIMEOUT", int(60), 259_200),
    passwordResetConfirmUrl: option<string | null>(env, "PASSWORD_RESET_CONFIRM_URL", absoluteUrl, null),
    passwordResetRedirect: option<string | null>(env, "PASSWORD_RESET_REDIRECT", absoluteUrl, null),
    passwordResetCookie,
    passwordResetCookieCsrf: option(env, "PASSWORD_RESET_COOKIE_CSRF", bool, true),
    csrfCookieName,
    jwtCookie: parseJwtCookieConfig(env, { access: accessTokenLifetime, refresh: refreshTokenLifetime }, csrfCookieName),
    csrfHeaderName: option(env, "CSRF_HEADER_NAME", pattern(/^[\w-]+$/, "must be a header name"), "X-CSRFToken"),
    csrfCookieDomain: option<string | null>(env, "CSRF_COOKIE_DOMAIN", cookieDomain, null),
    csrfTrustedOrigins: new Set(option(env, "CSRF_TRUSTED_ORIGINS", list(origin), [])),
    emailConfirmUrl: option<string | null>(env, "EMAIL_CONFIRM_URL", absoluteUrl, null),
    emailVerifiedRedirect: option<string | null>(env, "EMAIL_VERIFIED_REDIRECT", absoluteUrl, null),
    emailVerificationFailedRedirect: option<string | null>(env, "EMAIL_VERIFICATION_FAILED_REDIRECT", absoluteUrl, null),
    verificationBaseUrlAllowedOrigins: new Set(
      option(env, "VERIFICATION_BASE_URL_ALLOWED_ORIGINS", list(origin), []),
    ),
    mailApiUrl: option(env, "MAIL_API_URL", absoluteUrl, "https://api.resend.com/emails"),
    mailApiKey,
    mailFrom: option(env, "MAIL_FROM", pattern(/^.{3,}$/, "must be an address like Name <no-reply@example.com>"), "edge-rest-auth <no-reply@example.com>"),
    mailReplyTo: option<string | null>(env, "MAIL_REPLY_TO", text, null),
    notifyPasswordChange: option(env, "NOTIFY_PASSWORD_CHANGE", bool, true),
    throttleEnabled,
    throttleRates,
    lockoutThreshold: option(env, "LOCKOUT_THRESHOLD", int(0, 1000), 10),
    lockoutWindow: option(env, "LOCKOUT_WINDOW", int(60, 86_400), 900),
    clientIpHeader: option(env, "CLIENT_IP_HEADER", text, "CF-Connecting-IP"),
    historyRetentionDays: option(env, "HISTORY_RETENTION_DAYS", int(1, 3650), 90),
    corsAllowedOrigins: option(env, "CORS_ALLOWED_ORIGINS", list(origin), []),
    mfaEncryptionKeys: parseMfaKeys(env, production),
    // A colon separates issuer and account in the otpauth label, so it cannot be part of the issuer.
    mfaIssuer: option(env, "MFA_ISSUER", pattern(/^[^:]{1,64}$/, "must be 1 to 64 characters without a colon"), "edge-rest-auth"),
    socialAutoSignup: option(env, "SOCIALACCOUNT_AUTO_SIGNUP", bool, true),
    socialEmailAuthenticationAutoConnect: option(env, "SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT", bool, false),
    openApiEnabled: option(env, "OPENAPI_ENABLED", bool, true),
    frontendUrl: option<string | null>(env, "FRONTEND_URL", absoluteUrl, null),
    socialProviders: parseSocialProviders(env, production),
    // One line of text: it goes into mail subjects, where a line break would be a header injection.
    productName: option(env, "PRODUCT_NAME", pattern(/^(?=.*\S)[^\p{Cc}]{1,80}$/u, "must be 1-80 characters on one line"), "edge-rest-auth").trim(),
  };
}

const cache = new WeakMap<object, Config>();

/** Parses once per env object: the runtime hands every request of an isolate the same env. */
export function getConfig(env: Bindings): Config {
  let config = cache.get(env);
  if (!config) {
    config = parseConfig(env);
    cache.set(env, config);
  }
  return config;
}
