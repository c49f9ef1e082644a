// Seed 004 ("JWT Authetication API", /accounts/api/) end to end, from the seed document only
// (/work/shared/seeds/004_*.txt, contract §4): a client that knows just the seed's paths and field
// names, against LEGACY_ACCOUNTS_PREFIX=/accounts/api/ with the default mandatory verification.
import { describe, expect, it, vi } from "vitest";
import { call, mailTo, newIdentity, outbox, type CallResult } from "./helpers";

const APP_ORIGIN = "https://app.example.test";
const SEED = {
  LEGACY_ACCOUNTS_PREFIX: "/accounts/api/",
  VERIFICATION_BASE_URL_ALLOWED_ORIGINS: APP_ORIGIN,
};
const API = "/accounts/api";

/** One request to the seed's API as its client makes it (JSON body, optional bearer). */
const seed = (method: string, path: string, options: { body?: unknown; token?: string; env?: Record<string, string> } = {}) =>
  call(method, `${API}${path}`, { ...options, env: { ...SEED, ...options.env } });

/** The seed's paths, verbatim, with their methods (the Swagger UI listing in the seed document). */
const SEED_OPERATIONS: ReadonlyArray<readonly [string, string]> = [
  ["post", "/accounts/api/change/password/"],
  ["get", "/accounts/api/dashboard/"],
  ["post", "/accounts/api/forget/password/"],
  ["post", "/accounts/api/get/acctivation/token/"],
  ["post", "/accounts/api/get/accttivation/token/"],
  ["get", "/accounts/api/get/profile/"],
  ["post", "/accounts/api/login/"],
  ["post", "/accounts/api/registration/"],
  ["post", "/accounts/api/set/new/forget/password/{uidb64}/{token}/"],
  ["post", "/accounts/api/update/profile/"],
  ["post", "/accounts/api/verify/token/{uidb64}/{token}/"],
];

/** The `{uidb64}`/`{token}` of a path template filled with the link's values. */
const fill = (template: string, uidb64: string, token: string) =>
  template.replace("{uidb64}", encodeURIComponent(uidb64)).replace("{token}", encodeURIComponent(token));

function lastMail(address: string) {
  const mail = mailTo(address).at(-1);
  if (!mail) throw new Error(`no mail to ${address} (outbox: ${outbox.map((m) => m.subject).join(", ")})`);
  return mail;
}

/** uidb64 and token from the activation link the seed's frontend asked for (`{uid}/{token}` template). */
function activationLink(address: string) {
  const mail = lastMail(address);
  expect(mail.subject).toBe("[edge-rest-auth] Please confirm your e-mail address");
  const link = /https:\/\/app\.example\.test\/activate\/([^/\s]+)\/([^/\s]+)\//.exec(mail.text);
  expect(link, mail.text).not.toBeNull();
  const [, uidb64, token] = link!;
  const key = /Confirmation key: (\S+)/.exec(mail.text)?.[1];
  expect(key).toBe(`${uidb64}:${token}`);
  return { uidb64: uidb64!, token: token! };
}

function resetValues(address: string) {
  const mail = lastMail(address);
  expect(mail.subject).toBe("[edge-rest-auth] Password reset");
  const uidb64 = /^uid: (\S+)$/m.exec(mail.text)?.[1];
  const token = /^token: (\S+)$/m.exec(mail.text)?.[1];
  expect(uidb64, mail.text).toBeTruthy();
  expect(token, mail.text).toMatch(/^[0-9a-z]+-[0-9a-f]+$/);
  return { uidb64: uidb64!, token: token! };
}

const LEGACY_TOKEN_KEYS = ["access_token", "access_token_expiration", "refresh_token", "refresh_token_expiration", "user"];

function expectLegacyLogin(response: CallResult, username: string) {
  expect(response.status, response.text).toBe(200);
  expect(Object.keys(response.body).sort()).toEqual(LEGACY_TOKEN_KEYS);
  expect(response.body.user.username).toBe(username);
  expect(response.body.access_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  expect(response.body.refresh_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  return { access: response.body.access_token as string, refresh: response.body.refresh_token as string };
}

/** Registers through the seed's registration/ and activates through verify/token/. */
async function activatedSeedUser() {
  const me = newIdentity("seed");
  const registered = await seed("POST", "/registration/", {
    body: { username: me.username, email: me.email, password: me.password, confirm_password: me.password },
  });
  expect(registered.status, registered.text).toBe(201);
  const key = /Confirmation key: (\S+)/.exec(lastMail(me.email).text)![1]!;
  const [uidb64, token] = key.split(":");
  const activated = await seed("POST", `/verify/token/${uidb64}/${token}/`);
  expect(activated.status, activated.text).toBe(200);
  return me;
}

describe("seed 004 under LEGACY_ACCOUNTS_PREFIX=/accounts/api/", () => {
  it("the whole journey with the seed's paths and field names only", async () => {
    const me = newIdentity("seed");

    // New user registration: the seed's body, with a link back to the seed's frontend.
    const registered = await seed("POST", "/registration/", {
      body: {
        username: me.username,
        email: me.email,
        password: me.password,
        confirm_password: me.password,
        verification_base_url: `${APP_ORIGIN}/activate/{uid}/{token}/`,
      },
    });
    expect(registered.status, registered.text).toBe(201);
    expect(registered.body).toEqual({ detail: "Verification e-mail sent." });

    // "Only verified users can login into dashboard".
    const early = await seed("POST", "/login/", { body: { email: me.email, password: me.password } });
    expect(early.status).toBe(400);
    expect(early.body).toEqual({ non_field_errors: ["E-mail is not verified."] });

    // Account activation by the mailed link's two parts.
    const { uidb64, token } = activationLink(me.email);
    const activated = await seed("POST", fill("/verify/token/{uidb64}/{token}/", uidb64, token));
    expect(activated.status, activated.text).toBe(200);
    expect(activated.body).toEqual({ detail: "ok" });

    // Login with email + password: the legacy token names.
    const login = await seed("POST", "/login/", { body: { email: me.email, password: me.password } });
    const tokens = expectLegacyLogin(login, me.username);

    // Profile: read, update, read back.
    const empty = await seed("GET", "/get/profile/", { token: tokens.access });
    expect(empty.status, empty.text).toBe(200);
    expect(empty.body).toEqual({ country: "", profession: "", bio: "", thoughts: "", profile_img: "" });
    const profile = { country: "Nepal", profession: "Engineer", bio: "Writes tests", thoughts: "Seeds grow", profile_img: "https://cdn.example.test/me.png" };
    const updated = await seed("POST", "/update/profile/", { token: tokens.access, body: profile });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body).toEqual(profile);
    const partial = await seed("POST", "/update/profile/", { token: tokens.access, body: { bio: "Writes more tests" } });
    expect(partial.body).toEqual({ ...profile, bio: "Writes more tests" });
    expect((await seed("GET", "/get/profile/", { token: tokens.access })).body).toEqual({ ...profile, bio: "Writes more tests" });

    // Dashboard.
    const dashboard = await seed("GET", "/dashboard/", { token: tokens.access });
    expect(dashboard.status, dashboard.text).toBe(200);
    expect(dashboard.body.user).toMatchObject({ username: me.username, email: me.email });
    expect(dashboard.body.profile).toEqual({ ...profile, bio: "Writes more tests" });
    expect(dashboard.body.email_verified).toBe(true);
    expect(dashboard.body.active_sessions).toBe(1);
    expect(dashboard.body.recent_events.map((e: { event: string }) => e.event)).toContain("profile_updated");

    // Change old password: the seed's three fields.
    const changedPassword = `${me.password} v2`;
    const wrongOld = await seed("POST", "/change/password/", {
      token: tokens.access,
      body: { old_password: "not it at all", new_password: changedPassword, confirm_password: changedPassword },
    });
    expect(wrongOld.status).toBe(400);
    expect(wrongOld.body).toEqual({ old_password: ["Your old password was entered incorrectly. Please enter it again."] });
    const mismatch = await seed("POST", "/change/password/", {
      token: tokens.access,
      body: { old_password: me.password, new_password: changedPassword, confirm_password: `${changedPassword}!` },
    });
    expect(mismatch.status).toBe(400);
    // Errors are reported under the name the client sent.
    expect(mismatch.body).toEqual({ confirm_password: ["The two password fields didn’t match."] });
    const changed = await seed("POST", "/change/password/", {
      token: tokens.access,
      body: { old_password: me.password, new_password: changedPassword, confirm_password: changedPassword },
    });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body).toEqual({ detail: "New password has been saved." });
    expect((await seed("POST", "/login/", { body: { email: me.email, password: me.password } })).status).toBe(400);
    expectLegacyLogin(await seed("POST", "/login/", { body: { email: me.email, password: changedPassword } }), me.username);

    // Forget password -> reset mail -> set new forget password.
    const forget = await seed("POST", "/forget/password/", { body: { email: me.email } });
    expect(forget.status, forget.text).toBe(200);
    expect(forget.body).toEqual({ detail: "Password reset e-mail has been sent." });
    const reset = resetValues(me.email);
    const resetPassword = `${me.password} v3`;
    const setNew = await seed("POST", fill("/set/new/forget/password/{uidb64}/{token}/", reset.uidb64, reset.token), {
      body: { new_password: resetPassword, confirm_password: resetPassword },
    });
    expect(setNew.status, setNew.text).toBe(200);
    expect(setNew.body).toEqual({ detail: "Password has been reset with the new password." });
    // Single use.
    const again = await seed("POST", fill("/set/new/forget/password/{uidb64}/{token}/", reset.uidb64, reset.token), {
      body: { new_password: `${resetPassword}!`, confirm_password: `${resetPassword}!` },
    });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ token: ["Invalid value"] });

    // The reset ended every session; the new password logs in.
    expect((await seed("GET", "/dashboard/", { token: tokens.access })).status).toBe(401);
    expect((await seed("POST", "/login/", { body: { email: me.email, password: changedPassword } })).status).toBe(400);
    const last = expectLegacyLogin(await seed("POST", "/login/", { body: { email: me.email, password: resetPassword } }), me.username);
    expect((await seed("GET", "/dashboard/", { token: last.access })).status).toBe(200);
  });

  it("a bad activation token is refused; a link that was used is idempotent", async () => {
    const me = newIdentity("seed");
    await seed("POST", "/registration/", {
      body: { username: me.username, email: me.email, password: me.password, confirm_password: me.password },
    });
    const [uidb64, token] = /Confirmation key: (\S+)/.exec(lastMail(me.email).text)![1]!.split(":");
    const forged = await seed("POST", `/verify/token/${uidb64}/${token!.replace(/.$/, (c) => (c === "0" ? "1" : "0"))}/`);
    expect(forged.status).toBe(404);
    expect(forged.body).toEqual({ detail: "Not found." });
    expect((await seed("POST", "/login/", { body: { email: me.email, password: me.password } })).body).toEqual({
      non_field_errors: ["E-mail is not verified."],
    });
    expect((await seed("POST", `/verify/token/${uidb64}/${token}/`)).body).toEqual({ detail: "ok" });
    expect((await seed("POST", `/verify/token/${uidb64}/${token}/`)).body).toEqual({ detail: "ok" });
  });

  it("registration errors use the seed's field names", async () => {
    const me = newIdentity("seed");
    const mismatch = await seed("POST", "/registration/", {
      body: { username: me.username, email: me.email, password: me.password, confirm_password: `${me.password}!` },
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toEqual({ non_field_errors: ["The two password fields didn't match."] });
    const short = await seed("POST", "/registration/", {
      body: { username: me.username, email: me.email, password: "short", confirm_password: "short" },
    });
    expect(short.status).toBe(400);
    expect(short.body.password).toContain("This password is too short. It must contain at least 8 characters.");
    const foreign = await seed("POST", "/registration/", {
      body: { ...me, confirm_password: me.password, verification_base_url: "https://evil.example/activate/" },
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body).toEqual({ verification_base_url: ["This URL's origin is not allowed."] });
    expect(mailTo(me.email)).toHaveLength(0);
  });

  it("a field left out is reported under the seed's name (the /auth/ API keeps dj-rest-auth's)", async () => {
    const me = newIdentity("seed");
    const REQUIRED = ["This field is required."];
    const registration = await seed("POST", "/registration/", { body: { username: me.username, email: me.email } });
    expect(registration.status).toBe(400);
    expect(registration.body).toEqual({ password: REQUIRED, confirm_password: REQUIRED });
    const halfCanonical = await seed("POST", "/registration/", { body: { username: me.username, email: me.email, password1: me.password } });
    expect(halfCanonical.body).toEqual({ confirm_password: REQUIRED });
    const setNew = await seed("POST", "/set/new/forget/password/MQ/abc-123/", { body: {} });
    expect(setNew.status).toBe(400);
    expect(setNew.body).toEqual({ new_password: REQUIRED, confirm_password: REQUIRED });
    const known = await activatedSeedUser();
    const { access } = expectLegacyLogin(await seed("POST", "/login/", { body: { email: known.email, password: known.password } }), known.username);
    const change = await seed("POST", "/change/password/", { token: access, body: {} });
    expect(change.status).toBe(400);
    expect(change.body).toEqual({ old_password: REQUIRED, new_password: REQUIRED, confirm_password: REQUIRED });
    const canonical = await call("POST", "/auth/registration/", { body: { username: me.username, email: me.email }, env: SEED });
    expect(canonical.body).toEqual({ password1: REQUIRED, password2: REQUIRED });
    expect((await call("POST", "/auth/password/change/", { token: access, body: {}, env: SEED })).body).toEqual({
      old_password: REQUIRED,
      new_password1: REQUIRED,
      new_password2: REQUIRED,
    });
  });

  it("with optional verification, registration answers a TokenResponse with the legacy names", async () => {
    const me = newIdentity("seed");
    const env = { ACCOUNT_EMAIL_VERIFICATION: "optional" };
    const registered = await seed("POST", "/registration/", {
      body: { username: me.username, email: me.email, password: me.password, confirm_password: me.password },
      env,
    });
    expect(registered.status, registered.text).toBe(201);
    expect(Object.keys(registered.body).sort()).toEqual(LEGACY_TOKEN_KEYS);
    expect((await seed("GET", "/dashboard/", { token: registered.body.access_token, env })).body.email_verified).toBe(false);
    const other = newIdentity("seed");
    const current = await call("POST", "/auth/registration/", {
      body: { username: other.username, email: other.email, password1: other.password, password2: other.password },
      env: { ...SEED, ...env },
    });
    expect(Object.keys(current.body).sort()).toEqual(["access", "access_expiration", "refresh", "refresh_expiration", "user"]);
  });

  it("both spellings of get/acctivation/token/ resend the activation mail, without tokens", async () => {
    const me = newIdentity("seed");
    await seed("POST", "/registration/", {
      body: { username: me.username, email: me.email, password: me.password, confirm_password: me.password },
    });
    expect(mailTo(me.email)).toHaveLength(1);
    for (const [n, spelling] of [
      [2, "/get/acctivation/token/"],
      [3, "/get/accttivation/token/"],
    ] as const) {
      const resent = await seed("POST", spelling, { body: { email: me.email, verification_base_url: `${APP_ORIGIN}/activate/{uid}/{token}/` } });
      expect(resent.status, `${spelling}: ${resent.text}`).toBe(200);
      // Deviation 14: no tokens for whoever knows an address.
      expect(resent.body).toEqual({ detail: "ok" });
      expect(mailTo(me.email), spelling).toHaveLength(n);
    }
    // The last resent link activates the account.
    const { uidb64, token } = activationLink(me.email);
    expect((await seed("POST", `/verify/token/${uidb64}/${token}/`)).status).toBe(200);
    expectLegacyLogin(await seed("POST", "/login/", { body: { email: me.email, password: me.password } }), me.username);
    // Verified: a resend sends nothing, and answers the same.
    const verified = await seed("POST", "/get/accttivation/token/", { body: { email: me.email } });
    expect(verified.body).toEqual({ detail: "ok" });
    expect(mailTo(me.email)).toHaveLength(3);
  });

  it("every seed path is served with and without its trailing slash", async () => {
    const me = await activatedSeedUser();
    const slashless = await seed("POST", "/login", { body: { email: me.email, password: me.password } });
    const { access } = expectLegacyLogin(slashless, me.username);
    for (const path of ["/get/profile", "/dashboard"]) {
      const withSlash = await seed("GET", `${path}/`, { token: access });
      const without = await seed("GET", path, { token: access });
      expect(withSlash.status, path).toBe(200);
      expect(without.status, path).toBe(200);
      expect(without.headers.get("location"), path).toBeNull();
    }
    expect((await seed("POST", "/update/profile", { token: access, body: { country: "NP" } })).body.country).toBe("NP");
    expect((await seed("POST", "/forget/password", { body: { email: me.email } })).status).toBe(200);
    const reset = resetValues(me.email);
    const newPassword = `${me.password} slashless`;
    const setNew = await seed("POST", `/set/new/forget/password/${reset.uidb64}/${reset.token}`, {
      body: { new_password: newPassword, confirm_password: newPassword },
    });
    expect(setNew.status, setNew.text).toBe(200);
    const login = expectLegacyLogin(await seed("POST", "/login", { body: { email: me.email, password: newPassword } }), me.username);
    const changed = await seed("POST", "/change/password", {
      token: login.access,
      body: { old_password: newPassword, new_password: me.password, confirm_password: me.password },
    });
    expect(changed.status, changed.text).toBe(200);
    const other = newIdentity("seed");
    const registered = await seed("POST", "/registration", {
      body: { username: other.username, email: other.email, password: other.password, confirm_password: other.password },
    });
    expect(registered.status).toBe(201);
    for (const spelling of ["/get/acctivation/token", "/get/accttivation/token"]) {
      expect((await seed("POST", spelling, { body: { email: other.email } })).status, spelling).toBe(200);
    }
    const [uidb64, token] = /Confirmation key: (\S+)/.exec(lastMail(other.email).text)![1]!.split(":");
    expect((await seed("POST", `/verify/token/${uidb64}/${token}`)).body).toEqual({ detail: "ok" });
    expect((await seed("GET", "/spectacular")).status).toBe(200);
  });

  it("GET spectacular/ is the OpenAPI document of exactly the seed's paths", async () => {
    const doc = await seed("GET", "/spectacular/");
    expect(doc.status, doc.text).toBe(200);
    expect(doc.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(doc.body.openapi).toMatch(/^3\./);
    const operations = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => [method, path] as const))
      .sort(([, a], [, b]) => a.localeCompare(b));
    expect(operations).toEqual(SEED_OPERATIONS);
    // Path parameters are declared under the names the path templates use.
    for (const [path, methods] of Object.entries(doc.body.paths as Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>>)) {
      const inTemplate = [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => name).sort();
      for (const [method, operation] of Object.entries(methods)) {
        const declared = (operation.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name).sort();
        expect(declared, `${method} ${path}`).toEqual(inTemplate);
      }
    }
    // The request bodies are the seed's schemas: its field names, and those are the required ones.
    const body = (method: string, path: string) => {
      const schema = doc.body.paths[path][method].requestBody.content["application/json"].schema;
      return { fields: Object.keys(schema.properties), required: [...(schema.required ?? [])].sort() };
    };
    const registration = body("post", "/accounts/api/registration/");
    expect(registration.fields).toEqual(expect.arrayContaining(["username", "email", "password", "confirm_password", "verification_base_url"]));
    expect(registration.fields).not.toContain("password1");
    expect(registration.required).toEqual(["confirm_password", "email", "password"]);
    expect(body("post", "/accounts/api/login/").fields).toEqual(expect.arrayContaining(["email", "password"]));
    expect(body("post", "/accounts/api/change/password/")).toEqual({
      fields: ["old_password", "new_password", "confirm_password"],
      required: ["confirm_password", "new_password", "old_password"],
    });
    expect(body("post", "/accounts/api/set/new/forget/password/{uidb64}/{token}/")).toEqual({
      fields: ["new_password", "confirm_password"],
      required: ["confirm_password", "new_password"],
    });
    expect(body("post", "/accounts/api/forget/password/")).toEqual({ fields: ["email"], required: ["email"] });
    expect(body("post", "/accounts/api/get/acctivation/token/").fields).toEqual(["email", "verification_base_url"]);
    // The login answer is documented with the legacy token names (or, for a user with TOTP, the MFA challenge).
    const loginAnswer = doc.body.paths["/accounts/api/login/"].post.responses["200"].content["application/json"].schema;
    const [tokens, challenge] = loginAnswer.anyOf;
    expect(Object.keys(tokens.properties).sort()).toEqual(LEGACY_TOKEN_KEYS);
    expect(Object.keys(challenge.properties).sort()).toEqual(["ephemeral_token", "methods", "mfa_required"]);
    // Only tags that have operations here.
    const used = new Set(Object.values(doc.body.paths as Record<string, Record<string, { tags: string[] }>>).flatMap((m) => Object.values(m).flatMap((o) => o.tags)));
    expect(doc.body.tags.map((tag: { name: string }) => tag.name).sort()).toEqual([...used].sort());
    // Off with the other documents.
    expect((await seed("GET", "/spectacular/", { env: { OPENAPI_ENABLED: "false" } })).status).toBe(404);
  });

  it("the /auth/ API is unchanged alongside, and keeps its own document", async () => {
    const me = await activatedSeedUser();
    const current = await call("POST", "/auth/login/", { body: { email: me.email, password: me.password }, env: SEED });
    expect(current.status, current.text).toBe(200);
    expect(Object.keys(current.body).sort()).toEqual(["access", "access_expiration", "refresh", "refresh_expiration", "user"]);
    const user = await call("GET", "/auth/user/", { token: current.body.access, env: SEED });
    expect(user.body.username).toBe(me.username);
    // A token from either mount works on the other: one user base, one signing key.
    const legacy = expectLegacyLogin(await seed("POST", "/login/", { body: { email: me.email, password: me.password } }), me.username);
    expect((await call("GET", "/auth/user/", { token: legacy.access, env: SEED })).status).toBe(200);
    expect((await seed("GET", "/dashboard/", { token: current.body.access })).status).toBe(200);
    // The legacy mount leaves the /auth/ refresh with its names.
    const refreshed = await call("POST", "/auth/token/refresh/", { body: { refresh: legacy.refresh }, env: SEED });
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(Object.keys(refreshed.body).sort()).toEqual(["access", "access_expiration", "refresh", "refresh_expiration"]);
    // /auth/'s document is not the seed's; the seed's paths are not under /auth/.
    const authDoc = await call("GET", "/auth/openapi.json", { env: SEED });
    expect(Object.keys(authDoc.body.paths)).toContain("/auth/login/");
    expect(Object.keys(authDoc.body.paths).some((path) => path.startsWith("/accounts/"))).toBe(false);
    for (const path of ["/auth/get/profile/", "/auth/forget/password/", "/auth/spectacular/", "/auth/verify/token/MQ/abc/"]) {
      expect((await call("GET", path, { env: SEED })).status, path).toBe(404);
    }
  });

  it("answers 404 for paths under /accounts/api/ that the seed does not have, 405 for a wrong method", async () => {
    for (const path of [
      "/",
      "/user/",
      "/logout/",
      "/token/refresh/",
      "/token/verify/",
      "/password/reset/",
      "/registration/verify-email/",
      "/history/",
      "/openapi.json",
      "/docs/",
      "/docs/swagger-ui-bundle.js",
      "/csrf/",
      "/sessions/",
      "/get/activation/token/",
      "/verify/token/MQ/",
    ]) {
      for (const method of ["GET", "POST"]) {
        const response = await seed(method, path, { body: method === "POST" ? {} : undefined });
        expect(response.status, `${method} ${API}${path}`).toBe(404);
        expect(response.body, `${method} ${API}${path}`).toEqual({ detail: "Not found." });
      }
    }
    const wrongMethod = await seed("GET", "/login/");
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.body).toEqual({ detail: 'Method "GET" not allowed.' });
    expect(wrongMethod.headers.get("allow")).toBe("POST, OPTIONS");
    expect((await seed("PUT", "/update/profile/")).status).toBe(405);
  });

  it("without LEGACY_ACCOUNTS_PREFIX nothing is served under /accounts/api/", async () => {
    const me = await activatedSeedUser();
    for (const [method, path] of [
      ["POST", "/accounts/api/login/"],
      ["POST", "/accounts/api/registration/"],
      ["GET", "/accounts/api/spectacular/"],
      ["GET", "/accounts/api/dashboard/"],
    ]) {
      const response = await call(method!, path!, { body: method === "POST" ? { email: me.email, password: me.password } : undefined });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body).toEqual({ detail: "Not found." });
    }
    expect((await call("POST", "/auth/login/", { body: { email: me.email, password: me.password } })).status).toBe(200);
  });

  it("a LEGACY_ACCOUNTS_PREFIX that is not a mount of its own is a configuration error naming the setting", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    for (const [value, env] of [
      ["/", {}],
      ["///", {}],
      ["/auth/", {}],
      ["auth", {}],
      ["/dj-rest-auth/", { AUTH_PREFIX: "/dj-rest-auth/" }],
      ["/accounts api/", {}],
    ] as const) {
      const response = await call("POST", "/accounts/api/login/", { body: {}, env: { ...env, LEGACY_ACCOUNTS_PREFIX: value } });
      expect(response.status, value).toBe(500);
      expect(response.body.detail, value).toMatch(/^Server misconfigured: LEGACY_ACCOUNTS_PREFIX: /);
      // Every path fails alike: the app is not built.
      expect((await call("GET", "/auth/csrf/", { env: { ...env, LEGACY_ACCOUNTS_PREFIX: value } })).status, value).toBe(500);
      expect(logged).toHaveBeenLastCalledWith(expect.stringMatching(/^configuration error: LEGACY_ACCOUNTS_PREFIX: /));
    }
  });

  it("with one mount inside the other, each path answers as its own mount", async () => {
    const me = await activatedSeedUser();
    const cases = [
      // The /auth/ API inside the seed's prefix, and the seed's paths inside AUTH_PREFIX.
      { env: { AUTH_PREFIX: "/accounts/api/v2/", LEGACY_ACCOUNTS_PREFIX: "/accounts/api/" }, auth: "/accounts/api/v2", legacy: "/accounts/api" },
      { env: { AUTH_PREFIX: "/auth/", LEGACY_ACCOUNTS_PREFIX: "/auth/accounts/" }, auth: "/auth", legacy: "/auth/accounts" },
      { env: { AUTH_PREFIX: "/", LEGACY_ACCOUNTS_PREFIX: "/accounts/api/" }, auth: "", legacy: "/accounts/api" },
    ];
    for (const { env, auth, legacy } of cases) {
      const where = JSON.stringify(env);
      const current = await call("POST", `${auth}/login/`, { body: { email: me.email, password: me.password }, env });
      expect(current.status, where).toBe(200);
      expect(Object.keys(current.body).sort(), where).toEqual(["access", "access_expiration", "refresh", "refresh_expiration", "user"]);
      const old = await call("POST", `${legacy}/login/`, { body: { email: me.email, password: me.password }, env });
      expect(Object.keys(old.body).sort(), where).toEqual(LEGACY_TOKEN_KEYS);
      const authDoc = await call("GET", `${auth}/openapi.json`, { env });
      expect(authDoc.status, where).toBe(200);
      expect(authDoc.body.info.title, where).toBe("edge-rest-auth");
      expect(Object.keys(authDoc.body.paths), where).toContain(`${auth}/login/`);
      const seedDoc = await call("GET", `${legacy}/spectacular/`, { env });
      expect(Object.keys(seedDoc.body.paths).sort(), where).toEqual([...new Set(SEED_OPERATIONS.map(([, path]) => path.replace("/accounts/api", legacy)))].sort());
    }
  });
});
