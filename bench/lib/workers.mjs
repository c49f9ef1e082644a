// Starts a Worker through wrangler's programmatic API (the DevEnv behind
// `unstable_startWorker`) with the inspector off, and finds its workerd
// processes.
//
// wrangler runs two workerd processes per Worker:
//   - the "proxy" (wrangler's ProxyWorker) on the port we ask for, which
//     forwards every request to
//   - the "runtime" that runs the Worker itself, with its local D1/KV
//     simulators, on a port wrangler picks (miniflare's entry socket).
// Load goes straight to the runtime's socket: the dev proxy is a second
// HTTP hop that production does not have and that, on 2 cores, caps a
// hello-world Worker at roughly a quarter of its throughput. CPU per request
// is read from the runtime process.
import { getNodeCompat } from "miniflare"; // wrangler's own copy (bench/node_modules)
import { unstable_DevEnv } from "wrangler";
import { childPids, cmdline, listeningPorts, pidListeningOn } from "./proc.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** wrangler's own rule (validateNodeCompatMode -> miniflare's getNodeCompat). */
function nodejsCompatMode(config) {
  return getNodeCompat(config.compatibility_date, config.compatibility_flags ?? []).mode;
}

/**
 * @param {object} o
 * @param {string} o.name label
 * @param {string} o.config path to the wrangler config
 * @param {number} o.port port for wrangler's dev proxy (127.0.0.1)
 * @param {string|false} o.persist local persistence dir (D1/KV), or false
 * @param {Record<string, unknown>} [o.bindings] binding overrides (vars)
 * @param {string[]} [o.envFiles] env files to load instead of .dev.vars/.env
 * @param {string} [o.entrypoint] a prebuilt bundle to run as is (no rebuild)
 */
export async function startTarget({ name, config, port, persist, bindings, envFiles, entrypoint }) {
  const devEnv = new unstable_DevEnv();
  let userWorkerUrl;
  const dispatch = devEnv.dispatch.bind(devEnv);
  let reloads = 0;
  devEnv.dispatch = (event) => {
    if (event.type === "reloadComplete") {
      userWorkerUrl = event.proxyData?.userWorkerUrl;
      reloads++;
    }
    return dispatch(event);
  };
  const errors = [];
  devEnv.on("error", (e) => errors.push(`${e.source}: ${e.reason}${e.cause ? ` (${e.cause.message ?? e.cause})` : ""}`));

  const before = new Set(childPids(process.pid, "workerd"));
  const worker = await devEnv.startWorker({
    config,
    envFiles,
    bindings,
    sendMetrics: false,
    // A prebuilt bundle runs as is (bundle: false): wrangler's dev bundler
    // would otherwise watch the sources (always, whatever dev.watch says)
    // and restart the runtime whenever someone edits src/ during the run.
    // nodejsCompatMode: the CLI computes it from the config, the
    // programmatic API does not; without it a bundle built here would skip
    // wrangler's Node.js-compat step and differ from what deploy ships.
    entrypoint,
    build: { nodejsCompatMode, ...(entrypoint ? { bundle: false } : {}) },
    dev: {
      inspector: false, // no DevTools connection: nothing traces D1 queries
      watch: false,
      liveReload: false,
      persist,
      remote: false,
      logLevel: process.env.BENCH_LOG_LEVEL ?? "warn",
      enableContainers: false,
      server: { hostname: "127.0.0.1", port },
    },
  });
  try {
    await worker.ready;
    for (let i = 0; i < 600 && !userWorkerUrl; i++) {
      if (errors.length) break;
      await sleep(50);
    }
    if (!userWorkerUrl) throw new Error(errors.join("; ") || "the Worker's runtime did not report ready in 30 s");
    const userPort = Number(userWorkerUrl.port);
    const mine = childPids(process.pid, "workerd").filter((p) => !before.has(p));
    const runtimePid = pidListeningOn(userPort, mine);
    const proxyPid = pidListeningOn(port, mine);
    if (!runtimePid) throw new Error(`no workerd child process listens on ${userPort}`);
    const inspectorFlags = mine.filter((p) => cmdline(p).some((a) => a.startsWith("--inspector-addr")));
    const target = {
      name,
      worker,
      proxyPort: port,
      port: userPort,
      base: `http://127.0.0.1:${userPort}`,
      runtimePid,
      proxyPid,
      workerdPids: mine,
      inspectorOff: inspectorFlags.length === 0,
      runtimeListening: listeningPorts(runtimePid),
      errors,
      reloads: () => reloads,
      /** After a reload (config file edited mid-run), find the new runtime. */
      relocate() {
        const p = Number(userWorkerUrl.port);
        const pid = pidListeningOn(p, childPids(process.pid, "workerd"));
        if (!pid) throw new Error(`${name}: runtime reloaded and no workerd listens on ${p}`);
        Object.assign(target, { port: p, base: `http://127.0.0.1:${p}`, runtimePid: pid });
      },
      async dispose() {
        await worker.dispose();
      },
    };
    return target;
  } catch (e) {
    await worker.dispose().catch(() => {});
    throw e;
  }
}
