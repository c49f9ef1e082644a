// CPU cost of a Django PBKDF2-SHA256 check: our plain-JS derivation at 1,000,000 iterations (what a
// Django 5.2 hash costs) against WebCrypto at 100,000 (our own hashes). Not part of npm test.
//   npx tsx bench/pbkdf2.ts [rounds]
// Node's WebCrypto is OpenSSL where workerd's is BoringSSL, and both run the same V8 for the JS
// path; src/crypto/pbkdf2-pure.test.ts checks the two agree on the bytes.
import { pbkdf2Pure } from "../src/crypto/pbkdf2-pure";

const rounds = Number(process.argv[2] ?? 5);
const enc = new TextEncoder();
const password = enc.encode("correct horse battery staple");
const salt = enc.encode("Zf3kQ9xW2mLp7RtY1aBcDe");

async function webCrypto(iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", password, "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256));
}

/** CPU milliseconds (user + system) of one call, the median of `rounds`. */
async function cpuMs(run: () => unknown): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const before = process.cpuUsage();
    await run();
    const used = process.cpuUsage(before);
    samples.push((used.user + used.system) / 1000);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
if (hex(pbkdf2Pure("SHA-256", password, salt, 100_000)) !== hex(await webCrypto(100_000))) throw new Error("derivations disagree");

await cpuMs(() => pbkdf2Pure("SHA-256", password, salt, 100_000)); // warm-up: optimised code
const web100k = await cpuMs(() => webCrypto(100_000));
const pure100k = await cpuMs(() => pbkdf2Pure("SHA-256", password, salt, 100_000));
const pure1m = await cpuMs(() => pbkdf2Pure("SHA-256", password, salt, 1_000_000));
const pure260k = await cpuMs(() => pbkdf2Pure("SHA-256", password, salt, 260_000));
const sha1260k = await cpuMs(() => pbkdf2Pure("SHA-1", password, salt, 260_000));
console.log(`node ${process.version}, median of ${rounds} rounds, CPU ms per check`);
console.log(`WebCrypto PBKDF2-SHA256 100,000:   ${web100k.toFixed(1)}`);
console.log(`plain JS  PBKDF2-SHA256 100,000:   ${pure100k.toFixed(1)}`);
console.log(`plain JS  PBKDF2-SHA256 260,000:   ${pure260k.toFixed(1)}  (Django 3.2 default)`);
console.log(`plain JS  PBKDF2-SHA256 1,000,000: ${pure1m.toFixed(1)}  (Django 5.2 default) = ${(pure1m / web100k).toFixed(1)}x WebCrypto at 100k`);
console.log(`plain JS  PBKDF2-SHA1   260,000:   ${sha1260k.toFixed(1)}  (Django 3.2 default)`);
