// Reuse detection: a rotated refresh token coming back after the reuse interval, or an older ancestor
// at any time, ends its whole family (contract §1.4). The interval itself: refresh.reuse-interval.test.ts.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, clock, eventsOf, jwtPayload, loggedIn } from "../../../test/helpers";

/** Just past the default REFRESH_REUSE_INTERVAL (10 s): the previous token is reuse from here on. */
const pastInterval = () => clock.advance(11);

const INVALID = { detail: "Token is invalid or expired", code: "token_not_valid" };

const refresh = (token: string, path = "/auth/token/refresh/", env?: Record<string, string>) =>
  call("POST", path, { body: { refresh: token }, env });
const whoAmI = (access: string) => call("GET", "/auth/user/", { token: access });

async function familyRow(fam: string) {
  return env.DB.prepare("select * from token_families where id = ?").bind(fam).first<Record<string, any>>();
}

async function loginAgain(me: { username: string; password: string }) {
  const response = await call("POST", "/auth/login/", { body: { username: me.username, password: me.password } });
  expect(response.status).toBe(200);
  return { access: response.body.access as string, refresh: response.body.refresh as string };
}

describe("replaying a rotated refresh token after the reuse interval", () => {
  it("answers 401 and revokes the whole family at once", async () => {
    const me = await loggedIn("replay");
    const first = await refresh(me.refresh);
    const second = await refresh(first.body.refresh);
    expect(second.status).toBe(200);
    expect((await whoAmI(second.body.access)).status).toBe(200);

    const replay = await refresh(me.refresh);
    expect(replay.status).toBe(401);
    expect(replay.body).toEqual(INVALID);

    // The thief's and the owner's latest tokens of that family are dead now.
    expect((await refresh(second.body.refresh)).body).toEqual(INVALID);
    const user = await whoAmI(second.body.access);
    expect(user.status).toBe(401);
    expect(user.body.code).toBe("token_not_valid");
    expect((await whoAmI(first.body.access)).status).toBe(401);
    expect((await whoAmI(me.access)).status).toBe(401);
    expect((await familyRow(jwtPayload(me.refresh).fam))!.revoked_reason).toBe("reuse");
  });

  it("records refresh_reuse_detected with meta.family", async () => {
    const me = await loggedIn("replay");
    const fam = jwtPayload(me.refresh).fam;
    await refresh(me.refresh);
    pastInterval();
    await refresh(me.refresh);
    // Further replays into the revoked family are refused without another event.
    await refresh(me.refresh);
    const reuse = (await eventsOf(me.pk)).filter((e) => e.event === "refresh_reuse_detected");
    expect(reuse).toHaveLength(1);
    expect(reuse[0]!.meta).toEqual({ family: fam });
  });

  it("is detected through the refresh/ alias and through logout/", async () => {
    const viaAlias = await loggedIn("replay");
    const rotated = await refresh(viaAlias.refresh, "/auth/refresh/");
    pastInterval();
    expect((await refresh(viaAlias.refresh, "/auth/refresh/")).body).toEqual(INVALID);
    expect((await refresh(rotated.body.refresh)).status).toBe(401);

    const viaLogout = await loggedIn("replay");
    const next = await refresh(viaLogout.refresh);
    pastInterval();
    const logout = await call("POST", "/auth/logout/", { body: { refresh: viaLogout.refresh } });
    expect(logout.status).toBe(401);
    expect(logout.body).toEqual(INVALID);
    expect((await refresh(next.body.refresh)).status).toBe(401);
    expect((await whoAmI(next.body.access)).status).toBe(401);
    expect((await eventsOf(viaLogout.pk)).map((e) => e.event)).toContain("refresh_reuse_detected");
  });

  it("is detected from D1 even when the KV denylist entry is missing (KV propagation delay)", async () => {
    const me = await loggedIn("replay");
    const next = await refresh(me.refresh);
    const key = `denylist:${jwtPayload(me.refresh).jti}`;
    expect(await env.TOKENS_KV.get(key)).toBe("rotated");
    await env.TOKENS_KV.delete(key);
    pastInterval();

    const replay = await refresh(me.refresh);
    expect(replay.status).toBe(401);
    expect(replay.body).toEqual(INVALID);
    expect((await refresh(next.body.refresh)).body).toEqual(INVALID);
    expect((await whoAmI(next.body.access)).status).toBe(401);
    const reuse = (await eventsOf(me.pk)).filter((e) => e.event === "refresh_reuse_detected");
    expect(reuse.map((e) => e.meta)).toEqual([{ family: jwtPayload(me.refresh).fam }]);
  });

  it("writes the rotated jti to the KV denylist with reason rotated", async () => {
    const me = await loggedIn("replay");
    const first = await refresh(me.refresh);
    expect(await env.TOKENS_KV.get(`denylist:${jwtPayload(me.refresh).jti}`)).toBe("rotated");
    expect(await env.TOKENS_KV.get(`denylist:${jwtPayload(first.body.refresh).jti}`)).toBeNull();
  });

  it("leaves the user's other families alone", async () => {
    const me = await loggedIn("replay");
    const laptop = await loginAgain(me);
    await refresh(me.refresh);
    pastInterval();
    expect((await refresh(me.refresh)).status).toBe(401);

    expect((await whoAmI(laptop.access)).status).toBe(200);
    const laptopNext = await refresh(laptop.refresh);
    expect(laptopNext.status).toBe(200);
    expect((await whoAmI(laptopNext.body.access)).status).toBe(200);
    expect((await familyRow(jwtPayload(laptop.refresh).fam))!.revoked_at).toBeNull();
  });

  it("keeps answering 401 to further replays; the family stays revoked", async () => {
    const me = await loggedIn("replay");
    const next = await refresh(me.refresh);
    pastInterval();
    for (let i = 0; i < 3; i++) expect((await refresh(me.refresh)).body).toEqual(INVALID);
    expect((await refresh(next.body.refresh)).body).toEqual(INVALID);
    expect((await familyRow(jwtPayload(me.refresh).fam))!.revoked_reason).toBe("reuse");
    expect((await eventsOf(me.pk)).some((e) => e.event === "refresh_reuse_detected")).toBe(true);
  });
});

describe("two concurrent refreshes of the same token with REFRESH_REUSE_INTERVAL=0 (strict)", () => {
  const STRICT = { REFRESH_REUSE_INTERVAL: "0" };

  it("exactly one wins; the other is answered 401", async () => {
    const me = await loggedIn("replay");
    const results = await Promise.all([refresh(me.refresh, undefined, STRICT), refresh(me.refresh, undefined, STRICT)]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 401]);
    expect(results.find((r) => r.status === 401)!.body).toEqual(INVALID);
  });

  it("the loser counts as reuse: the family (including the winner's new tokens) is revoked", async () => {
    const me = await loggedIn("replay");
    const results = await Promise.all([refresh(me.refresh, undefined, STRICT), refresh(me.refresh, undefined, STRICT)]);
    const winner = results.find((r) => r.status === 200)!;
    expect((await refresh(winner.body.refresh)).status).toBe(401);
    expect((await whoAmI(winner.body.access)).status).toBe(401);
    expect((await eventsOf(me.pk)).map((e) => e.event)).toContain("refresh_reuse_detected");
  });
});
