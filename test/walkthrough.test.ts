import { describe, expect, it } from "vitest";
import { call, linkIn, mailTo, newIdentity } from "./helpers";

describe("the README walk-through", () => {
  it("registers, verifies by the mailed link, logs in, reads the user, refreshes and logs out", async () => {
    const me = newIdentity("walk");
    const registered = await call("POST", "/auth/registration/", {
      body: { username: me.username, email: me.email, password1: me.password, password2: me.password },
    });
    expect(registered.status).toBe(201);
    expect(registered.body).toEqual({ detail: "Verification e-mail sent." });

    const [mail] = mailTo(me.email);
    expect(mail!.subject).toBe("[edge-rest-auth] Please confirm your e-mail address");
    const link = new URL(linkIn(mail!));
    expect(link.origin).toBe("https://api.example.test");

    const notYet = await call("POST", "/auth/login/", { body: { username: me.username, password: me.password } });
    expect(notYet.body).toEqual({ non_field_errors: ["E-mail is not verified."] });

    const followed = await call("GET", link.pathname);
    expect(followed.status).toBe(302);
    expect(followed.headers.get("location")).toBe("/auth/registration/verified/");

    const login = await call("POST", "/auth/login/", { body: { username: me.username, password: me.password } });
    expect(login.status).toBe(200);
    expect(Object.keys(login.body).sort()).toEqual(["access", "access_expiration", "refresh", "refresh_expiration", "user"]);

    const user = await call("GET", "/auth/user/", { token: login.body.access });
    expect(user.status).toBe(200);
    expect(user.body).toEqual({ pk: login.body.user.pk, username: me.username, email: me.email, first_name: "", last_name: "" });

    const refreshed = await call("POST", "/auth/token/refresh/", { body: { refresh: login.body.refresh } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh).not.toBe(login.body.refresh);

    const logout = await call("POST", "/auth/logout/", { body: { refresh: refreshed.body.refresh } });
    expect(logout.body).toEqual({ detail: "Successfully logged out." });

    const after = await call("POST", "/auth/token/refresh/", { body: { refresh: refreshed.body.refresh } });
    expect(after.status).toBe(401);
    expect(after.body).toEqual({ detail: "Token is invalid or expired", code: "token_not_valid" });
  });
});
