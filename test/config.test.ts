// parseConfig (contract §3): defaults, errors that name the setting, production refusals, and how the app reports them.
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { type Bindings, ConfigError, getConfig, parseConfig, parseThrottleRate } from "../src/config";
import { call } from "./helpers";

const KEY = "k".repeat(32);

/** The smallest env that parses: bindings plus the two required settings. */
function minimalEnv(vars: Record<string, unknown> = {}): Bindings {
  return { DB: env.DB, TOKENS_KV: env.TOKENS_KV, THROTTLE: env.THROTTLE, USER_RATE_LIMITER: env.USER_RATE_LIMITER, JWT_SIGNING_KEY: KEY, PUBLIC_BASE_URL: "https://api.example.com", ...vars };
}

function productionEnv(vars: Record<string, unknown> = {}): Bindings {
  return minimalEnv({ ENVIRONMENT: "production", MAIL_API_KEY: "re_live_key", ...vars });
}

/** The ConfigError parseConfig throws for `vars` (fails the test if it parses). */
function configError(vars: Bindings): ConfigError {
  try {
    parseConfig(vars);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`parsed without error: ${JSON.stringify(Object.keys(vars))}`);
}

describe("defaults (contract §3)", () => {
  it("fills every option from the table", () => {
    const config = parseConfig(minimalEnv());
    expect(config).toMatchObject({
      environment: "development",
      authPrefix: "/auth/",
      publicBaseUrl: "https://api.example.com",
      jwtResponseFieldStyle: "current",
      accessTokenLifetime: 300,
      refreshTokenLifetime: 86400,
      sessionLifetime: null,
      jwtLeeway: 0,
      accessTokenSessionCheck: true,
      oldPasswordFieldEnabled: true,
      logoutOnPasswordChange: false,
      emailVerification: "mandatory",
      loginMethods: ["username", "email"],
      usernameRequired: true,
      usernameMinLength: 1,
      emailConfirmationExpireDays: 3,
      logoutOnGet: false,
      registrationOpen: true,
      registrationPreventEnumeration: false,
      passwordMinLength: 8,
      passwordValidators: ["similarity", "min_length", "common", "numeric"],
      pbkdf2Iterations: 100_000,
      passwordResetTimeout: 259_200,
      passwordResetConfirmUrl: null,
      emailConfirmUrl: null,
      emailVerifiedRedirect: null,
      emailVerificationFailedRedirect: null,
      mailApiUrl: "https://api.resend.com/emails",
      mailApiKey: null,
      notifyPasswordChange: true,
      throttleEnabled: true,
      clientIpHeader: "CF-Connecting-IP",
      historyRetentionDays: 90,
      corsAllowedOrigins: [],
      frontendUrl: null,
      productName: "edge-rest-auth",
    });
    expect([...config.usernameBlacklist]).toEqual([]);
    expect([...config.verificationBaseUrlAllowedOrigins]).toEqual([]);
    expect(new TextDecoder().decode(config.jwtSigningKey)).toBe(KEY);
  });

  it("has the §1.10 throttle rates", () => {
    expect(parseConfig(minimalEnv()).throttleRates).toMatchObject({
      login: { limit: 10, periodSeconds: 60 },
      login_identifier: { limit: 5, periodSeconds: 60 },
      register: { limit: 5, periodSeconds: 60 },
      password_reset: { limit: 20, periodSeconds: 60 },
      password_reset_email: { limit: 5, periodSeconds: 3600 },
      resend_email: { limit: 1, periodSeconds: 180 },
      confirm: { limit: 20, periodSeconds: 60 },
      refresh: { limit: 60, periodSeconds: 60 },
      user: { limit: 120, periodSeconds: 60 },
    });
  });

  it("treats an empty string as unset", () => {
    const config = parseConfig(minimalEnv({ ACCESS_TOKEN_LIFETIME: "", ACCOUNT_EMAIL_VERIFICATION: "", CORS_ALLOWED_ORIGINS: "" }));
    expect(config.accessTokenLifetime).toBe(300);
    expect(config.emailVerification).toBe("mandatory");
  });
});

describe("parsing", () => {
  it("normalizes the prefix and the base URL", () => {
    expect(parseConfig(minimalEnv({ AUTH_PREFIX: "dj-rest-auth" })).authPrefix).toBe("/dj-rest-auth/");
    expect(parseConfig(minimalEnv({ AUTH_PREFIX: "/api/v1/auth//" })).authPrefix).toBe("/api/v1/auth/");
    expect(parseConfig(minimalEnv({ PUBLIC_BASE_URL: "https://api.example.com///" })).publicBaseUrl).toBe("https://api.example.com");
  });

  it("reads lists as JSON arrays or comma-separated, origins normalized", () => {
    const json = parseConfig(minimalEnv({ CORS_ALLOWED_ORIGINS: '["https://a.example.com/", "http://localhost:3000"]' }));
    expect(json.corsAllowedOrigins).toEqual(["https://a.example.com", "http://localhost:3000"]);
    const csv = parseConfig(minimalEnv({ ACCOUNT_USERNAME_BLACKLIST: "Admin, root ,", ACCOUNT_LOGIN_METHODS: "email" }));
    expect([...csv.usernameBlacklist]).toEqual(["admin", "root"]);
    expect(csv.loginMethods).toEqual(["email"]);
  });

  it("reads booleans and overrides single throttle scopes", () => {
    const config = parseConfig(minimalEnv({ REGISTRATION_OPEN: "0", ACCOUNT_LOGOUT_ON_GET: "1", THROTTLE_RATES: '{"login":"3/hour","user":null}' }));
    expect(config.registrationOpen).toBe(false);
    expect(config.logoutOnGet).toBe(true);
    expect(config.throttleRates.login).toEqual({ limit: 3, periodSeconds: 3600 });
    expect(config.throttleRates.user).toBeNull();
    expect(config.throttleRates.register).toEqual({ limit: 5, periodSeconds: 60 });
  });

  it("lockout: LOCKOUT_THRESHOLD (default 10, 0 = off) and LOCKOUT_WINDOW (default 900 s)", () => {
    const defaults = parseConfig(minimalEnv());
    expect([defaults.lockoutThreshold, defaults.lockoutWindow]).toEqual([10, 900]);
    const set = parseConfig(minimalEnv({ LOCKOUT_THRESHOLD: "0", LOCKOUT_WINDOW: "3600" }));
    expect([set.lockoutThreshold, set.lockoutWindow]).toEqual([0, 3600]);
    expect(configError(minimalEnv({ LOCKOUT_THRESHOLD: "-1" })).message).toMatch(/^LOCKOUT_THRESHOLD: must be a whole number/);
    expect(configError(minimalEnv({ LOCKOUT_WINDOW: "30" })).message).toMatch(/^LOCKOUT_WINDOW: must be at least 60/);
  });

  it("throttling needs the THROTTLE Durable Object binding, the user scope the USER_RATE_LIMITER binding", () => {
    expect(configError(minimalEnv({ THROTTLE: undefined })).message).toMatch(/^THROTTLE: Durable Object binding is missing/);
    expect(configError(minimalEnv({ USER_RATE_LIMITER: undefined })).message).toMatch(/^USER_RATE_LIMITER: rate-limiting binding is missing/);
    // Neither is needed when what it counts is off.
    expect(parseConfig(minimalEnv({ THROTTLE: undefined, USER_RATE_LIMITER: undefined, THROTTLE_ENABLED: "false" })).throttleEnabled).toBe(false);
    expect(parseConfig(minimalEnv({ USER_RATE_LIMITER: undefined, THROTTLE_RATES: '{"user":null}' })).throttleRates.user).toBeNull();
  });

  it("THROTTLE_RATES.user cannot name a rate the USER_RATE_LIMITER binding would not enforce", () => {
    expect(configError(minimalEnv({ THROTTLE_RATES: '{"user":"30/min"}' })).message).toMatch(/^THROTTLE_RATES\.user: only null \(off\) or "120\/min"; .*USER_RATE_LIMITER binding in wrangler\.toml$/);
    expect(parseConfig(minimalEnv({ THROTTLE_RATES: '{"user":"120/min"}' })).throttleRates.user).toEqual({ limit: 120, periodSeconds: 60 });
  });

  it("parses DRF-style rates", () => {
    expect(parseThrottleRate("5/min")).toEqual({ limit: 5, periodSeconds: 60 });
    expect(parseThrottleRate("1/3min")).toEqual({ limit: 1, periodSeconds: 180 });
    expect(parseThrottleRate("100/day")).toEqual({ limit: 100, periodSeconds: 86400 });
    expect(parseThrottleRate("2/sec")).toEqual({ limit: 2, periodSeconds: 1 });
    expect(parseThrottleRate(null)).toBeNull();
    expect(() => parseThrottleRate("fast")).toThrow(ConfigError);
  });

  it("reads FRONTEND_URL as given and PRODUCT_NAME trimmed", () => {
    const config = parseConfig(minimalEnv({ FRONTEND_URL: "https://app.example.com/sign-in?from=mail", PRODUCT_NAME: "  Acme Notes  " }));
    expect(config.frontendUrl).toBe("https://app.example.com/sign-in?from=mail");
    expect(config.productName).toBe("Acme Notes");
  });

  it("parses once per env object", () => {
    const vars = minimalEnv();
    expect(getConfig(vars)).toBe(getConfig(vars));
    expect(getConfig(minimalEnv())).not.toBe(getConfig(vars));
  });
});

describe("a bad value names the setting", () => {
  const cases: Array<[string, string]> = [
    ["ACCESS_TOKEN_LIFETIME", "five minutes"],
    ["ACCESS_TOKEN_LIFETIME", "0"],
    ["REFRESH_TOKEN_LIFETIME", "-1"],
    ["SESSION_LIFETIME", "1.5"],
    ["JWT_LEEWAY", "99999"],
    ["JWT_RESPONSE_FIELD_STYLE", "modern"],
    ["ACCOUNT_EMAIL_VERIFICATION", "sometimes"],
    ["ACCOUNT_LOGIN_METHODS", "phone"],
    ["ACCOUNT_LOGIN_METHODS", "[]"],
    ["ACCOUNT_USERNAME_BLACKLIST", "[1, 2]"],
    ["THROTTLE_ENABLED", "yes"],
    ["REGISTRATION_OPEN", "nope"],
    ["PBKDF2_ITERATIONS", "100001"],
    ["PBKDF2_ITERATIONS", "10"],
    ["PASSWORD_VALIDATORS", "similarity,entropy"],
    ["PASSWORD_MIN_LENGTH", "0"],
    ["PUBLIC_BASE_URL", "api.example.com"],
    ["EMAIL_CONFIRM_URL", "ftp://files.example.com/{key}"],
    ["EMAIL_VERIFIED_REDIRECT", "/relative"],
    ["FRONTEND_URL", "/sign-in"],
    ["FRONTEND_URL", "javascript:alert(1)"],
    // It goes into mail subjects: a line break there would start a new header.
    ["PRODUCT_NAME", "Acme\r\nBcc: everyone@example.com"],
    ["PRODUCT_NAME", "   "],
    ["PRODUCT_NAME", "x".repeat(81)],
    ["PASSWORD_RESET_CONFIRM_URL", "not a url"],
    ["MAIL_API_URL", "mail.example.com"],
    ["CORS_ALLOWED_ORIGINS", "app.example.com"],
    ["CORS_ALLOWED_ORIGINS", '["https://ok.example.com", 3]'],
    ["VERIFICATION_BASE_URL_ALLOWED_ORIGINS", "[not json"],
    ["THROTTLE_RATES", "10/min"],
    ["THROTTLE_RATES", '{"login":"fast"}'],
    ["THROTTLE_RATES", '{"logins":"5/min"}'],
    ["THROTTLE_RATES", '{"login":5}'],
    ["AUTH_PREFIX", "/auth path/"],
    ["ENVIRONMENT", "staging"],
    ["HISTORY_RETENTION_DAYS", "0"],
  ];
  for (const [name, value] of cases) {
    it(`${name}=${JSON.stringify(value)}`, () => {
      const error = configError(minimalEnv({ [name]: value }));
      expect(error.name).toBe("ConfigError");
      expect(error.message.startsWith(name)).toBe(true);
    });
  }

  it("missing bindings and required settings", () => {
    expect(configError({ ...minimalEnv(), DB: undefined } as unknown as Bindings).message).toMatch(/^DB\b/);
    expect(configError({ ...minimalEnv(), TOKENS_KV: undefined } as unknown as Bindings).message).toMatch(/^TOKENS_KV\b/);
    expect(configError(minimalEnv({ JWT_SIGNING_KEY: undefined })).message).toMatch(/^JWT_SIGNING_KEY\b/);
    expect(configError(minimalEnv({ PUBLIC_BASE_URL: undefined })).message).toMatch(/^PUBLIC_BASE_URL\b/);
  });

  it("REGISTRATION_PREVENT_ENUMERATION is only valid with mandatory verification", () => {
    const error = configError(minimalEnv({ REGISTRATION_PREVENT_ENUMERATION: "true", ACCOUNT_EMAIL_VERIFICATION: "optional" }));
    expect(error.message).toMatch(/^REGISTRATION_PREVENT_ENUMERATION\b/);
    expect(parseConfig(minimalEnv({ REGISTRATION_PREVENT_ENUMERATION: "true" })).registrationPreventEnumeration).toBe(true);
  });
});

describe("ENVIRONMENT=production", () => {
  it("accepts a complete production configuration", () => {
    const config = parseConfig(productionEnv());
    expect(config.environment).toBe("production");
    expect(config.mailApiKey).toBe("re_live_key");
  });

  it("refuses a missing, development or short JWT_SIGNING_KEY", () => {
    for (const key of [undefined, "", `dev-insecure-${"a".repeat(64)}`, "s".repeat(31)]) {
      expect(configError(productionEnv({ JWT_SIGNING_KEY: key })).message, String(key)).toMatch(/^JWT_SIGNING_KEY\b/);
    }
    // Outside production the same keys are accepted (local development).
    expect(() => parseConfig(minimalEnv({ JWT_SIGNING_KEY: `dev-insecure-${"a".repeat(64)}` }))).not.toThrow();
    expect(() => parseConfig(minimalEnv({ JWT_SIGNING_KEY: "short" }))).not.toThrow();
  });

  it("refuses the console mail transport (no MAIL_API_KEY)", () => {
    for (const key of [undefined, ""]) {
      expect(configError(productionEnv({ MAIL_API_KEY: key })).message).toMatch(/^MAIL_API_KEY\b/);
    }
  });

  it("refuses THROTTLE_ENABLED=false", () => {
    expect(configError(productionEnv({ THROTTLE_ENABLED: "false" })).message).toMatch(/^THROTTLE_ENABLED\b/);
  });

  it("never echoes a secret's value in the message", () => {
    const secret = `dev-insecure-${"z".repeat(40)}`;
    expect(configError(productionEnv({ JWT_SIGNING_KEY: secret })).message).not.toContain(secret);
  });
});

describe("a misconfigured Worker answers 500 JSON", () => {
  it("naming the setting outside production", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await call("GET", "/auth/user/", { env: { ACCESS_TOKEN_LIFETIME: "five minutes" } });
    expect(response.status).toBe(500);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(Object.keys(response.body)).toEqual(["detail"]);
    expect(response.body.detail).toContain("ACCESS_TOKEN_LIFETIME");
    expect(logged).toHaveBeenCalledWith(expect.stringContaining("ACCESS_TOKEN_LIFETIME"));
  });

  it("with the generic body in production (the setting only in the logs)", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await call("POST", "/auth/login/", {
      body: {},
      env: { ENVIRONMENT: "production", THROTTLE_ENABLED: "true", ACCESS_TOKEN_LIFETIME: "five minutes" },
    });
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ detail: "A server error occurred." });
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.text).not.toContain("ACCESS_TOKEN_LIFETIME");
    expect(logged).toHaveBeenCalledWith(expect.stringContaining("ACCESS_TOKEN_LIFETIME"));
  });

  it("production with THROTTLE_ENABLED=false is refused the same way", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await call("GET", "/auth/registration/verified/", { env: { ENVIRONMENT: "production" } });
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ detail: "A server error occurred." });
  });

  it("a valid production configuration serves normally", async () => {
    const response = await call("GET", "/auth/user/", { env: { ENVIRONMENT: "production", THROTTLE_ENABLED: "true" } });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ detail: "Authentication credentials were not provided." });
  });
});
