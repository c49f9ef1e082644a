// The text + HTML of every mail we send; links and raw key/uid/token are included like dj-rest-auth's templates.
// Subjects carry allauth's "[Site] " prefix and every mail is signed with PRODUCT_NAME.
import { html } from "hono/html";
import type { Config } from "../config";
import type { MailMessage } from "./mail";

/** What the templates need from the config. */
export type MailSite = Pick<Config, "productName">;

function compose(
  site: MailSite,
  to: string,
  subject: string,
  paragraphs: string[],
  link?: { url: string; label: string },
  secret?: MailMessage["secret"],
): MailMessage {
  const signature = `— ${site.productName}`;
  const text = [...paragraphs, ...(link ? [`${link.label}: ${link.url}`] : []), signature].join("\n\n");
  const fullSubject = `[${site.productName}] ${subject}`;
  // hono/html escapes every value; with no promise among them the result is already a string.
  const markup = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${fullSubject}</title></head><body>${paragraphs.map((p) => html`<p>${p}</p>`)}${link ? html`<p><a href="${link.url}">${link.label}</a></p>` : ""}<p>${signature}</p></body></html>`;
  return { to, subject: fullSubject, text, html: String(markup), ...(secret ? { secret } : {}) };
}

export function confirmationMail(site: MailSite, to: string, username: string, url: string, key: string): MailMessage {
  return compose(
    site,
    to,
    "Please confirm your e-mail address",
    [
      `Hello ${username},`,
      `Please confirm that this is your e-mail address for ${site.productName} by opening the link below.`,
      `Confirmation key: ${key}`,
    ],
    { url, label: "Confirm e-mail address" },
    "email_confirmation",
  );
}

export function passwordResetMail(site: MailSite, to: string, username: string, url: string, uid: string, token: string): MailMessage {
  return compose(
    site,
    to,
    "Password reset",
    [
      `Hello ${username},`,
      `You (or someone else) asked to reset the password of your ${site.productName} account. If it was not you, ignore this e-mail.`,
      `Your username, in case you've forgotten: ${username}`,
      `uid: ${uid}`,
      `token: ${token}`,
    ],
    { url, label: "Reset password" },
    "password_reset",
  );
}

/**
 * What happened to the password, and so to the sessions: a reset (by a mailed link) ends every
 * session; a change ends the other sessions, or all of them with LOGOUT_ON_PASSWORD_CHANGE.
 */
export type PasswordNotice = { kind: "reset" } | { kind: "change"; sessionsEnded: "others" | "all" };

export function passwordChangedMail(site: MailSite, to: string, username: string, notice: PasswordNotice): MailMessage {
  if (notice.kind === "reset") {
    return compose(site, to, "Your password was reset", [
      `Hello ${username},`,
      `The password of your ${site.productName} account was just reset with a link mailed to this address, and all your sessions were signed out.`,
      "If this was not you, someone can read your e-mail: secure your mailbox first, then reset your password again.",
    ]);
  }
  const sessions =
    notice.sessionsEnded === "all" ? "all your sessions were signed out, this one included" : "your other sessions were signed out";
  return compose(site, to, "Your password was changed", [
    `Hello ${username},`,
    `The password of your ${site.productName} account was just changed and ${sessions}.`,
    "If this was not you, reset your password now.",
  ]);
}

export function accountExistsMail(site: MailSite, to: string, username: string, resetUrl: string): MailMessage {
  return compose(
    site,
    to,
    "Account already exists",
    [
      `Hello ${username},`,
      `Someone tried to sign up to ${site.productName} with this e-mail address, but an account already exists for it. If it was you, sign in or reset your password.`,
    ],
    { url: resetUrl, label: "Reset password" },
    "password_reset",
  );
}

export function emailChangeNoticeMail(site: MailSite, to: string, username: string, newAddress: string): MailMessage {
  return compose(site, to, "E-mail address change requested", [
    `Hello ${username},`,
    `A change of your ${site.productName} account's e-mail address to ${newAddress} was requested. It takes effect only once the new address is confirmed. If this was not you, change your password now.`,
  ]);
}
