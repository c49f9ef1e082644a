// Access tokens are verified once per isolate and config (core/tokens.ts): what the memo must never
// change about the answers.
import { describe, expect, it } from "vitest";
import { call, clock, loggedIn } from "./helpers";

describe("the verified access-token memo", () => {
  it("an access token used while valid is refused once it expires", async () => {
    const me = await loggedIn("memoexp");
    expect((await call("GET", "/auth/user/", { token: me.access })).status).toBe(200);
    clock.advance(301);
    const response = await call("GET", "/auth/user/", { token: me.access });
    expect(response.status).toBe(401);
    expect(response.body.code).toBe("token_not_valid");
  });

  it("is per key: a token accepted under one signing key is refused under another", async () => {
    const me = await loggedIn("memokey");
    expect((await call("GET", "/auth/user/", { token: me.access })).status).toBe(200);
    const other = { JWT_SIGNING_KEY: "another-signing-key-0123456789abcdef0123456789abcdef" };
    expect((await call("GET", "/auth/user/", { token: me.access, env: other })).status).toBe(401);
  });

  it("remembers the signature, not the session: logout still ends a token that was in use", async () => {
    const me = await loggedIn("memorevoke");
    expect((await call("GET", "/auth/user/", { token: me.access })).status).toBe(200);
    expect((await call("POST", "/auth/logout/", { body: { refresh: me.refresh } })).status).toBe(200);
    expect((await call("GET", "/auth/user/", { token: me.access })).status).toBe(401);
    expect((await call("POST", "/auth/token/verify/", { body: { token: me.access } })).status).toBe(401);
  });

  it("an access token is never taken for a refresh token, even once remembered", async () => {
    const me = await loggedIn("memotype");
    expect((await call("GET", "/auth/user/", { token: me.access })).status).toBe(200);
    expect((await call("POST", "/auth/token/refresh/", { body: { refresh: me.access } })).status).toBe(401);
  });
});
