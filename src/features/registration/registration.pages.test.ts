// The verification pages a person sees: what happened, how long links last, and the way on.
import { describe, expect, it } from "vitest";
import { call } from "../../../test/helpers";
import { only, select } from "../../../test/html";

const texts = async (markup: string) => (await select(markup, "main p")).map((p) => p.text);

describe("verification pages", () => {
  it("verified: confirmed, then Sign in at FRONTEND_URL (or: sign in from the app)", async () => {
    const page = await call("GET", "/auth/registration/verified/");
    expect(await texts(page.text)).toEqual([
      "edge-rest-auth",
      "Your e-mail address has been confirmed. You can now sign in.",
      "You can close this page and sign in from the app.",
    ]);
    const linked = await call("GET", "/auth/registration/verified/", { env: { FRONTEND_URL: "https://app.example.com/" } });
    expect(await only(linked.text, "a")).toEqual({ attrs: { class: "button", href: "https://app.example.com/" }, text: "Sign in" });
  });

  it("check your inbox: how long the link works and what to do without a mail", async () => {
    const page = await call("GET", "/auth/registration/account-email-verification-sent/", { env: { ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS: "1" } });
    expect(page.status).toBe(200);
    expect(await texts(page.text)).toEqual([
      "edge-rest-auth",
      "We have sent you an e-mail. Open the link in it to confirm your address.",
      "The link works for 1 day. No e-mail after a few minutes? Look in your spam folder, or ask the app to send it again.",
      "Once you have opened the link, you can sign in from the app.",
    ]);
  });

  it("an invalid confirmation link: 400, why, and how to get a new one", async () => {
    const env = { PRODUCT_NAME: "Acme Notes", FRONTEND_URL: "https://app.example.com/login" };
    const page = await call("GET", "/auth/registration/verification/not-a-key/", { env });
    expect(page.status).toBe(400);
    expect(await texts(page.text)).toEqual([
      "Acme Notes",
      "This confirmation link is invalid or has expired.",
      "A confirmation link works for 3 days, and only the newest one you were sent.",
      "To get a new link, sign in to Acme Notes and ask for the confirmation e-mail to be sent again.",
    ]);
    expect((await only(page.text, "a.button")).text).toBe("Go to Acme Notes");
  });
});
