// Declarations of the MFA endpoints (contract §2.7): TOTP status, setup, activate, deactivate,
// recovery codes, and the second step of a login.
import * as z from "zod/mini";
import { declare } from "../../http/endpoint";
import { detail, detailBody, fieldErrors, json, tokenResponseBody, unauthorized } from "../../http/responses";
import { charField, lazySchema } from "../../http/validation";

const tags = ["mfa"];
const recoveryCodesBody = () => z.object({ recovery_codes: z.array(z.string()) });
const passwordBody = lazySchema(() => z.object({ password: charField({ trim: false, max: 128 }) }));
const WRONG_PASSWORD = fieldErrors("`password` incorrect (or the account has none), or missing");

export const mfaStatus = declare({
  operationId: "mfaStatus",
  method: "GET",
  path: "/mfa",
  auth: "required",
  summary: "Whether TOTP is on, since when, and how many recovery codes are left",
  tags,
  responses: {
    200: json("MFA status", () =>
      z.object({
        totp: z.object({ enabled: z.boolean(), created_at: z.nullable(z.string()) }),
        recovery_codes: z.object({ remaining: z.number().check(z.int()) }),
      }),
    ),
  },
});

export const mfaTotpSetup = declare({
  operationId: "mfaTotpSetup",
  method: "POST",
  path: "/mfa/totp/setup",
  auth: "required",
  summary: "Start TOTP: a new pending secret, its otpauth URL and that URL as a QR code (SVG)",
  description: "Replaces an earlier pending secret. Nothing is enabled until mfa/totp/activate/ gets a code.",
  tags,
  responses: {
    200: json("The pending secret (base32), the otpauth:// URL and a self-contained SVG QR code of it", () =>
      z.object({ secret: z.string(), otpauth_url: z.string(), qr_svg: z.string() }),
    ),
    400: detail("TOTP is already enabled."),
  },
});

export const mfaTotpActivate = declare({
  operationId: "mfaTotpActivate",
  method: "POST",
  path: "/mfa/totp/activate",
  auth: "required",
  body: lazySchema(() => z.object({ code: charField({ max: 16 }) })),
  summary: "Turn TOTP on with a first code from the app; answers 10 recovery codes, shown only this once",
  tags,
  responses: {
    200: json("TOTP enabled: the recovery codes (stored hashed, never shown again)", recoveryCodesBody),
    400: { description: "`code` incorrect (`{\"code\": [\"Incorrect code.\"]}`), or `{\"detail\"}`: Run setup first. / TOTP is already enabled.", json: detailBody },
  },
});

export const mfaTotpDeactivate = declare({
  operationId: "mfaTotpDeactivate",
  method: "POST",
  path: "/mfa/totp/deactivate",
  auth: "required",
  body: passwordBody,
  summary: "Turn TOTP off (the recovery codes go with it)",
  tags,
  responses: { 200: json("TOTP disabled.", detailBody), 400: { ...WRONG_PASSWORD, description: `${WRONG_PASSWORD.description}; or \`{"detail": "TOTP is not enabled."}\`` } },
});

export const mfaRecoveryCodesRegenerate = declare({
  operationId: "mfaRecoveryCodesRegenerate",
  method: "POST",
  path: "/mfa/recovery-codes/regenerate",
  auth: "required",
  body: passwordBody,
  summary: "Ten new recovery codes; the unused old ones stop working",
  tags,
  responses: {
    200: json("The new recovery codes, shown only this once", recoveryCodesBody),
    400: { ...WRONG_PASSWORD, description: `${WRONG_PASSWORD.description}; or \`{"detail": "TOTP is not enabled."}\`` },
  },
});

export const mfaAuthenticate = declare({
  operationId: "mfaAuthenticate",
  method: "POST",
  path: "/mfa/authenticate",
  auth: "public",
  throttle: "mfa",
  otherThrottles: ["login_identifier"],
  body: lazySchema(() => z.object({ ephemeral_token: charField({ trim: false, max: 128 }), code: charField({ max: 64 }) })),
  summary: "Second step of a login with MFA: the ticket from login/ and a TOTP or recovery code",
  description:
    "The ticket is single-use, lives 300 s and dies after 5 wrong codes. A TOTP code is accepted once per 30 s step, a recovery code once ever. Each attempt spends the account's login budget.",
  tags,
  responses: {
    200: json("TokenResponse", tokenResponseBody, { "Set-Cookie": "Cookie mode: the access and refresh cookies and the csrftoken" }),
    400: fieldErrors("Incorrect code."),
    401: unauthorized("Token is invalid or expired (`token_not_valid`): a bad, used, expired or exhausted ticket"),
  },
});
