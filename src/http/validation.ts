// Request bodies: DRF's three parsers, then one zod pass whose issues become DRF's `{field: [messages]}`.
import type { MiddlewareHandler } from "hono";
import * as z from "zod/mini";
import type { Config } from "../config";
import type { Deps } from "../core/deps";
import { isValidEmail } from "../core/email-address";
import type { AppEnv } from "./context";
import { ApiError, detailError, type FieldErrors, validationError } from "./errors";

/** Bodies above this are refused before parsing (413). */
const MAX_BODY_BYTES = 64 * 1024;

const REQUIRED = "This field is required.";
const NOT_NULL = "This field may not be null.";
const BLANK = "This field may not be blank.";

/** Python type names DRF prints in "Expected a dictionary, but got <type>." */
function pythonTypeName(value: unknown): string {
  if (Array.isArray(value)) return "list";
  if (typeof value === "string") return "str";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  return "dict";
}

/** 413 at once when the declared length is over the cap: every route, before anything else runs. */
export const refuseDeclaredOversize: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (Number(c.req.header("content-length") ?? "0") > MAX_BODY_BYTES) throw tooLarge();
  await next();
};

const tooLarge = () => detailError(413, `Request body exceeds ${MAX_BODY_BYTES} bytes.`);

/**
 * The body's bytes, read chunk by chunk and abandoned as soon as they pass MAX_BODY_BYTES: a chunked
 * upload without Content-Length is never held in memory whole. A declared length over the cap is
 * refused before reading anything.
 */
export async function readLimited(request: Request): Promise<Uint8Array> {
  if (Number(request.headers.get("content-length") ?? "0") > MAX_BODY_BYTES) throw tooLarge();
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Parses JSON, form-urlencoded or multipart into a plain object, with DRF's errors for anything else. */
export async function parseRequestBody(request: Request): Promise<Record<string, unknown>> {
  if (request.method === "GET" || request.method === "HEAD" || !request.body) return {};
  const contentType = request.headers.get("content-type") ?? "";
  const mediaType = contentType.split(";")[0]!.trim().toLowerCase();

  const bytes = await readLimited(request);
  if (mediaType === "multipart/form-data" || mediaType === "application/x-www-form-urlencoded") {
    if (bytes.byteLength === 0) return {};
    let form: FormData;
    try {
      form = await new Response(bytes, { headers: { "content-type": contentType } }).formData();
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw detailError(400, `Multipart form parse error - ${error instanceof Error ? error.message : "invalid body"}`);
    }
    const data: Record<string, unknown> = {};
    // Like Django's QueryDict.get, the last value of a repeated key wins; uploaded files are not strings.
    form.forEach((value, key) => {
      data[key] = typeof value === "string" ? value : { file: true };
    });
    return data;
  }

  const text = new TextDecoder().decode(bytes);
  if (text.trim() === "") return {};
  if (mediaType !== "application/json" && !mediaType.endsWith("+json")) {
    throw detailError(415, `Unsupported media type "${contentType}" in request.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw detailError(400, `JSON parse error - ${error instanceof Error ? error.message : "invalid JSON"}`);
  }
  // DRF's serializer answers a JSON null body this way (the type message is for other non-objects).
  if (parsed === null) throw validationError({ non_field_errors: ["No data provided"] });
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    throw validationError({
      non_field_errors: [`Invalid data. Expected a dictionary, but got ${pythonTypeName(parsed)}.`],
    });
  }
  return parsed as Record<string, unknown>;
}

/** Turns zod issues into DRF's body: first path segment is the field, the rest go to non_field_errors. */
function toFieldErrors(error: z.core.$ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = typeof issue.path[0] === "string" ? issue.path[0] : "non_field_errors";
    (errors[field] ??= []).push(issue.message);
  }
  return errors;
}

function stringError(issue: { input?: unknown }): string {
  if (issue.input === undefined) return REQUIRED;
  if (issue.input === null) return NOT_NULL;
  return "Not a valid string.";
}

const INVALID_EMAIL = "Enter a valid email address.";

// DRF's CharField turns numbers into strings; objects, arrays and booleans are refused.
const coerceNumber = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? String(value) : value);

interface CharOptions {
  max?: number;
  min?: number;
  /** DRF allow_blank. Default false. */
  allowBlank?: boolean;
  /** DRF trim_whitespace. Default true; passwords pass false. */
  trim?: boolean;
  /** NFKC-normalize after trimming, before the length checks (Django's UsernameField.to_python). */
  nfkc?: boolean;
}

/**
 * The string type check, then `checks` in a separate pipe stage: zod runs length checks even on an
 * array that failed the type check (`[]` would also get "may not be blank"); DRF reports only the type.
 */
function stringThen(checks: Array<z.core.$ZodCheck<string>>, invalidType = "Not a valid string.") {
  const error = (issue: { input?: unknown }) => (issue.input === undefined || issue.input === null ? stringError(issue) : invalidType);
  return z.pipe(z.string({ error }), z.string().check(...checks));
}

const fieldDocs = new WeakMap<object, Record<string, unknown>>();

/**
 * The JSON Schema of a DRF field built here, for the OpenAPI document: the fields are pipes with a
 * transform (numbers coerced like DRF), which JSON Schema cannot express, so each says what it accepts.
 */
export function fieldDoc(schema: object): Record<string, unknown> | undefined {
  return fieldDocs.get(schema);
}

function documented<S extends object>(schema: S, doc: Record<string, unknown>): S {
  fieldDocs.set(schema, doc);
  return schema;
}

/** A DRF CharField with DRF's messages. */
export function charField(options: CharOptions = {}) {
  const { max, min, allowBlank = false, trim = true, nfkc = false } = options;
  const checks: Array<z.core.$ZodCheck<string>> = [];
  if (trim) checks.push(z.trim());
  if (nfkc) checks.push(z.normalize("NFKC"));
  if (!allowBlank) checks.push(z.minLength(1, { error: BLANK, abort: true }));
  if (max !== undefined) checks.push(z.maxLength(max, `Ensure this field has no more than ${max} characters.`));
  if (min !== undefined && min > 1) checks.push(z.minLength(min, `Ensure this field has at least ${min} characters.`));
  return documented(z.pipe(z.transform(coerceNumber), stringThen(checks)), {
    type: "string",
    ...(allowBlank ? {} : { minLength: Math.max(1, min ?? 1) }),
    ...(max !== undefined ? { maxLength: max } : {}),
  });
}

/**
 * A username: at most 150 characters of its NFKC form, which is what the handler receives, so
 * "ａｄｍｉｎ" is stored, compared and blacklisted as "admin" (Django's normalize_username).
 */
export function usernameField(options: { allowBlank?: boolean } = {}) {
  const field = charField({ max: 150, nfkc: true, ...options });
  return documented(field, {
    ...fieldDoc(field),
    description: "Stored in NFKC form (ａｄｍｉｎ → admin); unique and matched by identifier key: Unicode case and width folded (Üser = üser)",
  });
}

// Python's str.strip() set (DRF trims with it): unlike String.prototype.trim it keeps U+FEFF, which
// the address check then refuses instead of silently dropping.
const PYTHON_SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PYTHON_STRIP = new RegExp(`^[${PYTHON_SPACE}]+|[${PYTHON_SPACE}]+$`, "g");

/**
 * A DRF EmailField (max 254 like Django's EmailField) with Django's EmailValidator and no invisible
 * characters (core/email-address.ts); `allowBlank` accepts "" as "not given".
 */
export function emailField(options: { allowBlank?: boolean } = {}) {
  const checks: Array<z.core.$ZodCheck<string>> = [z.overwrite((value: string) => value.replace(PYTHON_STRIP, ""))];
  if (!options.allowBlank) checks.push(z.minLength(1, { error: BLANK, abort: true }));
  checks.push(
    z.maxLength(254, { error: "Ensure this field has no more than 254 characters.", abort: true }),
    z.refine((value: string) => value === "" || isValidEmail(value), INVALID_EMAIL),
  );
  // DRF's EmailField answers a list, object or boolean with its own "invalid" message, not CharField's.
  return documented(z.pipe(z.transform(coerceNumber), stringThen(checks, INVALID_EMAIL)), {
    type: "string",
    format: "email",
    maxLength: 254,
    description: "Django's EmailValidator, and no control, zero-width or bidi character; matched by identifier key (case and width folded)",
    ...(options.allowBlank ? {} : { minLength: 1 }),
  });
}

const TRUTHY = new Set<unknown>([true, "true", "True", "1", 1, "yes", "on"]);
const FALSY = new Set<unknown>([false, "false", "False", "0", 0, "no", "off"]);

/** A DRF BooleanField: accepts true/false and the strings and numbers DRF accepts. */
export function booleanField() {
  return documented(z.pipe(
    z.unknown().check(
      z.refine((value) => TRUTHY.has(value) || FALSY.has(value), {
        error: (issue) => (issue.input === null ? NOT_NULL : "Must be a valid boolean."),
      }),
    ),
    z.transform((value) => TRUTHY.has(value)),
  ), { type: "boolean", description: "Also \"true\"/\"false\", 1/0, \"yes\"/\"no\", \"on\"/\"off\" (DRF BooleanField)" });
}

/** Field-level checks that need storage (a taken name, a weak password), run on the fields given. */
export type FieldChecks = (deps: Deps, fields: Record<string, unknown>) => Promise<FieldErrors>;

interface BodyOptions {
  /** canonical field -> seed-004 alias; the alias is read only when the canonical name is absent. */
  aliases?: Readonly<Record<string, string>>;
  /** When neither name was sent, report the field under its alias (seed 004's mount, whose clients know only those). */
  reportAliases?: boolean;
  /** Run on the fields that passed when others failed, so one answer lists every field's problems. */
  checkFields?: FieldChecks;
}

/** The fields of an object schema that pass on their own, with their parsed values. */
function passingFields(schema: z.ZodMiniType, data: Record<string, unknown>): Record<string, unknown> {
  const shape = (schema as { _zod: { def: { shape?: Record<string, z.ZodMiniType> } } })._zod.def.shape ?? {};
  const passing: Record<string, unknown> = {};
  for (const [field, fieldSchema] of Object.entries(shape)) {
    const result = fieldSchema.safeParse(data[field]);
    if (result.success) passing[field] = result.data;
  }
  return passing;
}

/** Renames alias fields to their canonical names; returns the reverse map for error reporting. */
function applyAliases(data: Record<string, unknown>, aliases: Record<string, string>, reportAliases: boolean): Map<string, string> {
  const used = new Map<string, string>();
  for (const [canonical, alias] of Object.entries(aliases)) {
    if (data[canonical] !== undefined) continue;
    if (data[alias] !== undefined) data[canonical] = data[alias];
    if (data[alias] !== undefined || reportAliases) used.set(canonical, alias);
  }
  return used;
}

/** Renames error keys back to the aliases the client sent. */
export function renameErrorFields(errors: FieldErrors, used: ReadonlyMap<string, string>): FieldErrors {
  if (used.size === 0) return errors;
  const renamed: FieldErrors = {};
  for (const [field, messages] of Object.entries(errors)) renamed[used.get(field) ?? field] = messages;
  return renamed;
}

/**
 * Route schemas are built on first use instead of at module load: building every route's schema
 * at startup was about half of the Worker's startup CPU.
 */
export function lazySchema<S extends z.ZodMiniType>(build: () => S): () => S {
  let schema: S | undefined;
  return () => (schema ??= build());
}

/**
 * Validates the body once, before the handler (endpoint() then hands it over as `c.var.body`).
 * Aliases the client used are kept in `c.var.aliases` so later errors (raised by services) are
 * reported under the name the client sent.
 */
export function validateBody(schema: (config: Config) => z.ZodMiniType<Record<string, unknown>>, options: BodyOptions = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const data = await parseRequestBody(c.req.raw);
    const used = applyAliases(data, options.aliases ?? {}, options.reportAliases ?? false);
    c.set("aliases", used);
    const bodySchema = schema(c.var.deps.config);
    const result = bodySchema.safeParse(data);
    if (!result.success) {
      const errors = toFieldErrors(result.error);
      if (options.checkFields) {
        const more = await options.checkFields(c.var.deps, passingFields(bodySchema, data));
        for (const [field, messages] of Object.entries(more)) errors[field] ??= messages;
      }
      throw validationError(renameErrorFields(errors, used));
    }
    c.req.addValidatedData("json", result.data);
    await next();
  };
}
