import type { SearchDocument } from '../../src/content/search/service.js';

// The search benchmark's corpus: updates written from a vocabulary whose words follow Zipf's law, as the words of
// any real text do (the commonest word about every tenth, the 100th a few times a page, most words rare), so that a
// common word matches thousands of updates and a rare one a few dozen, as on a charity's site after some years.
// Everything is made from a seeded generator: the server indexing the updates and the load asking for them agree.

// The commonest words of English first, then the words of a human-rights charity's updates; the rest of the
// vocabulary is made of syllables (rarer words: names, places, terms).
const FUNCTION_WORDS = (
  'the of and to a in is that for it as was with be by on not he this are or his from at which but have an had ' +
  'they you were their one all we can her has there been if more when will would who so no she other its may these'
).split(' ');
const TOPIC_WORDS = (
  'campaign families detention cotton supply chain forced labour rights human government brands workers evidence ' +
  'report parliament minister letter petition vigil embassy region camps survivors testimony research sanctions ' +
  'import companies audit factories mills farms transparency law bill vote members constituency supporters ' +
  'volunteers community diaspora relatives contact silence surveillance police arrest prison sentence trial court ' +
  'judge appeal asylum refugees visa border travel passport students teachers language culture religion mosque ' +
  'faith heritage music poetry history archive photographs satellite images data analysis investigation ' +
  'journalists media newspaper broadcast interview statement response demand call action week month year today ' +
  'london leeds manchester glasgow cardiff belfast birmingham bristol meeting protest march speech hearing ' +
  'committee inquiry briefing guidance support safety security advice donation gift charity trustees staff ' +
  'office retailers fashion garments textiles solar panels tomatoes electronics shipments customs ports trade ' +
  'agreement pressure progress victory setback news update story voices children mothers fathers brother sister ' +
  'uncle cousin friends neighbours phone messages calls threats harassment intimidation abroad overseas homeland ' +
  'province city village school university hospital doctors health food water winter summer spring autumn'
).split(' ');
const SYLLABLES = 'ka ri mo zan tel qu ur ba ne sho li dar ek vin om tas gul pe rha jin'.split(' ');
const VOCABULARY_SIZE = 5_000;

/** A small seeded generator (mulberry32): the same numbers for the same seed, on every machine. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

let vocabulary: string[] | undefined;

/** The vocabulary, commonest first. */
export function words(): string[] {
  if (vocabulary) return vocabulary;
  const made = new Set([...FUNCTION_WORDS, ...TOPIC_WORDS]);
  const next = random(7);
  while (made.size < VOCABULARY_SIZE) {
    const n = 2 + Math.floor(next() * 3);
    made.add(Array.from({ length: n }, () => SYLLABLES[Math.floor(next() * SYLLABLES.length)]).join(''));
  }
  vocabulary = [...made];
  return vocabulary;
}

/** Where the topic words start and end in the vocabulary: the "common" words a visitor searches for. */
export const COMMON = { from: FUNCTION_WORDS.length, to: FUNCTION_WORDS.length + TOPIC_WORDS.length };
/** Words from here on match a few dozen to a few hundred of 10,000 updates. */
export const RARE = { from: 1_000, to: VOCABULARY_SIZE };

function zipf(): (r: number) => string {
  const v = words();
  const cumulative: number[] = [];
  let sum = 0;
  for (let i = 0; i < v.length; i++) cumulative.push((sum += 1 / (i + 1)));
  return (r) => {
    const target = r * sum;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return v[lo]!;
  };
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The update with this number, as its owner would index it: about 300 words in paragraphs of sentences. */
export function update(n: number, pick: (r: number) => string = zipf()): SearchDocument {
  const next = random(1_000 + n);
  const phrase = (min: number, max: number) => Array.from({ length: min + Math.floor(next() * (max - min + 1)) }, () => pick(next()));
  const sentence = () => `${capital(phrase(8, 20).join(' '))}.`;
  const paragraphs: string[] = [];
  let count = 0;
  while (count < 300) {
    const p = Array.from({ length: 2 + Math.floor(next() * 4) }, sentence).join(' ');
    count += p.split(' ').length;
    paragraphs.push(p);
  }
  const start = Date.UTC(2019, 0, 1);
  return {
    kind: 'update',
    ref: n,
    title: capital(phrase(4, 9).join(' ')),
    summary: `${capital(phrase(12, 25).join(' '))}.`,
    body: paragraphs.join('\n'),
    url: `/updates/update-${n}`,
    publishedAt: start + Math.floor(next() * (Date.UTC(2026, 11, 1) - start)),
  };
}

/** The first n updates. */
export function* updates(n: number): Generator<SearchDocument> {
  const pick = zipf();
  for (let i = 1; i <= n; i++) yield update(i, pick);
}

/** Searches a visitor might type: one to three words, each common or rare. */
export function searches(n: number, seed: number): string[] {
  const v = words();
  const next = random(seed);
  const word = () => {
    const range = next() < 0.5 ? COMMON : RARE;
    return v[range.from + Math.floor(next() * (range.to - range.from))]!;
  };
  return Array.from({ length: n }, () => Array.from({ length: 1 + Math.floor(next() * 3) }, word).join(' '));
}
