// Every call to a provider: a timeout, the answer mapped to a SocialLoginError kind, the provider's reason logged (never a token).
import type { Deps } from "../../../core/deps";
import { encodeBase64, utf8 } from "../../../crypto/bytes";
import { type SocialLoginErrorKind, SocialLoginError, SOCIAL_ERROR_MESSAGES, type SocialProviderConfig } from "./types";

export const DEFAULT_TIMEOUT_MS = 5000;

/** One verification's state: who is asked, how long each call may take, what this request already fetched. */
export interface ProviderContext {
  deps: Deps;
  provider: SocialProviderConfig;
  timeoutMs: number;
  /** Key sets fetched during this verification (at most one fetch each, however many kids a token tries). */
  jwksFetched: Set<string>;
}

export interface ProviderAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface CallSpec {
  /** Names the call in logs ("token endpoint", "userinfo"). */
  what: string;
  /** What a 4xx means for this call: the credential was refused (invalid), a code was (code_exchange), or we are misconfigured (upstream). */
  rejectedAs: Exclude<SocialLoginErrorKind, "missing_input">;
  /** Statuses that are answers, not failures (GitHub's /user/emails 403 without the scope). */
  accept?: readonly number[];
}

/** Throws the error of `kind` after logging why (the log line names the provider and the call, never a credential). */
export function fail(ctx: ProviderContext, kind: Exclude<SocialLoginErrorKind, "missing_input">, reason: string, cause?: unknown): never {
  console.warn(`social ${ctx.provider.id}: ${reason} -> ${kind}`);
  throw new SocialLoginError(kind, SOCIAL_ERROR_MESSAGES[kind], cause);
}

/** The provider's own short reason from an error body (OAuth `error`, Graph `error.message`, GitHub `message`), trimmed. */
function providerReason(body: unknown): string {
  if (!body || typeof body !== "object") return "";
  const record = body as Record<string, unknown>;
  const nested = record.error && typeof record.error === "object" ? (record.error as Record<string, unknown>) : null;
  const parts = [
    typeof record.error === "string" ? record.error : nested?.code ?? nested?.type,
    record.error_description ?? nested?.message ?? record.message ?? record.detail,
  ].filter((part) => typeof part === "string" || typeof part === "number");
  // Provider messages are short and token-free in practice; the cap keeps a surprise out of the logs anyway.
  return parts.join(": ").replace(/\s+/g, " ").slice(0, 160);
}

/**
 * Calls the provider with a timeout. 2xx (and `accept`ed statuses) come back parsed; a 4xx becomes
 * `spec.rejectedAs`; a 5xx, 429, redirect, timeout, network failure or unreadable body becomes `upstream`.
 */
export async function callProvider(ctx: ProviderContext, url: string, init: RequestInit, spec: CallSpec): Promise<ProviderAnswer> {
  let response: Response;
  try {
    // redirect "manual": a credential is never replayed to wherever a redirect points.
    response = await fetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(ctx.timeoutMs) });
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    const reason = name === "TimeoutError" || name === "AbortError" ? `timed out after ${ctx.timeoutMs} ms` : `unreachable (${name || "error"})`;
    return fail(ctx, "upstream", `${spec.what} ${reason}`, error);
  }
  const text = await response.text().catch(() => null);
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  const ok = (response.status >= 200 && response.status < 300) || spec.accept?.includes(response.status);
  if (ok) {
    if (text === null || (text !== "" && body === null)) fail(ctx, "upstream", `${spec.what} answered ${response.status} with a body that is not JSON`);
    return { status: response.status, headers: response.headers, body };
  }
  const reason = `${spec.what} answered ${response.status}${providerReason(body) ? ` (${providerReason(body)})` : ""}`;
  const refused = response.status >= 400 && response.status < 500 && response.status !== 429;
  return fail(ctx, refused ? spec.rejectedAs : "upstream", reason);
}

/** A JSON object body, or the error of `kind`. */
export function objectBody(ctx: ProviderContext, answer: ProviderAnswer, what: string, kind: Exclude<SocialLoginErrorKind, "missing_input"> = "upstream"): Record<string, unknown> {
  if (!answer.body || typeof answer.body !== "object" || Array.isArray(answer.body)) fail(ctx, kind, `${what} answered without a JSON object`);
  return answer.body as Record<string, unknown>;
}

/** HTTP Basic credentials as OAuth 2 (RFC 6749 §2.3.1) wants them: each part form-encoded first. */
export function basicAuth(user: string, password: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, "+");
  return `Basic ${encodeBase64(utf8(`${encode(user)}:${encode(password)}`))}`;
}

/** A form body for token endpoints (undefined values left out). */
export function form(fields: Record<string, string | null | undefined>): URLSearchParams {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) if (value !== undefined && value !== null) body.set(name, value);
  return body;
}

/** A string field of a provider's JSON, or undefined. */
export function stringField(record: Record<string, unknown>, name: string): string | undefined {
  const value = record[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

export const USER_AGENT = "edge-rest-auth (social login)";
