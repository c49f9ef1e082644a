// Declarations of the social endpoints (contract §2.5): login and connect per configured provider,
// the caller's social accounts and their disconnect.
import * as z from "zod/mini";
import type { Config } from "../../config";
import { declare } from "../../http/endpoint";
import { detail, fieldErrors, json, mfaChallengeBody, tokenResponseBody } from "../../http/responses";
import { charField, lazySchema } from "../../http/validation";
import { providerKeys } from "./social.providers";
import { socialAccountBody } from "./social.shapes";

const tags = ["social"];
const COOKIES = { "Set-Cookie": "Cookie mode: the access and refresh cookies and the csrftoken" };

/** The §2.5 credential fields: all optional, "" = not sent; bounded (an id_token is a few KB at most). */
const credentialsBody = lazySchema(() => {
  const field = (max: number) => z.optional(charField({ allowBlank: true, trim: false, max }));
  return z.object({
    access_token: field(4096),
    code: field(2048),
    // RFC 7636: 43 to 128 characters.
    code_verifier: field(128),
    id_token: field(8192),
    token_secret: field(1024),
    nonce: field(512),
  });
});

const configured = (config: Config) => providerKeys(config).length > 0;
const pathValues = { provider: providerKeys };

const providerErrors = {
  400: fieldErrors(
    "`non_field_errors`: Incorrect input. access_token or code is required. / Failed to exchange code for access token / Incorrect value / User is already registered with this e-mail address. / E-mail is not verified. / User account is disabled.",
  ),
  502: detail("Upstream provider error. (the provider timed out, failed or could not be reached)"),
};

export const socialLogin = declare({
  operationId: "socialLogin",
  method: "POST",
  path: "/:provider",
  pathValues,
  enabled: configured,
  auth: "public",
  throttle: "social",
  body: credentialsBody,
  summary: "Log in (or sign up) with a provider's access token, code or ID token",
  description:
    "Which fields a provider takes: `access_token`; `code` (+ `code_verifier` for PKCE) exchanged with the configured callback URL; `id_token` for OpenID Connect providers (google, apple, microsoft and the generic ones); `access_token` + `token_secret` (OAuth 1.0a) for x/twitter. The first login creates the account (unusable password; the e-mail verified only when the provider vouches for it). A user with TOTP gets `mfa_required` and a ticket for mfa/authenticate/ instead of tokens.",
  tags,
  responses: {
    200: json("TokenResponse, or the second-factor challenge", (config) => z.union([tokenResponseBody(config), mfaChallengeBody()]), COOKIES),
    ...providerErrors,
    403: detail("No account for this provider account, and SOCIALACCOUNT_AUTO_SIGNUP=false or sign-up closed"),
  },
});

export const socialConnect = declare({
  operationId: "socialConnect",
  method: "POST",
  path: "/:provider/connect",
  pathValues,
  enabled: configured,
  auth: "required",
  throttle: "social",
  body: credentialsBody,
  summary: "Connect a provider account to the signed-in user",
  description: "Same body as the login. Starts a new session for the caller (a new TokenResponse); the user's e-mail is not changed.",
  tags,
  responses: {
    200: json("TokenResponse", tokenResponseBody, COOKIES),
    ...providerErrors,
  },
});

export const listSocialAccounts = declare({
  operationId: "listSocialAccounts",
  method: "GET",
  path: "/socialaccounts",
  auth: "required",
  summary: "The signed-in user's social accounts",
  tags,
  responses: { 200: json("Social accounts, oldest first", () => z.array(socialAccountBody())) },
});

export const disconnectSocialAccount = declare({
  operationId: "disconnectSocialAccount",
  method: "POST",
  path: "/socialaccounts/:id/disconnect",
  auth: "required",
  summary: "Disconnect one of the signed-in user's social accounts",
  description: "Refused for the last one when the account could not be entered without it (no usable password; under mandatory verification, no verified address).",
  tags,
  responses: {
    200: json("Disconnected (an empty object, as dj-rest-auth)", () => z.object({})),
    400: fieldErrors("`non_field_errors`: Your account has no password set up. / Your account has no verified email address."),
    404: detail("No such social account of this user"),
  },
});
