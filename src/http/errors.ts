// One HTTP error type for the whole API, and the DRF-shaped bodies it renders to.

import type { FieldErrors } from "../core/errors";

export type { FieldErrors };

/** A request-time failure with the exact status, body and headers the contract prescribes. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.detail === "string" ? body.detail : `HTTP ${status}`);
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

const BEARER_CHALLENGE = { "WWW-Authenticate": 'Bearer realm="api"' };

/** 401 on protected endpoints (contract §1.6). */
export const authErrors = {
  missing: () => new ApiError(401, { detail: "Authentication credentials were not provided." }, BEARER_CHALLENGE),
  accessTokenNotValid: () =>
    new ApiError(
      401,
      {
        detail: "Given token not valid for any token type",
        code: "token_not_valid",
        messages: [{ token_class: "AccessToken", token_type: "access", message: "Token is invalid or expired" }],
      },
      BEARER_CHALLENGE,
    ),
  badHeader: () =>
    new ApiError(
      401,
      { detail: "Authorization header must contain two space-delimited values", code: "bad_authorization_header" },
      BEARER_CHALLENGE,
    ),
  userNotFound: () => new ApiError(401, { detail: "User not found", code: "user_not_found" }, BEARER_CHALLENGE),
  userInactive: () => new ApiError(401, { detail: "User is inactive", code: "user_inactive" }, BEARER_CHALLENGE),
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
