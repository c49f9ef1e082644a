// Every provider call: the timeout, and how each failure maps to a SocialLoginError kind (through Google's tokeninfo).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GOOGLE } from "./google";
import { basicAuth } from "./http";
import { acceptedCredentials, verifySocialCredential } from "./index";
import { captureWarnings, clearSocialCache, FakeWeb, hang, type Handler, providerDeps, socialError } from "./providers.fixtures";

const settings = { google: { client_id: "web-client" } };
let web: FakeWeb;

beforeEach(async () => {
  await clearSocialCache();
  web = new FakeWeb();
  web.install();
});
afterEach(() => vi.restoreAllMocks());

async function tokeninfoFailure(handler: Handler, timeoutMs?: number) {
  web.on("POST", GOOGLE.tokenInfo, handler);
  const { deps, provider } = providerDeps(settings);
  const log = captureWarnings();
  const error = await socialError(verifySocialCredential(deps, provider("google"), { access_token: "ya29.secret-token" }, { timeoutMs }));
  log.assertFree("ya29.secret-token");
  return { error, log: log.lines };
}

describe("provider failures", () => {
  it("gives up after the timeout (5 s by default) and answers upstream", async () => {
    const started = Date.now();
    const { error, log } = await tokeninfoFailure(hang, 50);
    expect(error.kind).toBe("upstream");
    expect(log).toEqual(["social google: tokeninfo timed out after 50 ms -> upstream"]);
    // The call really was aborted by its signal, well before any default.
    expect(web.to(GOOGLE.tokenInfo)[0]!.signal!.aborted).toBe(true);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it("gives every call a 5 s signal by default", async () => {
    const { deps, provider } = providerDeps(settings);
    web.on("POST", GOOGLE.tokenInfo, () => new Response("{}", { status: 500 }));
    captureWarnings();
    const timeout = vi.spyOn(AbortSignal, "timeout");
    await socialError(verifySocialCredential(deps, provider("google"), { access_token: "t" }));
    expect(timeout).toHaveBeenCalledWith(5000);
  });

  it("maps 5xx, 429, a redirect, a network failure and a non-JSON body to upstream", async () => {
    const cases: Array<[Handler, string]> = [
      [() => new Response("<html>", { status: 502 }), "tokeninfo answered 502 -> upstream"],
      [() => new Response('{"error":"rate_limit"}', { status: 429 }), "tokeninfo answered 429 (rate_limit) -> upstream"],
      [() => new Response(null, { status: 302, headers: { location: "https://elsewhere.example/" } }), "tokeninfo answered 302 -> upstream"],
      [() => Promise.reject(new TypeError("Network connection lost.")), "tokeninfo unreachable (TypeError) -> upstream"],
      [() => new Response("<html>maintenance</html>", { status: 200 }), "tokeninfo answered 200 with a body that is not JSON -> upstream"],
    ];
    for (const [handler, line] of cases) {
      const { error, log } = await tokeninfoFailure(handler);
      expect(error.kind).toBe("upstream");
      expect(log).toEqual([`social google: ${line}`]);
    }
  });

  it("maps a 4xx on the credential to invalid, with the provider's nested reason", async () => {
    const { error, log } = await tokeninfoFailure(() => Response.json({ error: { message: "Invalid OAuth access token.", type: "OAuthException", code: 190 } }, { status: 401 }));
    expect(error.kind).toBe("invalid");
    expect(log).toEqual(["social google: tokeninfo answered 401 (190: Invalid OAuth access token.) -> invalid"]);
  });
});

describe("acceptedCredentials (contract §2.5 table)", () => {
  const { provider } = providerDeps({
    google: { client_id: "g" },
    apple: { client_id: "a" },
    github: { client_id: "gh", secret: "s" },
    x: { client_id: "x", secret: "s" },
    keycloak: { type: "oidc", server_url: "http://127.0.0.1:9000/realms/test", client_id: "k" },
  });
  it("takes access_token, code, id_token for OIDC kinds, token_secret for X only", () => {
    expect(acceptedCredentials(provider("google"), { access_token: "t" })).toBe(true);
    expect(acceptedCredentials(provider("google"), { code: "c" })).toBe(true);
    expect(acceptedCredentials(provider("google"), { id_token: "i" })).toBe(true);
    expect(acceptedCredentials(provider("keycloak"), { id_token: "i", access_token: "t" })).toBe(true);
    expect(acceptedCredentials(provider("github"), { id_token: "i" })).toBe(false);
    expect(acceptedCredentials(provider("github"), { id_token: "i", access_token: "t" })).toBe(true);
    expect(acceptedCredentials(provider("github"), { token_secret: "s" })).toBe(false);
    expect(acceptedCredentials(provider("x"), { access_token: "t", token_secret: "s" })).toBe(true);
    expect(acceptedCredentials(provider("x"), { token_secret: "s" })).toBe(false);
    expect(acceptedCredentials(provider("x"), { code: "c" })).toBe(false);
    expect(acceptedCredentials(provider("x"), { code: "c", code_verifier: "v" })).toBe(true);
    expect(acceptedCredentials(provider("apple"), { access_token: "t" })).toBe(false);
    expect(acceptedCredentials(provider("apple"), { access_token: "t", id_token: "i" })).toBe(true);
    expect(acceptedCredentials(provider("google"), {})).toBe(false);
    expect(acceptedCredentials(provider("google"), { access_token: "" })).toBe(false);
  });

  it("answers missing_input for an unusable combination without any call", async () => {
    const { deps } = providerDeps({});
    const error = await socialError(verifySocialCredential(deps, provider("x"), { code: "c" }));
    expect(error).toMatchObject({ kind: "missing_input", message: "Incorrect input. access_token or code is required." });
    expect(web.requests).toHaveLength(0);
  });
});

it("basicAuth form-encodes each part first (RFC 6749 §2.3.1)", () => {
  expect(basicAuth("client id", "s:cr&t")).toBe(`Basic ${btoa("client+id:s%3Acr%26t")}`);
});
