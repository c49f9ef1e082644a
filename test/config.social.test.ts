// SOCIAL_PROVIDERS parsing (contract §2.5, §3): the provider map, and a ConfigError naming the entry and field for each mistake.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type Bindings, ConfigError, parseConfig } from "../src/config";
import { RESERVED_PATH_WORDS } from "../src/config-social";
import { allEndpoints } from "../src/features";

function parse(providers: unknown, vars: Record<string, unknown> = {}) {
  const bindings: Bindings = {
    DB: env.DB,
    TOKENS_KV: env.TOKENS_KV, THROTTLE: env.THROTTLE, USER_RATE_LIMITER: env.USER_RATE_LIMITER,
    JWT_SIGNING_KEY: "k".repeat(32),
    PUBLIC_BASE_URL: "https://api.example.com",
    SOCIAL_PROVIDERS: typeof providers === "string" ? providers : JSON.stringify(providers),
    ...vars,
  };
  return parseConfig(bindings).socialProviders;
}

function error(providers: unknown, vars: Record<string, unknown> = {}): string {
  try {
    parse(providers, vars);
  } catch (caught) {
    expect(caught).toBeInstanceOf(ConfigError);
    return (caught as ConfigError).message;
  }
  throw new Error("parsed without error");
}

const PEM = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----";

describe("SOCIAL_PROVIDERS", () => {
  it("defaults to no provider", () => {
    expect(parseConfig({ DB: env.DB, TOKENS_KV: env.TOKENS_KV, THROTTLE: env.THROTTLE, USER_RATE_LIMITER: env.USER_RATE_LIMITER, JWT_SIGNING_KEY: "k".repeat(32), PUBLIC_BASE_URL: "https://a.example" }).socialProviders.size).toBe(0);
    expect(parse("").size).toBe(0);
  });

  it("parses every kind, with its defaults", () => {
    const providers = parse({
      google: { client_id: ["web", "ios"], secret: "g", callback_url: "postmessage" },
      github: { client_id: "gh", secret: "s", callback_url: "https://app.example/cb" },
      facebook: { client_id: "123", secret: "s", trust_email: true },
      apple: { client_id: "com.example", team_id: "TEAM123456", key_id: "KEY1234567", private_key: PEM.replace(/\n/g, "\\n") },
      microsoft: { client_id: "ms" },
      twitter: { client_id: "ck", secret: "cs", oauth2_client_id: "o2", oauth2_secret: "o2s" },
      keycloak: { type: "oidc", server_url: "http://127.0.0.1:8180/realms/demo", client_id: "spa" },
    });
    expect([...providers.keys()]).toEqual(["google", "github", "facebook", "apple", "microsoft", "x", "keycloak"]);
    expect(providers.get("google")).toEqual({
      id: "google", kind: "google", clientIds: ["web", "ios"], secret: "g", callbackUrl: "postmessage", trustEmail: false,
      apple: null, tenant: null, serverUrl: null, x: null,
    });
    expect(providers.get("facebook")!.trustEmail).toBe(true);
    expect(providers.get("apple")!.apple).toEqual({ teamId: "TEAM123456", keyId: "KEY1234567", privateKey: PEM });
    expect(providers.get("microsoft")!.tenant).toBe("common");
    expect(providers.get("x")).toMatchObject({ id: "x", kind: "x", clientIds: ["ck"], secret: "cs", x: { oauth2ClientId: "o2", oauth2Secret: "o2s" } });
    expect(providers.get("keycloak")).toMatchObject({ kind: "oidc", serverUrl: "http://127.0.0.1:8180/realms/demo", secret: null, callbackUrl: null });
  });

  it("accepts the value as a JSON object binding (wrangler [vars] table)", () => {
    const providers = parseConfig({ DB: env.DB, TOKENS_KV: env.TOKENS_KV, THROTTLE: env.THROTTLE, USER_RATE_LIMITER: env.USER_RATE_LIMITER, JWT_SIGNING_KEY: "k".repeat(32), PUBLIC_BASE_URL: "https://a.example", SOCIAL_PROVIDERS: { google: { client_id: "web" } } }).socialProviders;
    expect(providers.get("google")!.clientIds).toEqual(["web"]);
  });

  it("names the entry and field of each mistake", () => {
    expect(error("{not json")).toBe("SOCIAL_PROVIDERS: must be a JSON object of provider -> settings (not valid JSON)");
    expect(error([])).toBe("SOCIAL_PROVIDERS: must be a JSON object of provider -> settings");
    expect(error({ google: "web" })).toBe("SOCIAL_PROVIDERS.google: must be an object of settings");
    expect(error({ google: {} })).toMatch(/^SOCIAL_PROVIDERS\.google\.client_id: is required/);
    expect(error({ google: { client_id: [] } })).toMatch(/^SOCIAL_PROVIDERS\.google\.client_id: is required/);
    expect(error({ google: { client_id: "web", client_secret: "s" } })).toMatch(/^SOCIAL_PROVIDERS\.google\.client_secret: unknown setting for google \(allowed: client_id, secret, callback_url, trust_email\)/);
    expect(error({ google: { client_id: "web", trust_email: "yes" } })).toBe("SOCIAL_PROVIDERS.google.trust_email: must be true or false");
    expect(error({ google: { client_id: "web", callback_url: "https://a b" } })).toBe("SOCIAL_PROVIDERS.google.callback_url: must be a redirect URI without blanks");
    expect(error({ github: { client_id: "gh" } })).toBe("SOCIAL_PROVIDERS.github.secret: is required");
    expect(error({ github: { client_id: ["a", "b"], secret: "s" } })).toBe("SOCIAL_PROVIDERS.github.client_id: github takes one client_id (its app's), not a list");
    expect(error({ facebook: { client_id: "1", secret: " padded " } })).toBe("SOCIAL_PROVIDERS.facebook.secret: has leading or trailing blanks");
    expect(error({ apple: { client_id: "a", team_id: "TEAM123456" } })).toMatch(/^SOCIAL_PROVIDERS\.apple: team_id, key_id and private_key go together/);
    expect(error({ apple: { client_id: "a", team_id: "TEAM123456", key_id: "KEY1234567", private_key: "not a pem" } })).toMatch(/^SOCIAL_PROVIDERS\.apple\.private_key: must be the PKCS#8 PEM/);
    expect(error({ microsoft: { client_id: "m", tenant: "contoso.onmicrosoft.com" } })).toBe("SOCIAL_PROVIDERS.microsoft.tenant: must be common, organizations, consumers or a tenant id (a GUID)");
    expect(error({ twitter: { client_id: "a" }, x: { client_id: "b" } })).toBe('SOCIAL_PROVIDERS.x: "twitter" and "x" name the same provider; keep one');
    expect(error({ google: { type: "oidc", client_id: "w", server_url: "https://accounts.google.com" } })).toMatch(/^SOCIAL_PROVIDERS\.google\.type: is only for generic/);
  });

  it("never echoes a secret in an error", () => {
    expect(error({ github: { client_id: "gh", secret: "  s3cr3t-value" } })).not.toContain("s3cr3t");
    expect(error('{"github": {"client_id": "gh", "secret": "s3cr3t-value",}}')).not.toContain("s3cr3t");
  });
});

describe("generic OIDC entries", () => {
  const entry = { type: "oidc", server_url: "https://id.example.com/realms/demo", client_id: "spa" };

  it("need type oidc, a key of ^[a-z][a-z0-9-]{1,31}$ that is no path of the API, and a server_url", () => {
    expect(error({ okta: { server_url: "https://a", client_id: "c" } })).toMatch(/^SOCIAL_PROVIDERS\.okta: unknown provider; a generic OpenID Connect entry needs "type": "oidc"/);
    for (const key of ["Okta", "a", "9lives", "x".repeat(33), "my_idp"]) {
      expect(error({ [key]: entry })).toBe(`SOCIAL_PROVIDERS.${key}: a generic provider's key must match ^[a-z][a-z0-9-]{1,31}$`);
    }
    for (const key of ["login", "registration", "socialaccounts", "sessions", "mfa", "twitter"]) {
      expect(error({ [key]: entry })).toMatch(new RegExp(`^SOCIAL_PROVIDERS\\.${key}[.:]`));
    }
    expect(error({ login: entry })).toBe("SOCIAL_PROVIDERS.login: is a path of the API and cannot name a provider");
    expect(error({ okta: { type: "oidc", client_id: "c" } })).toBe("SOCIAL_PROVIDERS.okta.server_url: is required");
    expect(error({ okta: { ...entry, server_url: "id.example.com" } })).toBe('SOCIAL_PROVIDERS.okta.server_url: must be an absolute URL (the issuer), got "id.example.com"');
    expect(error({ okta: { ...entry, server_url: "ftp://id.example.com" } })).toBe('SOCIAL_PROVIDERS.okta.server_url: must be an http(s) URL, got "ftp://id.example.com"');
    expect(error({ okta: { ...entry, tenant: "common" } })).toMatch(/^SOCIAL_PROVIDERS\.okta\.tenant: unknown setting for a generic OpenID Connect provider/);
    expect(parse({ "gitlab-eu": entry, okta: entry }).size).toBe(2);
  });

  it("require https:// with ENVIRONMENT=production", () => {
    const production = { ENVIRONMENT: "production", MAIL_API_KEY: "re_live_key" };
    expect(error({ keycloak: { ...entry, server_url: "http://127.0.0.1:8180/realms/demo" } }, production)).toBe("SOCIAL_PROVIDERS.keycloak.server_url: must be https:// with ENVIRONMENT=production");
    expect(parse({ keycloak: { ...entry, server_url: "http://127.0.0.1:8180/realms/demo" } }).get("keycloak")!.serverUrl).toBe("http://127.0.0.1:8180/realms/demo");
  });

  it("reserve every first path word the API declares", () => {
    const words = new Set<string>();
    for (const endpoint of allEndpoints) {
      const { declaration } = endpoint;
      for (const path of [declaration.path, ...(declaration.aliases ?? [])]) {
        const first = path.split("/").filter(Boolean)[0];
        if (first && !first.startsWith(":") && !first.startsWith("{")) words.add(first);
      }
    }
    expect(words.size).toBeGreaterThan(10);
    for (const word of words) expect(RESERVED_PATH_WORDS.has(word), `${word} is declared but not reserved`).toBe(true);
  });
});
