// `npm run smoke -- <url>`: a deployed API answers as it should, checked with plain HTTP
// requests (no account is created, nothing is written). Exits 1 with the first failed check.
// Every request has a timeout; at most six requests are sent.
// The API's URL: an origin (then AUTH_PREFIX is taken to be /auth/) or the origin with its prefix.
const [target] = process.argv.slice(2);
let url;
try {
  url = new URL(target);
} catch {
  url = null;
}
if (!url || !/^https?:$/.test(url.protocol)) {
  console.error("usage: npm run smoke -- https://api.example.com  (or with the prefix: https://api.example.com/auth/)");
  process.exit(2);
}
const base = `${url.origin}${url.pathname === "/" ? "/auth/" : url.pathname.replace(/\/*$/, "/")}`;

async function send(method, path, body) {
  let response;
  try {
    response = await fetch(base + path, {
      method,
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    console.error(`FAILED: ${method} ${base}${path}: no answer (${error.cause?.code ?? error.cause?.message ?? error.message})`);
    process.exit(1);
  }
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

function check(what, ok, answer) {
  if (!ok) {
    console.error(`FAILED: ${what}\n  got ${answer.status}: ${answer.text.slice(0, 300)}`);
    process.exit(1);
  }
  console.log(`ok  ${what}`);
}

const common = (what, answer) => {
  check(`${what}: no server error`, answer.status < 500, answer);
  check(`${what}: Cache-Control no-store`, answer.headers.get("cache-control") === "no-store", answer);
  check(`${what}: X-Request-Id`, Boolean(answer.headers.get("x-request-id")), answer);
};

const index = await send("GET", "");
common("GET index", index);
check("GET index answers the API's name", index.status === 200 && typeof index.json?.name === "string", index);
if (index.json.openapi) {
  const document = await send("GET", "openapi.json");
  check("GET openapi.json is an OpenAPI 3.1 document", document.status === 200 && document.json?.openapi === "3.1.0", document);
}
const login = await send("POST", "login/", { username: "smoke-test-nobody", password: "not the password" });
common("POST login/", login);
check("bad credentials get 400 non_field_errors", login.status === 400 && Array.isArray(login.json?.non_field_errors), login);
const refresh = await send("POST", "token/refresh/", { refresh: "garbage" });
common("POST token/refresh/", refresh);
check("a garbage refresh token gets 401 token_not_valid", refresh.status === 401 && refresh.json?.code === "token_not_valid", refresh);
check("that 401 carries WWW-Authenticate", refresh.headers.get("www-authenticate") === 'Bearer realm="api"', refresh);
const user = await send("GET", "user/");
common("GET user/", user);
check("user/ without a token gets 401", user.status === 401, user);
console.log(`smoke test passed: ${base}`);
