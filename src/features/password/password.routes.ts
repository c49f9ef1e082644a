// Declarations of the password endpoints: change, reset request, reset confirm (body, path and the
// jwt-allauth link flow with its capability cookie) and the pages (contract §2.3).
import * as z from "zod/mini";
import type { Config } from "../../config";
import { declare } from "../../http/endpoint";
import { detailBody, html, json, redirect, unauthorized } from "../../http/responses";
import { charField, emailField, lazySchema } from "../../http/validation";
import { newPasswordAliases, newPasswordBody, passwordField } from "./password.fields";
import { requireCapabilityCookie } from "./reset-capability.cookie";

const tags = ["password"];
const RESET_DONE = json("Password has been reset with the new password.", detailBody);
const pagesOn = (config: Config) => config.passwordResetRedirect === null;

// Like dj-rest-auth's serializer: a required field checked with the others when enabled, absent (ignored) when not.
const changeBody = lazySchema(() =>
  z.object({ old_password: passwordField(), new_password1: passwordField(), new_password2: passwordField() }),
);
const changeBodyWithoutOld = lazySchema(() => z.omit(changeBody(), { old_password: true }));

export const passwordChange = declare({
  operationId: "passwordChange",
  method: "POST",
  path: "/password/change",
  aliases: ["/password/reset/change"],
  legacyPaths: ["/change/password"],
  auth: "required",
  body: (config: Config) => (config.oldPasswordFieldEnabled ? changeBody() : changeBodyWithoutOld()),
  bodyAliases: newPasswordAliases,
  summary: "Change the password",
  description: "`old_password` is required unless OLD_PASSWORD_FIELD_ENABLED=false. Ends the other sessions (all with LOGOUT_ON_PASSWORD_CHANGE).",
  tags,
  responses: { 200: json("New password has been saved.", detailBody) },
});

export const passwordReset = declare({
  operationId: "passwordReset",
  method: "POST",
  path: "/password/reset",
  legacyPaths: ["/forget/password"],
  auth: "public",
  throttle: "password_reset",
  otherThrottles: ["password_reset_email"],
  body: lazySchema(() => z.object({ email: emailField() })),
  summary: "Mail a password reset link",
  description: "The same answer for every address, known or not.",
  tags,
  responses: { 200: json("Password reset e-mail has been sent.", detailBody) },
});

export const passwordResetConfirm = declare({
  operationId: "passwordResetConfirm",
  method: "POST",
  path: "/password/reset/confirm",
  auth: "public",
  throttle: "confirm",
  body: lazySchema(() =>
    z.object({ uid: charField({ max: 64 }), token: charField({ max: 128 }), new_password1: passwordField(), new_password2: passwordField() }),
  ),
  bodyAliases: newPasswordAliases,
  summary: "Set a new password with the mailed uid and token",
  description: "Ends every session of the account.",
  tags,
  responses: { 200: RESET_DONE },
});

export const passwordResetConfirmFromPath = declare({
  operationId: "passwordResetConfirmFromPath",
  method: "POST",
  path: "/password/reset/confirm/:uid/:token",
  legacyPaths: ["/set/new/forget/password/:uidb64/:token"],
  auth: "public",
  throttle: "confirm",
  body: newPasswordBody,
  bodyAliases: newPasswordAliases,
  summary: "Set a new password with uid and token in the path (seed 004)",
  tags,
  responses: { 200: RESET_DONE },
});

export const resetLink = declare({
  operationId: "resetLink",
  method: "GET",
  path: "/password/reset/confirm/:uid/:token",
  auth: "public",
  throttle: "confirm",
  summary: "The mailed reset link",
  description:
    "Trades a valid uid/token for a one-time HttpOnly capability cookie and redirects to the form (PASSWORD_RESET_REDIRECT or ours). The link itself stays valid, so mail scanners do no harm.",
  tags,
  responses: {
    302: { ...redirect("To the form, with the capability cookie and a csrftoken"), headers: { Location: "The form", "Set-Cookie": "password_reset_access_token, csrftoken" } },
    400: html("Invalid or expired link (or a redirect with ?error=invalid_link)"),
  },
});

export const setNewPassword = declare({
  operationId: "setNewPassword",
  method: "POST",
  path: "/password/reset/set-new",
  auth: "capability",
  capability: requireCapabilityCookie,
  throttle: "confirm",
  body: newPasswordBody,
  bodyAliases: newPasswordAliases,
  summary: "Set the new password with the capability cookie (jwt-allauth flow)",
  description: "Needs the cookie from the reset link and, with PASSWORD_RESET_COOKIE_CSRF, the X-CSRFToken header. Single use.",
  tags,
  responses: {
    200: RESET_DONE,
    401: {
      ...unauthorized("No capability cookie (challenge `Cookie`), or it is used, expired or voided by a password change (challenge `Bearer`)"),
      headers: { "WWW-Authenticate": "`Cookie` when the cookie is missing, else `Bearer realm=\"api\"`" },
    },
  },
});

export const resetForm = declare({
  operationId: "resetForm",
  method: "GET",
  path: "/password/reset/default",
  auth: "public",
  enabled: pagesOn,
  summary: "The built-in new-password form",
  tags,
  responses: { 200: html("The form"), 400: html("No live capability: the link is invalid or used") },
});

export const resetComplete = declare({
  operationId: "resetComplete",
  method: "GET",
  path: "/password/reset/complete",
  auth: "public",
  enabled: pagesOn,
  summary: "Page shown after the new password was set",
  tags,
  responses: { 200: html("Password changed") },
});
