// Handlers of the MFA endpoints, one per declaration in mfa.routes.ts.
import type { Deps } from "../../core/deps";
import type { EndpointHandler } from "../../http/endpoint";
import { detailError, tokenInvalidOrExpired } from "../../http/errors";
import { setJwtCookies } from "../../http/jwt-cookies";
import { formatDateTime, tokenResponse } from "../../http/shapes";
import { enforceThrottle } from "../../http/throttle";
import { accountKey } from "../../core/throttle";
import { authenticate } from "./mfa-login.service";
import type * as routes from "./mfa.routes";
import * as mfa from "./mfa.service";

/** The service's refusals about the account's state, as the contract's `400 {"detail"}`. */
async function orStateError<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof mfa.MfaStateError) throw detailError(400, error.message);
    throw error;
  }
}

export const mfaStatus: EndpointHandler<typeof routes.mfaStatus> = async (c) => {
  const status = await mfa.mfaStatus(c.var.deps, c.var.auth.user.id);
  return c.json(
    {
      totp: { enabled: status.enabled, created_at: status.createdAt === null ? null : formatDateTime(status.createdAt) },
      recovery_codes: { remaining: status.remainingCodes },
    },
    200,
  );
};

export const mfaTotpSetup: EndpointHandler<typeof routes.mfaTotpSetup> = async (c) => {
  const setup = await orStateError(mfa.setupTotp(c.var.deps, c.var.auth.user));
  return c.json({ secret: setup.secret, otpauth_url: setup.otpauthUrl, qr_svg: setup.qrSvg }, 200);
};

export const mfaTotpActivate: EndpointHandler<typeof routes.mfaTotpActivate> = async (c) => {
  const codes = await orStateError(mfa.activateTotp(c.var.deps, c.var.auth.user, c.var.body.code));
  return c.json({ recovery_codes: codes }, 200);
};

/**
 * A password or code check spends the account's guessing budget, as a login does (like email/change/);
 * with the 5 wrong codes a ticket allows, it bounds code guessing per account, not only per ticket.
 */
const spendAccountBudget = (deps: Deps, userId: number) => enforceThrottle(deps, "login_identifier", accountKey(userId));

export const mfaTotpDeactivate: EndpointHandler<typeof routes.mfaTotpDeactivate> = async (c) => {
  await spendAccountBudget(c.var.deps, c.var.auth.user.id);
  await orStateError(mfa.deactivateTotp(c.var.deps, c.var.auth.user, c.var.body.password));
  return c.json({ detail: "TOTP disabled." }, 200);
};

export const mfaRecoveryCodesRegenerate: EndpointHandler<typeof routes.mfaRecoveryCodesRegenerate> = async (c) => {
  await spendAccountBudget(c.var.deps, c.var.auth.user.id);
  const codes = await orStateError(mfa.regenerateRecoveryCodes(c.var.deps, c.var.auth.user, c.var.body.password));
  return c.json({ recovery_codes: codes }, 200);
};

export const mfaAuthenticate: EndpointHandler<typeof routes.mfaAuthenticate> = async (c) => {
  const { deps, body } = c.var;
  const result = await authenticate(deps, body.ephemeral_token, body.code, (userId) => spendAccountBudget(deps, userId));
  if (!result.ok) throw tokenInvalidOrExpired();
  setJwtCookies(c, deps.config, result.tokens, { newSession: true });
  return c.json(tokenResponse(deps.config, result.user, result.tokens), 200);
};
