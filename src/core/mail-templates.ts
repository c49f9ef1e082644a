// The text + HTML of every mail we send; links and raw key/uid/token are included like dj-rest-auth's templates.
import { html } from "hono/html";
import type { MailMessage } from "./mail";

function compose(to: string, subject: string, paragraphs: string[], link?: { url: string; label: string }): MailMessage {
  const text = [...paragraphs, ...(link ? [`${link.label}: ${link.url}`] : [])].join("\n\n");
  // hono/html escapes every value; with no promise among them the result is already a string.
  const markup = html`<!doctype html><html><body>${paragraphs.map((p) => html`<p>${p}</p>`)}${link ? html`<p><a href="${link.url}">${link.label}</a></p>` : ""}</body></html>`;
  return { to, subject, text, html: String(markup) };
}

export function confirmationMail(to: string, username: string, url: string, key: string): MailMessage {
  return compose(
    to,
    "Please confirm your e-mail address",
    [`Hello ${username},`, "Please confirm that this is your e-mail address by opening the link below.", `Confirmation key: ${key}`],
    { url, label: "Confirm e-mail address" },
  );
}

export function passwordResetMail(to: string, username: string, url: string, uid: string, token: string): MailMessage {
  return compose(
    to,
    "Password reset",
    [
      `Hello ${username},`,
      "You (or someone else) asked to reset the password of your account. If it was not you, ignore this e-mail.",
      `Your username, in case you've forgotten: ${username}`,
      `uid: ${uid}`,
      `token: ${token}`,
    ],
    { url, label: "Reset password" },
  );
}

export function passwordChangedMail(to: string, username: string): MailMessage {
  return compose(to, "Your password was changed", [
    `Hello ${username},`,
    "The password of your account was just changed and your other sessions were signed out. If this was not you, reset your password now.",
  ]);
}

export function accountExistsMail(to: string, username: string, resetUrl: string): MailMessage {
  return compose(
    to,
    "Account already exists",
    [
      `Hello ${username},`,
      "Someone tried to sign up with this e-mail address, but an account already exists for it. If it was you, sign in or reset your password.",
    ],
    { url: resetUrl, label: "Reset password" },
  );
}

export function emailChangeNoticeMail(to: string, username: string, newAddress: string): MailMessage {
  return compose(to, "E-mail address change requested", [
    `Hello ${username},`,
    `A change of your account's e-mail address to ${newAddress} was requested. It takes effect only once the new address is confirmed. If this was not you, change your password now.`,
  ]);
}
