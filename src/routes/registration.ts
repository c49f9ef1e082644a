// registration/, verify-email/ (body and seed-004 path form), resend-email/, and the mailed link pages.
import type { Context, Hono } from "hono";
import * as z from "zod/mini";
import { register } from "../core/users";
import { checkVerificationBaseUrl } from "../core/links";
import { confirmEmail, resendConfirmation } from "../features/registration/verification.service";
import type { AppEnv } from "../http/context";
import { notFound, permissionDenied } from "../http/errors";
import { setJwtCookies } from "../http/jwt-cookies";
import { htmlPage } from "../http/pages";
import { endpoint } from "../http/routing";
import { tokenResponse } from "../http/shapes";
import { enforceThrottle, throttleByIp } from "../http/throttle";
import { charField, emailField, lazySchema, validBody, validateBody } from "../http/validation";

/**
 * `email` is dj-rest-auth's `EmailField(required=ACCOUNT_EMAIL_REQUIRED)`. Not required: absent, ""
 * or whitespace (trimmed) all mean "no address"; null is still refused ("may not be null").
 */
const registrationBody = (emailRequired: boolean) => lazySchema(() => z.object({
  username: z.optional(charField({ max: 150 })),
  email: emailRequired ? emailField() : z.optional(emailField({ allowBlank: true })),
  password1: charField({ trim: false, max: 128 }),
  password2: charField({ trim: false, max: 128 }),
  first_name: z.optional(charField({ allowBlank: true, max: 150 })),
  last_name: z.optional(charField({ allowBlank: true, max: 150 })),
  verification_base_url: z.optional(z.nullable(charField({ allowBlank: true, max: 2000 }))),
}));
// No max length: dj-rest-auth answers any wrong key, however long, with 404 (the body itself is capped at 64 KiB).
const verifyBody = lazySchema(() => z.object({ key: charField() }));
const resendBody = lazySchema(() => z.object({
  email: emailField(),
  verification_base_url: z.optional(z.nullable(charField({ allowBlank: true, max: 2000 }))),
}));

const VERIFICATION_SENT = { detail: "Verification e-mail sent." };

async function verify(c: Context<AppEnv>, key: string) {
  if (!(await confirmEmail(c.var.deps, key))) throw notFound();
  return c.json({ detail: "ok" }, 200);
}

/** The mailed link: verify, then redirect (or show a page). Never sets auth cookies. */
async function verifyLink(c: Context<AppEnv>) {
  const { config } = c.var.deps;
  if (config.emailVerification === "none") throw notFound();
  const ok = await confirmEmail(c.var.deps, c.req.param("key")!);
  if (ok) return c.redirect(config.emailVerifiedRedirect ?? `${config.authPrefix}registration/verified/`, 302);
  if (config.emailVerificationFailedRedirect) return c.redirect(config.emailVerificationFailedRedirect, 302);
  return htmlPage(c, 400, "Invalid link", "This confirmation link is invalid or has expired.");
}

export function registrationRoutes(app: Hono<AppEnv>, emailRequired: boolean): void {
  const registration = registrationBody(emailRequired);
  endpoint(app, "/registration", {
    POST: [
      async (c, next) => {
        if (!c.var.deps.config.registrationOpen) throw permissionDenied();
        await next();
      },
      throttleByIp("register"),
      validateBody(registration, { aliases: { password1: "password", password2: "confirm_password" } }),
      async (c) => {
        const deps = c.var.deps;
        const body = validBody(c, registration);
        const baseUrl = checkVerificationBaseUrl(deps.config, body.verification_base_url);
        const result = await register(deps, { ...body, email: body.email ?? "", verification_base_url: baseUrl });
        if (result.kind === "verification_sent") return c.json(VERIFICATION_SENT, 201);
        setJwtCookies(c, deps.config, result.tokens, { newSession: true });
        return c.json(tokenResponse(deps.config, result.user, result.tokens), 201);
      },
    ],
  });

  endpoint(app, "/registration/verify-email", {
    POST: [throttleByIp("confirm"), validateBody(verifyBody), (c) => verify(c, validBody(c, verifyBody).key)],
  });
  endpoint(app, "/registration/verify-email/:uid/:token", {
    POST: [throttleByIp("confirm"), (c) => verify(c, `${c.req.param("uid")}:${c.req.param("token")}`)],
  });

  endpoint(app, "/registration/resend-email", {
    POST: [
      validateBody(resendBody),
      async (c) => {
        const deps = c.var.deps;
        const body = validBody(c, resendBody);
        const baseUrl = checkVerificationBaseUrl(deps.config, body.verification_base_url);
        await enforceThrottle(deps, "resend_email", body.email.toLowerCase());
        await resendConfirmation(deps, body.email, baseUrl);
        return c.json({ detail: "ok" }, 200);
      },
    ],
  });

  for (const path of ["/registration/verification/:key", "/registration/account-confirm-email/:key"]) {
    endpoint(app, path, { GET: [throttleByIp("confirm"), verifyLink] });
  }
  endpoint(app, "/registration/verified", {
    GET: [
      (c) => {
        if (c.var.deps.config.emailVerifiedRedirect) throw notFound();
        return htmlPage(c, 200, "E-mail confirmed", "Your e-mail address has been confirmed. You can now sign in.");
      },
    ],
  });
  for (const path of ["/registration/account_email_verification_sent", "/registration/account-email-verification-sent"]) {
    endpoint(app, path, {
      GET: [
        (c) => {
          if (c.var.deps.config.emailVerification === "none") throw notFound();
          return htmlPage(c, 200, "Check your inbox", "We have sent you an e-mail. Open the link in it to confirm your address.");
        },
      ],
    });
  }
}
