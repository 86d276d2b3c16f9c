import type { Keyring } from '../../core/crypto.js';

// How alike two letters are, without keeping their words. WriteToThem holds letters that are near-copies of others,
// because MPs discount a pile of identical letters: what moves them is people writing in their own words.
//
// A letter's fingerprint is a bottom-k MinHash sketch: the letter's words are lower-cased and grouped into
// overlapping runs of three ("shingles"); each shingle is hashed with a key derived from the instance secret, and
// the K smallest hashes are kept. Two sketches estimate the Jaccard resemblance of the letters' shingle sets (the
// share of shingles they have in common), exactly when the letters are short. The hashes are keyed, so a stolen
// database cannot test a fingerprint against guessed phrases, and a sketch holds no words.

/** How many hashes a fingerprint keeps: enough for an estimate within a few percent at the thresholds used. */
export const SKETCH_SIZE = 64;
const SHINGLE = 3;
const VERSION = 'm1';
/** 48 bits per hash: exact in a double, and collisions are negligible for letters of a few thousand words. */
const HEX = 12;

const segmenter = new Intl.Segmenter('en', { granularity: 'word' });

/** The words of a text, lower-cased and normalised (any script: word boundaries come from Unicode's rules). */
export function letterWords(text: string): string[] {
  const out: string[] = [];
  for (const s of segmenter.segment(text.normalize('NFKC').toLowerCase())) if (s.isWordLike) out.push(s.segment);
  return out;
}

/** How many words a text has (what the minimum-words setting counts). */
export function countWords(text: string): number {
  let n = 0;
  for (const s of segmenter.segment(text)) if (s.isWordLike) n++;
  return n;
}

/** The fingerprint of a letter's text, as stored in letters.fingerprint. */
export function fingerprint(keyring: Keyring, text: string): string {
  const words = letterWords(text);
  const shingles = new Set<string>();
  if (words.length > 0 && words.length < SHINGLE) shingles.add(words.join(' '));
  for (let i = 0; i + SHINGLE <= words.length; i++) shingles.add(words.slice(i, i + SHINGLE).join(' '));
  const hashes: number[] = [];
  for (const s of shingles)
    hashes.push(parseInt(Buffer.from(keyring.sign('letter-fingerprint', s), 'base64url').subarray(0, 6).toString('hex'), 16));
  const kept = [...new Set(hashes)].sort((a, b) => a - b).slice(0, SKETCH_SIZE);
  return `${VERSION}:${kept.map((h) => h.toString(16).padStart(HEX, '0')).join('')}`;
}

/** A stored fingerprint read back as its sorted hashes; an unreadable one is empty (it matches nothing). */
export function parseFingerprint(stored: string): number[] {
  if (!stored.startsWith(`${VERSION}:`)) return [];
  const hex = stored.slice(VERSION.length + 1);
  if (hex.length % HEX !== 0 || !/^[0-9a-f]*$/.test(hex)) return [];
  const out: number[] = [];
  for (let i = 0; i < hex.length; i += HEX) out.push(parseInt(hex.slice(i, i + HEX), 16));
  return out;
}

/**
 * The estimated resemblance (0 to 1) of two letters from their sorted sketches: of the K smallest hashes of the
 * union, the share present in both. Two empty letters resemble nothing.
 */
export function resemblance(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const k = Math.min(SKETCH_SIZE, Math.max(a.length, b.length));
  let i = 0;
  let j = 0;
  let taken = 0;
  let shared = 0;
  while (taken < k && (i < a.length || j < b.length)) {
    const x = i < a.length ? a[i]! : Infinity;
    const y = j < b.length ? b[j]! : Infinity;
    if (x === y) {
      shared++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
    taken++;
  }
  return taken === 0 ? 0 : shared / taken;
}

/** The highest resemblance of a sketch to any of the others (0 when there are none). */
export function highestResemblance(sketch: readonly number[], others: Iterable<readonly number[]>): number {
  let best = 0;
  for (const o of others) {
    const r = resemblance(sketch, o);
    if (r > best) best = r;
    if (best >= 1) break;
  }
  return best;
}
