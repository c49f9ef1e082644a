// password/change/ (+ seed-000 alias), password/reset/, password/reset/confirm/ (body and seed-004 path forms).
import type { Context, Hono, MiddlewareHandler } from "hono";
import * as z from "zod/mini";
import { changePassword, confirmPasswordReset, requestPasswordReset } from "../features/password/password.service";
import { requireAuth } from "../http/auth";
import type { AppEnv } from "../http/context";
import { endpoint } from "../http/routing";
import { openResetLink } from "./password-link";
import { newPasswordAliases, newPasswordBody, passwordField, RESET_DONE } from "../features/password/password.fields";
import { enforceThrottle, throttleByIp } from "../http/throttle";
import { charField, emailField, lazySchema, validBody, validateBody } from "../http/validation";


// Like dj-rest-auth's serializer: a required field checked with the others when enabled, absent (ignored) when not.
const changeBody = lazySchema(() => z.object({
  old_password: passwordField(),
  new_password1: passwordField(),
  new_password2: passwordField(),
}));
const changeBodyWithoutOld = lazySchema(() => z.omit(changeBody(), { old_password: true }));
/** What the handler receives in either configuration. */
const changeInput = lazySchema(() => z.partial(changeBody(), { old_password: true }));
const resetBody = lazySchema(() => z.object({ email: emailField() }));
const confirmBody = lazySchema(() => z.object({
  uid: charField({ max: 64 }),
  token: charField({ max: 128 }),
  new_password1: passwordField(),
  new_password2: passwordField(),
}));

async function change(c: Context<AppEnv>) {
  const { user, claims } = c.var.auth;
  await changePassword(c.var.deps, user, claims.fam, validBody(c, changeInput));
  return c.json({ detail: "New password has been saved." }, 200);
}

const validateChangeWithOld = validateBody(changeBody, { aliases: newPasswordAliases });
const validateChangeWithoutOld = validateBody(changeBodyWithoutOld, { aliases: newPasswordAliases });
const validateChange: MiddlewareHandler<AppEnv> = (c, next) =>
  (c.var.deps.config.oldPasswordFieldEnabled ? validateChangeWithOld : validateChangeWithoutOld)(c, next);

export function passwordRoutes(app: Hono<AppEnv>): void {
  for (const path of ["/password/change", "/password/reset/change"]) {
    endpoint(app, path, { POST: [requireAuth, validateChange, change] });
  }

  endpoint(app, "/password/reset", {
    POST: [
      throttleByIp("password_reset"),
      validateBody(resetBody),
      async (c) => {
        const deps = c.var.deps;
        const { email } = validBody(c, resetBody);
        // Counted per address before any lookup, so the answer is the same for unknown addresses.
        await enforceThrottle(deps, "password_reset_email", email.toLowerCase(), "Too many password reset requests for this e-mail address.");
        await requestPasswordReset(deps, email);
        return c.json({ detail: "Password reset e-mail has been sent." }, 200);
      },
    ],
  });

  endpoint(app, "/password/reset/confirm", {
    POST: [
      throttleByIp("confirm"),
      validateBody(confirmBody, { aliases: newPasswordAliases }),
      async (c) => {
        await confirmPasswordReset(c.var.deps, validBody(c, confirmBody));
        return c.json(RESET_DONE, 200);
      },
    ],
  });

  endpoint(app, "/password/reset/confirm/:uid/:token", {
    GET: [throttleByIp("confirm"), openResetLink],
    POST: [
      throttleByIp("confirm"),
      validateBody(newPasswordBody, { aliases: newPasswordAliases }),
      async (c) => {
        const body = validBody(c, newPasswordBody);
        await confirmPasswordReset(c.var.deps, { ...body, uid: c.req.param("uid")!, token: c.req.param("token")! });
        return c.json(RESET_DONE, 200);
      },
    ],
  });
}
