// RFC 9162 §2.1 Merkle trees with WebCrypto SHA-256: the hashing of a
// meeting's log (docs/record.md §Merkle log), the tree hash of any prefix,
// and the verification of inclusion (§2.1.3.2) and consistency (§2.1.4.2)
// proofs. Pure logic on WebCrypto, no DOM: it runs in a page, a Worker or Node.
//
//   const tree = new MerkleTree();
//   await tree.append([leafBytes, …]);        // in log order, any number at a time
//   await tree.root(size);                    // MTH(D[0:size]) for any size up to tree.size
//   await verifyInclusion(index, size, await leafHash(bytes), proof, root);   // null or a code
//   await verifyConsistency(size1, size2, root1, root2, proof);              // null or a code
//
// Hashes are 32-byte Uint8Arrays. Verifiers return null when the proof holds
// and otherwise the code of docs/record.md §Error codes: tlog_bad_index,
// tlog_bad_size, tlog_bad_proof (wrong number of hashes for the sizes, or a
// hash that is not 32 bytes), tlog_root_mismatch. The wrong-length check comes
// first, from the sizes alone, so a truncated or padded path is named as such.
//
// WebCrypto digests are asynchronous and cost a round trip each; everything
// here that hashes many values at once (the leaves of an append, each level
// of new interior nodes) sends them in parallel in chunks of CHUNK.

export const HASH_BYTES = 32;
const CHUNK = 2048;

const subtle = () => globalThis.crypto.subtle;

async function digest(bytes) {
  return new Uint8Array(await subtle().digest('SHA-256', bytes));
}

// HASH() = e3b0c442…b855, the tree hash of no entries.
export function emptyRoot() {
  return digest(new Uint8Array(0));
}

// HASH(0x00 || entry): the prefix keeps a leaf from passing for a node.
export function leafHash(entry) {
  const buf = new Uint8Array(entry.length + 1);
  buf.set(entry, 1);
  return digest(buf);
}

// HASH(0x01 || left || right).
export function nodeHash(left, right) {
  const buf = new Uint8Array(1 + 2 * HASH_BYTES);
  buf[0] = 1;
  buf.set(left, 1);
  buf.set(right, 1 + HASH_BYTES);
  return digest(buf);
}

export function equalHashes(a, b) {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

// Runs fn over items CHUNK at a time, each chunk in parallel, in order.
async function mapChunked(items, fn) {
  const out = new Array(items.length);
  for (let i = 0; i < items.length; i += CHUNK) {
    const part = await Promise.all(items.slice(i, i + CHUNK).map(fn));
    for (let j = 0; j < part.length; j++) out[i + j] = part[j];
  }
  return out;
}

export function leafHashes(entries) {
  return mapChunked(entries, leafHash);
}

// Tree sizes and indices are plain numbers; halving uses division, not
// shifts, which would cut them to 32 bits.
const half = (x) => Math.floor(x / 2);
const odd = (x) => x % 2 === 1;
const isSize = (x) => Number.isSafeInteger(x) && x >= 0;

function isPowerOfTwo(x) {
  while (x > 1 && x % 2 === 0) x /= 2;
  return x === 1;
}

// An append-only tree that keeps every leaf hash and, as a cache, the hash
// of every complete subtree: levels[k][i] is the hash of leaves
// [i·2^k, (i+1)·2^k). About 2n hashes (6.4 MB for 100 000 entries); the
// tree hash of any earlier size then costs at most log2(n) node hashes.
export class MerkleTree {
  constructor() {
    this.levels = [[]];
  }

  get size() {
    return this.levels[0].length;
  }

  leafHash(index) {
    return this.levels[0][index];
  }

  // Appends entries (Uint8Arrays: leaf i is entry i's bytes).
  async append(entries) {
    await this.appendLeafHashes(await leafHashes(entries));
  }

  // Appends leaves already hashed with leafHash(), then completes the
  // subtrees they close, level by level, each level's new nodes in parallel.
  async appendLeafHashes(hashes) {
    this.levels[0].push(...hashes);
    for (let k = 0; this.levels[k].length >= 2; k++) {
      if (this.levels.length === k + 1) this.levels.push([]);
      const below = this.levels[k];
      const above = this.levels[k + 1];
      const pairs = [];
      for (let i = above.length; 2 * i + 1 < below.length; i++) pairs.push(i);
      if (pairs.length === 0) break;
      above.push(...await mapChunked(pairs, (i) => nodeHash(below[2 * i], below[2 * i + 1])));
    }
  }

  // MTH(D[0:size]) (RFC 9162 §2.1.1). The prefix splits into complete
  // subtrees, one per bit of size from the largest down; the tree hash folds
  // them from the right: HASH(0x01 || left subtree || hash of the rest).
  async root(size = this.size) {
    if (!isSize(size) || size > this.size) throw new RangeError(`no tree of size ${size} (the tree has ${this.size})`);
    if (size === 0) return emptyRoot();
    const parts = [];
    let start = 0;
    for (let k = Math.floor(Math.log2(size)); k >= 0; k--) {
      const width = 2 ** k;
      if (Math.floor(size / width) % 2 === 1) {
        parts.push(this.levels[k][start / width]);
        start += width;
      }
    }
    let r = parts.pop();
    while (parts.length) r = await nodeHash(parts.pop(), r);
    return r;
  }
}

// The walk up the tree that RFC 9162 §2.1.3.2 step 4 and §2.1.4.2 step 6
// share, from node fn of a level whose last node is sn: one value per level,
// true when the path's hash there is the left sibling (fn odd, or fn the
// last node, which then climbs past the levels where it is a left child).
function* walk(fn, sn) {
  while (sn > 0) {
    const left = odd(fn) || fn === sn;
    if (left) {
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    }
    yield left;
    fn = half(fn);
    sn = half(sn);
  }
}

const steps = (fn, sn) => [...walk(fn, sn)];

// §2.1.4.2 steps 3–4: the first node of the walk of a consistency proof,
// past the levels where size1's last leaf is a right child.
function consistencyStart(size1, size2) {
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  return [fn, sn];
}

// How many hashes PATH(index, D[0:size]) holds: the iterations of the
// RFC 9162 §2.1.3.2 loop, which depend on the two numbers only.
export function inclusionPathLength(index, size) {
  return steps(index, size - 1).length;
}

// RFC 9162 §2.1.3.2: verifying an inclusion proof. Null when `proof` shows
// the leaf with hash `leaf` at `index` in the tree of `size` whose hash is
// `root`.
export async function verifyInclusion(index, size, leaf, proof, root) {
  if (!isSize(index) || !isSize(size) || index >= size) return 'tlog_bad_index';
  if (!Array.isArray(proof) || proof.length !== inclusionPathLength(index, size)) return 'tlog_bad_proof';
  if (!proof.every((p) => p instanceof Uint8Array && p.length === HASH_BYTES)) return 'tlog_bad_proof';
  const left = steps(index, size - 1);
  let r = leaf;
  for (const [i, p] of proof.entries()) r = left[i] ? await nodeHash(p, r) : await nodeHash(r, p);
  return equalHashes(r, root) ? null : 'tlog_root_mismatch';
}

// How many hashes PROOF(size1, D[0:size2]) holds, for 0 < size1 < size2:
// one per iteration of the §2.1.4.2 loop plus the first, less the one the
// verifier supplies itself when size1 is a power of two.
export function consistencyPathLength(size1, size2) {
  const n = 1 + steps(...consistencyStart(size1, size2)).length;
  return isPowerOfTwo(size1) ? n - 1 : n;
}

// RFC 9162 §2.1.4.2: verifying a consistency proof between the tree of size1
// with hash root1 and the tree of size2 with hash root2. The RFC defines it
// for 0 < size1 < size2; as in src/tlog, with an empty path only, equal
// sizes are consistent when their hashes are equal, and the empty tree (hash
// HASH()) is a prefix of every tree.
export async function verifyConsistency(size1, size2, root1, root2, proof) {
  if (!isSize(size1) || !isSize(size2) || size1 > size2) return 'tlog_bad_size';
  if (!Array.isArray(proof) || !proof.every((p) => p instanceof Uint8Array && p.length === HASH_BYTES))
    return 'tlog_bad_proof';
  if (size1 === size2) {
    if (proof.length !== 0) return 'tlog_bad_proof';
    return equalHashes(root1, root2) ? null : 'tlog_root_mismatch';
  }
  if (size1 === 0) {
    if (proof.length !== 0) return 'tlog_bad_proof';
    return equalHashes(root1, await emptyRoot()) ? null : 'tlog_root_mismatch';
  }
  if (proof.length !== consistencyPathLength(size1, size2)) return 'tlog_bad_proof';
  // 2. If first is an exact power of 2, prepend first_hash to the path.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  // 3.–6.
  const left = steps(...consistencyStart(size1, size2));
  let fr = path[0];
  let sr = path[0];
  for (const [i, c] of path.slice(1).entries()) {
    if (left[i]) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
    } else {
      sr = await nodeHash(sr, c);
    }
  }
  // 7. sn is 0 by the length check.
  return equalHashes(fr, root1) && equalHashes(sr, root2) ? null : 'tlog_root_mismatch';
}
