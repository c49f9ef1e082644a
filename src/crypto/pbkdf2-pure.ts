// PBKDF2-HMAC-SHA256/SHA1 in plain JS for iteration counts WebCrypto refuses on production Workers.
//
// Django's hashes only ever need one output block (dklen = digest size), and every iteration after
// the first hashes a fixed-size message: the digest of the previous one. So the HMAC key's inner and
// outer pad states are compressed once, each iteration is exactly two compression-function calls on
// preallocated Int32Arrays, and the loop allocates nothing.

interface Sha {
  /** Initial hash value. */
  iv: Int32Array;
  /** Digest size in 32-bit words (8 for SHA-256, 5 for SHA-1). */
  words: number;
  /** Message schedule length (64 or 80). */
  rounds: number;
  /** Compresses the 16 message words at w[0..15] into state; may use w[16..] as scratch. */
  compress(state: Int32Array, w: Int32Array): void;
}

// prettier-ignore
const K256 = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

function compress256(s: Int32Array, w: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = s[0]!, b = s[1]!, c = s[2]!, d = s[3]!, e = s[4]!, f = s[5]!, g = s[6]!, h = s[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K256[i]! + w[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  s[0] = (s[0]! + a) | 0;
  s[1] = (s[1]! + b) | 0;
  s[2] = (s[2]! + c) | 0;
  s[3] = (s[3]! + d) | 0;
  s[4] = (s[4]! + e) | 0;
  s[5] = (s[5]! + f) | 0;
  s[6] = (s[6]! + g) | 0;
  s[7] = (s[7]! + h) | 0;
}

function compress1(s: Int32Array, w: Int32Array): void {
  for (let i = 16; i < 80; i++) {
    const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
    w[i] = (x << 1) | (x >>> 31);
  }
  let a = s[0]!, b = s[1]!, c = s[2]!, d = s[3]!, e = s[4]!;
  for (let i = 0; i < 80; i++) {
    let f: number, k: number;
    if (i < 20) (f = (b & c) | (~b & d)), (k = 0x5a827999);
    else if (i < 40) (f = b ^ c ^ d), (k = 0x6ed9eba1);
    else if (i < 60) (f = (b & c) | (b & d) | (c & d)), (k = 0x8f1bbcdc);
    else (f = b ^ c ^ d), (k = 0xca62c1d6);
    const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  s[0] = (s[0]! + a) | 0;
  s[1] = (s[1]! + b) | 0;
  s[2] = (s[2]! + c) | 0;
  s[3] = (s[3]! + d) | 0;
  s[4] = (s[4]! + e) | 0;
}

const SHA256: Sha = {
  iv: Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]),
  words: 8,
  rounds: 64,
  compress: compress256,
};

const SHA1: Sha = {
  iv: Int32Array.from([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0]),
  words: 5,
  rounds: 80,
  compress: compress1,
};

/** Hashes `data` into `state`, which has already absorbed `prefix` bytes (a multiple of 64), with the final padding. */
function absorb(sha: Sha, state: Int32Array, w: Int32Array, data: Uint8Array, prefix: number): void {
  const padded = new Uint8Array(Math.ceil((data.length + 9) / 64) * 64);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  const bits = (prefix + data.length) * 8;
  view.setUint32(padded.length - 8, Math.floor(bits / 2 ** 32));
  view.setUint32(padded.length - 4, bits >>> 0);
  for (let at = 0; at < padded.length; at += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getInt32(at + i * 4);
    sha.compress(state, w);
  }
}

function derive(sha: Sha, password: Uint8Array, salt: Uint8Array, iterations: number): Uint8Array {
  const w = new Int32Array(sha.rounds);
  let key = password;
  if (key.length > 64) {
    const digest = sha.iv.slice();
    absorb(sha, digest, w, key, 0);
    key = wordsToBytes(digest);
  }
  const block = new Uint8Array(64);
  block.set(key);
  const inner = sha.iv.slice();
  const outer = sha.iv.slice();
  for (let i = 0; i < 16; i++) w[i] = readInt32(block, i * 4) ^ 0x36363636;
  sha.compress(inner, w);
  for (let i = 0; i < 16; i++) w[i] = readInt32(block, i * 4) ^ 0x5c5c5c5c;
  sha.compress(outer, w);

  // U1 = HMAC(password, salt || INT(1)).
  const first = new Uint8Array(salt.length + 4);
  first.set(salt);
  first[salt.length + 3] = 1;
  const state = inner.slice();
  absorb(sha, state, w, first, 64);
  const u = outer.slice();
  absorb(sha, u, w, wordsToBytes(state), 64);
  const t = u.slice();

  // Every later U is HMAC over the previous one: a one-block message of `words` words, padded.
  const n = sha.words;
  for (let i = n + 1; i < 15; i++) w[i] = 0;
  w[n] = 0x80000000 | 0;
  w[15] = (64 + n * 4) * 8;
  for (let round = 1; round < iterations; round++) {
    for (let i = 0; i < n; i++) w[i] = u[i]!;
    state.set(inner);
    sha.compress(state, w);
    for (let i = 0; i < n; i++) w[i] = state[i]!;
    // compress() rewrote w[16..]: the padding words w[n..15] are untouched.
    u.set(outer);
    sha.compress(u, w);
    for (let i = 0; i < n; i++) t[i] = t[i]! ^ u[i]!;
  }
  return wordsToBytes(t);
}

function readInt32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
}

function wordsToBytes(words: Int32Array): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < words.length; i++) view.setInt32(i * 4, words[i]!);
  return out;
}

/**
 * PBKDF2 with one output block of `hash`'s digest size (32 bytes for SHA-256, 20 for SHA-1), the
 * length Django's PBKDF2 hashers use. Synchronous: a million SHA-256 iterations take about a second
 * of CPU. Throws `TypeError` unless `iterations` is a positive safe integer.
 */
export function pbkdf2Pure(hash: "SHA-256" | "SHA-1", password: Uint8Array, salt: Uint8Array, iterations: number): Uint8Array {
  if (!Number.isSafeInteger(iterations) || iterations < 1) throw new TypeError("Iterations must be a positive integer");
  return derive(hash === "SHA-256" ? SHA256 : SHA1, password, salt, iterations);
}
