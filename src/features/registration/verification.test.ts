// E-mail verification (contract §2.4.2–§2.4.5): the key endpoint, its seed-004 path form, the mailed link, resend and pages.
import { describe, expect, it } from "vitest";
import { call, clock, confirmationKeyFor, eventsOf, linkIn, mailTo, newIdentity, outbox, registerVerified, userRow } from "../../../test/helpers";

const NOT_FOUND = { detail: "Not found." };

/** Registers (mandatory verification) and returns the identity with its mailed key. */
async function registered(prefix = "ver", vars?: Record<string, string>) {
  const me = newIdentity(prefix);
  const response = await call("POST", "/auth/registration/", {
    body: { username: me.username, email: me.email, password1: me.password, password2: me.password },
    env: vars,
  });
  expect(response.status).toBe(201);
  return { ...me, key: confirmationKeyFor(me.email), id: (await userRow(me.email))!.id as number };
}

function verify(key: unknown, vars?: Record<string, string>) {
  return call("POST", "/auth/registration/verify-email/", { body: { key }, env: vars });
}

async function isVerified(email: string): Promise<boolean> {
  return (await userRow(email))!.email_verified === 1;
}

/** Replaces the last hex digit of the key's MAC. */
function forge(key: string): string {
  const last = key.at(-1)!;
  return key.slice(0, -1) + (last === "0" ? "1" : "0");
}

describe("POST registration/verify-email/", () => {
  it("verifies the address with the mailed key: 200 ok, event email_verified, no tokens", async () => {
    const me = await registered();
    const response = await verify(me.key);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ detail: "ok" });
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(await isVerified(me.email)).toBe(true);
    const events = await eventsOf(me.id);
    expect(events.map((e) => e.event)).toEqual(["register", "email_verified"]);
  });

  it("is idempotent: the same key answers ok again without a second event", async () => {
    const me = await registered();
    expect((await verify(me.key)).status).toBe(200);
    const again = await verify(me.key);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ detail: "ok" });
    expect((await eventsOf(me.id)).filter((e) => e.event === "email_verified")).toHaveLength(1);
  });

  it("lets the verified user log in", async () => {
    const me = await registered();
    await verify(me.key);
    const login = await call("POST", "/auth/login/", { body: { username: me.username, password: me.password } });
    expect(login.status).toBe(200);
  });

  it("answers 404 for unknown, malformed and forged keys", async () => {
    const me = await registered();
    const [, rest] = me.key.split(":");
    const unknownUid = btoa("987654321").replace(/=+$/, "");
    for (const key of [
      `${unknownUid}:${rest}`,
      "garbage",
      "MQ:",
      ":abc-123",
      `${me.key}x`,
      me.key.toUpperCase(),
      forge(me.key),
      `${me.key.split("-")[0]}-${"0".repeat(40)}`,
      "a".repeat(200),
      "a".repeat(201),
      `${me.key}${"0".repeat(5000)}`,
    ]) {
      const response = await verify(key);
      expect(response.status, key).toBe(404);
      expect(response.body).toEqual(NOT_FOUND);
    }
    expect(await isVerified(me.email)).toBe(false);
  });

  it("answers 400 for a missing or blank key (field validation, not 404)", async () => {
    expect((await call("POST", "/auth/registration/verify-email/", { body: {} })).body).toEqual({ key: ["This field is required."] });
    expect((await verify("")).body).toEqual({ key: ["This field may not be blank."] });
  });

  it("answers 404 for a key moved to another user (uid swapped)", async () => {
    const alice = await registered("vera");
    const bob = await registered("verb");
    const bobUid = bob.key.split(":")[0];
    const moved = `${bobUid}:${alice.key.split(":")[1]}`;
    const response = await verify(moved);
    expect(response.status).toBe(404);
    expect(await isVerified(alice.email)).toBe(false);
    expect(await isVerified(bob.email)).toBe(false);
  });

  it("answers 404 once the key is older than ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS (3 days)", async () => {
    const fresh = await registered();
    const stale = await registered();
    clock.advance(3 * 86_400 - 60);
    expect((await verify(fresh.key)).status).toBe(200);
    clock.advance(120);
    const response = await verify(stale.key);
    expect(response.status).toBe(404);
    expect(response.body).toEqual(NOT_FOUND);
    expect(await isVerified(stale.email)).toBe(false);
  });

  it("answers 405 to GET, as dj-rest-auth", async () => {
    const response = await call("GET", "/auth/registration/verify-email/");
    expect(response.status).toBe(405);
    expect(response.body).toEqual({ detail: 'Method "GET" not allowed.' });
    expect(response.headers.get("allow")).toBe("POST, OPTIONS");
  });
});

describe("POST registration/verify-email/{uid}/{token}/ (seed 004)", () => {
  it("verifies with the key split into the path, with and without trailing slash", async () => {
    const me = await registered();
    const [uid, token] = me.key.split(":");
    const response = await call("POST", `/auth/registration/verify-email/${uid}/${token}/`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ detail: "ok" });
    expect(await isVerified(me.email)).toBe(true);
    expect((await call("POST", `/auth/registration/verify-email/${uid}/${token}`)).body).toEqual({ detail: "ok" });
  });

  it("answers 404 for a bad path key", async () => {
    const me = await registered();
    const [uid, token] = me.key.split(":");
    for (const path of [`${uid}/${forge(token!)}`, `MQ/nope`, `${uid}/${token}x`]) {
      const response = await call("POST", `/auth/registration/verify-email/${path}/`);
      expect(response.status, path).toBe(404);
      expect(response.body).toEqual(NOT_FOUND);
    }
    expect(await isVerified(me.email)).toBe(false);
  });
});

describe("GET registration/verification/{key}/ (the mailed link)", () => {
  it("verifies and redirects to registration/verified/ without setting cookies", async () => {
    const me = await registered();
    const link = new URL(linkIn(mailTo(me.email)[0]!));
    expect(link.pathname).toBe(`/auth/registration/verification/${me.key}/`);
    const response = await call("GET", link.pathname);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/auth/registration/verified/");
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await isVerified(me.email)).toBe(true);
    // Following the link again (mail scanners, double clicks) still lands on the success page.
    expect((await call("GET", link.pathname)).status).toBe(302);
  });

  it("serves the dj-rest-auth account-confirm-email alias", async () => {
    const me = await registered();
    const response = await call("GET", `/auth/registration/account-confirm-email/${me.key}/`);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/auth/registration/verified/");
    expect(await isVerified(me.email)).toBe(true);
  });

  it("answers a bad link with a 400 HTML page", async () => {
    const me = await registered();
    for (const path of [`/auth/registration/verification/${forge(me.key)}/`, "/auth/registration/account-confirm-email/nonsense"]) {
      const response = await call("GET", path);
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(response.text).toContain("This confirmation link is invalid or has expired.");
    }
    expect(await isVerified(me.email)).toBe(false);
  });

  it("redirects to EMAIL_VERIFIED_REDIRECT / EMAIL_VERIFICATION_FAILED_REDIRECT when configured", async () => {
    const vars = {
      EMAIL_VERIFIED_REDIRECT: "https://app.example.com/welcome",
      EMAIL_VERIFICATION_FAILED_REDIRECT: "https://app.example.com/link-expired",
    };
    const me = await registered();
    const ok = await call("GET", `/auth/registration/verification/${me.key}/`, { env: vars });
    expect(ok.status).toBe(302);
    expect(ok.headers.get("location")).toBe("https://app.example.com/welcome");
    const bad = await call("GET", `/auth/registration/verification/${forge(me.key)}/`, { env: vars });
    expect(bad.status).toBe(302);
    expect(bad.headers.get("location")).toBe("https://app.example.com/link-expired");
  });

  it("is 404 when verification is off", async () => {
    const me = await registered();
    const response = await call("GET", `/auth/registration/verification/${me.key}/`, { env: { ACCOUNT_EMAIL_VERIFICATION: "none" } });
    expect(response.status).toBe(404);
    expect(response.body).toEqual(NOT_FOUND);
    expect(await isVerified(me.email)).toBe(false);
  });

  it("answers POST with 405", async () => {
    const me = await registered();
    const response = await call("POST", `/auth/registration/verification/${me.key}/`);
    expect(response.status).toBe(405);
    expect(response.body).toEqual({ detail: 'Method "POST" not allowed.' });
  });
});

describe("POST registration/resend-email/", () => {
  function resend(email: string, extra: Record<string, unknown> = {}, vars?: Record<string, string>) {
    return call("POST", "/auth/registration/resend-email/", { body: { email, ...extra }, env: vars });
  }

  it("mails a new working key to an unverified address (matched case-insensitively)", async () => {
    const me = await registered();
    outbox.length = 0;
    const response = await resend(me.email.toUpperCase());
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ detail: "ok" });
    const mails = mailTo(me.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe("[edge-rest-auth] Please confirm your e-mail address");
    expect(Object.keys(response.body)).toEqual(["detail"]);
    expect((await verify(confirmationKeyFor(me.email))).status).toBe(200);
  });

  it("answers ok and mails nothing for unknown or already verified addresses", async () => {
    const verified = await registerVerified("verres");
    outbox.length = 0;
    for (const email of [verified.email, newIdentity("verunknown").email]) {
      const response = await resend(email);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ detail: "ok" });
    }
    expect(outbox).toHaveLength(0);
  });

  it("answers ok and mails nothing for an inactive account", async () => {
    const me = await registered();
    const { env } = await import("cloudflare:test");
    await env.DB.prepare("update users set is_active = 0 where id = ?").bind(me.id).run();
    outbox.length = 0;
    expect((await resend(me.email)).body).toEqual({ detail: "ok" });
    expect(outbox).toHaveLength(0);
  });

  it("validates the address and the verification_base_url", async () => {
    expect((await call("POST", "/auth/registration/resend-email/", { body: {} })).body).toEqual({ email: ["This field is required."] });
    expect((await resend("nope")).body).toEqual({ email: ["Enter a valid email address."] });
    const me = await registered();
    const refused = await resend(me.email, { verification_base_url: "https://evil.example.com/" });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ verification_base_url: ["This URL's origin is not allowed."] });
  });

  it("builds the link on an allowed verification_base_url", async () => {
    const vars = { VERIFICATION_BASE_URL_ALLOWED_ORIGINS: "https://app.example.com" };
    const me = await registered();
    outbox.length = 0;
    const response = await resend(me.email, { verification_base_url: "https://app.example.com/confirm/{key}" }, vars);
    expect(response.status).toBe(200);
    expect(linkIn(mailTo(me.email)[0]!)).toBe(`https://app.example.com/confirm/${confirmationKeyFor(me.email)}`);
  });
});

describe("HTML pages (§2.4.5)", () => {
  it("registration/verified/ is an HTML success page, 404 when EMAIL_VERIFIED_REDIRECT is set", async () => {
    const page = await call("GET", "/auth/registration/verified/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.text).toContain("<!doctype html>");
    expect(page.text.toLowerCase()).toContain("confirmed");
    const redirected = await call("GET", "/auth/registration/verified/", { env: { EMAIL_VERIFIED_REDIRECT: "https://app.example.com/welcome" } });
    expect(redirected.status).toBe(404);
    expect(redirected.body).toEqual(NOT_FOUND);
  });

  for (const path of ["/auth/registration/account_email_verification_sent/", "/auth/registration/account-email-verification-sent/"]) {
    it(`${path} is a "check your inbox" page, 404 when verification is none`, async () => {
      const page = await call("GET", path);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(page.text.toLowerCase()).toContain("inbox");
      const off = await call("GET", path, { env: { ACCOUNT_EMAIL_VERIFICATION: "none" } });
      expect(off.status).toBe(404);
      expect(off.body).toEqual(NOT_FOUND);
    });
  }
});
