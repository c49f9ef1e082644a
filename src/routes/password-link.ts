// The jwt-allauth reset link flow: GET confirm link -> capability cookie -> form -> POST set-new/.
import type { Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { isLiveCapability, issueResetCapability, resetWithCapability } from "../features/password/reset-capability.service";
import type { AppEnv } from "../http/context";
import { enforceCsrf, issueCsrfCookie } from "../http/csrf";
import { ApiError, notFound, tokenNotValid } from "../http/errors";
import { html, htmlPage, renderPage } from "../http/pages";
import { endpoint } from "../http/routing";
import { throttleByIp } from "../http/throttle";
import { validBody, validateBody } from "../http/validation";
import { newPasswordAliases, newPasswordBody, RESET_DONE } from "../features/password/password.fields";

export const CAPABILITY_COOKIE = "password_reset_access_token";


const cookiePath = (c: Context<AppEnv>) => `${c.var.deps.config.authPrefix}password/reset/`;

/** GET password/reset/confirm/{uid}/{token}/: the mailed link. */
export async function openResetLink(c: Context<AppEnv>) {
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
    path: cookiePath(c),
  });
  issueCsrfCookie(c, config, cookie);
  return c.redirect(config.passwordResetRedirect ?? `${config.authPrefix}password/reset/default/`, 302);
}

/** set-new/ guard: capability cookie present, then CSRF (header, or the form field as Django reads it). */
async function requireCapabilityCookie(c: Context<AppEnv>, next: () => Promise<void>) {
  const { config } = c.var.deps;
  const capability = getCookie(c, CAPABILITY_COOKIE);
  if (!capability || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(capability)) {
    throw new ApiError(401, { detail: "Authentication credentials were not provided." }, { "WWW-Authenticate": "Cookie" });
  }
  if (config.passwordResetCookieCsrf) await enforceCsrf(c, config);
  await next();
}

async function setNewPassword(c: Context<AppEnv>) {
  const capability = getCookie(c, CAPABILITY_COOKIE)!;
  if (!(await resetWithCapability(c.var.deps, capability, validBody(c, newPasswordBody)))) throw tokenNotValid();
  deleteCookie(c, CAPABILITY_COOKIE, { path: cookiePath(c), secure: c.var.deps.config.passwordResetCookie.secure });
  return c.json(RESET_DONE, 200);
}

/** The built-in form, used when no PASSWORD_RESET_REDIRECT frontend is configured. */
async function resetForm(c: Context<AppEnv>) {
  const { config } = c.var.deps;
  if (config.passwordResetRedirect) throw notFound();
  const capability = getCookie(c, CAPABILITY_COOKIE);
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
}

export function passwordLinkRoutes(app: Hono<AppEnv>): void {
  endpoint(app, "/password/reset/set-new", {
    POST: [
      throttleByIp("confirm"),
      requireCapabilityCookie,
      validateBody(newPasswordBody, { aliases: newPasswordAliases }),
      setNewPassword,
    ],
  });
  endpoint(app, "/password/reset/default", { GET: [resetForm] });
  endpoint(app, "/password/reset/complete", {
    GET: [
      (c) => {
        if (c.var.deps.config.passwordResetRedirect) throw notFound();
        return htmlPage(c, 200, "Password changed", "Your password has been set. You can now sign in with it.");
      },
    ],
  });
}
