// Google: id_token, access_token (tokeninfo audience, then userinfo) and code exchange, against a fake Google.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GOOGLE } from "./google";
import { verifySocialCredential } from "./index";
import { captureWarnings, clearSocialCache, FakeWeb, json, jwksRoute, makeKey, providerDeps, signToken, socialError, type TestKey } from "./providers.fixtures";

const WEB_CLIENT = "web-client.apps.googleusercontent.com";
const IOS_CLIENT = "ios-client.apps.googleusercontent.com";
const settings = { google: { client_id: [WEB_CLIENT, IOS_CLIENT], secret: "google-secret", callback_url: "https://app.example.test/callback" } };

let web: FakeWeb;
let keys: { current: TestKey[] };
let key: TestKey;

beforeEach(async () => {
  await clearSocialCache();
  key = await makeKey("RS256", "google-1");
  keys = { current: [key] };
  web = new FakeWeb();
  web.on("GET", GOOGLE.jwksUri, jwksRoute(keys));
  web.install();
});
afterEach(() => vi.restoreAllMocks());

const claims = (extra: Record<string, unknown> = {}) => ({
  iss: "https://accounts.google.com",
  aud: WEB_CLIENT,
  sub: "110169484474386276334",
  email: "ada@example.com",
  email_verified: true,
  given_name: "Ada",
  family_name: "Lovelace",
  name: "Ada Lovelace",
  ...extra,
});

describe("google id_token", () => {
  it("returns the signed-in user, the address vouched for by email_verified", async () => {
    const { deps, provider } = providerDeps(settings);
    const identity = await verifySocialCredential(deps, provider("google"), { id_token: await signToken(key, claims()) });
    expect(identity).toMatchObject({ uid: "110169484474386276334", email: "ada@example.com", emailVerified: true, firstName: "Ada", lastName: "Lovelace", name: "Ada Lovelace" });
    expect(identity.extraData).toMatchObject({ sub: "110169484474386276334", iss: "https://accounts.google.com" });
    expect(identity.extraData).not.toHaveProperty("nonce");
  });

  it("accepts every configured client id as audience, and the issuer without scheme", async () => {
    const { deps, provider } = providerDeps(settings);
    const identity = await verifySocialCredential(deps, provider("google"), { id_token: await signToken(key, claims({ aud: IOS_CLIENT, iss: "accounts.google.com" })) });
    expect(identity.uid).toBe("110169484474386276334");
  });

  it("does not vouch for an address whose email_verified is false", async () => {
    const { deps, provider } = providerDeps(settings);
    const identity = await verifySocialCredential(deps, provider("google"), { id_token: await signToken(key, claims({ email_verified: false })) });
    expect(identity.emailVerified).toBe(false);
  });

  it("refuses a token for another audience, another issuer, or a wrong nonce", async () => {
    const { deps, provider } = providerDeps(settings);
    const log = captureWarnings();
    for (const [extra, nonce] of [[{ aud: "someone-else.apps.googleusercontent.com" }], [{ iss: "https://evil.example" }], [{ nonce: "n-1" }, "n-2"]] as const) {
      const token = await signToken(key, claims(extra));
      const error = await socialError(verifySocialCredential(deps, provider("google"), { id_token: token, nonce }));
      expect(error.kind).toBe("invalid");
      expect(error.message).toBe("Incorrect value");
      log.assertFree(token);
    }
    expect(log.lines).toHaveLength(3);
    expect(log.lines[0]).toMatch(/^social google: id_token refused .*aud/);
  });

  it("accepts a matching nonce", async () => {
    const { deps, provider } = providerDeps(settings);
    const identity = await verifySocialCredential(deps, provider("google"), { id_token: await signToken(key, claims({ nonce: "n-1" })), nonce: "n-1" });
    expect(identity.uid).toBe("110169484474386276334");
  });
});

describe("google access_token", () => {
  function routes(tokeninfo: Record<string, unknown>, status = 200) {
    web.on("POST", GOOGLE.tokenInfo, () => json(tokeninfo, status));
    web.on("GET", GOOGLE.userInfo, () => json({ sub: "110169484474386276334", email: "ada@example.com", email_verified: true, name: "Ada Lovelace" }));
  }

  it("checks tokeninfo's audience is ours, then reads userinfo", async () => {
    routes({ aud: WEB_CLIENT, azp: WEB_CLIENT, sub: "110169484474386276334", scope: "openid email" });
    const { deps, provider } = providerDeps(settings);
    const identity = await verifySocialCredential(deps, provider("google"), { access_token: "ya29.token" });
    expect(identity).toMatchObject({ uid: "110169484474386276334", email: "ada@example.com", emailVerified: true, name: "Ada Lovelace" });
    expect(web.to(GOOGLE.tokenInfo)[0]!.body).toBe("access_token=ya29.token");
    expect(web.to(GOOGLE.userInfo)[0]!.headers.get("authorization")).toBe("Bearer ya29.token");
  });

  it("refuses a token issued to another app before asking userinfo", async () => {
    routes({ aud: "other-app.apps.googleusercontent.com", azp: "other-app.apps.googleusercontent.com", sub: "110169484474386276334" });
    const { deps, provider } = providerDeps(settings);
    captureWarnings();
    expect((await socialError(verifySocialCredential(deps, provider("google"), { access_token: "ya29.other" }))).kind).toBe("invalid");
    expect(web.to(GOOGLE.userInfo)).toHaveLength(0);
  });

  it("maps tokeninfo's 400 for a dead token to invalid, with Google's reason logged", async () => {
    routes({ error: "invalid_token", error_description: "Invalid Value" }, 400);
    const { deps, provider } = providerDeps(settings);
    const log = captureWarnings();
    expect((await socialError(verifySocialCredential(deps, provider("google"), { access_token: "ya29.dead" }))).kind).toBe("invalid");
    expect(log.lines).toEqual(["social google: tokeninfo answered 400 (invalid_token: Invalid Value) -> invalid"]);
  });

  it("refuses userinfo describing another subject than tokeninfo", async () => {
    routes({ aud: WEB_CLIENT, sub: "someone-else" });
    const { deps, provider } = providerDeps(settings);
    captureWarnings();
    expect((await socialError(verifySocialCredential(deps, provider("google"), { access_token: "ya29.token" }))).kind).toBe("invalid");
  });
});

describe("google code", () => {
  it("exchanges the code with the callback URL and PKCE verifier, then verifies the id_token", async () => {
    const idToken = await signToken(key, claims());
    web.on("POST", GOOGLE.tokenEndpoint, () => json({ access_token: "ya29.new", id_token: idToken, token_type: "Bearer" }));
    const { deps, provider } = providerDeps(settings);
    const identity = await verifySocialCredential(deps, provider("google"), { code: "4/0Ab", code_verifier: "verifier-123" });
    expect(identity.uid).toBe("110169484474386276334");
    const sent = new URLSearchParams(web.to(GOOGLE.tokenEndpoint)[0]!.body);
    expect(Object.fromEntries(sent)).toEqual({
      grant_type: "authorization_code",
      code: "4/0Ab",
      redirect_uri: "https://app.example.test/callback",
      code_verifier: "verifier-123",
      client_id: WEB_CLIENT,
      client_secret: "google-secret",
    });
  });

  it("answers code_exchange when Google refuses the code", async () => {
    web.on("POST", GOOGLE.tokenEndpoint, () => json({ error: "invalid_grant", error_description: "Bad Request" }, 400));
    const { deps, provider } = providerDeps(settings);
    const log = captureWarnings();
    const error = await socialError(verifySocialCredential(deps, provider("google"), { code: "4/0Ab" }));
    expect(error.kind).toBe("code_exchange");
    expect(error.message).toBe("Failed to exchange code for access token");
    expect(log.lines[0]).toContain("invalid_grant");
  });

  it("answers code_exchange without a configured callback_url, asking nobody", async () => {
    const { deps, provider } = providerDeps({ google: { client_id: WEB_CLIENT, secret: "s" } });
    captureWarnings();
    expect((await socialError(verifySocialCredential(deps, provider("google"), { code: "4/0Ab" }))).kind).toBe("code_exchange");
    expect(web.requests).toHaveLength(0);
  });
});
