// Generic OpenID Connect login against a local identity provider over real HTTP: the Worker run by
// wrangler dev discovers the IdP at SOCIAL_PROVIDERS' server_url (http://127.0.0.1:<port>), fetches its
// JWKS, exchanges codes at its token endpoint and asks its userinfo endpoint. The IdP's keys are
// generated when it starts; nothing is intercepted.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { startApi, withTimeout } from "./harness.mjs";

const CLIENT_ID = "e2e-app";
const CLIENT_SECRET = randomBytes(16).toString("hex");
const CALLBACK = "http://127.0.0.1/callback";

/** A small OpenID provider: discovery, JWKS (rotatable), token endpoint (codes + PKCE S256), userinfo. */
async function startIdentityProvider() {
  const seen = [];
  const codes = new Map();
  const accessTokens = new Map();
  let keys = [];
  let down = false;
  const newKey = async () => {
    const kid = `k-${randomBytes(4).toString("hex")}`;
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" } };
  };
  keys = [await newKey()];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", async () => {
      const url = new URL(req.url, issuer);
      seen.push({ method: req.method, path: url.pathname, at: Date.now() });
      const json = (status, value) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
      if (down) return json(503, { error: "temporarily_unavailable" });
      if (url.pathname === "/.well-known/openid-configuration") {
        return json(200, { issuer, jwks_uri: `${issuer}/jwks`, token_endpoint: `${issuer}/token`, userinfo_endpoint: `${issuer}/userinfo`, authorization_endpoint: `${issuer}/authorize` });
      }
      if (url.pathname === "/jwks") return json(200, { keys: keys.map((k) => k.jwk) });
      if (url.pathname === "/userinfo") {
        const person = accessTokens.get((req.headers.authorization ?? "").replace(/^Bearer /, ""));
        return person ? json(200, person) : json(401, { error: "invalid_token" });
      }
      if (url.pathname === "/token" && req.method === "POST") {
        const form = new URLSearchParams(body);
        const basic = Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString();
        if (basic !== `${CLIENT_ID}:${CLIENT_SECRET}`) return json(401, { error: "invalid_client" });
        const grant = codes.get(form.get("code"));
        codes.delete(form.get("code"));
        const challenge = form.get("code_verifier") && createHash("sha256").update(form.get("code_verifier")).digest("base64url");
        if (!grant || form.get("redirect_uri") !== CALLBACK || challenge !== grant.challenge) return json(400, { error: "invalid_grant" });
        return json(200, { access_token: issueAccessToken(grant.person), token_type: "Bearer", id_token: await idToken(grant.person) });
      }
      json(404, { error: "not_found" });
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const idToken = (person, claims = {}, key = keys[0]) => {
    const now = Math.floor(Date.now() / 1000);
    // `claims` may override iat/exp (an expired token).
    return new SignJWT({ iss: issuer, aud: CLIENT_ID, iat: now, exp: now + 300, ...person, ...claims }).setProtectedHeader({ alg: "ES256", kid: key.kid }).sign(key.privateKey);
  };
  const issueAccessToken = (person) => {
    const token = randomBytes(16).toString("hex");
    accessTokens.set(token, person);
    return token;
  };
  return {
    issuer,
    seen,
    idToken,
    issueAccessToken,
    /** A code for `person`, bound to the PKCE verifier the frontend keeps. */
    issueCode(person) {
      const verifier = randomBytes(32).toString("base64url");
      const code = randomBytes(12).toString("hex");
      codes.set(code, { person, challenge: createHash("sha256").update(verifier).digest("base64url") });
      return { code, verifier };
    },
    /** Publishes a new key beside the current one; returns it (the current one keeps signing by default). */
    async rotate() {
      const key = await newKey();
      keys = [...keys, key];
      return key;
    },
    setDown(value) {
      down = value;
    },
    stop: () => withTimeout(new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))), 5_000, "closing the IdP"),
  };
}

let idp;
let api;

before(async () => {
  idp = await startIdentityProvider();
  api = await startApi({
    vars: {
      SOCIAL_PROVIDERS: JSON.stringify({
        "local-idp": { type: "oidc", server_url: idp.issuer, client_id: CLIENT_ID, secret: CLIENT_SECRET, callback_url: CALLBACK },
      }),
      THROTTLE_ENABLED: "false",
    },
  });
}, { timeout: 180_000 });

after(async () => {
  await api?.stop();
  await idp?.stop();
}, { timeout: 60_000 });

let people = 0;
const person = () => {
  people++;
  const tag = `e2e${people}${randomBytes(3).toString("hex")}`;
  return { sub: `user-${tag}`, email: `${tag}@idp.example.test`, email_verified: true, given_name: "Edge", family_name: "Tester" };
};

async function post(path, body, token) {
  const response = await fetch(`${api.base}/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: response.status, body: await response.json() };
}

test("id_token: discovery and JWKS fetched from the IdP, the account created, its tokens work", async () => {
  const me = person();
  const login = await post("local-idp/", { id_token: await idp.idToken(me) });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  assert.equal(login.body.user.email, me.email);
  assert.ok(idp.seen.some((r) => r.path === "/.well-known/openid-configuration"));
  assert.ok(idp.seen.some((r) => r.path === "/jwks"));
  const user = await fetch(`${api.base}/user/`, { headers: { authorization: `Bearer ${login.body.access}` } });
  assert.equal((await user.json()).pk, login.body.user.pk);
  const accounts = await (await fetch(`${api.base}/socialaccounts/`, { headers: { authorization: `Bearer ${login.body.access}` } })).json();
  assert.deepEqual(accounts.map((a) => [a.provider, a.uid]), [["local-idp", me.sub]]);
});

test("discovery and keys are cached: a second login asks the IdP nothing", async () => {
  const me = person();
  assert.equal((await post("local-idp/", { id_token: await idp.idToken(me) })).status, 200);
  const before = idp.seen.length;
  assert.equal((await post("local-idp/", { id_token: await idp.idToken(me) })).status, 200);
  assert.equal(idp.seen.length, before);
});

test("code + PKCE: exchanged at the IdP's token endpoint with the client's credentials; a wrong verifier fails", async () => {
  const me = person();
  const bad = idp.issueCode(me);
  const refused = await post("local-idp/", { code: bad.code, code_verifier: randomBytes(32).toString("base64url") });
  assert.equal(refused.status, 400);
  assert.deepEqual(refused.body, { non_field_errors: ["Failed to exchange code for access token"] });
  const { code, verifier } = idp.issueCode(me);
  const login = await post("local-idp/", { code, code_verifier: verifier });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  assert.equal(login.body.user.email, me.email);
  assert.ok(idp.seen.some((r) => r.method === "POST" && r.path === "/token"));
});

test("access_token: checked at the IdP's userinfo endpoint; one it never issued is Incorrect value", async () => {
  const me = person();
  assert.deepEqual((await post("local-idp/", { access_token: "never-issued" })).body, { non_field_errors: ["Incorrect value"] });
  const login = await post("local-idp/", { access_token: idp.issueAccessToken(me) });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  assert.equal(login.body.user.email, me.email);
});

test("key rotation: an unknown kid refetches the key set, at most once per 30 s cooldown", async (t) => {
  const key = await idp.rotate();
  const fetches = idp.seen.filter((r) => r.path === "/jwks");
  // The Worker's clock cannot be set here (the workerd suite pins the cooldown with a fake clock): the
  // answer depends on how long ago the set was fetched, so each side is checked only well away from 30 s.
  const sinceFetch = Date.now() - fetches.at(-1).at;
  const login = await post("local-idp/", { id_token: await idp.idToken(person(), {}, key) });
  const after = idp.seen.filter((r) => r.path === "/jwks").length;
  if (sinceFetch < 28_000) {
    assert.deepEqual(login.body, { non_field_errors: ["Incorrect value"] });
    assert.equal(after, fetches.length, "no fetch during the cooldown");
  } else if (sinceFetch > 32_000) {
    assert.equal(login.status, 200, JSON.stringify(login.body));
    assert.equal(after, fetches.length + 1);
  } else {
    t.skip(`the set was fetched ${sinceFetch} ms ago, too close to the cooldown to tell`);
  }
});

test("an id_token for another client, or expired: Incorrect value", async () => {
  const me = person();
  for (const claims of [{ aud: "another-app" }, { exp: Math.floor(Date.now() / 1000) - 3600 }]) {
    const response = await post("local-idp/", { id_token: await idp.idToken(me, claims) });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, { non_field_errors: ["Incorrect value"] });
  }
});

test("connect links a second IdP account to the signed-in user; the IdP failing is a 502", async () => {
  const first = await post("local-idp/", { id_token: await idp.idToken(person()) });
  const connected = await post("local-idp/connect/", { id_token: await idp.idToken(person()) }, first.body.access);
  assert.equal(connected.status, 200, JSON.stringify(connected.body));
  assert.equal(connected.body.user.pk, first.body.user.pk);
  idp.setDown(true);
  try {
    const failed = await post("local-idp/", { access_token: idp.issueAccessToken(person()) });
    assert.equal(failed.status, 502);
    assert.deepEqual(failed.body, { detail: "Upstream provider error." });
  } finally {
    idp.setDown(false);
  }
});
