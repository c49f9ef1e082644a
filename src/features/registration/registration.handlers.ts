// Handlers of registration and e-mail verification, one per declaration in registration.routes.ts.
import type { Context } from "hono";
import { checkVerificationBaseUrl } from "../../core/links";
import { type EndpointHandler, uidParam } from "../../http/endpoint";
import { notFound } from "../../http/errors";
import { setJwtCookies } from "../../http/jwt-cookies";
import { formatDuration, messagePage } from "../../http/pages";
import { tokenResponse } from "../../http/shapes";
import { enforceThrottle } from "../../http/throttle";
import { nameKey } from "../../core/throttle";
import type * as routes from "./registration.routes";
import { spendSignupBudget } from "./registration.budget";
import { register as createAccount } from "./registration.service";
import { confirmEmail, resendConfirmation } from "./verification.service";

const VERIFICATION_SENT = { detail: "Verification e-mail sent." };

export const register: EndpointHandler<typeof routes.register> = async (c) => {
  const { deps, body } = c.var;
  const baseUrl = checkVerificationBaseUrl(deps.config, body.verification_base_url);
  const result = await createAccount(deps, { ...body, email: body.email ?? "", verification_base_url: baseUrl }, () => spendSignupBudget(deps));
  if (result.kind === "verification_sent") return c.json(VERIFICATION_SENT, 201);
  setJwtCookies(c, deps.config, result.tokens, { newSession: true });
  return c.json(tokenResponse(deps.config, result.user, result.tokens), 201);
};

async function verify(c: Context, confirmed: boolean) {
  if (!confirmed) throw notFound();
  return c.json({ detail: "ok" }, 200);
}

export const verifyEmail: EndpointHandler<typeof routes.verifyEmail> = async (c) =>
  verify(c, await confirmEmail(c.var.deps, c.var.body.key));

export const verifyEmailFromPath: EndpointHandler<typeof routes.verifyEmailFromPath> = async (c) =>
  verify(c, await confirmEmail(c.var.deps, `${uidParam(c)}:${c.req.param("token") ?? ""}`));

export const resendEmail: EndpointHandler<typeof routes.resendEmail> = async (c) => {
  const { deps, body } = c.var;
  const baseUrl = checkVerificationBaseUrl(deps.config, body.verification_base_url);
  await enforceThrottle(deps, "resend_email", nameKey(body.email));
  await resendConfirmation(deps, body.email, baseUrl);
  return c.json({ detail: "ok" }, 200);
};

/** The mailed link: verify, then redirect (or show a page). Never sets auth cookies. */
export const verificationLink: EndpointHandler<typeof routes.verificationLink> = async (c) => {
  const { config } = c.var.deps;
  const ok = await confirmEmail(c.var.deps, c.req.param("key") ?? "");
  if (ok) return c.redirect(config.emailVerifiedRedirect ?? `${config.authPrefix}registration/verified/`, 302);
  if (config.emailVerificationFailedRedirect) return c.redirect(config.emailVerificationFailedRedirect, 302);
  // Already-confirmed addresses never land here (their link still confirms), so a new link is the answer.
  return messagePage(c, 400, {
    title: "Invalid link",
    icon: "error",
    message: "This confirmation link is invalid or has expired.",
    details: [
      `A confirmation link works for ${formatDuration(config.emailConfirmationExpireDays * 86_400)}, and only the newest one you were sent.`,
      `To get a new link, sign in to ${config.productName} and ask for the confirmation e-mail to be sent again.`,
    ],
    next: { label: `Go to ${config.productName}` },
  });
};

export const verifiedPage: EndpointHandler<typeof routes.verifiedPage> = (c) =>
  messagePage(c, 200, {
    title: "E-mail confirmed",
    icon: "ok",
    message: "Your e-mail address has been confirmed. You can now sign in.",
    next: { label: "Sign in", otherwise: "You can close this page and sign in from the app." },
  });

export const verificationSentPage: EndpointHandler<typeof routes.verificationSentPage> = (c) => {
  const { config } = c.var.deps;
  return messagePage(c, 200, {
    title: "Check your inbox",
    icon: "mail",
    message: "We have sent you an e-mail. Open the link in it to confirm your address.",
    details: [
      `The link works for ${formatDuration(config.emailConfirmationExpireDays * 86_400)}. No e-mail after a few minutes? Look in your spam folder, or ask the app to send it again.`,
    ],
    next: { label: `Back to ${config.productName}`, otherwise: "Once you have opened the link, you can sign in from the app." },
  });
};
