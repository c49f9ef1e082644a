// Which social paths exist: only configured providers (twitter = x), in the router and in openapi.json;
// the body is checked before any provider is called.
import { describe, expect, it } from "vitest";
import { call } from "../../../test/helpers";
import { FakeWorld, footprint, SOCIAL_ENV, socialEnv, socialLogin } from "./social.fixtures";

const NOT_FOUND = { detail: "Not found." };
const MISSING = { non_field_errors: ["Incorrect input. access_token or code is required."] };

describe("routing", () => {
  it("without SOCIAL_PROVIDERS no provider path exists, not even the built-in names", async () => {
    for (const word of ["google", "github", "facebook", "apple", "microsoft", "x", "twitter"]) {
      const response = await call("POST", `/auth/${word}/`, { body: { access_token: "t" } });
      expect(response.status, word).toBe(404);
      expect(response.body).toEqual(NOT_FOUND);
      expect((await call("POST", `/auth/${word}/connect/`, { body: { access_token: "t" } })).status).toBe(404);
    }
  });

  it("configured providers are routed (twitter as x), others and lookalikes are 404", async () => {
    const world = new FakeWorld();
    for (const word of ["keycloak", "google", "github", "x", "twitter"]) {
      expect((await socialLogin(word, {})).body, word).toEqual(MISSING);
    }
    for (const word of ["facebook", "apple", "microsoft", "keycloak2", "googlex", "Google"]) {
      const response = await socialLogin(word, { access_token: "t" });
      expect(response.status, word).toBe(404);
      expect(response.body).toEqual(NOT_FOUND);
    }
    expect(world.seen).toEqual([]);
  });

  it("under the seeds' prefix: /dj-rest-auth/twitter/ and /dj-rest-auth/github/", async () => {
    const vars = socialEnv({ AUTH_PREFIX: "/dj-rest-auth/" });
    for (const word of ["twitter", "github"]) {
      expect((await call("POST", `/dj-rest-auth/${word}/`, { body: {}, env: vars })).body).toEqual(MISSING);
    }
    expect((await call("POST", "/auth/github/", { body: {}, env: vars })).status).toBe(404);
  });

  it("both slash forms; other methods get 405 with Allow", async () => {
    expect((await call("POST", "/auth/github", { body: {}, env: SOCIAL_ENV })).status).toBe(400);
    const get = await call("GET", "/auth/github/", { env: SOCIAL_ENV });
    expect(get.status).toBe(405);
    expect(get.body).toEqual({ detail: 'Method "GET" not allowed.' });
    expect(get.headers.get("allow")).toBe("POST, OPTIONS");
    expect((await call("GET", "/auth/github/connect/", { env: SOCIAL_ENV })).status).toBe(405);
  });

  it("openapi.json lists the social operations with the configured providers only, and none without", async () => {
    const document = (await call("GET", "/auth/openapi.json", { env: SOCIAL_ENV })).body;
    const login = document.paths["/auth/{provider}/"].post;
    expect(login.operationId).toBe("socialLogin");
    expect(login.parameters[0]).toMatchObject({ name: "provider", in: "path", schema: { enum: ["github", "google", "keycloak", "twitter", "x"] } });
    expect(Object.keys(login.responses).sort()).toEqual(["200", "400", "403", "413", "415", "429", "502", "503"]);
    expect(document.paths["/auth/{provider}/connect/"].post.operationId).toBe("socialConnect");
    expect(document.paths["/auth/socialaccounts/"].get.operationId).toBe("listSocialAccounts");
    expect(document.paths["/auth/socialaccounts/{id}/disconnect/"].post.operationId).toBe("disconnectSocialAccount");
    const bare = (await call("GET", "/auth/openapi.json")).body;
    expect(bare.paths["/auth/{provider}/"]).toBeUndefined();
    expect(bare.paths["/auth/{provider}/connect/"]).toBeUndefined();
    // The account's list exists whatever is configured (imported accounts, providers removed later).
    expect(bare.paths["/auth/socialaccounts/"]).toBeDefined();
  });
});

describe("the body", () => {
  it("nothing usable -> 400 without a provider call; blanks count as absent", async () => {
    const world = new FakeWorld();
    expect((await socialLogin("keycloak", { access_token: "", code: "", id_token: "" })).body).toEqual(MISSING);
    // A field the provider has no use for is no credential: a token secret alone, an id_token for GitHub.
    expect((await socialLogin("keycloak", { token_secret: "s" })).body).toEqual(MISSING);
    expect((await socialLogin("github", { id_token: "a.b.c", token_secret: "s" })).body).toEqual(MISSING);
    // X's OAuth 2 code needs its PKCE verifier.
    expect((await socialLogin("x", { code: "c" })).body).toEqual(MISSING);
    expect(world.seen).toEqual([]);
  });

  it("fields are strings of bounded length", async () => {
    const response = await socialLogin("keycloak", { access_token: ["a"], id_token: "x".repeat(8193), code_verifier: "v".repeat(129) });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      access_token: ["Not a valid string."],
      id_token: ["Ensure this field has no more than 8192 characters."],
      code_verifier: ["Ensure this field has no more than 128 characters."],
    });
  });

  it("form and multipart bodies are read as JSON ones", async () => {
    for (const as of ["form", "multipart"] as const) {
      expect((await call("POST", "/auth/keycloak/", { as, body: { nonce: "n" }, env: socialEnv() })).body).toEqual(MISSING);
    }
  });

  it("the provider unreachable -> 502, nothing written", async () => {
    const world = new FakeWorld();
    world.failure = () => {
      throw new TypeError("Network connection lost.");
    };
    const before = await footprint();
    const response = await socialLogin("keycloak", { access_token: "at-1" });
    expect(response.status).toBe(502);
    expect(response.body).toEqual({ detail: "Upstream provider error." });
    expect(await footprint()).toEqual(before);
  });
});
