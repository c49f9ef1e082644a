// KV down: refresh, logout and verify still answer what D1 decides (the denylist only saves D1 work).
// D1 down at any endpoint's first round trip: 503 in the contract's shape, never a 500.
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { getConfig } from "../../src/config";
import { allEndpoints } from "../../src/features";
import { allResponses } from "../../src/http/openapi";
import { call, envWith, jwtPayload, loggedIn } from "../helpers";
import { faultyBindings } from "../faults";

const INVALID = { detail: "Token is invalid or expired", code: "token_not_valid" };
const STRICT = { REFRESH_REUSE_INTERVAL: "0" };

const family = (token: string) =>
  env.DB.prepare("select current_jti, revoked_at, revoked_reason from token_families where id = ?").bind(jwtPayload(token).fam).first<Record<string, any>>();

/** Bindings whose KV fails every operation (reads and the deferred denylist writes alike). */
function kvDown(vars: Record<string, string> = {}) {
  return faultyBindings({ kvDown: true }, envWith(vars));
}

describe("KV unavailable: D1 decides refresh, logout and verify", () => {
  it("a current refresh token rotates, and the rotated one is then refused as reuse (family revoked)", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    vi.spyOn(console, "error").mockImplementation(() => {});
    const me = await loggedIn("kvdown", STRICT);
    const down = kvDown(STRICT);
    const rotated = await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh }, bindings: down.env });
    expect(rotated.status).toBe(200);
    expect((await family(me.refresh))!.current_jti).toBe(jwtPayload(rotated.body.refresh).jti);
    // The denylist write failed too: only D1 knows the old token was rotated.
    const replay = await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh }, bindings: down.env });
    expect(replay.status).toBe(401);
    expect(replay.body).toEqual(INVALID);
    expect((await family(me.refresh))!.revoked_reason).toBe("reuse");
    // Only the denylist writes after the answers touch KV, and they failed.
    expect(down.calls.filter((c) => c.binding === "KV" && c.failed).length).toBeGreaterThanOrEqual(1);
  });

  it("within REFRESH_REUSE_INTERVAL the previous token still gets the current one, as with KV up", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    vi.spyOn(console, "error").mockImplementation(() => {});
    const me = await loggedIn("kvdown");
    const down = kvDown();
    const first = await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh }, bindings: down.env });
    const second = await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh }, bindings: down.env });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body.refresh).toBe(first.body.refresh);
  });

  it("logout revokes the family in D1, and the logged-out token is refused by refresh and verify", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    vi.spyOn(console, "error").mockImplementation(() => {});
    const me = await loggedIn("kvdown");
    const down = kvDown();
    const out = await call("POST", "/auth/logout/", { body: { refresh: me.refresh }, token: me.access, bindings: down.env });
    expect(out.status).toBe(200);
    expect((await family(me.refresh))!.revoked_reason).toBe("logout");
    const refresh = await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh }, bindings: down.env });
    expect(refresh.status).toBe(401);
    expect(refresh.body).toEqual(INVALID);
    const verify = await call("POST", "/auth/token/verify/", { body: { token: me.refresh }, bindings: down.env });
    expect(verify.status).toBe(401);
    const access = await call("GET", "/auth/user/", { token: me.access, bindings: down.env });
    expect(access.status).toBe(401);
  });

  it("verify accepts a live refresh token and refuses a rotated one", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    vi.spyOn(console, "error").mockImplementation(() => {});
    const me = await loggedIn("kvdown");
    const down = kvDown();
    expect((await call("POST", "/auth/token/verify/", { body: { token: me.refresh }, bindings: down.env })).status).toBe(200);
    await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh }, bindings: down.env });
    expect((await call("POST", "/auth/token/verify/", { body: { token: me.refresh }, bindings: down.env })).status).toBe(401);
  });
});

/** A declaration's path with its parameters filled in. */
const concrete = (path: string) => path.replace(/:(\w+)/g, (_m, name: string) => (name === "id" ? "1" : `x${name}`));

describe("D1 unavailable at the first round trip of any declared endpoint", () => {
  it("answers 503 with the JSON body and Retry-After, or an answer that needed no D1; never a 500", { timeout: 60_000 }, async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const me = await loggedIn("d1down");
    let unavailable = 0;
    for (const { declaration } of allEndpoints) {
      const path = `/auth${concrete(declaration.path)}/`;
      const down = faultyBindings({ d1At: 0 });
      const body = declaration.method === "GET" ? undefined : {};
      const response = await call(declaration.method, path, { body, token: me.access, bindings: down.env });
      const label = `${declaration.method} ${path}`;
      expect(response.status, `${label}: ${response.text.slice(0, 200)}`).not.toBe(500);
      if (response.status === 503) {
        unavailable++;
        expect(response.body, label).toEqual({ detail: "Service temporarily unavailable." });
        expect(response.headers.get("retry-after"), label).toBe("5");
        // The OpenAPI document says so for this operation.
        expect(allResponses(getConfig(envWith()), declaration)[503], `${label}: 503 not documented`).toBeDefined();
      } else {
        // Answered without D1 (documents, JWKS, a body refused before any query), or D1 failed only in
        // work done after the answer (history, mail outbox).
        const failed = down.calls.find((c) => c.failed);
        if (failed) expect(failed.what, `${label} answered ${response.status} although D1 failed`).toMatch(/^insert into "(events|mail_outbox)"/);
      }
    }
    expect(unavailable).toBeGreaterThan(10);
  });
});
