// Facebook: debug_token with the app token (app_id must be ours), /me with appsecret_proof, code exchange; trust_email.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { appSecretProof, FACEBOOK_GRAPH } from "./facebook";
import { verifySocialCredential } from "./index";
import { captureWarnings, FakeWeb, hang, json, providerDeps, socialError } from "./providers.fixtures";

const APP_ID = "1234567890";
const SECRET = "fb-app-secret";
const settings = { facebook: { client_id: APP_ID, secret: SECRET, callback_url: "https://app.example.test/fb" } };
const ME = { id: "10158", name: "Ada Lovelace", email: "ada@example.com", first_name: "Ada", last_name: "Lovelace" };

let web: FakeWeb;
beforeEach(() => {
  web = new FakeWeb();
  web.on("GET", `${FACEBOOK_GRAPH}/me`, () => json(ME));
  web.install();
});
afterEach(() => vi.restoreAllMocks());

const debugToken = (data: Record<string, unknown>) => web.on("GET", `${FACEBOOK_GRAPH}/debug_token`, () => json({ data }));

describe("facebook access_token", () => {
  it("checks debug_token with the app token, then reads /me with appsecret_proof", async () => {
    debugToken({ app_id: APP_ID, type: "USER", is_valid: true, user_id: "10158", scopes: ["email"] });
    const { deps, provider } = providerDeps(settings);
    const identity = await verifySocialCredential(deps, provider("facebook"), { access_token: "EAAB-user" });
    expect(identity).toMatchObject({ uid: "10158", email: "ada@example.com", emailVerified: false, firstName: "Ada", lastName: "Lovelace", name: "Ada Lovelace" });
    const debug = web.to(`${FACEBOOK_GRAPH}/debug_token`)[0]!.url.searchParams;
    expect(debug.get("input_token")).toBe("EAAB-user");
    expect(debug.get("access_token")).toBe(`${APP_ID}|${SECRET}`);
    const me = web.to(`${FACEBOOK_GRAPH}/me`)[0]!.url.searchParams;
    expect(me.get("appsecret_proof")).toBe(await appSecretProof(SECRET, "EAAB-user"));
    expect(me.get("fields")).toBe("id,name,email,first_name,last_name");
  });

  it("vouches for the address only with trust_email", async () => {
    debugToken({ app_id: APP_ID, type: "USER", is_valid: true, user_id: "10158" });
    const { deps, provider } = providerDeps({ facebook: { ...settings.facebook, trust_email: true } });
    expect((await verifySocialCredential(deps, provider("facebook"), { access_token: "EAAB-user" })).emailVerified).toBe(true);
  });

  it("refuses a token issued to another app, and an invalid one, before /me", async () => {
    const { deps, provider } = providerDeps(settings);
    const log = captureWarnings();
    debugToken({ app_id: "999", type: "USER", is_valid: true, user_id: "10158" });
    expect((await socialError(verifySocialCredential(deps, provider("facebook"), { access_token: "EAAB-other" }))).kind).toBe("invalid");
    debugToken({ app_id: APP_ID, type: "USER", is_valid: false, error: { message: "Session has expired" } });
    expect((await socialError(verifySocialCredential(deps, provider("facebook"), { access_token: "EAAB-old" }))).kind).toBe("invalid");
    expect(web.to(`${FACEBOOK_GRAPH}/me`)).toHaveLength(0);
    expect(log.lines).toEqual(["social facebook: access token was issued to another app -> invalid", "social facebook: debug_token says the token is not valid -> invalid"]);
    log.assertFree(SECRET, "EAAB-other", "EAAB-old");
  });

  it("refuses /me naming another user than debug_token", async () => {
    debugToken({ app_id: APP_ID, type: "USER", is_valid: true, user_id: "777" });
    const { deps, provider } = providerDeps(settings);
    captureWarnings();
    expect((await socialError(verifySocialCredential(deps, provider("facebook"), { access_token: "EAAB-user" }))).kind).toBe("invalid");
  });

  it("maps debug_token's Graph error to invalid, and its timeout to upstream", async () => {
    const { deps, provider } = providerDeps(settings);
    const log = captureWarnings();
    web.on("GET", `${FACEBOOK_GRAPH}/debug_token`, () => json({ error: { message: "Malformed access token", type: "OAuthException", code: 190 } }, 400));
    expect((await socialError(verifySocialCredential(deps, provider("facebook"), { access_token: "junk" }))).kind).toBe("invalid");
    web.on("GET", `${FACEBOOK_GRAPH}/debug_token`, hang);
    expect((await socialError(verifySocialCredential(deps, provider("facebook"), { access_token: "junk" }, { timeoutMs: 20 }))).kind).toBe("upstream");
    expect(log.lines[0]).toBe("social facebook: debug_token answered 400 (190: Malformed access token) -> invalid");
  });
});

describe("facebook code", () => {
  it("exchanges the code at oauth/access_token (GET) with the callback URL, then reads /me", async () => {
    web.on("GET", `${FACEBOOK_GRAPH}/oauth/access_token`, () => json({ access_token: "EAAB-new", token_type: "bearer", expires_in: 5183944 }));
    const { deps, provider } = providerDeps(settings);
    expect((await verifySocialCredential(deps, provider("facebook"), { code: "AQD" })).uid).toBe("10158");
    const query = web.to(`${FACEBOOK_GRAPH}/oauth/access_token`)[0]!.url.searchParams;
    expect(Object.fromEntries(query)).toMatchObject({ client_id: APP_ID, client_secret: SECRET, code: "AQD", redirect_uri: "https://app.example.test/fb" });
    expect(web.to(`${FACEBOOK_GRAPH}/me`)[0]!.url.searchParams.get("access_token")).toBe("EAAB-new");
  });

  it("answers code_exchange when Facebook refuses the code", async () => {
    web.on("GET", `${FACEBOOK_GRAPH}/oauth/access_token`, () => json({ error: { message: "This authorization code has been used.", type: "OAuthException", code: 100 } }, 400));
    const { deps, provider } = providerDeps(settings);
    captureWarnings();
    expect((await socialError(verifySocialCredential(deps, provider("facebook"), { code: "used" }))).kind).toBe("code_exchange");
  });
});

it("appsecret_proof is the hex HMAC-SHA256 of the token keyed by the secret", async () => {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  expect(await appSecretProof("Jefe", "what do ya want for nothing?")).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
});
