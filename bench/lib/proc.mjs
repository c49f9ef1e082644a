// Linux /proc helpers: find the workerd process that listens on a port, and
// read its CPU time (user + system, all threads) in milliseconds.
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, readlinkSync } from "node:fs";

let clkTck;
export function clockTicksPerSecond() {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** Fields of /proc/<pid>/stat after the command name (index 0 = state). */
function statFields(pid) {
  const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
  const close = raw.lastIndexOf(")");
  return { comm: raw.slice(raw.indexOf("(") + 1, close), rest: raw.slice(close + 2).split(" ") };
}

/** utime + stime of a process (all its threads), in ms. */
export function cpuMs(pid) {
  const { rest } = statFields(pid);
  const ticks = Number(rest[11]) + Number(rest[12]);
  return (ticks * 1000) / clockTicksPerSecond();
}

/** Direct children of `ppid` whose command name is `comm`. */
export function childPids(ppid, comm) {
  const out = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const { comm: c, rest } = statFields(name);
      if (Number(rest[1]) === ppid && (!comm || c === comm)) out.push(Number(name));
    } catch {
      // process went away
    }
  }
  return out;
}

export function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

/** Every TCP socket in LISTEN state (IPv4 and IPv6), as { port, inode }. */
function listeningSockets() {
  const sockets = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== "0A") continue;
      sockets.push({ port: parseInt(f[1].split(":").pop(), 16), inode: f[9] });
    }
  }
  return sockets;
}

/** Socket inodes of TCP sockets in LISTEN state on `port`. */
function listenInodes(port) {
  return new Set(listeningSockets().filter((s) => s.port === Number(port)).map((s) => s.inode));
}

/** Ports that `pid` is listening on (TCP). */
export function listeningPorts(pid) {
  const inodes = new Set();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      } catch {
        // fd closed meanwhile
      }
    }
  } catch {
    return [];
  }
  const ports = new Set(listeningSockets().filter((s) => inodes.has(s.inode)).map((s) => s.port));
  return [...ports].sort((a, b) => a - b);
}

/** The pid among `candidates` that owns a listening socket on `port`. */
export function pidListeningOn(port, candidates) {
  const inodes = listenInodes(port);
  if (inodes.size === 0) return undefined;
  for (const pid of candidates) {
    let fds;
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1])) return pid;
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return undefined;
}

export function machineInfo() {
  let cpuModel = "unknown";
  let shaNi;
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    const m = /^model name\s*:\s*(.+)$/m.exec(info);
    if (m) cpuModel = m[1].trim();
    const flags = /^flags\s*:\s*(.+)$/m.exec(info);
    if (flags) shaNi = flags[1].split(/\s+/).includes("sha_ni");
  } catch {
    // not Linux
  }
  let memTotal = "unknown";
  try {
    const m = /^MemTotal:\s*(\d+) kB/m.exec(readFileSync("/proc/meminfo", "utf8"));
    if (m) memTotal = `${(Number(m[1]) / 1024 / 1024).toFixed(1)} GiB`;
  } catch {
    // not Linux
  }
  let kernel = "unknown";
  try {
    kernel = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  } catch {
    // not Linux
  }
  return { cpuModel, shaNi, memTotal, kernel };
}

/** Busy and stolen CPU time of the whole machine (all cores), in ms, from /proc/stat. */
export function systemCpuMs() {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  const k = 1000 / clockTicksPerSecond();
  return { busy: (user + nice + system + irq + softirq) * k, steal: (steal || 0) * k };
}

/** CPU time of this process and all its direct children (workerd, esbuild), in ms. */
export function benchCpuMs() {
  const u = process.cpuUsage();
  let ms = (u.user + u.system) / 1000;
  for (const pid of childPids(process.pid)) {
    try {
      ms += cpuMs(pid);
    } catch {
      // exited meanwhile
    }
  }
  return ms;
}
