// What a declaration says it answers: per status a description and, for JSON, a zod/mini schema of
// the body (built on first use, for the config in force), the same kind of schema requests use.
import * as z from "zod/mini";
import type { Config } from "../config";

export interface ResponseDoc {
  description: string;
  /** The JSON body's schema under `config` (field names follow JWT_RESPONSE_FIELD_STYLE). */
  json?: (config: Config) => z.ZodMiniType;
  /** A text/html page. */
  html?: true;
  /** A 302 to a configured URL or one of our pages. */
  redirect?: true;
  /** Response headers worth knowing (name -> description). */
  headers?: Readonly<Record<string, string>>;
}

const once = <T>(build: () => T): (() => T) => {
  let value: T | undefined;
  return () => (value ??= build());
};

/** `{"detail": "..."}`, with `code` where the contract gives one. */
export const detailBody = once(() => z.object({ detail: z.string(), code: z.optional(z.string()) }));

/** DRF's validation body: field (or `non_field_errors`) -> messages. */
const fieldErrorsBody = once(() => z.record(z.string(), z.array(z.string())));

/** The 401 of protected endpoints (contract §1.6): simplejwt's token_not_valid carries `messages`. */
const authErrorBody = once(() =>
  z.object({
    detail: z.string(),
    code: z.optional(z.string()),
    messages: z.optional(z.array(z.object({ token_class: z.string(), token_type: z.string(), message: z.string() }))),
  }),
);

export const userDetailsBody = once(() =>
  z.object({ pk: z.number().check(z.int()), username: z.string(), email: z.string(), first_name: z.string(), last_name: z.string() }),
);

/** TokenResponse (contract §1.5) in the configured field style. */
export const tokenResponseBody = (config: Config) =>
  config.jwtResponseFieldStyle === "legacy"
    ? z.object({
        access_token: z.string(),
        refresh_token: z.string(),
        user: userDetailsBody(),
        access_token_expiration: z.string(),
        refresh_token_expiration: z.string(),
      })
    : z.object({
        access: z.string(),
        refresh: z.string(),
        user: userDetailsBody(),
        access_expiration: z.string(),
        refresh_expiration: z.string(),
      });

export const json = (description: string, schema: (config: Config) => z.ZodMiniType, headers?: Record<string, string>): ResponseDoc => ({
  description,
  json: schema,
  ...(headers ? { headers } : {}),
});

export const detail = (description: string): ResponseDoc => ({ description, json: detailBody });
export const html = (description: string): ResponseDoc => ({ description, html: true });
export const redirect = (description: string): ResponseDoc => ({ description, redirect: true, headers: { Location: "Where to go next" } });
export const fieldErrors = (description: string): ResponseDoc => ({ description, json: fieldErrorsBody });

/** The answers the chain itself gives, added to a declaration's own (http/openapi.ts and the conformance test). */
export const CHAIN_RESPONSES = {
  validation: fieldErrors("Invalid input: DRF's `{field: [messages]}` (also a malformed JSON body: `{\"detail\"}`)"),
  tooLarge: detail("Body over 64 KiB"),
  unsupportedMediaType: detail("Content type other than JSON, form or multipart"),
  unauthorized: { description: "No, bad, expired or revoked access token", json: authErrorBody, headers: { "WWW-Authenticate": 'Bearer realm="api"' } },
  csrf: detail("CSRF Failed (cookie mode)"),
  throttled: { description: "Request was throttled", json: detailBody, headers: { "Retry-After": "Seconds until the next allowed request" } },
} satisfies Record<string, ResponseDoc>;
