// bcrypt for the registry's htpasswd file. distribution's htpasswd auth accepts bcrypt entries only,
// and neither Node nor this machine's packages ship a bcrypt (no `htpasswd`, no `mkpasswd`); this is
// OpenBSD's algorithm (EksBlowfish), checked against the published test vectors and against the
// real registry accepting the hashes it writes. Test credentials only: cost 4 keeps it fast.
import { randomBytes } from 'node:crypto';

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const STANDARD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** `$2a$CC$<22 salt chars><31 hash chars>`, as `htpasswd -B` writes it. */
export function bcryptHash(password: string, options: { cost?: number; salt?: Uint8Array } = {}): string {
  const cost = options.cost ?? 4;
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new Error(`bcrypt cost ${cost} is outside 4..31`);
  const salt = options.salt ?? randomBytes(16);
  if (salt.length !== 16) throw new Error('bcrypt salt must be 16 bytes');
  // The key is the password with its NUL terminator, at most 72 bytes.
  const key = Buffer.concat([Buffer.from(password, 'utf8'), Buffer.from([0])]).subarray(0, 72);
  const state = initialState();
  expandState(state, salt, key);
  for (let round = 0; round < 2 ** cost; round++) {
    expandState(state, undefined, key);
    expandState(state, undefined, salt);
  }
  const text = Buffer.from('OrpheanBeholderScryDoubt', 'latin1');
  const words = [0, 1, 2, 3, 4, 5].map((i) => text.readUInt32BE(i * 4));
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 6; j += 2) {
      const [l, r] = encipher(state, words[j]!, words[j + 1]!);
      words[j] = l;
      words[j + 1] = r;
    }
  }
  const out = Buffer.alloc(24);
  words.forEach((w, i) => out.writeUInt32BE(w, i * 4));
  return `$2a$${String(cost).padStart(2, '0')}$${encodeBcryptBase64(salt)}${encodeBcryptBase64(out.subarray(0, 23))}`;
}

/** bcrypt's base64: the standard bit order, its own alphabet, no padding. */
export function encodeBcryptBase64(bytes: Uint8Array): string {
  return [...Buffer.from(bytes).toString('base64').replace(/=+$/, '')].map((c) => BCRYPT_ALPHABET[STANDARD_ALPHABET.indexOf(c)]).join('');
}

export function decodeBcryptBase64(text: string, length: number): Buffer {
  const standard = [...text].map((c) => STANDARD_ALPHABET[BCRYPT_ALPHABET.indexOf(c)]).join('');
  return Buffer.from(standard, 'base64').subarray(0, length);
}

interface BlowfishState { p: Uint32Array; s: Uint32Array[] }

function initialState(): BlowfishState {
  const digits = piWords();
  return { p: digits.slice(0, 18), s: [0, 1, 2, 3].map((i) => digits.slice(18 + i * 256, 18 + (i + 1) * 256)) };
}

/** Blowfish_expandstate (with data) or Blowfish_expand0state (without). */
function expandState(state: BlowfishState, data: Uint8Array | undefined, key: Uint8Array): void {
  const keyStream = wordStream(key);
  for (let i = 0; i < 18; i++) state.p[i] = (state.p[i]! ^ keyStream()) >>> 0;
  const dataStream = data ? wordStream(data) : () => 0;
  let l = 0;
  let r = 0;
  const fill = (target: Uint32Array): void => {
    for (let i = 0; i < target.length; i += 2) {
      l = (l ^ dataStream()) >>> 0;
      r = (r ^ dataStream()) >>> 0;
      [l, r] = encipher(state, l, r);
      target[i] = l;
      target[i + 1] = r;
    }
  };
  fill(state.p);
  for (const box of state.s) fill(box);
}

function wordStream(bytes: Uint8Array): () => number {
  let at = 0;
  return () => {
    let word = 0;
    for (let i = 0; i < 4; i++) {
      word = ((word << 8) | bytes[at]!) >>> 0;
      at = (at + 1) % bytes.length;
    }
    return word;
  };
}

function encipher(state: BlowfishState, left: number, right: number): [number, number] {
  const { p, s } = state;
  const [s0, s1, s2, s3] = s as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  const f = (x: number): number => ((((s0[x >>> 24]! + s1[(x >>> 16) & 0xff]!) >>> 0) ^ s2[(x >>> 8) & 0xff]!) + s3[x & 0xff]!) >>> 0;
  let l = (left ^ p[0]!) >>> 0;
  let r = right;
  for (let i = 1; i <= 16; i += 2) {
    r = (r ^ f(l) ^ p[i]!) >>> 0;
    l = (l ^ f(r) ^ p[i + 1]!) >>> 0;
  }
  return [(r ^ p[17]!) >>> 0, l];
}

let piCache: Uint32Array | undefined;

/**
 * Blowfish's initial P-array and S-boxes are the hexadecimal digits of pi's fraction (1,042 words).
 * Computed once with Machin's formula in BigInt (a few milliseconds) rather than pasted as 8 KB of
 * constants.
 */
function piWords(): Uint32Array {
  if (piCache) return piCache.slice();
  const words = 18 + 4 * 256;
  const bits = BigInt(words * 32 + 64);
  const one = 1n << bits;
  const arctanInverse = (x: bigint): bigint => {
    let sum = 0n;
    let power = one / x;
    const x2 = x * x;
    for (let k = 1n; power !== 0n; k += 2n) {
      sum += (k % 4n === 1n ? 1n : -1n) * (power / k);
      power /= x2;
    }
    return sum;
  };
  const pi = 16n * arctanInverse(5n) - 4n * arctanInverse(239n);
  const fraction = (pi - 3n * one) >> 64n;
  const result = new Uint32Array(words);
  for (let i = 0; i < words; i++) result[i] = Number((fraction >> BigInt((words - 1 - i) * 32)) & 0xffffffffn);
  piCache = result;
  return result.slice();
}
