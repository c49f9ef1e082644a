// PASSWORD_PEPPERS over HTTP: new hashes are peppered, existing ones (plain Django, imported, an older
// pepper) keep working and are replaced at the next successful login; a removed pepper's hashes stop.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import djangoHashes from "../../../test/fixtures/django-hashes.json";
import { call, linkIn, mailTo, registerVerified, userRow } from "../../../test/helpers";

const ONE = "1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const TWO = "2:n8Q2xV7pLk4RzW1tYb6HcM0sJd9FgA3eUo5iKqTyNvE=";
const PEPPER_1 = { PASSWORD_PEPPERS: ONE };
const PEPPERS_2_1 = { PASSWORD_PEPPERS: `${TWO},${ONE}` };
const UNABLE = { non_field_errors: ["Unable to log in with provided credentials."] };

const storedHash = async (email: string) => (await userRow(email))!.password as string;
const login = (me: { username: string }, password: string, overrides?: Record<string, string>) =>
  call("POST", "/auth/login/", { body: { username: me.username, password }, env: overrides });

describe("PASSWORD_PEPPERS", () => {
  it("sign-up, password change and reset store peppered hashes under the newest pepper", async () => {
    const me = await registerVerified("pepper", PEPPERS_2_1);
    expect(await storedHash(me.email)).toMatch(/^pbkdf2_sha256_pepper2\$1000\$[A-Za-z0-9]{22}\$/);
    const session = await login(me, me.password, PEPPERS_2_1);
    expect(session.status).toBe(200);
    const changed = await call("POST", "/auth/password/change/", {
      token: session.body.access,
      body: { old_password: me.password, new_password1: "pepper changed phrase", new_password2: "pepper changed phrase" },
      // 1 newest now, 2 still listed: the old password verifies under 2, the new hash is made under 1.
      env: { PASSWORD_PEPPERS: `${ONE},${TWO}` },
    });
    expect(changed.status).toBe(200);
    expect(await storedHash(me.email)).toMatch(/^pbkdf2_sha256_pepper1\$/);
    await call("POST", "/auth/password/reset/", { body: { email: me.email }, env: PEPPERS_2_1 });
    const [uid, token] = new URL(linkIn(mailTo(me.email).at(-1)!)).pathname.split("/").filter(Boolean).slice(-2);
    const reset = await call("POST", "/auth/password/reset/confirm/", {
      body: { uid, token, new_password1: "pepper reset phrase", new_password2: "pepper reset phrase" },
      env: PEPPERS_2_1,
    });
    expect(reset.status).toBe(200);
    expect(await storedHash(me.email)).toMatch(/^pbkdf2_sha256_pepper2\$/);
    expect((await login(me, "pepper reset phrase", PEPPERS_2_1)).status).toBe(200);
  });

  it("a plain hash logs in and becomes peppered; then an older pepper's hash moves to the newest", async () => {
    const me = await registerVerified("pepperup");
    const plain = await storedHash(me.email);
    expect(plain).toMatch(/^pbkdf2_sha256\$1000\$/);
    // A wrong password changes nothing.
    expect((await login(me, "wrong password", PEPPER_1)).body).toEqual(UNABLE);
    expect(await storedHash(me.email)).toBe(plain);

    expect((await login(me, me.password, PEPPER_1)).status).toBe(200);
    const first = await storedHash(me.email);
    expect(first).toMatch(/^pbkdf2_sha256_pepper1\$1000\$/);
    // The leaked row alone: without the pepper it verifies nothing, not even renamed to the plain algorithm.
    expect((await login(me, me.password)).body).toEqual(UNABLE);
    await env.DB.prepare("update users set password = ? where id = ?").bind(first.replace("_pepper1", ""), (await userRow(me.email))!.id).run();
    expect((await login(me, me.password, PEPPER_1)).body).toEqual(UNABLE);
    await env.DB.prepare("update users set password = ? where id = ?").bind(first, (await userRow(me.email))!.id).run();

    // Rotation: pepper 2 first, 1 still listed: the pepper-1 hash verifies and is replaced.
    expect((await login(me, me.password, PEPPERS_2_1)).status).toBe(200);
    const second = await storedHash(me.email);
    expect(second).toMatch(/^pbkdf2_sha256_pepper2\$1000\$/);
    expect((await login(me, me.password, PEPPERS_2_1)).status).toBe(200);
    expect(await storedHash(me.email)).toBe(second);
    // Pepper 2 removed from the list: its hashes cannot verify any more (a reset is the way back).
    expect((await login(me, me.password, PEPPER_1)).body).toEqual(UNABLE);
  });

  it("a Django-imported hash (argon2) logs in under a pepper and is replaced by a peppered one", async () => {
    const vector = djangoHashes.vectors.find((v) => v.label.startsWith("argon2id small"))!;
    const me = await registerVerified("pepperimport");
    await env.DB.prepare("update users set password = ? where lower(email) = lower(?)").bind(vector.hash, me.email).run();
    expect((await login(me, vector.password, PEPPER_1)).status).toBe(200);
    expect(await storedHash(me.email)).toMatch(/^pbkdf2_sha256_pepper1\$1000\$/);
    expect((await login(me, vector.password, PEPPER_1)).status).toBe(200);
  });
});
