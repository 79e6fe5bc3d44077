/**
 * SHA-256 in TypeScript for the journal's keys (internal): small messages
 * hashed synchronously without a round trip through `node:crypto` (which
 * costs about a microsecond per call here, more than the hash itself), and a
 * saved state so a prefix shared by many messages (a task definition's
 * identity) is compressed once.
 *
 * Checked against `node:crypto` in tests/journal_canonical_test.ts.
 *
 * @module
 */

const K = new Int32Array([
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
]);

const IV = new Int32Array([
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
]);

const W = new Int32Array(64);

/** Compresses the 64-byte blocks of `buf[from .. from + 64n)` into `h`. */
function compress(h: Int32Array, buf: Uint8Array, from: number, blocks: number): void {
  const w = W, k = K;
  let h0 = h[0]!, h1 = h[1]!, h2 = h[2]!, h3 = h[3]!;
  let h4 = h[4]!, h5 = h[5]!, h6 = h[6]!, h7 = h[7]!;
  for (let b = 0; b < blocks; b++) {
    let p = from + b * 64;
    for (let i = 0; i < 16; i++, p += 4) {
      w[i] = (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
    }
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15]!, y = w[i - 2]!;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
    }
    let a = h0, bb = h1, c = h2, d = h3, e = h4, f = h5, g = h6, hh = h7;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + k[i]! + w[i]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & bb) ^ (a & c) ^ (bb & c);
      const t2 = (S0 + maj) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = bb;
      bb = a;
      a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + bb) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
    h5 = (h5 + f) | 0;
    h6 = (h6 + g) | 0;
    h7 = (h7 + hh) | 0;
  }
  h[0] = h0;
  h[1] = h1;
  h[2] = h2;
  h[3] = h3;
  h[4] = h4;
  h[5] = h5;
  h[6] = h6;
  h[7] = h7;
}

const DIGITS = "0123456789abcdef";
const CODES: number[] = new Array(64).fill(0);

/** `h` as 64 hex characters: one flat string (no chain of concatenations to collect). */
function hexOf(h: Int32Array): string {
  const c = CODES;
  let p = 0;
  for (let i = 0; i < 8; i++) {
    const v = h[i]!;
    for (let shift = 28; shift >= 0; shift -= 4) c[p++] = DIGITS.charCodeAt((v >>> shift) & 15);
  }
  return String.fromCharCode.apply(null, c);
}

/**
 * An incremental SHA-256. `update` bytes, then `hex()` (which ends it); or
 * `save()` the state after a shared prefix and start each message from it
 * with {@link Sha256.from}.
 */
export class Sha256 {
  readonly #h = new Int32Array(8);
  readonly #block = new Uint8Array(64);
  #fill = 0;
  #length = 0; // bytes so far (up to 2^53)

  /** A hash at the initial state. */
  constructor() {
    this.#h.set(IV);
  }

  /**
   * A hash that continues from a saved state (see {@link Sha256.save}).
   *
   * @param state what `save()` returned
   * @returns a new hash
   */
  static from(state: SavedState): Sha256 {
    const s = new Sha256();
    s.#h.set(state.h);
    s.#block.set(state.block);
    s.#fill = state.fill;
    s.#length = state.length;
    return s;
  }

  /**
   * Resets this hash to a saved state (no allocation).
   *
   * @param state what `save()` returned
   * @returns this
   */
  reset(state?: SavedState): this {
    if (state === undefined) {
      this.#h.set(IV);
      this.#fill = 0;
      this.#length = 0;
      return this;
    }
    this.#h.set(state.h);
    this.#block.set(state.block);
    this.#fill = state.fill;
    this.#length = state.length;
    return this;
  }

  /** The state so far, to start other messages from. */
  save(): SavedState {
    return {
      h: new Int32Array(this.#h),
      block: new Uint8Array(this.#block),
      fill: this.#fill,
      length: this.#length,
    };
  }

  /**
   * Adds `bytes[from .. to)`.
   *
   * @param bytes the bytes
   * @param from first index
   * @param to end index
   * @returns this
   */
  update(bytes: Uint8Array, from = 0, to: number = bytes.length): this {
    this.#length += to - from;
    const block = this.#block;
    let fill = this.#fill;
    if (fill !== 0) {
      const n = Math.min(64 - fill, to - from);
      block.set(bytes.subarray(from, from + n), fill);
      fill += n;
      from += n;
      if (fill < 64) {
        this.#fill = fill;
        return this;
      }
      compress(this.#h, block, 0, 1);
      fill = 0;
    }
    const blocks = (to - from) >>> 6;
    if (blocks !== 0) {
      compress(this.#h, bytes, from, blocks);
      from += blocks * 64;
    }
    if (from < to) {
      block.set(bytes.subarray(from, to), 0);
      fill = to - from;
    }
    this.#fill = fill;
    return this;
  }

  /** Ends the message; the digest's 8 big-endian words (valid until the next use). */
  #finish(): Int32Array {
    const block = this.#block;
    let fill = this.#fill;
    block[fill++] = 0x80;
    if (fill > 56) {
      block.fill(0, fill);
      compress(this.#h, block, 0, 1);
      fill = 0;
    }
    block.fill(0, fill, 56);
    const bits = this.#length * 8;
    const hi = Math.floor(bits / 0x100000000);
    block[56] = hi >>> 24;
    block[57] = hi >>> 16;
    block[58] = hi >>> 8;
    block[59] = hi;
    block[60] = bits >>> 24;
    block[61] = bits >>> 16;
    block[62] = bits >>> 8;
    block[63] = bits;
    compress(this.#h, block, 0, 1);
    this.#fill = 0;
    return this.#h;
  }

  /** Ends the message: the digest as 64 lowercase hex characters. */
  hex(): string {
    return hexOf(this.#finish());
  }

  /** Ends the message: the digest's 32 bytes. */
  digest(): Uint8Array {
    const h = this.#finish();
    const out = new Uint8Array(32);
    for (let i = 0; i < 8; i++) {
      const v = h[i]!;
      out[i * 4] = v >>> 24;
      out[i * 4 + 1] = v >>> 16;
      out[i * 4 + 2] = v >>> 8;
      out[i * 4 + 3] = v;
    }
    return out;
  }
}

/** A hash state saved after a prefix (see {@link Sha256.save}). */
export interface SavedState {
  readonly h: Int32Array;
  readonly block: Uint8Array;
  readonly fill: number;
  readonly length: number;
}
