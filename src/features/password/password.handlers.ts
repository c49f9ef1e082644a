// Handlers of the password endpoints, one per declaration in password.routes.ts.
import { deleteCookie, setCookie } from "hono/cookie";
import { issueCsrfCookie } from "../../http/csrf";
import { type EndpointHandler, uidParam } from "../../http/endpoint";
import { tokenInvalidOrExpired } from "../../http/errors";
import type { Config } from "../../config";
import { formatDuration, html, messagePage, type PageContext, renderPage } from "../../http/pages";
import { enforceThrottle } from "../../http/throttle";
import { nameKey } from "../../core/throttle";
import { RESET_DONE } from "./password.fields";
import type * as routes from "./password.routes";
import { changePassword, confirmPasswordReset, requestPasswordReset } from "./password.service";
import { CAPABILITY_COOKIE, capabilityCookiePath, presentedCapability } from "./reset-capability.cookie";
import { capabilityHolder, issueResetCapability, resetWithCapability } from "./reset-capability.service";

export const passwordChange: EndpointHandler<typeof routes.passwordChange> = async (c) => {
  const { user, claims } = c.var.auth;
  await changePassword(c.var.deps, user, claims.fam, c.var.body);
  return c.json({ detail: "New password has been saved." }, 200);
};

export const passwordReset: EndpointHandler<typeof routes.passwordReset> = async (c) => {
  const { deps, body } = c.var;
  // Counted per address before any lookup, so the answer is the same for unknown addresses.
  await enforceThrottle(deps, "password_reset_email", nameKey(body.email), "Too many password reset requests for this e-mail address.");
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
    return invalidResetLink(c, "This password reset link is invalid or has expired.");
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

/** The 400 page of a dead reset link or form: why, and how to get a new link. */
function invalidResetLink(c: PageContext, message: string) {
  const { config } = c.var.deps;
  return messagePage(c, 400, {
    title: "Invalid link",
    icon: "error",
    message,
    details: [
      `Each link works once, for ${formatDuration(config.passwordResetTimeout)}, and only the newest one counts; signing in or changing the password ends it too. The form it opens expires after ${formatDuration(config.passwordResetCookie.maxAge)}.`,
      "Haven’t set a new password yet? Open the link in your e-mail again, or get a new one with “Forgot password?” on the app’s sign-in page.",
    ],
    next: { label: "Go to sign in" },
  });
}

/** What password managers should file the new password under: the identifier people sign in with. */
function accountIdentifier(config: Config, user: { username: string; email: string }): string {
  return config.loginMethods.includes("username") ? user.username : user.email;
}

/** The password rules in words, from PASSWORD_VALIDATORS and PASSWORD_MIN_LENGTH. */
function passwordRules(config: Config): string {
  const v = new Set(config.passwordValidators);
  const avoid = [v.has("common") && "common passwords", v.has("numeric") && "digits only", v.has("similarity") && "anything close to your username or e-mail"].filter(
    (item): item is string => Boolean(item),
  );
  const listed = avoid.length > 1 ? `${avoid.slice(0, -1).join(", ")} and ${avoid.at(-1)}` : avoid[0];
  const parts = [v.has("min_length") && `Use at least ${config.passwordMinLength} characters.`, listed && `Avoid ${listed}.`].filter(Boolean);
  return parts.join(" ") || "Choose a password you do not use anywhere else.";
}

/**
 * The built-in form, used when no PASSWORD_RESET_REDIRECT frontend is configured. The hidden
 * `username` field (autocomplete="username") tells password managers which entry the new password
 * belongs to; it comes from the capability's own lookup, so it costs nothing, and only the holder of
 * the mailed link (which names the account too) ever sees it. It is never sent to set-new/.
 */
export const resetForm: EndpointHandler<typeof routes.resetForm> = async (c) => {
  const { config } = c.var.deps;
  const capability = presentedCapability(c);
  const holder = capability ? await capabilityHolder(c.var.deps, capability) : null;
  if (!holder) return invalidResetLink(c, "This password reset page has expired or its link was already used.");
  const identifier = accountIdentifier(config, holder);
  const setNewUrl = `${config.authPrefix}password/reset/set-new/`;
  const completeUrl = `${config.authPrefix}password/reset/complete/`;
  // method="post": should the script not run, a native submit must never put passwords in a URL.
  const form = html`<p>For the account <strong>${identifier}</strong>.</p><form id="reset" method="post" action="${setNewUrl}"><input type="text" name="username" autocomplete="username" value="${identifier}" hidden><p id="message" class="alert" role="alert" aria-live="assertive"></p><div class="field"><label for="new_password1">New password</label><input type="password" id="new_password1" name="new_password1" autocomplete="new-password" required maxlength="128" aria-describedby="password-hint message"><p id="password-hint" class="hint">${passwordRules(config)}</p></div><div class="field"><label for="new_password2">Confirm new password</label><input type="password" id="new_password2" name="new_password2" autocomplete="new-password" required maxlength="128" aria-describedby="message"></div><p class="muted">Setting it signs you out on every device.</p><button class="button" type="submit">Set password</button></form><noscript><p>This form needs JavaScript: turn it on and reload this page.</p></noscript>`;
  const script = `const form=document.getElementById("reset"),message=document.getElementById("message"),button=form.querySelector("button"),fields=[form.new_password1,form.new_password2];
const csrf=(document.cookie.split("; ").find((c)=>c.startsWith(${JSON.stringify(`${config.csrfCookieName}=`)}))||"").split("=")[1]||"";
const failed=(text,names)=>{message.textContent=text;button.disabled=false;button.textContent="Set password";
for(const f of fields)if(names.includes(f.name))f.setAttribute("aria-invalid","true");(fields.find((f)=>names.includes(f.name))||fields[0]).focus();};
form.addEventListener("submit",async(event)=>{event.preventDefault();message.textContent="";for(const f of fields)f.removeAttribute("aria-invalid");
button.disabled=true;button.textContent="Setting password…";let response;
try{response=await fetch(${JSON.stringify(setNewUrl)},{method:"POST",credentials:"same-origin",headers:{"Content-Type":"application/json",${JSON.stringify(config.csrfHeaderName)}:csrf},body:JSON.stringify({new_password1:form.new_password1.value,new_password2:form.new_password2.value})});}catch{response=null;}
if(response&&response.ok){location.assign(${JSON.stringify(completeUrl)});return;}
if(!response)return failed("The server could not be reached. Check your connection and try again.",[]);
if(response.status===401||response.status===403)return failed("This page has expired or its link was already used. Open the link in your e-mail again, or ask for a new one.",[]);
const body=await response.json().catch(()=>({}));
// Django reports strength under new_password2; when the two agree it is the password itself that is refused.
const names=Object.keys(body).map((n)=>n==="new_password2"&&form.new_password1.value===form.new_password2.value?"new_password1":n);
failed(Object.values(body).flat().filter((v)=>typeof v==="string").join(" ")||"Something went wrong. Please try again.",names);});`;
  return renderPage(c, 200, "Choose a new password", form, { script, icon: "key" });
};

export const resetComplete: EndpointHandler<typeof routes.resetComplete> = (c) =>
  messagePage(c, 200, {
    title: "Password changed",
    icon: "ok",
    message: "Your password has been set. You can now sign in with it.",
    details: ["For your safety, all your sessions were signed out, on every device."],
    next: { label: "Sign in", otherwise: "You can close this page and sign in from the app with your new password." },
  });
