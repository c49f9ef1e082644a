// Password floor: one PBKDF2-SHA256 derivation with 100 000 iterations of the
// request's password (WebCrypto, as our Worker and Workers in general should do).
// Login CPU of our Worker is compared with this one.
import { Hono } from "hono";

const ITERATIONS = 100_000;
const enc = new TextEncoder();

const app = new Hono();
app.post("/", async (c) => {
  const { password } = await c.req.json<{ password: string }>();
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const key = await crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: ITERATIONS }, key, 256);
  return c.json({ ok: true, length: bits.byteLength });
});

export default app;
