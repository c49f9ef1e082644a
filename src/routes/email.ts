// POST email/change/: verified change of the account's address.
import type { Hono } from "hono";
import * as z from "zod/mini";
import { requestEmailChange } from "../features/account/email-change.service";
import { checkVerificationBaseUrl } from "../core/links";
import { requireAuth } from "../http/auth";
import type { AppEnv } from "../http/context";
import { endpoint } from "../http/routing";
import { enforceThrottle } from "../http/throttle";
import { charField, emailField, lazySchema, validBody, validateBody } from "../http/validation";

const changeBody = lazySchema(() => z.object({
  email: emailField(),
  password: charField({ trim: false, max: 128 }),
  verification_base_url: z.optional(z.nullable(charField({ allowBlank: true, max: 2000 }))),
}));

export function emailRoutes(app: Hono<AppEnv>): void {
  endpoint(app, "/email/change", {
    POST: [
      requireAuth,
      validateBody(changeBody),
      async (c) => {
        const deps = c.var.deps;
        const body = validBody(c, changeBody);
        const baseUrl = checkVerificationBaseUrl(deps.config, body.verification_base_url);
        // It mails two addresses: bounded like resend-email, per target address.
        await enforceThrottle(deps, "resend_email", body.email.toLowerCase());
        await requestEmailChange(deps, c.var.auth.user, body.email, body.password, baseUrl);
        return c.json({ detail: "Verification e-mail sent." }, 200);
      },
    ],
  });
}
