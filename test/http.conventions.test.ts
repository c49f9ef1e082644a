// Wire conventions of contract §1.1–§1.2: routing, methods, headers, body parsing and its errors, CORS.
import { describe, expect, it, vi } from "vitest";
import { app, call, envWith, loggedIn, newIdentity, registerVerified } from "./helpers";

const JSON_TYPE = "application/json; charset=utf-8";
const NOT_FOUND = { detail: "Not found." };

/** One request per public endpoint that answers without side effects (mostly a 400/401 on an empty body). */
const ENDPOINTS: Array<{ method: string; path: string; allow: string }> = [
  { method: "POST", path: "/auth/login", allow: "POST, OPTIONS" },
  { method: "POST", path: "/auth/logout", allow: "POST, OPTIONS" },
  { method: "POST", path: "/auth/token/refresh", allow: "POST, OPTIONS" },
  { method: "POST", path: "/auth/refresh", allow: "POST, OPTIONS" },
  { method: "POST", path: "/auth/token/verify", allow: "POST, OPTIONS" },
  { method: "GET", path: "/auth/user", allow: "GET, PUT, PATCH, HEAD, OPTIONS" },
  { method: "POST", path: "/auth/password/change", allow: "POST, OPTIONS" },
  { method: "POST", path: "/auth/password/reset/change", allow: "POST, OPTIONS" },
  { method: "POST", path: "/auth/password/reset", allow: "POST, OPTIONS" },
  { method: "POST", path: "/auth/password/reset/confirm", allow: "POST, OPTIONS" },
  { method: "POST", path: "/auth/password/reset/confirm/MQ/abc-123", allow: "GET, POST, HEAD, OPTIONS" },
  { method: "POST", path: "/auth/registration", allow: "POST, OPTIONS" },
  { method: "POST", path: "/auth/registration/verify-email", allow: "POST, OPTIONS" },
  { method: "POST", path: "/auth/registration/verify-email/MQ/abc-123", allow: "POST, OPTIONS" },
  { method: "POST", path: "/auth/registration/resend-email", allow: "POST, OPTIONS" },
  { method: "GET", path: "/auth/registration/verification/MQ:abc-123", allow: "GET, HEAD, OPTIONS" },
  { method: "GET", path: "/auth/registration/account-confirm-email/MQ:abc-123", allow: "GET, HEAD, OPTIONS" },
  { method: "GET", path: "/auth/registration/verified", allow: "GET, HEAD, OPTIONS" },
  { method: "GET", path: "/auth/registration/account_email_verification_sent", allow: "GET, HEAD, OPTIONS" },
  { method: "GET", path: "/auth/registration/account-email-verification-sent", allow: "GET, HEAD, OPTIONS" },
];

/** The account and MFA features (§2.2, §2.3.6, §2.6, §2.7): same routing rules (the account ones pin their Allow lists in their own tests). */
const MORE_ENDPOINTS: Array<{ method: string; path: string }> = [
  { method: "GET", path: "/auth/profile" },
  { method: "GET", path: "/auth/dashboard" },
  { method: "GET", path: "/auth/history" },
  { method: "GET", path: "/auth/sessions" },
  { method: "DELETE", path: "/auth/sessions/0123456789abcdef0123456789abcdef" },
  { method: "POST", path: "/auth/sessions/0123456789abcdef0123456789abcdef/revoke" },
  { method: "POST", path: "/auth/email/change" },
  { method: "POST", path: "/auth/logout-all" },
  { method: "POST", path: "/auth/password/reset/set-new" },
  { method: "GET", path: "/auth/mfa" },
  { method: "POST", path: "/auth/mfa/totp/setup" },
  { method: "POST", path: "/auth/mfa/totp/activate" },
  { method: "POST", path: "/auth/mfa/totp/deactivate" },
  { method: "POST", path: "/auth/mfa/recovery-codes/regenerate" },
  { method: "POST", path: "/auth/mfa/authenticate" },
];

// logout-all comes last: it ends the fuzzing user's session.
const POST_ENDPOINTS = [...ENDPOINTS, ...MORE_ENDPOINTS].filter((e) => e.method === "POST").map((e) => e.path);
POST_ENDPOINTS.push("/auth/profile", ...POST_ENDPOINTS.splice(POST_ENDPOINTS.indexOf("/auth/logout-all"), 1));

/** HTML pages carry a new CSP nonce in every response (their <style> and <script> elements). */
const withoutNonce = (text: string) => text.replace(/ nonce="[0-9a-f]{32}"/g, ' nonce=""');

describe("routing", () => {
  for (const { method, path, allow } of ENDPOINTS) {
    // OPTIONS proves the route exists (a bad key in the path may well answer 404 Not found).
    it(`${method} ${path} answers identically with and without the trailing slash`, async () => {
      const bare = await call(method, path, method === "POST" ? { body: {} } : {});
      const slashed = await call(method, `${path}/`, method === "POST" ? { body: {} } : {});
      expect(slashed.status).toBe(bare.status);
      expect(withoutNonce(slashed.text)).toBe(withoutNonce(bare.text));
      expect(slashed.headers.get("location")).toBe(bare.headers.get("location"));

      for (const suffix of ["", "/"]) {
        const options = await call("OPTIONS", `${path}${suffix}`);
        expect(options.status).toBe(204);
        expect(options.headers.get("allow")).toBe(allow);
        expect(options.text).toBe("");
        expect(options.headers.get("cache-control")).toBe("no-store");
      }
    });
  }

  for (const { method, path } of MORE_ENDPOINTS) {
    it(`${method} ${path} answers identically with and without the trailing slash`, async () => {
      const bare = await call(method, path, method === "POST" ? { body: {} } : {});
      const slashed = await call(method, `${path}/`, method === "POST" ? { body: {} } : {});
      expect(slashed.status).toBe(bare.status);
      expect(slashed.text).toBe(bare.text);
      for (const suffix of ["", "/"]) {
        const options = await call("OPTIONS", `${path}${suffix}`);
        expect(options.status).toBe(204);
        expect(options.headers.get("allow")).toContain(method);
      }
    });
  }

  it('answers unknown paths with 404 {"detail": "Not found."}', async () => {
    for (const path of ["/auth/nope/", "/", "/elsewhere/login/", "/auth/login/extra/", "/auth/user/1/", "/auth/registration/verify-email/a/b/c/"]) {
      for (const method of ["GET", "POST"]) {
        const response = await call(method, path, method === "POST" ? { body: {} } : {});
        expect(response.status, `${method} ${path}`).toBe(404);
        expect(response.body).toEqual(NOT_FOUND);
        expect(response.headers.get("content-type")).toBe(JSON_TYPE);
        expect(response.headers.get("cache-control")).toBe("no-store");
      }
    }
  });

  it("serves a different AUTH_PREFIX (seed 001/003 paths)", async () => {
    const vars = { AUTH_PREFIX: "/dj-rest-auth/" };
    const me = await registerVerified("convprefix");
    const login = await call("POST", "/dj-rest-auth/login/", { body: { username: me.username, password: me.password }, env: vars });
    expect(login.status).toBe(200);
    expect((await call("POST", "/auth/login/", { body: {}, env: vars })).status).toBe(404);
  });
});

describe("methods", () => {
  it("405 names the method in upper case and carries Allow", async () => {
    const cases: Array<[string, string, string]> = [
      ["PATCH", "/auth/login/", "POST, OPTIONS"],
      ["GET", "/auth/login/", "POST, OPTIONS"],
      ["DELETE", "/auth/user/", "GET, PUT, PATCH, HEAD, OPTIONS"],
      ["POST", "/auth/user/", "GET, PUT, PATCH, HEAD, OPTIONS"],
      ["PUT", "/auth/registration/verified/", "GET, HEAD, OPTIONS"],
      ["GET", "/auth/logout/", "POST, OPTIONS"],
      ["DELETE", "/auth/password/reset/confirm/MQ/abc-123/", "GET, POST, HEAD, OPTIONS"],
      ["patch", "/auth/token/refresh/", "POST, OPTIONS"],
    ];
    for (const [method, path, allow] of cases) {
      const response = await call(method, path);
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.body).toEqual({ detail: `Method "${method.toUpperCase()}" not allowed.` });
      expect(response.headers.get("allow")).toBe(allow);
      expect(response.headers.get("content-type")).toBe(JSON_TYPE);
      expect(response.headers.get("cache-control")).toBe("no-store");
    }
  });

  it("405 comes before authentication and body parsing", async () => {
    const response = await call("DELETE", "/auth/user/", { rawBody: "{not json", headers: { "content-type": "application/json", authorization: "Bearer x y" } });
    expect(response.status).toBe(405);
  });

  it("HEAD is accepted wherever GET is, with GET's status and headers and no body", async () => {
    const me = await loggedIn("convhead");
    const get = await call("GET", "/auth/user/", { token: me.access });
    const head = await call("HEAD", "/auth/user/", { token: me.access });
    expect(head.status).toBe(200);
    expect(head.text).toBe("");
    expect(head.headers.get("content-type")).toBe(get.headers.get("content-type"));
    expect(head.headers.get("cache-control")).toBe("no-store");
    expect((await call("HEAD", "/auth/user/")).status).toBe(401);

    const page = await call("HEAD", "/auth/registration/verified/");
    expect(page.status).toBe(200);
    expect(page.text).toBe("");
    expect((await call("HEAD", "/auth/login/")).status).toBe(405);
  });
});

describe("response headers", () => {
  it("every kind of answer carries Cache-Control: no-store; JSON ones are application/json; charset=utf-8", async () => {
    const me = await registerVerified("convheaders");
    const answers = [
      await call("POST", "/auth/login/", { body: { username: me.username, password: me.password } }),
      await call("POST", "/auth/login/", { body: {} }),
      await call("GET", "/auth/user/"),
      await call("GET", "/auth/nowhere/"),
      await call("PUT", "/auth/login/"),
      await call("POST", "/auth/login/", { rawBody: "x", headers: { "content-type": "text/plain" } }),
      await call("POST", "/auth/registration/", { body: {}, env: { REGISTRATION_OPEN: "false" } }),
    ];
    for (const answer of answers) {
      expect(answer.headers.get("cache-control"), answer.text).toBe("no-store");
      expect(answer.headers.get("content-type"), answer.text).toBe(JSON_TYPE);
    }
  });

  it("every answer carries a request id, also the not-found one and the docs' files; Cloudflare's ray id when there is one", async () => {
    const answers = [
      await call("GET", "/auth/csrf/"),
      await call("GET", "/auth/nowhere/"),
      await call("GET", "/nowhere"),
      await call("PUT", "/auth/login/"),
      await call("GET", "/auth/docs/"),
      await call("GET", "/auth/docs/swagger-ui.css"),
      await call("GET", "/auth/docs/other.js"),
    ];
    for (const answer of answers) expect(answer.headers.get("x-request-id"), answer.text.slice(0, 80)).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(answers.map((answer) => answer.headers.get("x-request-id"))).size).toBe(answers.length);
    const ray = await call("GET", "/auth/nowhere/", { headers: { "cf-ray": "8f1e2d3c4b5a6978-AMS" } });
    expect(ray.headers.get("x-request-id")).toBe("8f1e2d3c4b5a6978-AMS");
  });
});

describe("GET /auth/", () => {
  it("answers an index that links the reference and the document (null when they are off)", async () => {
    const index = await call("GET", "/auth/");
    expect(index.status).toBe(200);
    expect(index.body).toEqual({
      name: "edge-rest-auth",
      docs: "https://api.example.test/auth/docs/",
      openapi: "https://api.example.test/auth/openapi.json",
    });
    expect((await call("GET", index.body.openapi.replace("https://api.example.test", ""))).status).toBe(200);
    const off = await call("GET", "/auth", { env: { OPENAPI_ENABLED: "false" } });
    expect(off.body).toEqual({ name: "edge-rest-auth", docs: null, openapi: null });
    expect((await call("POST", "/auth/")).status).toBe(405);
  });
});

describe("401 answers", () => {
  it("every 401 carries WWW-Authenticate: Bearer realm=\"api\", token endpoints included", async () => {
    const me = await loggedIn("conv401");
    const answers = [
      await call("GET", "/auth/user/"),
      await call("GET", "/auth/user/", { token: "not-a-jwt" }),
      await call("GET", "/auth/user/", { headers: { authorization: "Bearer a b" } }),
      await call("GET", "/auth/user/", { token: me.refresh }),
      await call("POST", "/auth/token/refresh/", { body: { refresh: "garbage" } }),
      await call("POST", "/auth/token/refresh/", { body: {} }),
      await call("POST", "/auth/token/verify/", { body: { token: "garbage" } }),
      await call("POST", "/auth/logout/", { body: {} }),
      await call("POST", "/auth/logout/", { body: { refresh: me.access } }),
      await call("POST", "/auth/logout-all/"),
    ];
    for (const answer of answers) {
      expect(answer.status, answer.text).toBe(401);
      expect(answer.headers.get("www-authenticate"), answer.text).toBe('Bearer realm="api"');
    }
    // The reset capability's own challenge is kept.
    const capability = await call("POST", "/auth/password/reset/set-new/", { body: { new_password1: "x", new_password2: "x" } });
    expect(capability.status).toBe(401);
    expect(capability.headers.get("www-authenticate")).toBe("Cookie");
  });
});

describe("request id", () => {
  it("every answer carries X-Request-Id: Cloudflare's ray id when there is one, else a fresh UUID", async () => {
    const answers = [await call("GET", "/auth/nowhere/"), await call("POST", "/auth/login/", { body: {} }), await call("GET", "/auth/csrf/")];
    const ids = answers.map((answer) => answer.headers.get("x-request-id"));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(3);
    const ray = await call("GET", "/auth/csrf/", { headers: { "cf-ray": "8f1c2d3e4a5b6c7d-AMS" } });
    expect(ray.headers.get("x-request-id")).toBe("8f1c2d3e4a5b6c7d-AMS");
  });

  it("an unexpected failure answers the generic 500 with the id, and the log line names it", async () => {
    const logged: unknown[][] = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void logged.push(args));
    const brokenDb = { prepare: () => { throw new Error("D1 is down"); }, batch: () => Promise.reject(new Error("D1 is down")) };
    const request = new Request("https://api.example.test/auth/login/", {
      method: "POST",
      headers: { "content-type": "application/json", "cf-ray": "77aa-LHR" },
      body: JSON.stringify({ username: "someone", password: "whatever" }),
    });
    const response = await app.fetch(request, { ...envWith(), DB: brokenDb as unknown as D1Database });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ detail: "A server error occurred." });
    expect(response.headers.get("x-request-id")).toBe("77aa-LHR");
    expect(logged.some(([message]) => String(message).includes("request 77aa-LHR"))).toBe(true);
  });
});

describe("request bodies", () => {
  it("415 for a content type other than JSON, form or multipart", async () => {
    for (const type of ["text/plain", "application/xml"]) {
      const response = await call("POST", "/auth/login/", { rawBody: "username=a&password=b", headers: { "content-type": type } });
      expect(response.status).toBe(415);
      expect(response.body).toEqual({ detail: `Unsupported media type "${type}" in request.` });
    }
  });

  it("an empty body is {} whatever its type", async () => {
    for (const headers of [{ "content-type": "text/plain" }, { "content-type": "application/json" }, {} as Record<string, string>]) {
      const response = await call("POST", "/auth/token/verify/", { rawBody: "", headers });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ token: ["This field is required."] });
    }
  });

  it('malformed JSON -> 400 "JSON parse error - ..."', async () => {
    for (const raw of ['{"username":', "{'a': 1}", "[1,]", "nul"]) {
      const response = await call("POST", "/auth/login/", { rawBody: raw, headers: { "content-type": "application/json" } });
      expect(response.status, raw).toBe(400);
      expect(Object.keys(response.body)).toEqual(["detail"]);
      expect(response.body.detail).toMatch(/^JSON parse error - \S/);
    }
  });

  it("a JSON body that is not an object -> non_field_errors naming the Python type", async () => {
    const cases: Array<[string, string]> = [
      ["[]", "list"],
      ['[{"username":"a"}]', "list"],
      ['"text"', "str"],
      ["42", "int"],
      ["1.5", "float"],
      ["true", "bool"],
    ];
    for (const [raw, type] of cases) {
      const response = await call("POST", "/auth/login/", { rawBody: raw, headers: { "content-type": "application/json" } });
      expect(response.status, raw).toBe(400);
      expect(response.body).toEqual({ non_field_errors: [`Invalid data. Expected a dictionary, but got ${type}.`] });
    }
  });

  it("a JSON null body -> DRF's \"No data provided\"", async () => {
    const response = await call("POST", "/auth/login/", { rawBody: "null", headers: { "content-type": "application/json" } });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ non_field_errors: ["No data provided"] });
  });

  it("form-urlencoded and multipart bodies work for login and registration", async () => {
    for (const as of ["form", "multipart"] as const) {
      const me = newIdentity(`conv${as}`);
      const registered = await call("POST", "/auth/registration/", {
        as,
        body: { username: me.username, email: me.email, password: me.password, confirm_password: me.password },
        env: { ACCOUNT_EMAIL_VERIFICATION: "optional" },
      });
      expect(registered.status, as).toBe(201);
      expect(registered.body.user.username).toBe(me.username);
      const login = await call("POST", "/auth/login/", { as, body: { email: me.email, password: me.password }, env: { ACCOUNT_EMAIL_VERIFICATION: "optional" } });
      expect(login.status, as).toBe(200);
      const bad = await call("POST", "/auth/login/", { as, body: { username: me.username } });
      expect(bad.body).toEqual({ password: ["This field is required."] });
    }
  });

  it("a body over 64 KiB -> 413, whatever its type", async () => {
    const big = "a".repeat(70 * 1024);
    const json = await call("POST", "/auth/login/", { body: { username: big, password: "x" } });
    expect(json.status).toBe(413);
    expect(json.body.detail).toEqual(expect.any(String));
    expect(json.headers.get("cache-control")).toBe("no-store");
    expect((await call("POST", "/auth/login/", { as: "form", body: { username: big, password: "x" } })).status).toBe(413);
    expect((await call("POST", "/auth/login/", { as: "multipart", body: { username: big, password: "x" } })).status).toBe(413);
    // Just under the limit is parsed normally (and then fails validation on length).
    const under = await call("POST", "/auth/login/", { body: { username: "a".repeat(60 * 1024), password: "x" } });
    expect(under.body).toEqual({ username: ["Ensure this field has no more than 150 characters."] });
  });

  it("a body over 64 KiB -> 413 on every route, path-parameter and body-less ones included; a declared length first of all", async () => {
    const big = { pad: "a".repeat(70 * 1024) };
    const length = String(JSON.stringify(big).length);
    const routes: Array<[string, string]> = [
      ["POST", "/auth/registration/verify-email/MQ/abc-123/"],
      ["POST", "/auth/password/reset/confirm/MQ/abc-123/"],
      ["POST", "/auth/password/reset/set-new/"],
      ["DELETE", "/auth/sessions/0123456789abcdef0123456789abcdef/"],
      ["POST", "/auth/sessions/0123456789abcdef0123456789abcdef/revoke/"],
      ["PATCH", "/auth/user/"],
      ["POST", "/auth/logout-all/"],
    ];
    for (const [method, path] of routes) {
      const response = await call(method, path, { body: big, headers: { "content-length": length } });
      expect(response.status, `${method} ${path}`).toBe(413);
      expect(response.body).toEqual({ detail: "Request body exceeds 65536 bytes." });
    }
    // A chunked one (no length) on a route that reads no body is cut off while draining.
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new Uint8Array(1024));
      },
    });
    const request = new Request("https://api.example.test/auth/registration/verify-email/MQ/abc-123/", {
      method: "POST",
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect((await app.fetch(request, envWith())).status).toBe(413);
  });

  it("a chunked body without Content-Length is cut off at 64 KiB while reading, never read whole", async () => {
    let pulled = 0;
    const chunk = new TextEncoder().encode(`{"pad":"${"a".repeat(1010)}",`);
    // 10 MB on offer; the reader must stop right after the 64th KiB.
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 10_000) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const request = new Request("https://api.example.test/auth/login/", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(request.headers.get("content-length")).toBeNull();
    const response = await app.fetch(request, envWith());
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ detail: "Request body exceeds 65536 bytes." });
    expect(pulled).toBeLessThan(80);
  });

  it("numbers are accepted as strings, like DRF's CharField", async () => {
    const me = await loggedIn("convnum");
    const response = await call("PATCH", "/auth/user/", { token: me.access, body: { first_name: 42, last_name: 1.5 } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ first_name: "42", last_name: "1.5" });
  });

  it('objects, arrays and booleans -> "Not a valid string."; null -> "This field may not be null."', async () => {
    for (const value of [{}, { a: 1 }, [], ["x"], true, false]) {
      const response = await call("POST", "/auth/login/", { body: { username: value, password: value } });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ username: ["Not a valid string."], password: ["Not a valid string."] });
    }
    const nulls = await call("POST", "/auth/login/", { body: { username: null, password: null } });
    expect(nulls.body).toEqual({ username: ["This field may not be null."], password: ["This field may not be null."] });
    const registration = await call("POST", "/auth/registration/", { body: { username: ["a"], email: 5, password1: null, password2: {} } });
    expect(registration.body).toEqual({
      username: ["Not a valid string."],
      email: ["Enter a valid email address."],
      password1: ["This field may not be null."],
      password2: ["Not a valid string."],
    });
  });

  it("ignores unknown fields", async () => {
    const me = await registerVerified("convunknown");
    const response = await call("POST", "/auth/login/", { body: { username: me.username, password: me.password, is_staff: true, remember_me: "yes" } });
    expect(response.status).toBe(200);
    const proto = JSON.stringify({ username: me.username, password: me.password }).replace("{", '{"__proto__":{"username":"x"},"constructor":1,');
    const sneaky = await call("POST", "/auth/login/", { rawBody: proto, headers: { "content-type": "application/json" } });
    expect(sneaky.status).toBe(200);
    expect(sneaky.body.user.username).toBe(me.username);
  });
});

describe("robustness", () => {
  const WEIRD_JSON: unknown[] = [
    {},
    { username: { $gt: "" }, password: { $ne: null } },
    { email: ["a@b.co"], password: ["x"], key: [], token: {}, refresh: true },
    { key: 1e308, refresh: -0, token: "a.b.c", uid: "!!!!", new_password1: 1, new_password2: 2 },
    { username: "\u0000", email: "\u0000@x.io", password: "\ud800", password1: "\udfff", password2: "\ud800" },
    { constructor: { prototype: { admin: true } }, toString: "x", hasOwnProperty: 1 },
    { email: `${"a".repeat(300)}@example.com`, username: "x".repeat(5000), password: "p".repeat(5000) },
    { uid: "MQ", token: "0-0", new_password1: "short", new_password2: "short", old_password: "" },
    { uid: "LTE", token: "zzzzzzzzzzzzzzz-ffffffffffffffffffffffffffffffffffffffff", new_password1: "x", new_password2: "x" },
    { verification_base_url: "http://[::1", email: "a@b.co", username: "abc", password1: "aaa", password2: "aaa" },
    { refresh: "eyJhbGciOiJub25lIn0.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9.", token: "eyJhbGciOiJub25lIn0.e30." },
    { keep_current: "maybe", email: "ÄÖÜ@exämple.com", username: "名前", password: "🔑🔑🔑🔑🔑🔑🔑🔑" },
  ];
  const RAW: Array<[string, string]> = [
    ["\u0000", "application/json"],
    ["1e999", "application/json"],
    ["[".repeat(5000) + "]".repeat(5000), "application/json"],
    ['{"a":' + '{"a":'.repeat(2000) + "1" + "}".repeat(2001), "application/json"],
    ["{}", "application/json; charset=latin1"],
    ['{"username":"x"}', "application/vnd.api+json"],
    ["--x\r\nbroken", "multipart/form-data"],
    ["--x\r\nbroken", "multipart/form-data; boundary=x"],
    ["%%%=&&=%zz", "application/x-www-form-urlencoded"],
  ];

  it("no input makes any POST endpoint answer 5xx", async () => {
    const me = await loggedIn("convfuzz");
    for (const path of POST_ENDPOINTS) {
      for (const token of [undefined, me.access]) {
        for (const body of WEIRD_JSON) {
          const response = await call("POST", `${path}/`, { body, token });
          expect(response.status, `${path} ${JSON.stringify(body).slice(0, 80)}`).toBeLessThan(500);
          expect(response.body, `${path} answered non-JSON: ${response.text.slice(0, 80)}`).toBeDefined();
        }
        for (const [raw, type] of RAW) {
          const response = await call("POST", `${path}/`, { rawBody: raw, headers: { "content-type": type }, token });
          expect(response.status, `${path} ${type} ${raw.slice(0, 40)}`).toBeLessThan(500);
        }
      }
    }
  }, 60_000);
});

describe("CORS", () => {
  const vars = { CORS_ALLOWED_ORIGINS: '["https://app.example.com"]' };

  it("echoes an allowed origin with credentials", async () => {
    const response = await call("POST", "/auth/login/", { body: {}, env: vars, headers: { origin: "https://app.example.com" } });
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(response.headers.get("access-control-allow-credentials")).toBe("true");
    expect(response.headers.get("vary")).toContain("Origin");
  });

  it("answers a preflight from an allowed origin with the endpoint's methods and the needed headers", async () => {
    const response = await call("OPTIONS", "/auth/user/", {
      env: vars,
      headers: { origin: "https://app.example.com", "access-control-request-method": "PATCH", "access-control-request-headers": "authorization, content-type" },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(response.headers.get("access-control-allow-methods")).toContain("PATCH");
    const allowed = response.headers.get("access-control-allow-headers")!.toLowerCase();
    expect(allowed).toContain("authorization");
    expect(allowed).toContain("content-type");
    expect(allowed).toContain("x-csrftoken");
  });

  it("sends no CORS headers for other origins or without an allowlist", async () => {
    for (const [origin, env] of [
      ["https://evil.example.com", vars],
      ["https://app.example.com.evil.com", vars],
      ["http://app.example.com", vars],
      ["null", vars],
      ["https://app.example.com", undefined],
    ] as const) {
      for (const method of ["OPTIONS", "POST"]) {
        const response = await call(method, "/auth/login/", { body: method === "POST" ? {} : undefined, env, headers: { origin } });
        expect(response.headers.get("access-control-allow-origin"), `${method} ${origin}`).toBeNull();
        expect(response.headers.get("access-control-allow-credentials")).toBeNull();
      }
    }
  });

  it("error answers to an allowed origin carry CORS headers too (so the SPA can read them)", async () => {
    for (const [method, path] of [["GET", "/auth/user/"], ["GET", "/auth/nowhere/"], ["PUT", "/auth/login/"]]) {
      const response = await call(method!, path!, { env: vars, headers: { origin: "https://app.example.com" } });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.headers.get("access-control-allow-origin"), `${method} ${path}`).toBe("https://app.example.com");
    }
  });
});
