// The pages a person sees (contract §2.3.4, §2.3.7, §2.4.4, §2.4.5), opened in Chromium from the
// links the API mails: verification, the reset form, used links, and every page at phone and desktop
// width in light and dark mode (screenshots in test-results/browser/page-*.png).
// One API for the file (mail sink, FRONTEND_URL = a stand-in sign-in page on a second origin).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { launchBrowser, newContext, screenshot, startApi, startMailSink, startPageServer } from "./harness.mjs";

const PASSWORD = "browser suite passphrase 42";
const PRODUCT = "Acme Notes";

let api;
let mail;
let frontend;
let browser;

before(async () => {
  mail = await startMailSink();
  frontend = await startPageServer();
  api = await startApi({
    vars: {
      MAIL_API_URL: mail.url,
      MAIL_API_KEY: "sink",
      FRONTEND_URL: frontend.url("sign-in.html"),
      PRODUCT_NAME: PRODUCT,
      // These tests open links and submit forms far more often than a person would (the `confirm`
      // budget is 20/min per IP); throttling has its own tests.
      THROTTLE_ENABLED: "false",
    },
  });
  browser = await launchBrowser();
}, { timeout: 180_000 });

after(async () => {
  await browser?.close().catch(() => {});
  await api?.stop();
  await frontend?.stop();
  await mail?.stop();
}, { timeout: 60_000 });

const post = (path, body) =>
  fetch(`${api.base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
const login = async (username, password) => (await post("/login/", { username, password })).status;
const linkIn = (message) => /https?:\/\/\S+/.exec(message.text)?.[0];

/** Signs up over the API (as the app's form would); returns the account and its mailed confirmation link. */
async function signUp() {
  const username = `page-${randomBytes(4).toString("hex")}`;
  const email = `${username}@example.com`;
  const registered = await post("/registration/", { username, email, password1: PASSWORD, password2: PASSWORD });
  assert.equal(registered.status, 201, await registered.text());
  const message = await mail.waitFor((m) => m.to?.includes(email) && m.subject === `[${PRODUCT}] Please confirm your e-mail address`);
  const link = linkIn(message);
  assert.ok(link?.startsWith(`${api.base}/registration/verification/`), `the confirmation link: ${link}`);
  return { username, email, link, key: /Confirmation key: (\S+)/.exec(message.text)?.[1] };
}

/** A confirmed account (confirmed over the API), for tests about something else. */
async function confirmedUser() {
  const user = await signUp();
  assert.equal((await post("/registration/verify-email/", { key: user.key })).status, 200);
  return user;
}

/** Asks for a reset over the API and returns the mailed link. */
async function resetLinkFor(user) {
  const before = mail.messages.length;
  assert.equal((await post("/password/reset/", { email: user.email })).status, 200);
  const message = await mail.waitFor((m) => mail.messages.indexOf(m) >= before && m.to?.includes(user.email) && m.subject === `[${PRODUCT}] Password reset`);
  const link = linkIn(message);
  assert.ok(link?.startsWith(`${api.base}/password/reset/confirm/`), `the reset link: ${link}`);
  return link;
}

/** A fresh context and page that record console errors, page errors, CSP violations and every request. */
async function openPage(t) {
  const context = await newContext(browser);
  t.after(() => context.close().catch(() => {}));
  const page = await context.newPage();
  const problems = [];
  const requests = [];
  // Chromium logs every 4xx answer as a console error; the 400s (invalid links, refused passwords) are what these tests ask for.
  page.on("console", (m) => m.type() === "error" && !/status of 400 \(Bad Request\)$/.test(m.text()) && problems.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("request", (r) => !r.url().startsWith("data:") && requests.push(`${r.method()} ${r.url()}`));
  await page.exposeFunction("__cspViolation", (v) => problems.push(`csp: ${v}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => window.__cspViolation(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return { context, page, problems, requests };
}

const heading = (page) => page.locator("main h1").textContent();
const messageText = (page) => page.locator("#message").textContent();

/** Fills the reset form through its labels (which also proves they are bound) and submits it. */
async function submitPasswords(page, first, second) {
  await page.getByLabel("New password", { exact: true }).fill(first);
  await page.getByLabel("Confirm new password").fill(second);
  await page.getByRole("button", { name: "Set password" }).click();
}

/** Waits until the form shows an error and returns it. */
async function formError(page) {
  await page.waitForFunction(() => document.getElementById("message")?.textContent !== "" && !document.querySelector("#reset button").disabled);
  return messageText(page);
}

test("a mailed confirmation link opened in Chromium lands on the confirmed page; its Sign in leads to the app; then login works", { timeout: 60_000 }, async (t) => {
  const user = await signUp();
  assert.equal(await login(user.username, PASSWORD), 400, "no login before the address is confirmed");
  const { context, page, problems, requests } = await openPage(t);
  try {
    const response = await page.goto(user.link);
    assert.equal(page.url(), `${api.base}/registration/verified/`);
    assert.equal(response.status(), 200);
    assert.equal(await heading(page), "E-mail confirmed");
    assert.equal(await page.title(), `E-mail confirmed · ${PRODUCT}`);
    // The link's GET and the page: nothing else (no stylesheet, font or icon request).
    assert.deepEqual(requests, [`GET ${user.link}`, `GET ${api.base}/registration/verified/`]);
    await screenshot(page, "verification-link-verified");

    await page.getByRole("link", { name: "Sign in" }).click();
    await page.waitForURL(frontend.url("sign-in.html"));
    assert.equal(await page.locator("h1").textContent(), `Sign in to ${PRODUCT}`);
    assert.equal(await login(user.username, PASSWORD), 200);
    assert.deepEqual(problems, []);
    assert.deepEqual(context.offLoopback(), []);
  } finally {
    await screenshot(page, "verification-link-then-sign-in");
  }
});

test("the reset form: bad passwords show an error on the page and change nothing; a good one lands on the done page; the new password logs in, the old one not", { timeout: 60_000 }, async (t) => {
  const user = await confirmedUser();
  const link = await resetLinkFor(user);
  const { context, page, problems } = await openPage(t);
  try {
    const response = await page.goto(link);
    assert.equal(response.status(), 200);
    assert.equal(page.url(), `${api.base}/password/reset/default/`);
    assert.equal(await heading(page), "Choose a new password");
    // What a password manager will file the new password under: the account, not shown as a field.
    const username = page.locator("input[name=username]");
    assert.equal(await username.inputValue(), user.username);
    assert.equal(await username.isVisible(), false);
    assert.equal(await page.locator("main strong").textContent(), user.username);

    await submitPasswords(page, "short", "short");
    assert.match(await formError(page), /This password is too short\. It must contain at least 8 characters\./);
    // The password itself is refused: the first field is marked and focused (a mismatch marks the second).
    assert.equal(await page.getByLabel("New password", { exact: true }).getAttribute("aria-invalid"), "true");
    assert.equal(await page.getByLabel("Confirm new password").getAttribute("aria-invalid"), null);
    assert.equal(await page.evaluate(() => document.activeElement.id), "new_password1");
    assert.equal(page.url(), `${api.base}/password/reset/default/`);
    await screenshot(page, "reset-form-too-short");
    // Not checked by logging in: a login ends the form's capability, as it ends the reset link. That the
    // form still works below shows nothing changed (the capability is bound to the password hash).

    await submitPasswords(page, "a good long passphrase one", "a good long passphrase two");
    assert.equal(await formError(page), "The two password fields didn’t match.");
    assert.equal(await page.getByLabel("New password", { exact: true }).getAttribute("aria-invalid"), null);
    assert.equal(await page.getByLabel("Confirm new password").getAttribute("aria-invalid"), "true");
    await screenshot(page, "reset-form-mismatch");

    const NEW = "a good long passphrase one";
    await submitPasswords(page, NEW, NEW);
    await page.waitForURL(`${api.base}/password/reset/complete/`);
    assert.equal(await heading(page), "Password changed");
    assert.match(await page.locator("main").textContent(), /all your sessions were signed out/);
    await screenshot(page, "reset-form-done");

    assert.equal(await login(user.username, NEW), 200);
    assert.equal(await login(user.username, PASSWORD), 400);
    const notice = await mail.waitFor((m) => m.to?.includes(user.email) && m.subject === `[${PRODUCT}] Your password was reset`);
    assert.match(notice.text, /all your sessions were signed out/);
    assert.deepEqual(problems, []);
    assert.deepEqual(context.offLoopback(), []);
  } finally {
    await screenshot(page, "reset-form-end");
  }
});

test("used links: the reset link again is the invalid-link page (and the form is gone); the confirmation link again still lands on the confirmed page", { timeout: 60_000 }, async (t) => {
  const user = await signUp();
  const { context, page, problems } = await openPage(t);
  try {
    assert.equal((await page.goto(user.link)).status(), 200);
    assert.equal(await heading(page), "E-mail confirmed");
    // Contract §2.4.4: an address already confirmed by this link is still "valid": the same page.
    const again = await page.goto(user.link);
    assert.equal(again.status(), 200);
    assert.equal(page.url(), `${api.base}/registration/verified/`);
    assert.equal(await heading(page), "E-mail confirmed");

    const link = await resetLinkFor(user);
    await page.goto(link);
    const NEW = "another good passphrase";
    await submitPasswords(page, NEW, NEW);
    await page.waitForURL(`${api.base}/password/reset/complete/`);

    const used = await page.goto(link);
    assert.equal(used.status(), 400);
    assert.equal(page.url(), link);
    assert.equal(await heading(page), "Invalid link");
    const text = await page.locator("main").textContent();
    assert.match(text, /This password reset link is invalid or has expired\./);
    assert.match(text, /get a new one with “Forgot password\?” on the app’s sign-in page/);
    assert.equal(await page.getByRole("link", { name: "Go to sign in" }).getAttribute("href"), frontend.url("sign-in.html"));
    await screenshot(page, "reset-link-used");

    // The capability was spent too: the form itself is the invalid-link page now.
    const form = await page.goto(`${api.base}/password/reset/default/`);
    assert.equal(form.status(), 400);
    assert.equal(await page.locator("form").count(), 0);
    assert.match(await page.locator("main").textContent(), /This password reset page has expired or its link was already used\./);
    assert.equal(await login(user.username, NEW), 200);
    assert.deepEqual(problems, []);
    assert.deepEqual(context.offLoopback(), []);
  } finally {
    await screenshot(page, "used-links-end");
  }
});

const VIEWPORTS = [
  ["phone", { width: 390, height: 844 }],
  ["desktop", { width: 1280, height: 800 }],
];
const PAGE_BACKGROUND = { light: "rgb(243, 244, 246)", dark: "rgb(11, 15, 25)" };

/**
 * Screenshots the open page at phone and desktop width in light and dark mode, checking each time
 * that nothing scrolls sideways, the card keeps its reading width and the scheme's palette applies.
 */
async function shootEverywhere(page, name) {
  for (const [device, viewport] of VIEWPORTS) {
    for (const scheme of ["light", "dark"]) {
      await page.setViewportSize(viewport);
      await page.emulateMedia({ colorScheme: scheme });
      const layout = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth,
        background: getComputedStyle(document.body).backgroundColor,
        main: document.querySelector("main").getBoundingClientRect().width,
        inputFont: Math.min(...[...document.querySelectorAll("input:not([hidden])")].map((i) => parseFloat(getComputedStyle(i).fontSize))),
      }));
      const where = `${name}, ${device}, ${scheme}`;
      assert.ok(layout.scrollWidth <= layout.innerWidth, `${where}: scrolls sideways (${layout.scrollWidth} > ${layout.innerWidth})`);
      assert.equal(layout.background, PAGE_BACKGROUND[scheme], where);
      assert.ok(layout.main <= 448 && layout.main >= Math.min(448, viewport.width - 32), `${where}: card width ${layout.main}`);
      // Below 16px, phones zoom into a focused input.
      assert.ok(layout.inputFont >= 16, `${where}: input font ${layout.inputFont}px`);
      await screenshot(page, `page-${name}-${device}-${scheme}`);
    }
  }
}

/** The element Tab focuses first has a visible focus ring. */
async function firstTabStopShowsFocus(page) {
  await page.keyboard.press("Tab");
  return page.evaluate(() => {
    const style = getComputedStyle(document.activeElement);
    return { tag: document.activeElement.tagName, outline: style.outlineStyle, width: parseFloat(style.outlineWidth) };
  });
}

test("every page at phone and desktop width, light and dark: no sideways scroll, the scheme's palette, a visible focus ring, no CSP violation", { timeout: 120_000 }, async (t) => {
  const { context, page, problems, requests } = await openPage(t);
  const messagePages = [
    ["verified", "/registration/verified/", 200, "E-mail confirmed"],
    ["check-inbox", "/registration/account_email_verification_sent/", 200, "Check your inbox"],
    ["verification-invalid", "/registration/verification/not-a-key/", 400, "Invalid link"],
    ["reset-link-invalid", "/password/reset/confirm/MQ/zzz-0/", 400, "Invalid link"],
    ["reset-form-expired", "/password/reset/default/", 400, "Invalid link"],
    ["reset-done", "/password/reset/complete/", 200, "Password changed"],
  ];
  for (const [name, path, status, title] of messagePages) {
    requests.length = 0;
    const response = await page.goto(`${api.base}${path}`);
    assert.equal(response.status(), status, name);
    assert.equal(await heading(page), title, name);
    assert.deepEqual(requests, [`GET ${api.base}${path}`], `${name}: only the page is fetched`);
    await shootEverywhere(page, name);
    const focus = await firstTabStopShowsFocus(page);
    assert.deepEqual({ tag: focus.tag, outline: focus.outline }, { tag: "A", outline: "solid" }, `${name}: the way on is the first tab stop, with a ring`);
    assert.ok(focus.width >= 2, `${name}: focus ring ${focus.width}px`);
  }

  const user = await confirmedUser();
  await page.goto(await resetLinkFor(user));
  assert.equal(await heading(page), "Choose a new password");
  await shootEverywhere(page, "reset-form");
  const focus = await firstTabStopShowsFocus(page);
  assert.equal(await page.evaluate(() => document.activeElement.id), "new_password1", "Tab goes to the first password (the username is hidden)");
  assert.equal(focus.outline, "solid");
  await submitPasswords(page, "123", "456");
  await formError(page);
  await shootEverywhere(page, "reset-form-error");
  assert.deepEqual(problems, []);
  assert.deepEqual(context.offLoopback(), []);
});
