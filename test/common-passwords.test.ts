// The common-password list lives in D1 (seeded by a migration) and is consulted by every password check.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import listText from "../data/common-passwords.txt?raw";
import { call, loggedIn, newIdentity } from "./helpers";

const register = (password: string) => {
  const me = newIdentity("common");
  return call("POST", "/auth/registration/", { body: { username: me.username, email: me.email, password1: password, password2: password } });
};

describe("common passwords in D1", () => {
  it("the migration loads exactly the shipped list", async () => {
    const shipped = new Set(listText.split("\n").filter(Boolean));
    const row = await env.DB.prepare("select count(*) as n from common_passwords").first<{ n: number }>();
    expect(row!.n).toBe(shipped.size);
    const sample = await env.DB.prepare("select password from common_passwords where password in ('password', 'iloveyou1', '&amp;')").all();
    expect(sample.results).toHaveLength(3);
  });

  it("refuses a listed password at registration, case- and space-insensitively like Django", async () => {
    for (const password of ["iloveyou1", " ILoveYou1 ", "BASEBALL"]) {
      const response = await register(password);
      expect(response.status, password).toBe(400);
      expect(response.body).toEqual({ password1: ["This password is too common."] });
    }
    expect((await register("Sunshine1-not-listed")).status).toBe(201);
  });

  it("refuses a listed password as a new password, and skips the lookup when the validator is off", async () => {
    const me = await loggedIn("common");
    const change = await call("POST", "/auth/password/change/", {
      token: me.access,
      body: { old_password: me.password, new_password1: "iloveyou1", new_password2: "iloveyou1" },
    });
    expect(change.body).toEqual({ new_password2: ["This password is too common."] });
    const overrides = { PASSWORD_VALIDATORS: "min_length,numeric" };
    const newcomer = newIdentity("common");
    const allowed = await call("POST", "/auth/registration/", {
      env: overrides,
      body: { username: newcomer.username, email: newcomer.email, password1: "iloveyou1", password2: "iloveyou1" },
    });
    expect(allowed.status).toBe(201);
  });
});
