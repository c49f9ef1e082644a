// The scenarios of every target. Each scenario's prepare() runs untimed
// before each measured run: it checks that the endpoint answers as
// expected (throwing a readable reason otherwise, which skips the scenario)
// and returns the request spec for the load generator.

export const PASSWORD = "Bench-Correct-Horse-7413";

const json = (o) => JSON.stringify(o);

async function call(base, method, path, { body, headers } = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...(headers ?? {}) },
    body: body !== undefined ? json(body) : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    data = undefined;
  }
  return { status: res.status, text, data, headers: res.headers };
}

function expect(res, status, what, pred = () => true) {
  if (res.status !== status || !pred(res.data)) {
    const snippet = res.text.replace(/\s+/g, " ").slice(0, 200);
    throw new Error(`${what} answered ${res.status} (expected ${status}${pred.name ? ` with ${pred.name}` : ""}): ${snippet}`);
  }
  return res.data;
}

const hasTokens = Object.defineProperty((d) => typeof d?.access === "string" && typeof d?.refresh === "string", "name", {
  value: "access and refresh tokens",
});

/** Runs `fn(i)` for i in [0, n) with at most `width` in flight. */
async function pool(n, width, fn) {
  const out = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

// ---------------------------------------------------------------- floors

export function helloScenarios() {
  return [
    {
      id: "hello.get",
      label: "GET / (small JSON)",
      floor: "hello",
      async prepare(t) {
        expect(await call(t.base, "GET", "/"), 200, "GET /");
        return { method: "GET", path: "/" };
      },
    },
    {
      id: "hello.d1",
      label: "GET /d1 (one trivial D1 query: the local storage floor)",
      floor: "hello",
      async prepare(t) {
        expect(await call(t.base, "GET", "/d1"), 200, "GET /d1");
        return { method: "GET", path: "/d1" };
      },
    },
  ];
}

export function pbkdf2Scenarios() {
  return [
    {
      id: "pbkdf2.derive",
      label: "POST / PBKDF2-SHA256 100k",
      floor: "pbkdf2",
      async prepare(t) {
        expect(await call(t.base, "POST", "/", { body: { password: PASSWORD } }), 200, "POST /");
        return { method: "POST", path: "/", body: json({ password: PASSWORD }) };
      },
    },
  ];
}

// ---------------------------------------------------------------- ours

/**
 * Our scenarios. `prefix` names the target in the ids ("ours", or "ours-throttled" for the same app
 * with throttles on); `only` keeps these scenario names (e.g. ["login", "refresh"]).
 */
export function oursScenarios({ runId, connections, prefix = "ours", only }) {
  const st = { n: 0, users: [], refreshPool: [], poolMisses: 0 };
  const uname = () => `b${runId}${prefix === "ours" ? "" : "t"}u${++st.n}`;
  const newUser = () => {
    const username = uname();
    return { username, email: `${username}@bench.test`, password1: PASSWORD, password2: PASSWORD };
  };
  const register = async (t) =>
    expect(await call(t.base, "POST", "/auth/registration/", { body: newUser() }), 201, "POST /auth/registration/", hasTokens);
  const login = async (t, username) =>
    expect(await call(t.base, "POST", "/auth/login/", { body: { username, password: PASSWORD } }), 200, "POST /auth/login/", hasTokens);
  const ensureUsers = async (t) => {
    if (st.users.length >= connections) return;
    const made = await pool(connections - st.users.length, 2, async () => {
      const body = newUser();
      expect(await call(t.base, "POST", "/auth/registration/", { body }), 201, "POST /auth/registration/", hasTokens);
      return body.username;
    });
    st.users.push(...made);
  };
  const freshAccess = async (t) => {
    await ensureUsers(t);
    return (await login(t, st.users[0])).access;
  };

  const all = [
    {
      id: "ours.register",
      label: "POST /auth/registration/ (unique users)",
      floor: "pbkdf2",
      async prepare(t) {
        await register(t);
        return {
          method: "POST",
          path: "/auth/registration/",
          body: () => json(newUser()),
          onBody: (status) => status === 201,
        };
      },
    },
    {
      id: "ours.login",
      label: "POST /auth/login/",
      floor: "pbkdf2",
      async prepare(t) {
        await ensureUsers(t);
        await login(t, st.users[0]);
        let i = 0;
        return {
          method: "POST",
          path: "/auth/login/",
          body: () => json({ username: st.users[i++ % st.users.length], password: PASSWORD }),
        };
      },
    },
    {
      id: "ours.user",
      label: "GET /auth/user/ (Bearer)",
      floor: "hello",
      async prepare(t) {
        const access = await freshAccess(t);
        const headers = { authorization: `Bearer ${access}` };
        expect(await call(t.base, "GET", "/auth/user/", { headers }), 200, "GET /auth/user/");
        return { method: "GET", path: "/auth/user/", headers };
      },
    },
    {
      id: "ours.refresh",
      label: "POST /auth/token/refresh/ (fresh token each, rotation)",
      floor: "hello",
      async prepare(t) {
        // A pool of never-used refresh tokens; every response's rotated
        // token goes back into it, so each request spends a fresh one.
        // Topped up by logins (untimed) when aborted requests lost some.
        await ensureUsers(t);
        const want = connections * 5;
        if (st.refreshPool.length < want) {
          const got = await pool(want - st.refreshPool.length, 2, async (i) => (await login(t, st.users[i % st.users.length])).refresh);
          st.refreshPool.push(...got);
        }
        // Once: rotation and one-time use, on a throwaway login (reusing a
        // refresh token may revoke its whole family, so never a pool token).
        if (st.reuseWarning === undefined) {
          const first = (await login(t, st.users[0])).refresh;
          const d = expect(
            await call(t.base, "POST", "/auth/token/refresh/", { body: { refresh: first } }),
            200,
            "POST /auth/token/refresh/",
            hasTokens,
          );
          if (d.refresh === first) throw new Error("POST /auth/token/refresh/ did not rotate the refresh token");
          // Within REFRESH_REUSE_INTERVAL (10 s) the spent token may come back: it must get the same
          // rotated token again (nothing new is minted); anything else is a second rotation.
          const reuse = await call(t.base, "POST", "/auth/token/refresh/", { body: { refresh: first } });
          const sameToken = reuse.status === 200 && reuse.data?.refresh === d.refresh;
          st.reuseWarning = reuse.status === 200 && !sameToken ? "a used refresh token was rotated a second time (no blacklisting after rotation)" : "";
        }
        return {
          warning: st.reuseWarning || undefined,
          method: "POST",
          path: "/auth/token/refresh/",
          body: () => {
            const token = st.refreshPool.shift();
            if (token === undefined) st.poolMisses++;
            return json({ refresh: token ?? "pool-exhausted" });
          },
          onBody: (status, body) => {
            if (status !== 200) return false;
            try {
              const r = JSON.parse(body).refresh;
              if (typeof r !== "string") return false;
              st.refreshPool.push(r);
              return true;
            } catch {
              return false;
            }
          },
        };
      },
    },
    {
      id: "ours.verify",
      label: "POST /auth/token/verify/",
      floor: "hello",
      async prepare(t) {
        const token = await freshAccess(t);
        expect(await call(t.base, "POST", "/auth/token/verify/", { body: { token } }), 200, "POST /auth/token/verify/");
        return { method: "POST", path: "/auth/token/verify/", body: json({ token }) };
      },
    },
    {
      id: "ours.confirm",
      label: "POST /auth/registration/verify-email/ (wrong key: 404)",
      floor: "hello",
      // A declared-throttle endpoint (scope `confirm`, by client) whose answer needs no account: the
      // throttle call is most of what it does. 404 is the expected answer, not an error.
      async prepare(t) {
        const body = { key: "bench-wrong-key" };
        expect(await call(t.base, "POST", "/auth/registration/verify-email/", { body }), 404, "POST /auth/registration/verify-email/ with a wrong key");
        return { method: "POST", path: "/auth/registration/verify-email/", body: json(body), expectStatus: 404 };
      },
    },
  ];
  return all
    .filter((s) => !only || only.includes(s.id.slice("ours.".length)))
    .map((s) => ({ ...s, id: `${prefix}.${s.id.slice("ours.".length)}` }));
}

// ---------------------------------------------------------------- the peer

export function peerScenarios({ runId, connections }) {
  const st = { n: 0, users: [] };
  const newUser = () => {
    const n = ++st.n;
    return { name: `Bench ${n}`, email: `b${runId}p${n}@bench.test`, password: PASSWORD };
  };
  const hasToken = Object.defineProperty((d) => typeof d?.token === "string", "name", { value: "a token" });
  const ensureUsers = async (t) => {
    if (st.users.length >= connections) return;
    const made = await pool(connections - st.users.length, 2, async () => {
      const body = newUser();
      expect(await call(t.base, "POST", "/api/auth/sign-up/email", { body }), 200, "POST /api/auth/sign-up/email", hasToken);
      return body.email;
    });
    st.users.push(...made);
  };
  return [
    {
      id: "peer.signup",
      label: "POST /api/auth/sign-up/email (unique users)",
      floor: "pbkdf2",
      async prepare(t) {
        expect(await call(t.base, "POST", "/api/auth/sign-up/email", { body: newUser() }), 200, "POST /api/auth/sign-up/email", hasToken);
        return { method: "POST", path: "/api/auth/sign-up/email", body: () => json(newUser()) };
      },
    },
    {
      id: "peer.signin",
      label: "POST /api/auth/sign-in/email",
      floor: "pbkdf2",
      async prepare(t) {
        await ensureUsers(t);
        expect(
          await call(t.base, "POST", "/api/auth/sign-in/email", { body: { email: st.users[0], password: PASSWORD } }),
          200,
          "POST /api/auth/sign-in/email",
          hasToken,
        );
        let i = 0;
        return {
          method: "POST",
          path: "/api/auth/sign-in/email",
          body: () => json({ email: st.users[i++ % st.users.length], password: PASSWORD }),
        };
      },
    },
    {
      id: "peer.session",
      label: "GET /api/auth/get-session (Bearer)",
      floor: "hello",
      async prepare(t) {
        await ensureUsers(t);
        const res = await call(t.base, "POST", "/api/auth/sign-in/email", { body: { email: st.users[0], password: PASSWORD } });
        expect(res, 200, "POST /api/auth/sign-in/email", hasToken);
        const token = res.headers.get("set-auth-token") ?? res.data.token;
        const headers = { authorization: `Bearer ${token}` };
        // get-session answers 200 null when the token is not accepted.
        expect(await call(t.base, "GET", "/api/auth/get-session", { headers }), 200, "GET /api/auth/get-session", (d) => !!d?.user);
        return {
          method: "GET",
          path: "/api/auth/get-session",
          headers,
          onBody: (status, body) => status === 200 && body.includes('"user"'),
        };
      },
    },
  ];
}
