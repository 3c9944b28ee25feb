// RFC 8785 (JCS) canonical JSON for Parley's safe subset, byte for byte the
// same as json::canonicalize() in the C++ server (src/json/canonical.cpp).
//
// On the subset (integers within ±(2^53−1), ASCII object keys, no lone
// surrogates) JCS reduces to: keys sorted by code unit, no whitespace, and
// strings serialized exactly as ECMAScript's JSON.stringify does (RFC 8785
// §3.2.2.2 is defined from it: \b \t \n \f \r \" \\ by name, other controls
// as \u00xx in lowercase hex, everything else verbatim).

// `code` is the server's error code for the same refusal (docs/api/errors.md).
export class CanonicalError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function checkString(s, what) {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) throw new CanonicalError('invalid_json', `${what} holds a lone surrogate`);
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      throw new CanonicalError('invalid_json', `${what} holds a lone surrogate`);
    }
  }
}

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

export function canonicalize(value) {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value) || Object.is(value, -0))
        throw new CanonicalError('unsafe_number', `number ${value} is outside the safe integer subset`);
      return String(value);
    case 'string':
      checkString(value, 'a string');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return '[' + value.map(canonicalize).join(',') + ']';
      const keys = Object.keys(value);
      for (const k of keys) {
        if (!ASCII.test(k)) throw new CanonicalError('non_ascii_key', `object key "${k}" is not ASCII`);
        if (value[k] === undefined) throw new CanonicalError('invalid_json', `object key "${k}" has no value`);
      }
      // ASCII keys: code-unit order is byte order, as RFC 8785 §3.2.3 asks.
      keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalize(value[k])).join(',') + '}';
    }
    default:
      throw new CanonicalError('invalid_json', `a ${typeof value} cannot be signed`);
  }
}

// JSON.parse that also refuses what json::parse_strict refuses and JSON.parse
// accepts silently: duplicate keys (JSON.parse keeps the last), numbers that
// are not plain safe integers (JSON.parse rounds them, and reads 1.0 as 1),
// non-ASCII object keys, lone surrogates written as \u escapes, and nesting
// deeper than `maxDepth` (the root is at depth 0, as in the C++ parser). Used
// on files a person drops into the verifier, where the server is not in the
// loop. tests/web/canonical.test.mjs checks it against the C++ parser.
export function parseStrict(text, { maxDepth = 64 } = {}) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CanonicalError('invalid_json', `not JSON: ${e.message}`);
  }
  scanText(text);
  checkSubset(value, 0, maxDepth);
  return value;
}

function checkSubset(v, depth, maxDepth) {
  if (depth > maxDepth) throw new CanonicalError('too_deep', `nesting exceeds ${maxDepth} levels`);
  if (typeof v === 'string') {
    checkString(v, 'a string');
  } else if (Array.isArray(v)) {
    for (const x of v) checkSubset(x, depth + 1, maxDepth);
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (!ASCII.test(k)) throw new CanonicalError('non_ascii_key', `object key "${k}" is not ASCII`);
      checkSubset(x, depth + 1, maxDepth);
    }
  }
}

// A small structural scanner over text JSON.parse accepted: tracks object
// keys per nesting level to find duplicates, and checks that number tokens
// are plain integers within the safe range.
function scanText(text) {
  const stack = [];
  let i = 0;
  let expectKey = false;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top && top.type === 'object' && expectKey) {
        const key = JSON.parse(text.slice(i, j + 1));
        if (top.keys.has(key)) throw new CanonicalError('duplicate_key', `duplicate key "${key}"`);
        top.keys.add(key);
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === '{') {
      stack.push({ type: 'object', keys: new Set() });
      expectKey = true;
    } else if (c === '[') {
      stack.push({ type: 'array' });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      expectKey = !!top && top.type === 'object';
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i;
      while (j < text.length && /[-+0-9.eE]/.test(text[j])) j++;
      const tok = text.slice(i, j);
      if (!/^-?(0|[1-9][0-9]*)$/.test(tok) || tok === '-0' || !Number.isSafeInteger(Number(tok)))
        throw new CanonicalError('unsafe_number', `number ${tok} is not a safe integer`);
      i = j;
      continue;
    }
    i++;
  }
}
