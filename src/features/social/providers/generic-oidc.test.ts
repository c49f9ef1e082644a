// Generic OpenID Connect: discovery (cached an hour, issuer = server_url), id_token, code, access_token at userinfo.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { verifySocialCredential } from "./index";
import { captureWarnings, clearSocialCache, clock, FakeWeb, json, jwksRoute, makeKey, providerDeps, signToken, socialError, type TestKey } from "./providers.fixtures";

const ISSUER = "http://127.0.0.1:8180/realms/demo";
const OIDC = `${ISSUER}/protocol/openid-connect`;
const settings = { keycloak: { type: "oidc", server_url: ISSUER, client_id: ["spa", "mobile"], secret: "kc-secret", callback_url: "http://localhost:5173/cb" } };

let web: FakeWeb;
let key: TestKey;
let document: Record<string, unknown>;

beforeEach(async () => {
  await clearSocialCache();
  key = await makeKey("ES256", "kc-1");
  document = {
    issuer: ISSUER,
    authorization_endpoint: `${OIDC}/auth`,
    token_endpoint: `${OIDC}/token`,
    userinfo_endpoint: `${OIDC}/userinfo`,
    jwks_uri: `${OIDC}/certs`,
    token_endpoint_auth_methods_supported: ["private_key_jwt", "client_secret_basic", "client_secret_post"],
  };
  web = new FakeWeb();
  web.on("GET", `${ISSUER}/.well-known/openid-configuration`, () => json(document));
  web.on("GET", `${OIDC}/certs`, jwksRoute({ current: [key] }));
  web.on("GET", `${OIDC}/userinfo`, (request) =>
    request.headers.get("authorization") === "Bearer kc-access" ? json({ sub: "f:1:ada", email: "ada@example.com", email_verified: true, preferred_username: "ada" }) : json({ error: "invalid_token" }, 401),
  );
  web.install();
});
afterEach(() => vi.restoreAllMocks());

const claims = (extra: Record<string, unknown> = {}) => ({ iss: ISSUER, aud: "spa", sub: "f:1:ada", email: "ada@example.com", email_verified: true, preferred_username: "ada", given_name: "Ada", ...extra });

async function verify(credentials: Parameters<typeof verifySocialCredential>[2], providers: Record<string, unknown> = settings) {
  const { deps, provider, settle } = providerDeps(providers);
  try {
    return await verifySocialCredential(deps, provider("keycloak"), credentials);
  } finally {
    await settle();
  }
}

describe("discovery", () => {
  it("reads the endpoints from the issuer's document and keeps it for an hour", async () => {
    expect((await verify({ id_token: await signToken(key, claims()) })).uid).toBe("f:1:ada");
    await verify({ id_token: await signToken(key, claims()) });
    expect(web.to(`${ISSUER}/.well-known/openid-configuration`)).toHaveLength(1);
    clock.advance(3601);
    await verify({ id_token: await signToken(key, claims()) });
    expect(web.to(`${ISSUER}/.well-known/openid-configuration`)).toHaveLength(2);
  });

  it("refuses a document whose issuer is not server_url (upstream, nothing else fetched)", async () => {
    document.issuer = "http://127.0.0.1:8180/realms/other";
    const log = captureWarnings();
    expect((await socialError(verify({ id_token: "x.y.z" }))).kind).toBe("upstream");
    expect(log.lines).toEqual(["social keycloak: discovery issuer http://127.0.0.1:8180/realms/other is not server_url -> upstream"]);
    expect(web.to(`${OIDC}/certs`)).toHaveLength(0);
  });

  it("accepts the issuer with a trailing slash (Auth0 style) and then requires it exactly in tokens", async () => {
    document.issuer = `${ISSUER}/`;
    expect((await verify({ id_token: await signToken(key, claims({ iss: `${ISSUER}/` })) })).uid).toBe("f:1:ada");
    captureWarnings();
    expect((await socialError(verify({ id_token: await signToken(key, claims({ iss: ISSUER })) }))).kind).toBe("invalid");
  });

  it("in production, refuses discovered endpoints that are not https", async () => {
    const https = "https://id.example.test/realms/demo";
    web.on("GET", `${https}/.well-known/openid-configuration`, () => json({ ...document, issuer: https }));
    const { deps, provider } = providerDeps({ keycloak: { ...settings.keycloak, server_url: https } });
    // Only the environment matters here (the rest of a production config is config.test's business).
    const production = { ...deps, config: { ...deps.config, environment: "production" as const } };
    const log = captureWarnings();
    expect((await socialError(verifySocialCredential(production, provider("keycloak"), { id_token: "x.y.z" }))).kind).toBe("upstream");
    expect(log.lines).toEqual(["social keycloak: discovery jwks_uri is not an allowed URL -> upstream"]);
  });

  it("answers upstream when discovery is unreachable", async () => {
    web.on("GET", `${ISSUER}/.well-known/openid-configuration`, () => Promise.reject(new TypeError("connect ECONNREFUSED")));
    captureWarnings();
    expect((await socialError(verify({ access_token: "kc-access" }))).kind).toBe("upstream");
  });
});

describe("credentials", () => {
  it("id_token: any configured client id as audience; email_verified vouches", async () => {
    const identity = await verify({ id_token: await signToken(key, claims({ aud: "mobile" })) });
    expect(identity).toMatchObject({ uid: "f:1:ada", email: "ada@example.com", emailVerified: true, username: "ada", firstName: "Ada" });
    captureWarnings();
    expect((await socialError(verify({ id_token: await signToken(key, claims({ aud: "another-client" })) }))).kind).toBe("invalid");
  });

  it("code: client_secret_basic at the discovered token endpoint, then the returned id_token", async () => {
    const idToken = await signToken(key, claims({ nonce: "n0" }));
    web.on("POST", `${OIDC}/token`, () => json({ access_token: "kc-access", id_token: idToken, token_type: "Bearer" }));
    expect((await verify({ code: "kc-code", code_verifier: "kc-verifier", nonce: "n0" })).uid).toBe("f:1:ada");
    const exchange = web.to(`${OIDC}/token`)[0]!;
    expect(exchange.headers.get("authorization")).toBe(`Basic ${btoa("spa:kc-secret")}`);
    expect(Object.fromEntries(new URLSearchParams(exchange.body))).toEqual({
      grant_type: "authorization_code",
      code: "kc-code",
      redirect_uri: "http://localhost:5173/cb",
      code_verifier: "kc-verifier",
    });
  });

  it("code: client_secret_post when that is all the provider takes; userinfo when no id_token comes back", async () => {
    document.token_endpoint_auth_methods_supported = ["client_secret_post"];
    web.on("POST", `${OIDC}/token`, () => json({ access_token: "kc-access", token_type: "Bearer" }));
    expect((await verify({ code: "kc-code" })).uid).toBe("f:1:ada");
    const exchange = web.to(`${OIDC}/token`)[0]!;
    expect(exchange.headers.get("authorization")).toBeNull();
    expect(new URLSearchParams(exchange.body).get("client_secret")).toBe("kc-secret");
    expect(web.to(`${OIDC}/userinfo`)).toHaveLength(1);
  });

  it("access_token: userinfo answers who it is; a refused token is invalid", async () => {
    expect(await verify({ access_token: "kc-access" })).toMatchObject({ uid: "f:1:ada", emailVerified: true });
    const log = captureWarnings();
    expect((await socialError(verify({ access_token: "stale" }))).kind).toBe("invalid");
    expect(log.lines).toEqual(["social keycloak: userinfo answered 401 (invalid_token) -> invalid"]);
  });

  it("code_exchange when the provider refuses the code", async () => {
    web.on("POST", `${OIDC}/token`, () => json({ error: "invalid_grant", error_description: "Code not valid" }, 400));
    captureWarnings();
    expect((await socialError(verify({ code: "old" }))).kind).toBe("code_exchange");
  });
});
