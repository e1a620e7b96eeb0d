import { createHash } from 'node:crypto';

/**
 * RFC 4226 HOTP (HMAC-SHA1) for a run of consecutive counters, as numbers. An offline file needs one
 * tokencode per step (20,160 for 14 days); Node's createHmac costs about 3 microseconds a call in
 * object set-up alone, so the run is computed here with the key's inner and outer SHA-1 states
 * precomputed once and two compressions per counter. `hotp` in totp.ts stays the reference (the unit
 * tests check one against the other).
 */
const BLOCK_BYTES = 64;

const W = new Int32Array(80);

/** One SHA-1 compression of the 16 words in W[0..15], from `from` into `into`. */
function compress(from: Int32Array, into: Int32Array): void {
  for (let t = 16; t < 80; t++) {
    const x = W[t - 3]! ^ W[t - 8]! ^ W[t - 14]! ^ W[t - 16]!;
    W[t] = (x << 1) | (x >>> 31);
  }
  let a = from[0]!;
  let b = from[1]!;
  let c = from[2]!;
  let d = from[3]!;
  let e = from[4]!;
  for (let t = 0; t < 80; t++) {
    let f: number;
    let k: number;
    if (t < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999;
    } else if (t < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (t < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdc | 0;
    } else {
      f = b ^ c ^ d;
      k = 0xca62c1d6 | 0;
    }
    const next = (((a << 5) | (a >>> 27)) + f + e + k + W[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = next;
  }
  into[0] = (from[0]! + a) | 0;
  into[1] = (from[1]! + b) | 0;
  into[2] = (from[2]! + c) | 0;
  into[3] = (from[3]! + d) | 0;
  into[4] = (from[4]! + e) | 0;
}

const INITIAL = Int32Array.of(0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0);

/** The SHA-1 state after the first block, the key XOR `pad`. */
function padState(key: Buffer, pad: number): Int32Array {
  for (let i = 0; i < 16; i++) {
    W[i] = (key.readInt32BE(i * 4) ^ (pad * 0x01010101)) | 0;
  }
  const state = new Int32Array(5);
  compress(INITIAL, state);
  return state;
}

/** HOTP values of counters `first` .. `first + count - 1`, each below 10^digits. */
export function hotpSeries(seed: Uint8Array, first: number, count: number, digits: number): Uint32Array {
  const key = Buffer.alloc(BLOCK_BYTES);
  if (seed.length > BLOCK_BYTES) createHash('sha1').update(seed).digest().copy(key);
  else Buffer.from(seed.buffer, seed.byteOffset, seed.length).copy(key);
  const inner = padState(key, 0x36);
  const outer = padState(key, 0x5c);
  key.fill(0);
  const innerMac = new Int32Array(5);
  const mac = new Int32Array(5);
  const modulus = 10 ** digits;
  const codes = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const counter = first + i;
    // Inner block: the 8-byte counter, then SHA-1 padding for 64 + 8 bytes.
    W[0] = Math.floor(counter / 2 ** 32) | 0;
    W[1] = counter | 0;
    W[2] = 0x80000000 | 0;
    for (let j = 3; j < 15; j++) W[j] = 0;
    W[15] = (BLOCK_BYTES + 8) * 8;
    compress(inner, innerMac);
    // Outer block: the 20-byte inner MAC, then SHA-1 padding for 64 + 20 bytes.
    for (let j = 0; j < 5; j++) W[j] = innerMac[j]!;
    W[5] = 0x80000000 | 0;
    for (let j = 6; j < 15; j++) W[j] = 0;
    W[15] = (BLOCK_BYTES + 20) * 8;
    compress(outer, mac);
    // Dynamic truncation (RFC 4226 5.3) over the 20 bytes of `mac`, big-endian words.
    const offset = mac[4]! & 0x0f;
    const word = offset >>> 2;
    const shift = (offset & 3) * 8;
    const high = mac[word]!;
    const low = word + 1 < 5 ? mac[word + 1]! : 0;
    const binary = (shift === 0 ? high : (high << shift) | (low >>> (32 - shift))) & 0x7fffffff;
    codes[i] = binary % modulus;
  }
  return codes;
}
