// The built-in pages' frame and CSP: one inline stylesheet and the scripts under the response's nonce,
// nothing fetched, PRODUCT_NAME in the title and heading, a way on (FRONTEND_URL) from every message page.
import { describe, expect, it } from "vitest";
import { call, linkIn, loggedIn, mailTo } from "../../test/helpers";
import { only, select } from "../../test/html";
import { formatDuration } from "./pages";

/** The form page: a capability cookie from a mailed link first. */
async function formPage(env?: Record<string, string>) {
  const me = await loggedIn("pages", env);
  await call("POST", "/auth/password/reset/", { body: { email: me.email }, env });
  const opened = await call("GET", new URL(linkIn(mailTo(me.email).at(-1)!)).pathname, { env });
  const setCookies = (opened.headers as Headers & { getSetCookie(): string[] }).getSetCookie();
  const cookie = setCookies.map((line) => line.split(";")[0]).join("; ");
  return call("GET", "/auth/password/reset/default/", { headers: { cookie }, env });
}

const MESSAGE_PAGES: Array<[path: string, status: number, title: string]> = [
  ["/auth/registration/verified/", 200, "E-mail confirmed"],
  ["/auth/registration/account_email_verification_sent/", 200, "Check your inbox"],
  ["/auth/registration/verification/not-a-key/", 400, "Invalid link"],
  ["/auth/password/reset/confirm/MQ/zzz-0/", 400, "Invalid link"],
  ["/auth/password/reset/default/", 400, "Invalid link"],
  ["/auth/password/reset/complete/", 200, "Password changed"],
];

/** What each page's last paragraph tells people to do when there is no FRONTEND_URL to link to. */
const WITHOUT_FRONTEND: Record<string, RegExp> = {
  "/auth/registration/verified/": /^You can close this page and sign in from the app\.$/,
  "/auth/registration/account_email_verification_sent/": /^Once you have opened the link, you can sign in from the app\.$/,
  "/auth/registration/verification/not-a-key/": /^To get a new link, sign in to edge-rest-auth and ask for the confirmation e-mail to be sent again\.$/,
  "/auth/password/reset/confirm/MQ/zzz-0/": /get a new one with “Forgot password\?” on the app’s sign-in page\.$/,
  "/auth/password/reset/default/": /get a new one with “Forgot password\?” on the app’s sign-in page\.$/,
  "/auth/password/reset/complete/": /^You can close this page and sign in from the app with your new password\.$/,
};

async function expectStrictFrame(page: { status: number; text: string; headers: Headers }, title: string, product = "edge-rest-auth") {
  expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
  const csp = page.headers.get("content-security-policy")!;
  const nonce = /script-src 'nonce-([0-9a-f]{32})'/.exec(csp)?.[1];
  expect(nonce, csp).toBeTruthy();
  expect(csp).toContain(`style-src 'nonce-${nonce}';`);
  expect(csp).toContain("default-src 'none'");
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|'self'[^;]*style|style-src[^;]*'self'/);
  // One stylesheet, inline under the nonce; no style attribute (the CSP would refuse it), no stylesheet file.
  const styles = await select(page.text, "style");
  expect(styles.map((s) => s.attrs)).toEqual([{ nonce }]);
  expect(await select(page.text, "[style], link[rel=stylesheet]")).toEqual([]);
  for (const script of await select(page.text, "script")) expect(script.attrs).toEqual({ nonce });
  // Nothing is fetched but the page itself: no src, and the only link is the empty icon.
  expect(await select(page.text, "[src], img, iframe")).toEqual([]);
  expect((await select(page.text, "link")).map((l) => l.attrs.href)).toEqual(["data:,"]);
  // A phone-sized, English, dark-mode-aware page named after the product.
  expect((await only(page.text, "html")).attrs.lang).toBe("en");
  expect((await only(page.text, 'meta[name="viewport"]')).attrs.content).toBe("width=device-width, initial-scale=1");
  expect((await only(page.text, 'meta[name="color-scheme"]')).attrs.content).toBe("light dark");
  expect((await only(page.text, "title")).text).toBe(`${title} · ${product}`);
  expect((await only(page.text, "main .product")).text).toBe(product);
  expect((await only(page.text, "main h1")).text).toBe(title);
  expect((await only(page.text, "main svg")).attrs["aria-hidden"]).toBe("true");
  return nonce!;
}

describe("built-in pages", () => {
  it("every message page: strict CSP, one inline stylesheet under the nonce, product name, nothing fetched", async () => {
    for (const [path, status, title] of MESSAGE_PAGES) {
      const page = await call("GET", path);
      expect(page.status, path).toBe(status);
      await expectStrictFrame(page, title);
    }
  });

  it("the reset form too, its script under the same nonce; a new nonce per response", async () => {
    const page = await formPage();
    expect(page.status).toBe(200);
    const nonce = await expectStrictFrame(page, "Choose a new password");
    expect(await select(page.text, "script")).toHaveLength(1);
    const again = await formPage();
    expect(await expectStrictFrame(again, "Choose a new password")).not.toBe(nonce);
  });

  it("PRODUCT_NAME names every page, escaped", async () => {
    const env = { PRODUCT_NAME: "Acme <Notes> & Co" };
    for (const [path, status, title] of MESSAGE_PAGES) {
      const page = await call("GET", path, { env });
      expect(page.status, path).toBe(status);
      await expectStrictFrame(page, title, "Acme <Notes> & Co");
      expect(page.text, path).toContain("Acme &lt;Notes&gt; &amp; Co");
      expect(page.text, path).not.toContain("<Notes>");
    }
  });

  it("every message page leads on: a button to FRONTEND_URL, or what to do when it is unset", async () => {
    const env = { FRONTEND_URL: "https://app.example.com/sign-in?next=/home&from=mail", PRODUCT_NAME: "Acme Notes" };
    const labels: Record<string, string> = {};
    for (const [path] of MESSAGE_PAGES) {
      const withFrontend = await call("GET", path, { env });
      const button = await only(withFrontend.text, "main a.button");
      expect(button.attrs.href, path).toBe("https://app.example.com/sign-in?next=/home&from=mail");
      labels[path] = button.text;
      expect(withFrontend.text, path).toContain('href="https://app.example.com/sign-in?next=/home&amp;from=mail"');

      const without = await call("GET", path);
      expect(await select(without.text, "main a"), path).toEqual([]);
      expect((await select(without.text, "main p")).at(-1)!.text, path).toMatch(WITHOUT_FRONTEND[path]!);
    }
    expect(labels).toEqual({
      "/auth/registration/verified/": "Sign in",
      "/auth/registration/account_email_verification_sent/": "Back to Acme Notes",
      "/auth/registration/verification/not-a-key/": "Go to Acme Notes",
      "/auth/password/reset/confirm/MQ/zzz-0/": "Go to sign in",
      "/auth/password/reset/default/": "Go to sign in",
      "/auth/password/reset/complete/": "Sign in",
    });
  });

  it("the API reference keeps its own stylesheet file and no frame", async () => {
    const page = await call("GET", "/auth/docs/", { env: { PRODUCT_NAME: "Acme Notes" } });
    expect(page.headers.get("content-security-policy")).toContain("style-src 'self';");
    expect(await select(page.text, "style, main, .product")).toEqual([]);
    expect((await only(page.text, "title")).text).toBe("API reference · Acme Notes");
  });
});

describe("formatDuration", () => {
  it("says how long a link lasts in whole units", () => {
    expect(formatDuration(259_200)).toBe("3 days");
    expect(formatDuration(86_400)).toBe("1 day");
    expect(formatDuration(3600)).toBe("1 hour");
    expect(formatDuration(5400)).toBe("90 minutes");
    expect(formatDuration(100_000)).toBe("27 hours");
    expect(formatDuration(60)).toBe("1 minute");
    expect(formatDuration(61)).toBe("61 seconds");
  });
});
