// Declarations of registration and e-mail verification (contract §2.4), with seed 004's paths.
import * as z from "zod/mini";
import type { Config } from "../../config";
import type { AppEnv } from "../../http/context";
import { declare } from "../../http/endpoint";
import { permissionDenied } from "../../http/errors";
import { detail, detailBody, html, json, redirect, tokenResponseBody } from "../../http/responses";
import { charField, emailField, lazySchema, usernameField } from "../../http/validation";
import type { MiddlewareHandler } from "hono";
import { requireSignupBudget, spendSignupBudget } from "./registration.budget";
import { registrationFieldErrors, revealsTakenAccount } from "./registration.service";

const tags = ["registration"];
const baseUrlField = () => z.optional(z.nullable(charField({ allowBlank: true, max: 2000 })));

/**
 * `email` is dj-rest-auth's `EmailField(required=ACCOUNT_EMAIL_REQUIRED)`. Not required: absent, ""
 * or whitespace (trimmed) all mean "no address"; null is still refused ("may not be null").
 */
const registrationBody = (emailRequired: boolean) =>
  lazySchema(() =>
    z.object({
      username: z.optional(usernameField()),
      email: emailRequired ? emailField() : z.optional(emailField({ allowBlank: true })),
      password1: charField({ trim: false, max: 128 }),
      password2: charField({ trim: false, max: 128 }),
      first_name: z.optional(charField({ allowBlank: true, max: 150 })),
      last_name: z.optional(charField({ allowBlank: true, max: 150 })),
      verification_base_url: baseUrlField(),
    }),
  );
const withEmail = registrationBody(true);
const emailOptional = registrationBody(false);

const registrationOpen: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.var.deps.config.registrationOpen) throw permissionDenied();
  await next();
};

const verificationOn = (config: Config) => config.emailVerification !== "none";

export const register = declare({
  operationId: "register",
  method: "POST",
  path: "/registration",
  legacyPaths: ["/registration"],
  auth: "public",
  guards: [registrationOpen, requireSignupBudget],
  otherThrottles: ["register"],
  body: (config: Config) => (config.emailRequired ? withEmail() : emailOptional()),
  bodyAliases: { password1: "password", password2: "confirm_password" },
  checkFields: async (deps, fields) => {
    const { errors } = await registrationFieldErrors(deps, fields);
    if (revealsTakenAccount(errors)) await spendSignupBudget(deps);
    return errors;
  },
  summary: "Create an account",
  description:
    "With mandatory verification (the default) a confirmation mail is sent and no tokens are returned; otherwise the answer is a TokenResponse. `email` may be left out unless ACCOUNT_EMAIL_REQUIRED. The per-IP `register` budget is spent only before an account or a mail, or an answer that a name or address is taken: fixing a form's errors costs nothing.",
  tags,
  responses: {
    201: json("Verification e-mail sent, or a TokenResponse when verification is optional/none", (config) =>
      config.emailVerification === "mandatory" ? detailBody() : z.union([detailBody(), tokenResponseBody(config)]),
    ),
    403: detail("Registration is closed (REGISTRATION_OPEN=false)"),
  },
});

export const verifyEmail = declare({
  operationId: "verifyEmail",
  method: "POST",
  path: "/registration/verify-email",
  auth: "public",
  throttle: "confirm",
  // No max length: dj-rest-auth answers any wrong key, however long, with 404 (the body itself is capped at 64 KiB).
  body: lazySchema(() => z.object({ key: charField() })),
  summary: "Confirm an e-mail address with the mailed key",
  tags,
  responses: { 200: json("ok", detailBody), 404: detail("Unknown, expired or foreign key") },
});

export const verifyEmailFromPath = declare({
  operationId: "verifyEmailFromPath",
  method: "POST",
  path: "/registration/verify-email/:uid/:token",
  legacyPaths: ["/verify/token/:uidb64/:token"],
  auth: "public",
  throttle: "confirm",
  summary: "Confirm an e-mail address with the key's two parts in the path (seed 004)",
  tags,
  responses: { 200: json("ok", detailBody), 404: detail("Unknown, expired or foreign key") },
});

export const resendEmail = declare({
  operationId: "resendEmail",
  method: "POST",
  path: "/registration/resend-email",
  legacyPaths: ["/get/acctivation/token", "/get/accttivation/token"],
  auth: "public",
  otherThrottles: ["resend_email"],
  body: lazySchema(() => z.object({ email: emailField(), verification_base_url: baseUrlField() })),
  summary: "Send the confirmation mail again",
  description: "The same answer whether or not the address belongs to an unverified account.",
  tags,
  responses: { 200: json("ok", detailBody) },
});

export const verificationLink = declare({
  operationId: "verificationLink",
  method: "GET",
  path: "/registration/verification/:key",
  aliases: ["/registration/account-confirm-email/:key"],
  auth: "public",
  throttle: "confirm",
  enabled: verificationOn,
  summary: "The mailed confirmation link",
  description: "Confirms, then redirects to EMAIL_VERIFIED_REDIRECT (or our page); a bad link shows a page or redirects to EMAIL_VERIFICATION_FAILED_REDIRECT.",
  tags,
  responses: { 302: redirect("Confirmed (or failed, with a failure redirect)"), 400: html("Invalid or expired link") },
});

export const verifiedPage = declare({
  operationId: "verifiedPage",
  method: "GET",
  path: "/registration/verified",
  auth: "public",
  enabled: (config) => config.emailVerifiedRedirect === null,
  summary: "Page shown after a confirmed link",
  tags,
  responses: { 200: html("E-mail confirmed") },
});

export const verificationSentPage = declare({
  operationId: "verificationSentPage",
  method: "GET",
  path: "/registration/account_email_verification_sent",
  aliases: ["/registration/account-email-verification-sent"],
  auth: "public",
  enabled: verificationOn,
  summary: "\"Check your inbox\" page",
  tags,
  responses: { 200: html("Check your inbox") },
});
