// Handlers of the social endpoints, one per declaration in social.routes.ts.
import type { Config } from "../../config";
import { setJwtCookies } from "../../http/jwt-cookies";
import type { EndpointHandler } from "../../http/endpoint";
import { detailError, fieldError, notFound, permissionDenied } from "../../http/errors";
import { tokenResponse } from "../../http/shapes";
import { acceptedCredentials, type SocialCredentials, SocialLoginError, type SocialProviderConfig } from "./providers";
import { disconnectSocialAccount as disconnect, listSocialAccounts as loadAccounts } from "./social-accounts.service";
import { providerFor } from "./social.providers";
import type * as routes from "./social.routes";
import { SignupClosed, socialConnect as connect, socialLogin as login } from "./social.service";
import { socialAccountShape } from "./social.shapes";

const MISSING_INPUT = "Incorrect input. access_token or code is required.";
/** What mfa/authenticate/ accepts in `code` (contract §2.7.6). */
const MFA_METHODS = ["totp", "recovery_code"];

/** The provider the path names (the router only matches configured ones) and the credentials sent ("" = not sent). */
function request(config: Config, key: string | undefined, body: Record<string, string | undefined>): { provider: SocialProviderConfig; credentials: SocialCredentials } {
  const provider = providerFor(config, key ?? "");
  if (!provider) throw notFound();
  const credentials: SocialCredentials = Object.fromEntries(Object.entries(body).filter(([, value]) => typeof value === "string" && value !== ""));
  if (!acceptedCredentials(provider, credentials)) throw fieldError("non_field_errors", MISSING_INPUT);
  return { provider, credentials };
}

/** The provider layer's failures as the contract's answers (that layer has logged the provider's reason). */
function providerFailure(error: unknown): unknown {
  if (!(error instanceof SocialLoginError)) return error;
  if (error.kind === "upstream") return detailError(502, "Upstream provider error.");
  return fieldError("non_field_errors", error.message);
}

export const socialLogin: EndpointHandler<typeof routes.socialLogin> = async (c) => {
  const { deps } = c.var;
  const { provider, credentials } = request(deps.config, c.req.param("provider"), c.var.body);
  let result;
  try {
    result = await login(deps, provider, credentials);
  } catch (error) {
    if (error instanceof SignupClosed) throw permissionDenied();
    throw providerFailure(error);
  }
  if ("mfaTicket" in result) return c.json({ mfa_required: true as const, ephemeral_token: result.mfaTicket, methods: MFA_METHODS }, 200);
  setJwtCookies(c, deps.config, result.tokens, { newSession: true });
  return c.json(tokenResponse(deps.config, result.user, result.tokens), 200);
};

export const socialConnect: EndpointHandler<typeof routes.socialConnect> = async (c) => {
  const { deps, auth } = c.var;
  const { provider, credentials } = request(deps.config, c.req.param("provider"), c.var.body);
  let result;
  try {
    result = await connect(deps, provider, credentials, auth.user);
  } catch (error) {
    throw providerFailure(error);
  }
  setJwtCookies(c, deps.config, result.tokens, { newSession: true });
  return c.json(tokenResponse(deps.config, result.user, result.tokens), 200);
};

export const listSocialAccounts: EndpointHandler<typeof routes.listSocialAccounts> = async (c) =>
  c.json((await loadAccounts(c.var.deps, c.var.auth.user.id)).map(socialAccountShape), 200);

/** A row id: digits that fit SQLite's integer and JavaScript's safe range; anything else names no account. */
function accountId(raw: string | undefined): number | null {
  if (!raw || !/^\d{1,16}$/.test(raw)) return null;
  const id = Number(raw);
  return Number.isSafeInteger(id) ? id : null;
}

export const disconnectSocialAccount: EndpointHandler<typeof routes.disconnectSocialAccount> = async (c) => {
  const id = accountId(c.req.param("id"));
  if (id === null) throw notFound();
  const result = await disconnect(c.var.deps, c.var.auth.user, id);
  if (!result.ok) throw notFound();
  return c.json({}, 200);
};

