// One HTTP error type for the whole API, and the DRF-shaped bodies it renders to.

import type { FieldErrors } from "../core/errors";

export type { FieldErrors };

const BEARER_CHALLENGE = { "WWW-Authenticate": 'Bearer realm="api"' };

/**
 * A request-time failure with the exact status, body and headers the contract prescribes. Every 401
 * carries a challenge (contract §1.6): `Bearer realm="api"` unless the error names another (the reset
 * capability's `Cookie`).
 */
export class ApiError extends Error {
  override name = "ApiError";
  readonly headers: Record<string, string>;
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    headers: Record<string, string> = {},
  ) {
    super(typeof body.detail === "string" ? body.detail : `HTTP ${status}`);
    this.headers = status === 401 && !("WWW-Authenticate" in headers) ? { ...BEARER_CHALLENGE, ...headers } : headers;
  }

  withHeaders(headers: Record<string, string>): ApiError {
    return new ApiError(this.status, this.body, { ...this.headers, ...headers });
  }
}

/** `400 {"field": ["message"]}` */
export function validationError(errors: FieldErrors): ApiError {
  return new ApiError(400, errors);
}

export function fieldError(field: string, message: string): ApiError {
  return validationError({ [field]: [message] });
}

export function detailError(status: number, detail: string, extra: Record<string, unknown> = {}): ApiError {
  return new ApiError(status, { detail, ...extra });
}

export const notFound = (): ApiError => detailError(404, "Not found.");
export const permissionDenied = (): ApiError => detailError(403, "You do not have permission to perform this action.");

/** 401 on protected endpoints (contract §1.6). */
export const authErrors = {
  missing: () => new ApiError(401, { detail: "Authentication credentials were not provided." }),
  accessTokenNotValid: () =>
    new ApiError(
      401,
      {
        detail: "Given token not valid for any token type",
        code: "token_not_valid",
        messages: [{ token_class: "AccessToken", token_type: "access", message: "Token is invalid or expired" }],
      },
    ),
  badHeader: () =>
    new ApiError(
      401,
      { detail: "Authorization header must contain two space-delimited values", code: "bad_authorization_header" },
    ),
  userNotFound: () => new ApiError(401, { detail: "User not found", code: "user_not_found" }),
  userInactive: () => new ApiError(401, { detail: "User is inactive", code: "user_inactive" }),
};

/** 401 on token endpoints: one fixed detail whatever the cause, so it is no oracle. */
export const tokenInvalidOrExpired = (): ApiError =>
  detailError(401, "Token is invalid or expired", { code: "token_not_valid" });

/** 429 with DRF's wording and a Retry-After header. */
export function throttled(retryAfterSeconds: number, detail?: string): ApiError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new ApiError(
    429,
    { detail: detail ?? `Request was throttled. Expected available in ${seconds} second${seconds === 1 ? "" : "s"}.` },
    { "Retry-After": String(seconds) },
  );
}
