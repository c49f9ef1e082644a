// TOTP setup and activation (contract §2.7.1-2.7.3): the pending secret, its URL and QR code, the
// first code, recovery codes shown once and stored hashed, the secret stored encrypted.
import { env } from "cloudflare:test";
import { decodeQR } from "qr/decode.js";
import { describe, expect, it, vi } from "vitest";
import { call, clock, eventsOf, loggedIn, userRow } from "../../../test/helpers";
import { enrolled, INCORRECT, totpCode, totpRow } from "./mfa.fixtures";

const DRF_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const RECOVERY_CODE = /^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{2}$/;

const setup = (token: string, vars?: Record<string, string>) => call("POST", "/auth/mfa/totp/setup/", { token, env: vars });
const activate = (token: string, code: unknown) => call("POST", "/auth/mfa/totp/activate/", { token, body: { code } });
const status = (token: string) => call("GET", "/auth/mfa/", { token });

/**
 * The SVG drawn as RGBA pixels (4 per module), as a scanner would see it: a module is dark when its
 * centre is inside the path (nonzero winding of its outline polygons, lean-qr's encoding of the modules).
 */
function rasterize(svg: string): { width: number; height: number; data: Uint8Array } {
  const [x0, y0, size] = /viewBox="(-?\d+) (-?\d+) (\d+) \3"/.exec(svg)!.slice(1).map(Number) as [number, number, number];
  const d = /<path d="([^"]+)"/.exec(svg)![1]!;
  const polygons = d.split("Z").filter(Boolean).map((polygon) => polygon.slice(1).split("L").map((point) => point.split(" ").map(Number) as [number, number]));
  const dark = (px: number, py: number) => {
    let winding = 0;
    for (const polygon of polygons) {
      polygon.forEach(([x1, y1], i) => {
        const [x2, y2] = polygon[(i + 1) % polygon.length]!;
        // A ray to the right crosses only vertical edges.
        if (x1 === x2 && x1 > px && Math.min(y1, y2) < py && py < Math.max(y1, y2)) winding += y2 > y1 ? 1 : -1;
      });
    }
    return winding !== 0;
  };
  const scale = 4;
  const width = size * scale;
  const data = new Uint8Array(width * width * 4).fill(255);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      if (!dark(x0 + col + 0.5, y0 + row + 0.5)) continue;
      for (let dy = 0; dy < scale; dy++) {
        const offset = ((row * scale + dy) * width + col * scale) * 4;
        for (let dx = 0; dx < scale * 4; dx += 4) data.fill(0, offset + dx, offset + dx + 3);
      }
    }
  }
  return { width, height: width, data };
}

describe("GET mfa/", () => {
  it("is off, with no codes, for a new user; 401 without a token", async () => {
    const me = await loggedIn("mfa");
    const response = await status(me.access);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ totp: { enabled: false, created_at: null }, recovery_codes: { remaining: 0 } });
    expect((await call("GET", "/auth/mfa/")).status).toBe(401);
  });
});

describe("POST mfa/totp/setup/", () => {
  it("answers a 32-character base32 secret, its otpauth URL, and the URL as a QR code that decodes to it", async () => {
    const me = await loggedIn("mfa");
    const response = await setup(me.access);
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(["otpauth_url", "qr_svg", "secret"]);
    const { secret, otpauth_url: url, qr_svg: svg } = response.body;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(url).toBe(`otpauth://totp/edge-rest-auth:${me.username}?secret=${secret}&issuer=edge-rest-auth&algorithm=SHA1&digits=6&period=30`);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" [^>]*viewBox="-4 -4 (\d+) \1"[^>]*>/);
    expect(svg).toContain('fill="white"');
    // Self-contained: no script, no link, no reference to anything but the SVG namespace.
    expect(svg).not.toMatch(/<script|href|on\w+=|url\(/i);
    expect(svg.replace("http://www.w3.org/2000/svg", "")).not.toMatch(/https?:/);
    expect(decodeQR(rasterize(svg))).toBe(url);
  });

  it("names MFA_ISSUER and encodes what a URL cannot carry as is", async () => {
    const vars = { MFA_ISSUER: "Example & Co" };
    const me = await loggedIn("mfa", vars);
    const { otpauth_url: url } = (await setup(me.access, vars)).body;
    expect(url).toMatch(new RegExp(`^otpauth://totp/Example%20%26%20Co:${me.username}\\?secret=[A-Z2-7]{32}&issuer=Example%20%26%20Co&`));
  });

  it("stores the secret encrypted (never in clear), pending, under a key fingerprint", async () => {
    const me = await loggedIn("mfa");
    const { secret } = (await setup(me.access)).body;
    const row = await totpRow(me.pk);
    expect(row).toMatchObject({ confirmed_at: null, last_used_step: null, recovery_codes: "[]" });
    expect(row!.key_id).toMatch(/^[0-9a-f]{16}$/);
    expect(row!.secret).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(row!.secret).not.toContain(secret);
    expect(JSON.stringify(row)).not.toContain(secret.slice(0, 8));
    expect((await userRow(me.email))!.mfa_enabled).toBe(0);
  });

  it("a second setup replaces the pending secret: the first one's codes no longer activate", async () => {
    const me = await loggedIn("mfa");
    const first = (await setup(me.access)).body.secret;
    const second = (await setup(me.access)).body.secret;
    expect(second).not.toBe(first);
    expect((await activate(me.access, await totpCode(first))).body).toEqual(INCORRECT);
    expect((await activate(me.access, await totpCode(second))).status).toBe(200);
  });

  it("refuses when TOTP is already enabled", async () => {
    const me = await enrolled();
    const response = await setup(me.access);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ detail: "TOTP is already enabled." });
  });
});

describe("POST mfa/totp/activate/", () => {
  it("turns TOTP on with the current code: 10 distinct recovery codes, shown once, stored as keyed hashes", async () => {
    const me = await loggedIn("mfa");
    const { secret } = (await setup(me.access)).body;
    const response = await activate(me.access, await totpCode(secret));
    expect(response.status).toBe(200);
    const codes: string[] = response.body.recovery_codes;
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(RECOVERY_CODE);
    expect(new Set(codes).size).toBe(10);

    const row = await totpRow(me.pk);
    expect(row!.confirmed_at).toBe(clock.now());
    const stored: string[] = JSON.parse(row!.recovery_codes);
    expect(stored).toHaveLength(10);
    for (const hash of stored) expect(hash).toMatch(/^[0-9a-f]{64}$/);
    for (const code of codes) expect(row!.recovery_codes).not.toContain(code.replace(/-/g, ""));
    expect((await userRow(me.email))!.mfa_enabled).toBe(1);

    const after = await status(me.access);
    expect(after.body.totp.enabled).toBe(true);
    expect(after.body.totp.created_at).toMatch(DRF_DATETIME);
    expect(new Date(after.body.totp.created_at).getTime()).toBe(clock.now());
    expect(after.body.recovery_codes.remaining).toBe(10);
    expect((await eventsOf(me.pk)).filter((e) => e.event === "mfa_enabled")).toHaveLength(1);
  });

  it("accepts a code one step early or late (clock drift), not two; spaces are ignored", async () => {
    const me = await loggedIn("mfa");
    const { secret } = (await setup(me.access)).body;
    for (const offset of [-2, 2]) expect((await activate(me.access, await totpCode(secret, offset))).body).toEqual(INCORRECT);
    const code = await totpCode(secret, -1);
    expect((await activate(me.access, `${code.slice(0, 3)} ${code.slice(3)}`)).status).toBe(200);
  });

  it("refuses a wrong code, and asks for setup first when there is no pending secret", async () => {
    const me = await loggedIn("mfa");
    const noSetup = await activate(me.access, "123456");
    expect(noSetup.status).toBe(400);
    expect(noSetup.body).toEqual({ detail: "Run setup first." });
    const { secret } = (await setup(me.access)).body;
    const code = await totpCode(secret);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    for (const bad of [wrong, "abcdef", "12345"]) {
      const response = await activate(me.access, bad);
      expect(response.status).toBe(400);
      expect(response.body).toEqual(INCORRECT);
    }
    expect((await activate(me.access, "")).body).toEqual({ code: ["This field may not be blank."] });
    expect((await status(me.access)).body.totp.enabled).toBe(false);
    expect((await userRow(me.email))!.mfa_enabled).toBe(0);
  });

  it("refuses a second activation once enabled", async () => {
    const me = await enrolled();
    const response = await activate(me.access, await totpCode(me.secret, 1));
    expect(response.body).toEqual({ detail: "TOTP is already enabled." });
  });
});

describe("without MFA_ENCRYPTION_KEYS", () => {
  it("setup answers 500 naming the setting (MFA fails closed), and nothing is stored", async () => {
    const vars = { MFA_ENCRYPTION_KEYS: "" };
    const me = await loggedIn("mfa", vars);
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await setup(me.access, vars);
    expect(response.status).toBe(500);
    expect(response.body.detail).toMatch(/^Server misconfigured: MFA_ENCRYPTION_KEYS: required/);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining("MFA_ENCRYPTION_KEYS"));
    expect(await totpRow(me.pk)).toBeNull();
    expect(await env.DB.prepare("select mfa_enabled from users where id = ?").bind(me.pk).first("mfa_enabled")).toBe(0);
  });
});
