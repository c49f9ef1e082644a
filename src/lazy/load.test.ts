// The lazily loaded modules: each built bundle loads in workerd and exposes what its source does, and
// a failed load fails closed with a clear error, then is tried again.
import { describe, expect, it } from "vitest";
import { SocialLoginError } from "../features/social/providers";
import { djangoHashers, lazy, mfaQr, pbkdf2Pure, socialProviders } from "./load";

describe("lazy modules", () => {
  it("each generated module loads once and has its entry's exports", async () => {
    expect(typeof (await djangoHashers()).verifyDjangoHash).toBe("function");
    expect(typeof (await pbkdf2Pure()).pbkdf2Pure).toBe("function");
    expect(typeof (await socialProviders()).verifySocialCredential).toBe("function");
    expect((await mfaQr()).qrSvg("otpauth://totp/x:y?secret=AAAA")).toMatch(/^<svg[\s\S]*<\/svg>$/);
    // One load per isolate: the same module namespace every time.
    expect(await mfaQr()).toBe(await mfaQr());
  });

  it("a SocialLoginError thrown by the lazy module's own copy of the class is one to the main module", async () => {
    const { verifySocialCredential } = await socialProviders();
    const provider = { id: "google", kind: "google" } as Parameters<typeof verifySocialCredential>[1];
    const error = await verifySocialCredential({} as Parameters<typeof verifySocialCredential>[0], provider, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SocialLoginError);
    expect((error as SocialLoginError).kind).toBe("missing_input");
    expect(new Error("x")).not.toBeInstanceOf(SocialLoginError);
  });

  it("a failed load rejects with the module's name and its cause, and the next use tries again", async () => {
    let attempts = 0;
    const cause = new Error("No such module");
    const load = lazy<{ ok: true }>("example", async () => {
      attempts += 1;
      if (attempts === 1) throw cause;
      return { ok: true };
    });
    const error = await load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("lazy module example failed to load (scripts/build-lazy.mjs builds it)");
    expect((error as Error).cause).toBe(cause);
    expect(await load()).toEqual({ ok: true });
    await load();
    expect(attempts).toBe(2);
  });
});
