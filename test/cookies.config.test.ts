// Cookie-mode settings (contract §3 JWT_AUTH_*): defaults, and the refusals that name the setting.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type Bindings, ConfigError, parseConfig } from "../src/config";
import { call } from "./helpers";
import { COOKIE_MODE } from "./cookie-jar";

const base = (vars: Record<string, string> = {}): Bindings => ({
  DB: env.DB,
  TOKENS_KV: env.TOKENS_KV,
  THROTTLE: env.THROTTLE,
  USER_RATE_LIMITER: env.USER_RATE_LIMITER,
  JWT_SIGNING_KEY: "k".repeat(32),
  PUBLIC_BASE_URL: "https://api.example.com",
  ...vars,
});

/** The message of the ConfigError parseConfig throws for `vars`. */
function refusal(vars: Record<string, string>): string {
  try {
    parseConfig(base(vars));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("parsed");
}

describe("cookie-mode defaults", () => {
  it("parses every JWT_AUTH_* setting to the contract's default", () => {
    const config = parseConfig(base());
    expect(config.jwtCookie).toEqual({
      access: null,
      refresh: null,
      refreshPath: "/",
      secure: true,
      httpOnly: false,
      sameSite: "Lax",
      domain: null,
      useCsrf: false,
      enforceCsrfOnUnauthenticated: false,
    });
  });
});

describe("cookie-mode settings are validated at startup", () => {
  it("refuses SameSite=None without JWT_AUTH_COOKIE_USE_CSRF: a 500 naming JWT_AUTH_SAMESITE", async () => {
    const response = await call("GET", "/auth/csrf/", { env: { ...COOKIE_MODE, JWT_AUTH_SAMESITE: "None" } });
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ detail: "Server misconfigured: JWT_AUTH_SAMESITE: None requires JWT_AUTH_COOKIE_USE_CSRF=true" });
    expect(parseConfig(base({ JWT_AUTH_SAMESITE: "None", JWT_AUTH_COOKIE_USE_CSRF: "true" })).jwtCookie.sameSite).toBe("None");
  });

  it("names the setting for every other bad value or combination", () => {
    expect(refusal({ JWT_AUTH_SAMESITE: "lax" })).toMatch(/^JWT_AUTH_SAMESITE: must be one of Lax, Strict, None/);
    expect(refusal({ JWT_AUTH_SAMESITE: "None", JWT_AUTH_COOKIE_USE_CSRF: "true", JWT_AUTH_SECURE: "false" })).toBe(
      "JWT_AUTH_SAMESITE: None requires JWT_AUTH_SECURE=true",
    );
    expect(refusal({ JWT_AUTH_HTTPONLY: "true", JWT_AUTH_COOKIE: "a" })).toMatch(/^JWT_AUTH_HTTPONLY: /);
    expect(refusal({ JWT_AUTH_COOKIE: "bad name" })).toMatch(/^JWT_AUTH_COOKIE: must be a cookie name/);
    expect(refusal({ JWT_AUTH_REFRESH_COOKIE: "r;x" })).toMatch(/^JWT_AUTH_REFRESH_COOKIE: /);
    expect(refusal({ JWT_AUTH_REFRESH_COOKIE_PATH: "auth" })).toMatch(/^JWT_AUTH_REFRESH_COOKIE_PATH: /);
    expect(refusal({ JWT_AUTH_COOKIE_DOMAIN: "a.com; Secure" })).toMatch(/^JWT_AUTH_COOKIE_DOMAIN: /);
    expect(refusal({ JWT_AUTH_SECURE: "yes" })).toMatch(/^JWT_AUTH_SECURE: must be true or false/);
    expect(refusal({ JWT_AUTH_COOKIE_USE_CSRF: "on" })).toMatch(/^JWT_AUTH_COOKIE_USE_CSRF: /);
    expect(refusal({ JWT_AUTH_COOKIE_ENFORCE_CSRF_ON_UNAUTHENTICATED: "x" })).toMatch(/^JWT_AUTH_COOKIE_ENFORCE_CSRF_ON_UNAUTHENTICATED: /);
    expect(refusal({ JWT_AUTH_COOKIE: "__Host-access", JWT_AUTH_SECURE: "false" })).toMatch(/^JWT_AUTH_COOKIE: /);
    expect(refusal({ JWT_AUTH_REFRESH_COOKIE: "__Host-refresh", JWT_AUTH_REFRESH_COOKIE_PATH: "/auth/" })).toMatch(/^JWT_AUTH_REFRESH_COOKIE: /);
    expect(refusal({ JWT_AUTH_REFRESH_COOKIE: "r", REFRESH_TOKEN_LIFETIME: String(401 * 86_400) })).toMatch(/^REFRESH_TOKEN_LIFETIME: /);
    expect(refusal({ JWT_AUTH_COOKIE: "jwt", JWT_AUTH_REFRESH_COOKIE: "jwt" })).toMatch(/^JWT_AUTH_REFRESH_COOKIE: "jwt" is already/);
    expect(refusal({ JWT_AUTH_COOKIE: "csrftoken" })).toMatch(/^JWT_AUTH_COOKIE: "csrftoken" is already/);
    expect(refusal({ CSRF_COOKIE_DOMAIN: "a.com\r\nX: y" })).toMatch(/^CSRF_COOKIE_DOMAIN: /);
  });

  it("accepts a full, consistent cookie configuration", () => {
    const config = parseConfig(
      base({
        JWT_AUTH_COOKIE: "__Host-access",
        JWT_AUTH_REFRESH_COOKIE: "__Secure-refresh",
        JWT_AUTH_REFRESH_COOKIE_PATH: "/auth/token/",
        JWT_AUTH_HTTPONLY: "true",
        JWT_AUTH_SAMESITE: "Strict",
        JWT_AUTH_COOKIE_USE_CSRF: "true",
        JWT_AUTH_COOKIE_ENFORCE_CSRF_ON_UNAUTHENTICATED: "true",
      }),
    );
    expect(config.jwtCookie).toEqual({
      access: "__Host-access",
      refresh: "__Secure-refresh",
      refreshPath: "/auth/token/",
      secure: true,
      httpOnly: true,
      sameSite: "Strict",
      domain: null,
      useCsrf: true,
      enforceCsrfOnUnauthenticated: true,
    });
  });
});
