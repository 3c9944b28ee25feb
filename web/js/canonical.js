// RFC 8785 (JCS) canonical JSON for Parley's safe subset, byte for byte the
// same as json::canonicalize() in the C++ server (src/json/canonical.cpp).
//
// On the subset (integers within ±(2^53−1), ASCII object keys, no lone
// surrogates) JCS reduces to: keys sorted by code unit, no whitespace, and
// strings serialized exactly as ECMAScript's JSON.stringify does (RFC 8785
// §3.2.2.2 is defined from it: \b \t \n \f \r \" \\ by name, other controls
// as \u00xx in lowercase hex, everything else verbatim).

export class CanonicalError extends Error {}

function checkString(s, what) {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) throw new CanonicalError(`${what} holds a lone surrogate`);
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      throw new CanonicalError(`${what} holds a lone surrogate`);
    }
  }
}

export function canonicalize(value) {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value) || Object.is(value, -0))
        throw new CanonicalError(`number ${value} is outside the safe integer subset`);
      return String(value);
    case 'string':
      checkString(value, 'a string');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return '[' + value.map(canonicalize).join(',') + ']';
      const keys = Object.keys(value);
      for (const k of keys) {
        // eslint-disable-next-line no-control-regex
        if (!/^[\x00-\x7f]*$/.test(k)) throw new CanonicalError(`object key "${k}" is not ASCII`);
        if (value[k] === undefined) throw new CanonicalError(`object key "${k}" has no value`);
      }
      // ASCII keys: code-unit order is byte order, as RFC 8785 §3.2.3 asks.
      keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalize(value[k])).join(',') + '}';
    }
    default:
      throw new CanonicalError(`a ${typeof value} cannot be signed`);
  }
}

// JSON.parse that also refuses what parse_strict refuses and JSON.parse
// accepts silently: duplicate keys (JSON.parse keeps the last), and numbers
// that are not safe integers (JSON.parse rounds them). Used on files a person
// drops into the verifier, where the server's parser is not in the loop.
export function parseStrict(text) {
  let value;
  try {
    value = JSON.parse(text, function reviver(key, v) {
      if (typeof v === 'number' && (!Number.isSafeInteger(v) || Object.is(v, -0)))
        throw new CanonicalError(`number at "${key}" is not a safe integer`);
      return v;
    });
  } catch (e) {
    if (e instanceof CanonicalError) throw e;
    throw new CanonicalError(`not JSON: ${e.message}`);
  }
  // A number spelled 1.0 or 1e2 parses to a safe integer: find such spellings
  // and duplicate keys with a scan of the text's structure.
  scanText(text);
  return value;
}

// A small structural scanner: tracks object keys per nesting level to find
// duplicates, and checks number tokens are plain integers.
function scanText(text) {
  const stack = [];
  let i = 0;
  let expectKey = false;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const raw = text.slice(i, j + 1);
      const top = stack[stack.length - 1];
      if (top && top.type === 'object' && expectKey) {
        const key = JSON.parse(raw);
        if (top.keys.has(key)) throw new CanonicalError(`duplicate key "${key}"`);
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
      if (!/^-?(0|[1-9][0-9]*)$/.test(tok) || tok === '-0')
        throw new CanonicalError(`number ${tok} is not a plain integer`);
      i = j;
      continue;
    }
    i++;
  }
}
