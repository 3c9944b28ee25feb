// Differential fuzzing of web/js/canonical.js against the C++ code it must
// match byte for byte (json::parse_strict and json::canonicalize, through
// tests/web/json_tool.cpp): random values in Parley's JSON subset with
// strings built to stress escaping, written with random whitespace and key
// order; then random mutations of those texts, which both parsers must
// accept or refuse alike. (The error code may differ when a text breaks two
// rules: the C++ parser stops at the first in reading order, canonical.js
// parses first and checks the subset after. Both refuse.) The seed is
// printed so a failure can be replayed: PARLEY_FUZZ_SEED=<n>.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalize, parseStrict, CanonicalError } from '../../web/js/canonical.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BUILD = path.resolve(process.env.PARLEY_BUILD || path.join(here, '..', '..', 'build', 'release'));
const TOOL = path.join(BUILD, 'tests', 'web', 'parley_json_tool');

const seed = Number(process.env.PARLEY_FUZZ_SEED || Date.now() % 1e9);
let state = seed;
function rand(n) {  // xorshift32: reproducible from the seed
  state ^= state << 13; state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5; state >>>= 0;
  return state % n;
}
const pick = (xs) => xs[rand(xs.length)];

const CHARS = ['a', 'Z', '0', ' ', '"', '\\', '/', '\b', '\f', '\n', '\r', '\t', '\u0000', '\u0001', '\u001f',
  '\u007f', '\u0080', '\u00e9', '\u2028', '\u2029', '\ufeff', '\uffff', '\u4e2d', '\ud83d\ude00', '\udbff\udfff', '<', '&'];
const INTS = [0, 1, -1, 42, -42, 9007199254740991, -9007199254740991, 2 ** 31, -(2 ** 31), 1e15];

function randString(max = 8) {
  let s = '';
  for (let i = rand(max); i > 0; i--) s += pick(CHARS);
  return s;
}
function randKey() {
  return pick(['', 'a', 'b', 'type', 'A', 'a1', '~', ' ', '"', '\\', '\u007f', 'aa', 'ab', 'B']) + (rand(3) ? '' : randString(3).replace(/[^\x00-\x7f]/g, ''));
}
function randValue(depth = 0) {
  const k = rand(depth > 4 ? 5 : 7);
  switch (k) {
    case 0: return null;
    case 1: return rand(2) === 0;
    case 2: return Math.min(Number.MAX_SAFE_INTEGER, pick(INTS) + (rand(4) ? 0 : rand(1000)));
    case 3:
    case 4: return randString();
    case 5: return Array.from({ length: rand(4) }, () => randValue(depth + 1));
    default: {
      const o = {};
      for (let i = rand(5); i > 0; i--) o[randKey()] = randValue(depth + 1);
      return o;
    }
  }
}

// The value as text, with whitespace and (JSON.stringify keeps insertion
// order) keys in a random order.
function randText(v) {
  const ws = () => pick(['', '', ' ', '\n', '\t', ' \r\n ']);
  if (Array.isArray(v)) return `${ws()}[${v.map(randText).join(',')}]${ws()}`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v).sort(() => rand(3) - 1);
    return `${ws()}{${keys.map((k) => `${ws()}${JSON.stringify(k)}${ws()}:${randText(v[k])}`).join(',')}}${ws()}`;
  }
  let t = JSON.stringify(v);
  if (typeof v === 'string' && rand(3) === 0)  // spell some characters as \u escapes
    t = t.replace(/\\u[0-9a-f]{4}|\\.|[a-zA-Z\u00e9\u4e2d]/g, (c) => (c.length > 1 || !rand(2) ? c
      : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return `${ws()}${t}${ws()}`;
}

const MUTATIONS = [
  (t) => t.replace(/\d+/, (d) => `${d}.0`),
  (t) => t.replace(/\d+/, (d) => `${d}e0`),
  (t) => t.replace(/\d+/, '-0'),
  (t) => t.replace(/\d+/, '9007199254740992'),
  (t) => t.replace(/\d+/, '01'),
  (t) => t.replace(/"[^"\\]*"\s*:/, (k) => `${k}1,${k}`),  // duplicate a key
  (t) => t.replace(/"/, '"\\ud800'),
  (t) => t.replace(/"/, '"\\udc00\\ud800'),
  (t) => t.replace(/"/, '"\\x'),
  (t) => t.replace(/\{/, '{"\u00e9":1,'),
  (t) => `${t} 1`,
  (t) => t.slice(0, Math.max(0, t.length - 1 - rand(3))),
  (t) => `[${t}]`,
  (t) => '['.repeat(60 + rand(10)) + t + ']'.repeat(60 + rand(10)),
  (t) => t.replace(/,/, ',,'),
  (t) => t.replace(/true|false|null/, 'True'),
  (t) => t.replace(/ /, '\u00a0'),
];

function cxx(texts) {
  const out = execFileSync(TOOL, { input: texts.join('\0'), maxBuffer: 256 << 20 }).toString('utf8');
  return out.split('\0').slice(0, texts.length);
}

function js(text) {
  try {
    return `ok:${canonicalize(parseStrict(text, { maxDepth: 64 }))}`;
  } catch (e) {
    if (!(e instanceof CanonicalError)) throw e;
    return `err:${e.code}`;
  }
}

test(`canonical.js agrees with the C++ parser and canonicaliser (seed ${seed})`, () => {
  const values = Array.from({ length: 3000 }, () => randValue());
  const texts = values.map(randText);
  const mutated = texts.slice(0, 3000).map((t) => pick(MUTATIONS)(t));
  const all = [...texts, ...mutated];
  const theirs = cxx(all);
  let refused = 0;
  for (let i = 0; i < all.length; i++) {
    const mine = js(all[i]);
    const verdict = (r) => (r.startsWith('err:') ? 'refused' : r);
    if (mine.startsWith('err:')) refused++;
    assert.equal(verdict(mine), verdict(theirs[i]), `text ${i} (seed ${seed}): ${JSON.stringify(all[i]).slice(0, 300)}`);
    if (i < values.length) assert.equal(mine, `ok:${canonicalize(values[i])}`, `value ${i} round trip`);
  }
  assert.ok(refused > 500, `the mutations exercise refusals (${refused})`);
});

test('RFC 8785 examples of string escaping and key order', () => {
  assert.equal(canonicalize({ b: 1, a: [true, null, 'x'] }), '{"a":[true,null,"x"],"b":1}');
  assert.equal(canonicalize('\u20ac$\u000f\nA\'B"\\\\"/'), '"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"');
  assert.equal(canonicalize({ '\u007f': 1, '~': 2, ' ': 3 }), '{" ":3,"~":2,"\u007f":1}');
  assert.throws(() => canonicalize(1.5), CanonicalError);
  assert.throws(() => canonicalize({ 'caf\u00e9': 1 }), /not ASCII/);
});
