// Test harness: calls the Worker's fetch handler in workerd against real D1/KV, with a fake clock
// and the mail API intercepted at the fetch boundary (the only thing replaced).
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, vi } from "vitest";
import { createApp } from "../src/app";
import type { Bindings } from "../src/config";
import type { MailPayload } from "../src/core/mail";

export const MAIL_API_URL = "https://mail.test/emails";

/** A controllable clock (ms); starts at real time so D1 rows look realistic. */
export const clock = {
  current: Date.now(),
  now: () => clock.current,
  advance(seconds: number) {
    clock.current += seconds * 1000;
  },
};

export const app = createApp({ now: () => clock.now() });

/** What the Worker posts to the mail API (Resend's JSON shape). */
export type SentMail = MailPayload;

/** Mails the Worker posted to the mail API, in order. */
export const outbox: SentMail[] = [];
/** Next responses the fake mail API gives (default 200). */
export const mailApiResponses: Array<() => Response> = [];

/**
 * Answers the Worker's other outbound requests (the social providers' fakes); null (reset before
 * each test) = any such request fails the test.
 */
export const outbound: { handler: ((request: Request) => Response | Promise<Response>) | null } = { handler: null };

beforeEach(() => {
  outbox.length = 0;
  mailApiResponses.length = 0;
  outbound.handler = null;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input as RequestInfo, init);
    if (request.url !== MAIL_API_URL) {
      if (outbound.handler) return outbound.handler(request);
      throw new Error(`unexpected outbound request to ${request.url}`);
    }
    if (request.headers.get("authorization") !== `Bearer ${env.MAIL_API_KEY}`) return new Response("no key", { status: 401 });
    const next = mailApiResponses.shift();
    if (next) return next();
    outbox.push((await request.json()) as SentMail);
    return Response.json({ id: crypto.randomUUID() });
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

const envs = new Map<string, Bindings>();

/** The test env with some vars overridden (one stable object per override set, like an isolate's env). */
export function envWith(overrides: Record<string, string> = {}): Bindings {
  const key = JSON.stringify(overrides);
  let value = envs.get(key);
  if (!value) {
    value = { ...(env as unknown as Bindings), ...overrides };
    envs.set(key, value);
  }
  return value;
}

export interface CallOptions {
  body?: unknown;
  /** Send `body` as this content type instead of JSON ("form" = x-www-form-urlencoded, "multipart"). */
  as?: "json" | "form" | "multipart" | "raw";
  rawBody?: string;
  token?: string;
  headers?: Record<string, string>;
  env?: Record<string, string>;
  /** Bindings to use instead of the test env (test/faults.ts wraps D1 and KV); `env` is then ignored. */
  bindings?: Bindings;
  /** Counts the request's storage round trips (test/ledger.ts). */
  instrument?: CallInstrument;
}

/** What test/ledger.ts needs from a request: its bindings, its waitUntil, the moment it answered. */
export interface CallInstrument {
  env(base: Bindings): Bindings;
  context(ctx: ExecutionContext): ExecutionContext;
  responded(): void;
}

export interface CallResult {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** When set, every call() hands its bindings through it first (test/faults.ts fails storage calls this way). */
let bindingsHook: ((bindings: Bindings) => Promise<Bindings>) | null = null;
export function setBindingsHook(hook: typeof bindingsHook): void {
  bindingsHook = hook;
}

/** One request through the Worker's fetch handler; waits for its waitUntil work (mail, events). */
export async function call(method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
  const headers = new Headers(options.headers);
  let body: BodyInit | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    if (options.as === "form") {
      body = new URLSearchParams(options.body as Record<string, string>);
    } else if (options.as === "multipart") {
      const form = new FormData();
      for (const [k, v] of Object.entries(options.body as Record<string, string>)) form.append(k, v);
      body = form;
    } else {
      body = JSON.stringify(options.body);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
    }
  }
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  const ctx = createExecutionContext();
  const { instrument } = options;
  const base = options.bindings ?? envWith(options.env);
  const hooked = bindingsHook ? await bindingsHook(base) : base;
  const bindings = instrument ? instrument.env(hooked) : hooked;
  const response = await app.fetch(new Request(`https://api.example.test${path}`, { method, headers, body }), bindings, instrument ? instrument.context(ctx) : ctx);
  instrument?.responded();
  const text = await response.text();
  await waitOnExecutionContext(ctx);
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

let ipCounter = 0;
/** Where this run's client IPs start: throttle counters are stored per network, so runs must not share them. */
const ipBase = crypto.getRandomValues(new Uint8Array(2));
/** A client IPv4 address no other test of this run uses, so per-client counters never leak between tests. */
export function freshIp(): string {
  ipCounter++;
  return `10.${ipBase[0]}.${(ipBase[1]! + (ipCounter >> 8)) % 256}.${ipCounter % 256}`;
}

let counter = 0;
/** A unique, valid identity for one test. */
export function newIdentity(prefix = "user") {
  counter++;
  const tag = `${prefix}${counter}${crypto.randomUUID().slice(0, 6)}`;
  return { username: tag, email: `${tag}@example.com`, password: "correct horse battery staple" };
}

/** The first link in a mail's text part. */
export function linkIn(mail: SentMail): string {
  const match = /https?:\/\/\S+/.exec(mail.text);
  if (!match) throw new Error(`no link in mail: ${mail.text}`);
  return match[0];
}

export function mailTo(address: string): SentMail[] {
  return outbox.filter((mail) => mail.to.includes(address));
}

/** Registers and confirms an account through the public API; returns its identity. */
export async function registerVerified(prefix = "user", env?: Record<string, string>) {
  const identity = newIdentity(prefix);
  const registered = await call("POST", "/auth/registration/", {
    body: { username: identity.username, email: identity.email, password1: identity.password, password2: identity.password },
    env,
  });
  if (registered.status !== 201) throw new Error(`registration failed: ${registered.text}`);
  const key = /Confirmation key: (\S+)/.exec(mailTo(identity.email).at(-1)!.text)![1]!;
  const verified = await call("POST", "/auth/registration/verify-email/", { body: { key }, env });
  if (verified.status !== 200) throw new Error(`verification failed: ${verified.text}`);
  return identity;
}

/** A verified account, logged in: identity plus its token response. */
export async function loggedIn(prefix = "user", env?: Record<string, string>) {
  const identity = await registerVerified(prefix, env);
  const response = await call("POST", "/auth/login/", { body: { username: identity.username, password: identity.password }, env });
  if (response.status !== 200) throw new Error(`login failed: ${response.text}`);
  return { ...identity, access: response.body.access as string, refresh: response.body.refresh as string, pk: response.body.user.pk as number };
}

/** The raw D1 `users` row for an address (case-insensitive), or null. */
export function userRow(email: string) {
  return env.DB.prepare("select * from users where lower(email) = lower(?)").bind(email).first<Record<string, any>>();
}

/** A user's security events (`events` rows, oldest first) with `meta` parsed. */
export async function eventsOf(userId: number): Promise<Array<{ event: string; meta: Record<string, any>; ip: string | null; user_agent: string }>> {
  const { results } = await env.DB.prepare("select * from events where user_id = ? order by id").bind(userId).all<Record<string, any>>();
  return results.map((row) => ({ event: row.event, meta: JSON.parse(row.meta), ip: row.ip, user_agent: row.user_agent }));
}

/** The confirmation key of the last mail sent to `address`. */
export function confirmationKeyFor(address: string): string {
  const mail = mailTo(address).at(-1);
  const match = mail && /Confirmation key: (\S+)/.exec(mail.text);
  if (!match) throw new Error(`no confirmation mail to ${address}`);
  return match[1]!;
}

/** The JSON payload of a JWT (no verification). */
export function jwtPayload(token: string): Record<string, any> {
  const part = token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part + "=".repeat((4 - (part.length % 4)) % 4)));
}

/**
 * One stable env (so config and app are built once) whose D1 logs every round trip's SQL: a statement
 * run, or "batch of N". For tests that assert which statements run; test/ledger.ts only counts them.
 */
export function countingEnv(overrides: Record<string, string> = {}): { env: Bindings; trips: string[] } {
  const trips: string[] = [];
  const real = new WeakMap<object, D1PreparedStatement>();
  const wrap = (statement: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (prop === "bind") return (...args: unknown[]) => wrap((value as (...a: unknown[]) => D1PreparedStatement).apply(target, args), sql);
        if (typeof value !== "function") return value;
        if (["first", "all", "run", "raw"].includes(String(prop))) trips.push(sql);
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
    real.set(proxy, statement);
    return proxy;
  };
  const db = env.DB;
  const counting = {
    prepare: (sql: string) => wrap(db.prepare(sql), sql),
    batch: (statements: D1PreparedStatement[]) => {
      trips.push(`batch of ${statements.length}`);
      return db.batch(statements.map((statement) => real.get(statement) ?? statement));
    },
  } as unknown as D1Database;
  return { env: { ...envWith(overrides), DB: counting }, trips };
}
