import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, loggedIn } from "../../../test/helpers";

const EMPTY = { country: "", profession: "", bio: "", thoughts: "", profile_img: "" };

describe("profile/", () => {
  it("exists empty from registration and requires authentication", async () => {
    const me = await loggedIn("prof");
    const row = await env.DB.prepare("select * from profiles where user_id = ?").bind(me.pk).first();
    expect(row).toMatchObject({ country: "", bio: "" });
    expect((await call("GET", "/auth/profile/", { token: me.access })).body).toEqual(EMPTY);
    const anonymous = await call("GET", "/auth/profile/");
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ detail: "Authentication credentials were not provided." });
  });

  it("updates partially with PATCH, PUT and POST (seed 004 update/profile)", async () => {
    const me = await loggedIn("prof");
    const patched = await call("PATCH", "/auth/profile", { token: me.access, body: { country: "Norway" } });
    expect(patched.body).toEqual({ ...EMPTY, country: "Norway" });
    const posted = await call("POST", "/auth/profile/", { token: me.access, body: { bio: "hello", profile_img: "https://img.example/a.png" } });
    expect(posted.body).toEqual({ ...EMPTY, country: "Norway", bio: "hello", profile_img: "https://img.example/a.png" });
    const put = await call("PUT", "/auth/profile/", { token: me.access, body: { profession: "baker", bio: "" } });
    expect(put.body).toEqual({ ...EMPTY, country: "Norway", profession: "baker", profile_img: "https://img.example/a.png" });
    expect((await call("GET", "/auth/profile/", { token: me.access })).body).toEqual(put.body);
  });

  it("records profile_updated with the changed fields only when something changed", async () => {
    const me = await loggedIn("prof");
    await call("PATCH", "/auth/profile/", { token: me.access, body: { country: "Chile", bio: "" } });
    await call("PATCH", "/auth/profile/", { token: me.access, body: { country: "Chile" } });
    const rows = await env.DB.prepare("select meta from events where user_id = ? and event = 'profile_updated'").bind(me.pk).all();
    expect(rows.results.map((r) => JSON.parse(r.meta as string))).toEqual([{ fields: ["country"] }]);
  });

  it.each([
    [{ country: "x".repeat(101) }, { country: ["Ensure this field has no more than 100 characters."] }],
    [{ profession: "x".repeat(101) }, { profession: ["Ensure this field has no more than 100 characters."] }],
    [{ bio: "x".repeat(2001) }, { bio: ["Ensure this field has no more than 2000 characters."] }],
    [{ thoughts: "x".repeat(2001) }, { thoughts: ["Ensure this field has no more than 2000 characters."] }],
    [{ profile_img: "not a url" }, { profile_img: ["Enter a valid URL."] }],
    [{ profile_img: "javascript:alert(1)" }, { profile_img: ["Enter a valid URL."] }],
    [{ profile_img: "ftp://files.example/a.png" }, { profile_img: ["Enter a valid URL."] }],
    [{ profile_img: `https://img.example/${"a".repeat(500)}` }, { profile_img: ["Ensure this field has no more than 500 characters."] }],
    [{ bio: null }, { bio: ["This field may not be null."] }],
    [{ country: ["a"] }, { country: ["Not a valid string."] }],
  ])("rejects %j", async (body, errors) => {
    const me = await loggedIn("prof");
    const response = await call("PATCH", "/auth/profile/", { token: me.access, body });
    expect(response.status).toBe(400);
    expect(response.body).toEqual(errors);
    expect((await call("GET", "/auth/profile/", { token: me.access })).body).toEqual(EMPTY);
  });

  it("answers 405 for DELETE", async () => {
    const me = await loggedIn("prof");
    const response = await call("DELETE", "/auth/profile/", { token: me.access });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, PUT, PATCH, POST, HEAD, OPTIONS");
  });
});
