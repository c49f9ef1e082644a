// Load generation with autocannon, bounded by count AND time, and CPU
// accounting of the target's workerd runtime process.
import autocannon from "autocannon";
import { benchCpuMs, cpuMs, systemCpuMs } from "./proc.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A request spec:
 *   { method, path, headers?, body?: string | () => string,
 *     onBody?: (status, body) => boolean   // false counts as an error
 *   }
 * `body` as a function builds a fresh body per request (unique users, one
 * refresh token per request, ...).
 */
function toAutocannonRequest(spec, counters) {
  const req = { method: spec.method, path: spec.path, headers: { ...(spec.headers ?? {}) } };
  if (spec.body !== undefined) req.headers["content-type"] = "application/json";
  if (typeof spec.body === "function") {
    req.setupRequest = (r) => ({ ...r, body: spec.body() });
  } else if (spec.body !== undefined) {
    req.body = spec.body;
  }
  if (spec.onBody) {
    req.onResponse = (status, body) => {
      if (!spec.onBody(status, body)) counters.semantic++;
    };
  }
  return req;
}

/**
 * Runs `amount` requests over `connections` connections, stopping early at
 * `maxSeconds`; returns autocannon's figures plus the CPU the runtime
 * process spent meanwhile.
 */
export async function runLoad({ target, spec, connections, amount, maxSeconds, settleMs = 250 }) {
  const counters = { semantic: 0 };
  await sleep(settleMs); // let the previous scenario's stragglers finish
  const cpu0 = cpuMs(target.runtimePid);
  const sys0 = systemCpuMs();
  const bench0 = benchCpuMs();
  const t0 = performance.now();
  let stoppedByTime = false;
  const instance = autocannon({
    url: target.base,
    connections,
    pipelining: 1,
    amount: Math.max(amount, connections),
    timeout: Math.max(10, Math.ceil(maxSeconds)),
    requests: [toAutocannonRequest(spec, counters)],
  });
  let responses = 0;
  // autocannon's own duration runs to the tick after the last response (it checks for completion
  // once a second), which made req/s a count divided by whole seconds: time the responses instead.
  let lastResponse = t0;
  instance.on("response", () => {
    responses++;
    lastResponse = performance.now();
  });
  const timer = setTimeout(() => {
    stoppedByTime = true;
    instance.stop();
  }, maxSeconds * 1000);
  const r = await instance;
  clearTimeout(timer);
  const wallS = responses > 0 ? (lastResponse - t0) / 1000 : (performance.now() - t0) / 1000;
  await sleep(settleMs); // in-flight work of aborted requests lands in the window
  const cpu1 = cpuMs(target.runtimePid);
  const sys1 = systemCpuMs();
  const bench1 = benchCpuMs();
  const windowMs = performance.now() - t0;
  // Other processes on the machine (anything that is not this runner or
  // its Workers), in cores on average over the window: a noisy neighbour
  // makes CPU time per request vary (shared caches, SMT siblings).
  const foreignCores = Math.max(0, sys1.busy - sys0.busy - (bench1 - bench0)) / windowMs;
  const stealCores = (sys1.steal - sys0.steal) / windowMs;
  const completed = responses; // responses received (any status)
  const ok = r["2xx"] - Math.min(counters.semantic, r["2xx"]);
  const errors = r.errors + r.timeouts + r.non2xx + Math.min(counters.semantic, r["2xx"]);
  return {
    amount,
    completed,
    ok,
    errors,
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats).map(([k, v]) => [k, v.count])),
    durationS: wallS,
    autocannonDurationS: r.duration,
    rps: ok / wallS,
    p50: r.latency.p50,
    p99: r.latency.p99,
    cpuMs: cpu1 - cpu0,
    cpuMsPerReq: completed > 0 ? (cpu1 - cpu0) / completed : NaN,
    stoppedByTime: stoppedByTime && completed < amount,
    foreignCores,
    stealCores,
  };
}
