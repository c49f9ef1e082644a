// Every integer that arrives in a path, a query or a token (uids, confirmation-key timestamps, session
// ids, user_id claims; history's page in its own test) answers the contract's 4xx however large,
// negative or fractional: never a 500, never another user.
import { env } from "cloudflare:test";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { call, jwtPayload, loggedIn } from "./helpers";

const b64url = (text: string) => btoa(text).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
const NUMBERS = ["9223372036854775807", "9223372036854775808", "18446744073709551617", "9007199254740993", "-1", "0", "1.5", "1e3", "0x1", " 1", "1".repeat(40)];
const UIDS = [...NUMBERS.map(b64url), "9".repeat(400)];
const TOKEN = `zzzzzzzzzzzzz-${"0".repeat(40)}`;
const PASSWORDS = { new_password1: "a good new passphrase", new_password2: "a good new passphrase" };

describe("uids that are not a user id", () => {
  it("password/reset/confirm/ (body and path forms) answers 400 {uid: [Invalid value]}", async () => {
    for (const uid of UIDS) {
      const body = await call("POST", "/auth/password/reset/confirm/", { body: { uid, token: TOKEN, ...PASSWORDS } });
      const message = uid.length > 64 ? "Ensure this field has no more than 64 characters." : "Invalid value";
      expect([uid, body.status, body.body]).toEqual([uid, 400, { uid: [message] }]);
      const path = await call("POST", `/auth/password/reset/confirm/${uid}/${TOKEN}/`, { body: PASSWORDS });
      expect([uid, path.status, path.body]).toEqual([uid, 400, { uid: ["Invalid value"] }]);
    }
  }, 60_000);

  it("the mailed reset link answers its 400 page, and verify-email/{uid}/{token}/ its 404", async () => {
    for (const uid of UIDS) {
      const link = await call("GET", `/auth/password/reset/confirm/${uid}/${TOKEN}/`);
      expect([uid, link.status]).toEqual([uid, 400]);
      expect(link.text).toContain("This password reset link is invalid or has expired.");
      const verify = await call("POST", `/auth/registration/verify-email/${uid}/${TOKEN}/`);
      expect([uid, verify.status, verify.body]).toEqual([uid, 404, { detail: "Not found." }]);
    }
  }, 60_000);

  it("a confirmation key with a real uid and a timestamp past 2^53 is 404, as is one with a huge uid", async () => {
    const me = await loggedIn("intkey");
    for (const key of [`${b64url(String(me.pk))}:${TOKEN.replace(/^z+/, "zzzzzzzzzzzzz")}`, `${b64url("9223372036854775807")}:${TOKEN}`]) {
      const response = await call("POST", "/auth/registration/verify-email/", { body: { key } });
      expect([key, response.status, response.body]).toEqual([key, 404, { detail: "Not found." }]);
      expect((await call("GET", `/auth/registration/verification/${key}/`)).status).toBe(400);
    }
  });
});

describe("session ids", () => {
  it("DELETE sessions/{id}/ and POST sessions/{id}/revoke/ answer 404 for numbers of any size", async () => {
    const me = await loggedIn("intsess");
    for (const id of NUMBERS.map(encodeURIComponent)) {
      expect((await call("DELETE", `/auth/sessions/${id}/`, { token: me.access })).body).toEqual({ detail: "Not found." });
      expect((await call("POST", `/auth/sessions/${id}/revoke/`, { token: me.access })).body).toEqual({ detail: "Not found." });
    }
    expect((await call("GET", "/auth/user/", { token: me.access })).status).toBe(200);
  });
});

describe("user_id claims", () => {
  it("a correctly signed token whose user_id is past any integer type is refused, never mapped to a user", async () => {
    const me = await loggedIn("intclaim");
    const claims = jwtPayload(me.access);
    const key = new TextEncoder().encode((env as unknown as { JWT_SIGNING_KEY: string }).JWT_SIGNING_KEY);
    for (const userId of ["9223372036854775807", "1".repeat(40), "-1", "1.0", "1e3", 1, "0x1"]) {
      const token = await new SignJWT({ ...claims, user_id: userId }).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(key);
      const verify = await call("POST", "/auth/token/verify/", { body: { token } });
      expect([userId, verify.status]).toEqual([userId, 401]);
      const user = await call("GET", "/auth/user/", { token });
      expect([userId, user.status, user.body.code]).toEqual([userId, 401, "token_not_valid"]);
    }
  });
});
