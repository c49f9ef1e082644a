// The round-trip ledger: wraps the Worker's bindings (D1, KV, Durable Objects) and outbound fetch to
// count, per request, what each storage call costs in production, where every D1 query goes to the
// primary's region unless a replica may serve it and every KV write is slow and billed. Locally it
// all runs in-process, so this is how a test sees the cost (ARCHITECTURE.md, "Round-trip budget").
import type { Bindings } from "../src/config";

export type BindingKind = "d1" | "kv" | "do";

/**
 * What one call costs. d1Primary: a D1 statement or batch that needs the primary (a write, or a
 * read that must see the latest state); d1Replica: a D1 read a nearby replica may serve; throttle:
 * any call the throttle makes (its own category, whatever store it uses).
 */
export const CATEGORIES = ["d1Primary", "d1Replica", "kvRead", "kvWrite", "do", "outbound", "throttle"] as const;
export type Category = (typeof CATEGORIES)[number];
export type Tally = Record<Category, number>;

export interface CallRecord {
  category: Category;
  /** SQL, KV key, DO method or URL: what a failing budget test prints. */
  detail: string;
  /** Not awaited by the response: started after it, or handed to waitUntil as it started. */
  deferred: boolean;
}

export interface RequestCost {
  /** Calls the response waited for. */
  path: Tally;
  /** Calls after the response (waitUntil). */
  deferred: Tally;
  calls: CallRecord[];
}

export interface LedgerOptions {
  /** Binding name → what it is; bindings not listed pass through uncounted. */
  bindings: Record<string, BindingKind>;
  /** What belongs to the throttle, whatever its store (KV key prefix, SQL table, DO binding). */
  throttle?: { kvPrefix?: string; sql?: RegExp; bindings?: string[] };
}

/**
 * Simulated replica lag: "missing-rows" makes every read a replica would serve come back empty, as
 * from a replica that has not yet received rows written moments ago, so the fallback to the primary
 * runs in a test (locally the "replica" is the primary, never behind).
 */
export type ReplicaMode = "current" | "missing-rows";

const emptyTally = (): Tally => Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Tally;

const WRITE_SQL = /^\s*(insert|update|delete|replace|create|drop|alter)\b/i;
const isWrite = (sql: string) => WRITE_SQL.test(sql);

/** A D1 session's routing state: which of its queries a replica may serve (D1 Sessions API). */
interface SessionState {
  constraint: string;
  used: boolean;
  wrote: boolean;
}

type Route = "primary" | SessionState;

export class Ledger {
  private current: { calls: CallRecord[]; responded: boolean; segment: CallRecord[]; segmentOpen: boolean } | null = null;
  private readonly envs = new WeakMap<object, Bindings>();
  private readonly statementSql = new WeakMap<object, string>();
  replicaMode: ReplicaMode = "current";

  constructor(private readonly options: LedgerOptions) {}

  /** `base` with its listed bindings wrapped (one stable object per base, like an isolate's env). */
  env(base: Bindings): Bindings {
    let wrapped = this.envs.get(base);
    if (!wrapped) {
      const copy: Record<string, unknown> = { ...(base as unknown as Record<string, unknown>) };
      for (const [name, kind] of Object.entries(this.options.bindings)) {
        const real = copy[name];
        if (real === undefined) continue;
        if (kind === "d1") copy[name] = this.wrapD1(real as D1Database, "primary");
        else if (kind === "kv") copy[name] = this.wrapKv(real as KVNamespace);
        else copy[name] = this.wrapDurableObjects(name, real as DurableObjectNamespace);
      }
      wrapped = copy as unknown as Bindings;
      this.envs.set(base, wrapped);
    }
    return wrapped;
  }

  /** The request's ExecutionContext: work handed to waitUntil as its calls start counts as deferred. */
  context(ctx: ExecutionContext): ExecutionContext {
    return {
      waitUntil: (promise) => {
        const open = this.current;
        if (open) {
          // The deferred promise's own calls began in this synchronous run (a started query handed
          // to waitUntil); a function that waitUntil starts later is caught by `responded`.
          for (const call of open.segment) call.deferred = true;
          open.segment = [];
        }
        ctx.waitUntil(promise);
      },
      passThroughOnException: () => ctx.passThroughOnException(),
      props: ctx.props,
    } as ExecutionContext;
  }

  /** Marks the moment the response exists: every call after it is deferred. */
  responded(): void {
    if (this.current) this.current.responded = true;
  }

  /** Runs `request` (which must use env()/context()/responded()) and returns what it cost. */
  async measure<T>(request: () => Promise<T>): Promise<{ result: T; cost: RequestCost }> {
    if (this.current) throw new Error("ledger: one request at a time");
    const open = { calls: [] as CallRecord[], responded: false, segment: [] as CallRecord[], segmentOpen: false };
    this.current = open;
    const realFetch = globalThis.fetch;
    globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
      const url = input instanceof Request ? input.url : String(input);
      this.record("outbound", `${init?.method ?? (input instanceof Request ? input.method : "GET")} ${url}`);
      return realFetch(input, init);
    }) as typeof fetch;
    try {
      const result = await request();
      return { result, cost: summarize(open.calls) };
    } finally {
      globalThis.fetch = realFetch;
      this.current = null;
    }
  }

  private record(category: Category, detail: string): void {
    const open = this.current;
    if (!open) return;
    const call: CallRecord = { category, detail, deferred: open.responded };
    open.calls.push(call);
    open.segment.push(call);
    if (!open.segmentOpen) {
      open.segmentOpen = true;
      // The end of the synchronous run that made this call.
      queueMicrotask(() => {
        open.segment = [];
        open.segmentOpen = false;
      });
    }
  }

  private throttleSql(sql: string): boolean {
    return this.options.throttle?.sql?.test(sql) ?? false;
  }

  /** Where a statement (or a batch) of `route` goes, and how it counts. */
  private recordD1(sqls: string[], route: Route): "primary" | "replica" {
    const writes = sqls.some(isWrite);
    let target: "primary" | "replica";
    if (route === "primary") target = "primary";
    else {
      // A session's first query under "first-primary", its writes, and (conservatively) its reads
      // after a write of its own need the primary; any other read may be served by a replica.
      target = writes || route.wrote || (route.constraint === "first-primary" && !route.used) ? "primary" : "replica";
      route.used = true;
      if (writes) route.wrote = true;
    }
    const detail = sqls.length === 1 ? sqls[0]! : `batch(${sqls.length}): ${sqls.join(" ; ")}`;
    if (sqls.some((sql) => this.throttleSql(sql))) this.record("throttle", detail);
    else this.record(target === "primary" ? "d1Primary" : "d1Replica", detail);
    return target;
  }

  private emptyResult(method: string): unknown {
    if (method === "first") return null;
    if (method === "raw") return [];
    return { results: [], success: true, meta: { served_by_primary: false, changes: 0, duration: 0 } };
  }

  private wrapStatement(stmt: D1PreparedStatement, sql: string, route: Route, originals: WeakMap<object, D1PreparedStatement>): D1PreparedStatement {
    const ledger = this;
    const run = (method: "first" | "all" | "run" | "raw") =>
      function (this: unknown, ...args: unknown[]) {
        const target = ledger.recordD1([sql], route);
        if (target === "replica" && ledger.replicaMode === "missing-rows" && !isWrite(sql)) return Promise.resolve(ledger.emptyResult(method));
        return (stmt[method] as (...a: unknown[]) => Promise<unknown>).apply(stmt, args);
      };
    const wrapped = {
      bind: (...values: unknown[]) => ledger.wrapStatement(stmt.bind(...values), sql, route, originals),
      first: run("first"),
      all: run("all"),
      run: run("run"),
      raw: run("raw"),
    } as unknown as D1PreparedStatement;
    originals.set(wrapped, stmt);
    this.statementSql.set(wrapped, sql);
    return wrapped;
  }

  private wrapD1(real: D1Database | D1DatabaseSession, route: Route): D1Database {
    const originals = new WeakMap<object, D1PreparedStatement>();
    const wrapped: Record<string, unknown> = {
      prepare: (sql: string) => this.wrapStatement(real.prepare(sql), sql, route, originals),
      batch: (statements: D1PreparedStatement[]) => {
        this.recordD1(
          statements.map((s) => this.statementSql.get(s) ?? "?"),
          route,
        );
        return real.batch(statements.map((s) => originals.get(s) ?? s));
      },
    };
    if (route === "primary") {
      const db = real as D1Database;
      wrapped.exec = (query: string) => {
        this.recordD1([query], route);
        return db.exec(query);
      };
      wrapped.withSession = (constraint?: string) => {
        const state: SessionState = { constraint: constraint ?? "first-unconstrained", used: false, wrote: false };
        return this.wrapD1(db.withSession(constraint), state);
      };
      wrapped.dump = () => db.dump();
    } else {
      wrapped.getBookmark = () => (real as D1DatabaseSession).getBookmark();
    }
    return wrapped as unknown as D1Database;
  }

  private wrapKv(real: KVNamespace): KVNamespace {
    const prefix = this.options.throttle?.kvPrefix;
    const note = (category: "kvRead" | "kvWrite", op: string, key: string) =>
      this.record(prefix !== undefined && key.startsWith(prefix) ? "throttle" : category, `${op} ${key}`);
    return {
      get: (key: string, options?: unknown) => {
        note("kvRead", "get", key);
        return real.get(key, options as never);
      },
      getWithMetadata: (key: string, options?: unknown) => {
        note("kvRead", "getWithMetadata", key);
        return real.getWithMetadata(key, options as never);
      },
      list: (options?: KVNamespaceListOptions) => {
        note("kvRead", "list", options?.prefix ?? "");
        return real.list(options);
      },
      put: (key: string, value: never, options?: KVNamespacePutOptions) => {
        note("kvWrite", "put", key);
        return real.put(key, value, options);
      },
      delete: (key: string) => {
        note("kvWrite", "delete", key);
        return real.delete(key);
      },
    } as unknown as KVNamespace;
  }

  /** Every method called on a stub (fetch or RPC) is one round trip to the object. */
  private wrapDurableObjects(name: string, real: DurableObjectNamespace): DurableObjectNamespace {
    const category: Category = this.options.throttle?.bindings?.includes(name) ? "throttle" : "do";
    const stub = (inner: DurableObjectStub) =>
      new Proxy(inner, {
        get: (target, property, receiver) => {
          const value = Reflect.get(target, property, receiver);
          if (typeof value !== "function" || property === "then") return value;
          return (...args: unknown[]) => {
            this.record(category, `${name}.${String(property)}`);
            // Reflect.apply: an RPC stub's members are RPC proxies, where `.apply` would be a remote method.
            return Reflect.apply(value as (...a: unknown[]) => unknown, target, args);
          };
        },
      });
    return new Proxy(real, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver);
        if (property === "get" || property === "getByName") {
          return (...args: unknown[]) => stub(Reflect.apply(value as (...a: unknown[]) => DurableObjectStub, target, args));
        }
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
}

function summarize(calls: CallRecord[]): RequestCost {
  const path = emptyTally();
  const deferred = emptyTally();
  for (const call of calls) (call.deferred ? deferred : path)[call.category]++;
  return { path, deferred, calls };
}
