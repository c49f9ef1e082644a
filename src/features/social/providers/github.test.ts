// GitHub: the token API (Basic auth with our app) proves an access token is ours; /user + /user/emails; code exchange.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GITHUB } from "./github";
import { verifySocialCredential } from "./index";
import { captureWarnings, FakeWeb, hang, json, providerDeps, socialError } from "./providers.fixtures";

const CLIENT = "Iv1.8a61f9b3a7aba766";
const SECRET = "gh-app-secret";
const settings = { github: { client_id: CLIENT, secret: SECRET, callback_url: "https://app.example.test/github" } };
const TOKEN_API = `${GITHUB.api}/applications/${CLIENT}/token`;
const USER = { id: 583231, login: "octocat", name: "The Octocat", email: "octocat@github.com", avatar_url: "https://avatars.example/u/583231" };

let web: FakeWeb;
beforeEach(() => {
  web = new FakeWeb();
  web.on("GET", `${GITHUB.api}/user`, () => json(USER));
  web.on("GET", `${GITHUB.api}/user/emails`, () =>
    json([
      { email: "octocat@github.com", primary: false, verified: false, visibility: "public" },
      { email: "octo@example.com", primary: true, verified: true, visibility: "private" },
    ]),
  );
  web.install();
});
afterEach(() => vi.restoreAllMocks());

describe("github access_token", () => {
  it("asks the token API with the app's Basic credentials, then returns the verified primary address", async () => {
    web.on("POST", TOKEN_API, () => json({ id: 1, token: "gho_abc", app: { client_id: CLIENT, name: "ours" }, user: { id: 583231, login: "octocat" } }));
    const { deps, provider } = providerDeps(settings);
    const identity = await verifySocialCredential(deps, provider("github"), { access_token: "gho_abc" });
    expect(identity).toMatchObject({ uid: "583231", email: "octo@example.com", emailVerified: true, username: "octocat", name: "The Octocat" });
    expect(identity.extraData).toMatchObject({ login: "octocat", avatar_url: USER.avatar_url });
    const check = web.to(TOKEN_API)[0]!;
    expect(check.headers.get("authorization")).toBe(`Basic ${btoa(`${CLIENT}:${SECRET}`)}`);
    expect(JSON.parse(check.body)).toEqual({ access_token: "gho_abc" });
    expect(check.headers.get("user-agent")).toBeTruthy();
    expect(web.to(`${GITHUB.api}/user`)[0]!.headers.get("authorization")).toBe("Bearer gho_abc");
  });

  it("refuses a token of another app: the token API answers 404 and nothing else is asked", async () => {
    web.on("POST", TOKEN_API, () => json({ message: "Not Found", documentation_url: "https://docs.github.com" }, 404));
    const { deps, provider } = providerDeps(settings);
    const log = captureWarnings();
    const error = await socialError(verifySocialCredential(deps, provider("github"), { access_token: "gho_other" }));
    expect(error.kind).toBe("invalid");
    expect(web.to(`${GITHUB.api}/user`)).toHaveLength(0);
    expect(log.lines).toEqual(["social github: token API answered 404 (Not Found) -> invalid"]);
  });

  it("refuses when /user is not the user the token API named", async () => {
    web.on("POST", TOKEN_API, () => json({ app: { client_id: CLIENT }, user: { id: 1 } }));
    const { deps, provider } = providerDeps(settings);
    captureWarnings();
    expect((await socialError(verifySocialCredential(deps, provider("github"), { access_token: "gho_abc" }))).kind).toBe("invalid");
  });

  it("without the user:email scope, keeps the public address unverified", async () => {
    web.on("POST", TOKEN_API, () => json({ app: { client_id: CLIENT }, user: { id: 583231 } }));
    web.on("GET", `${GITHUB.api}/user/emails`, () => json({ message: "Resource not accessible by integration" }, 403));
    const { deps, provider } = providerDeps(settings);
    const identity = await verifySocialCredential(deps, provider("github"), { access_token: "gho_abc" });
    expect(identity).toMatchObject({ email: "octocat@github.com", emailVerified: false });
  });

  it("answers upstream when the token API times out", async () => {
    web.on("POST", TOKEN_API, hang);
    const { deps, provider } = providerDeps(settings);
    const log = captureWarnings();
    expect((await socialError(verifySocialCredential(deps, provider("github"), { access_token: "gho_abc" }, { timeoutMs: 20 }))).kind).toBe("upstream");
    expect(log.lines).toEqual(["social github: token API timed out after 20 ms -> upstream"]);
  });
});

describe("github code", () => {
  it("exchanges the code (JSON answer requested) with callback URL and verifier; no token API call needed", async () => {
    web.on("POST", GITHUB.tokenEndpoint, () => json({ access_token: "gho_new", token_type: "bearer", scope: "user:email" }));
    const { deps, provider } = providerDeps(settings);
    const identity = await verifySocialCredential(deps, provider("github"), { code: "abc123", code_verifier: "v".repeat(43) });
    expect(identity.uid).toBe("583231");
    const exchange = web.to(GITHUB.tokenEndpoint)[0]!;
    expect(exchange.headers.get("accept")).toBe("application/json");
    expect(Object.fromEntries(new URLSearchParams(exchange.body))).toMatchObject({ code: "abc123", client_id: CLIENT, client_secret: SECRET, redirect_uri: "https://app.example.test/github", code_verifier: "v".repeat(43) });
    expect(web.to(TOKEN_API)).toHaveLength(0);
    expect(web.to(`${GITHUB.api}/user`)[0]!.headers.get("authorization")).toBe("Bearer gho_new");
  });

  it("answers code_exchange for GitHub's 200 with an error field", async () => {
    web.on("POST", GITHUB.tokenEndpoint, () => json({ error: "bad_verification_code", error_description: "The code passed is incorrect or expired." }));
    const { deps, provider } = providerDeps(settings);
    const log = captureWarnings();
    expect((await socialError(verifySocialCredential(deps, provider("github"), { code: "expired" }))).kind).toBe("code_exchange");
    expect(log.lines).toEqual(["social github: token endpoint refused the code (bad_verification_code) -> code_exchange"]);
  });

  it("answers upstream for a 5xx of the token endpoint", async () => {
    web.on("POST", GITHUB.tokenEndpoint, () => new Response("unicorn", { status: 503 }));
    const { deps, provider } = providerDeps(settings);
    captureWarnings();
    expect((await socialError(verifySocialCredential(deps, provider("github"), { code: "abc" }))).kind).toBe("upstream");
  });
});
