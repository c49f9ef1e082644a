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

type ResponseSchema = (config: Config) => z.ZodMiniType;
const alternativesOf = new WeakMap<ResponseSchema, readonly ResponseSchema[]>();

/** A body that is one of `schemas`; nested alternatives are flattened and repeats dropped. */
function anyOf(...schemas: ResponseSchema[]): ResponseSchema {
  const flat = [...new Set(schemas.flatMap((schema) => alternativesOf.get(schema) ?? [schema]))];
  if (flat.length === 1) return flat[0]!;
  const union: ResponseSchema = (config) => z.union(flat.map((schema) => schema(config)));
  alternativesOf.set(union, flat);
  return union;
}

/** Any 400 of a body-carrying operation: field errors, or `{"detail"}` when the body could not be parsed at all. */
const badRequestBody = anyOf(fieldErrorsBody, detailBody);

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

/** Login's answer for a user with TOTP (contract §2.7.6). */
export const mfaChallengeBody = once(() =>
  z.object({ mfa_required: z.literal(true), ephemeral_token: z.string(), methods: z.array(z.enum(["totp", "recovery_code"])) }),
);

export const json = (description: string, schema: (config: Config) => z.ZodMiniType, headers?: Record<string, string>): ResponseDoc => ({
  description,
  json: schema,
  ...(headers ? { headers } : {}),
});

export const detail = (description: string): ResponseDoc => ({ description, json: detailBody });
/** A `{"detail"}` 401 with its challenge (every 401 has one, contract §1.6). */
export const unauthorized = (description: string, challenge = 'Bearer realm="api"'): ResponseDoc => ({
  description,
  json: detailBody,
  headers: { "WWW-Authenticate": challenge },
});
export const html = (description: string): ResponseDoc => ({ description, html: true });
export const redirect = (description: string): ResponseDoc => ({ description, redirect: true, headers: { Location: "Where to go next" } });
export const fieldErrors = (description: string): ResponseDoc => ({ description, json: fieldErrorsBody });

/**
 * The answers the chain itself gives, added to a declaration's own (http/openapi.ts and the conformance
 * test); where both give one status, the two are merged (`mergeResponses`).
 */
export const CHAIN_RESPONSES = {
  validation: { description: "Invalid input: DRF's `{field: [messages]}`; a body that cannot be parsed (malformed JSON or multipart): `{\"detail\"}`", json: badRequestBody },
  tooLarge: detail("Body over 64 KiB"),
  unsupportedMediaType: detail("Content type other than JSON, form or multipart"),
  unauthorized: { description: "No, bad, expired or revoked access token", json: authErrorBody, headers: { "WWW-Authenticate": 'Bearer realm="api"' } },
  csrf: detail("CSRF Failed: the double-submit token or the Origin check (cookie mode settings, reset capability)"),
  throttled: { description: "Request was throttled", json: detailBody, headers: { "Retry-After": "Seconds until the next allowed request" } },
  unavailable: {
    description: "D1 or KV unavailable: nothing was written, the request can be sent again as it was",
    json: detailBody,
    headers: { "Retry-After": "Seconds to wait before retrying" },
  },
} satisfies Record<string, ResponseDoc>;

/** One status answered by the chain and by the declaration itself: both descriptions, either body, every header. */
export function mergeResponses(chain: ResponseDoc, own: ResponseDoc): ResponseDoc {
  const json = chain.json && own.json ? anyOf(own.json, chain.json) : (own.json ?? chain.json);
  const headers = chain.headers || own.headers ? { headers: { ...chain.headers, ...own.headers } } : {};
  return { ...chain, ...own, description: `${own.description}. Or: ${chain.description}`, ...(json ? { json } : {}), ...headers };
}
