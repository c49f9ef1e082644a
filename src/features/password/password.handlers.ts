// Handlers of the password endpoints, one per declaration in password.routes.ts.
import { deleteCookie, setCookie } from "hono/cookie";
import { issueCsrfCookie } from "../../http/csrf";
import { type EndpointHandler, uidParam } from "../../http/endpoint";
import { tokenInvalidOrExpired } from "../../http/errors";
import { html, htmlPage, renderPage } from "../../http/pages";
import { enforceThrottle } from "../../http/throttle";
import { RESET_DONE } from "./password.fields";
import type * as routes from "./password.routes";
import { changePassword, confirmPasswordReset, requestPasswordReset } from "./password.service";
import { CAPABILITY_COOKIE, capabilityCookiePath, presentedCapability } from "./reset-capability.cookie";
import { isLiveCapability, issueResetCapability, resetWithCapability } from "./reset-capability.service";

export const passwordChange: EndpointHandler<typeof routes.passwordChange> = async (c) => {
  const { user, claims } = c.var.auth;
  await changePassword(c.var.deps, user, claims.fam, c.var.body);
  return c.json({ detail: "New password has been saved." }, 200);
};

export const passwordReset: EndpointHandler<typeof routes.passwordReset> = async (c) => {
  const { deps, body } = c.var;
  // Counted per address before any lookup, so the answer is the same for unknown addresses.
  await enforceThrottle(deps, "password_reset_email", body.email.toLowerCase(), "Too many password reset requests for this e-mail address.");
  await requestPasswordReset(deps, body.email);
  return c.json({ detail: "Password reset e-mail has been sent." }, 200);
};

export const passwordResetConfirm: EndpointHandler<typeof routes.passwordResetConfirm> = async (c) => {
  await confirmPasswordReset(c.var.deps, c.var.body);
  return c.json(RESET_DONE, 200);
};

export const passwordResetConfirmFromPath: EndpointHandler<typeof routes.passwordResetConfirmFromPath> = async (c) => {
  await confirmPasswordReset(c.var.deps, { ...c.var.body, uid: uidParam(c), token: c.req.param("token") ?? "" });
  return c.json(RESET_DONE, 200);
};

/** GET password/reset/confirm/{uid}/{token}/: the mailed link. */
export const resetLink: EndpointHandler<typeof routes.resetLink> = async (c) => {
  const { config } = c.var.deps;
  const capability = await issueResetCapability(c.var.deps, c.req.param("uid") ?? "", c.req.param("token") ?? "");
  if (!capability) {
    if (config.passwordResetRedirect) {
      const target = new URL(config.passwordResetRedirect);
      target.searchParams.set("error", "invalid_link");
      return c.redirect(target.toString(), 302);
    }
    return htmlPage(c, 400, "Invalid link", "This password reset link is invalid or has expired.");
  }
  const cookie = config.passwordResetCookie;
  setCookie(c, CAPABILITY_COOKIE, capability, {
    httpOnly: cookie.httpOnly,
    secure: cookie.secure,
    sameSite: cookie.sameSite,
    maxAge: cookie.maxAge,
    path: capabilityCookiePath(config),
  });
  issueCsrfCookie(c, config, cookie);
  return c.redirect(config.passwordResetRedirect ?? `${config.authPrefix}password/reset/default/`, 302);
};

export const setNewPassword: EndpointHandler<typeof routes.setNewPassword> = async (c) => {
  const { deps, body } = c.var;
  if (!(await resetWithCapability(deps, presentedCapability(c)!, body))) throw tokenInvalidOrExpired();
  deleteCookie(c, CAPABILITY_COOKIE, { path: capabilityCookiePath(deps.config), secure: deps.config.passwordResetCookie.secure });
  return c.json(RESET_DONE, 200);
};

/** The built-in form, used when no PASSWORD_RESET_REDIRECT frontend is configured. */
export const resetForm: EndpointHandler<typeof routes.resetForm> = async (c) => {
  const { config } = c.var.deps;
  const capability = presentedCapability(c);
  if (!capability || !(await isLiveCapability(c.var.deps, capability))) {
    return htmlPage(c, 400, "Invalid link", "This password reset link is invalid or has expired. Request a new one.");
  }
  const setNewUrl = `${config.authPrefix}password/reset/set-new/`;
  const completeUrl = `${config.authPrefix}password/reset/complete/`;
  const form = html`<form id="reset"><p><label>New password <input type="password" name="new_password1" autocomplete="new-password" required maxlength="128"></label></p><p><label>Confirm new password <input type="password" name="new_password2" autocomplete="new-password" required maxlength="128"></label></p><p><button type="submit">Set password</button></p><p id="message" role="alert"></p></form><noscript><p>This form needs JavaScript.</p></noscript>`;
  const script = `const form=document.getElementById("reset"),message=document.getElementById("message");
const csrf=(document.cookie.split("; ").find((c)=>c.startsWith(${JSON.stringify(`${config.csrfCookieName}=`)}))||"").split("=")[1]||"";
form.addEventListener("submit",async(event)=>{event.preventDefault();message.textContent="";
const response=await fetch(${JSON.stringify(setNewUrl)},{method:"POST",credentials:"same-origin",headers:{"Content-Type":"application/json",${JSON.stringify(config.csrfHeaderName)}:csrf},body:JSON.stringify(Object.fromEntries(new FormData(form)))});
if(response.ok){location.assign(${JSON.stringify(completeUrl)});return;}
const body=await response.json().catch(()=>({detail:"Something went wrong."}));message.textContent=Object.values(body).flat().join(" ");});`;
  return renderPage(c, 200, "Choose a new password", form, { script });
};

export const resetComplete: EndpointHandler<typeof routes.resetComplete> = (c) =>
  htmlPage(c, 200, "Password changed", "Your password has been set. You can now sign in with it.");
