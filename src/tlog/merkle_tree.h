#pragma once
// MerkleTree: the append-only Merkle tree of a log (RFC 9162 §2.1), with the
// tree hash of any earlier size and the inclusion (§2.1.3.1) and consistency
// (§2.1.4.1) proofs a log serves. Their verification is in tlog/proof.h and
// needs no tree.
//
// The tree keeps every leaf hash and, as a cache, the hash of every complete
// subtree: level h holds the roots of the perfect subtrees of 2^h leaves that
// start at a multiple of 2^h. That is about 2n hashes (64 bytes per entry;
// 6.4 MB for 100 000 entries), and each append hashes one leaf and on average
// one node. With it, the hash of any range that the RFC's recursion visits
// is either one lookup or the right edge of a tree, so root(size), an
// inclusion proof and a consistency proof each cost O(log n) hashes.
//
// Owned by whoever keeps the log (one writer); a const tree may be read from
// several threads. Sizes and indices are uint64, as in RFC 9162.

#include <cstdint>
#include <span>
#include <vector>

#include "common/error.h"
#include "tlog/hash.h"

namespace parley::tlog {

class MerkleTree {
 public:
  MerkleTree() = default;

  std::uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }

  // Appends an entry (hashed as a leaf, RFC 9162 §2.1.1) and returns its index.
  std::uint64_t append(std::span<const std::uint8_t> entry);
  // Appends a leaf whose hash the caller already has (HASH(0x00 || entry)).
  std::uint64_t append_leaf_hash(const Hash& leaf);

  // The leaf hash of entry `index`; tlog_bad_index when index >= size().
  Expected<Hash> leaf(std::uint64_t index) const;

  // MTH of the first `tree_size` entries (§2.1.1); tlog_bad_size beyond size().
  Expected<Hash> root(std::uint64_t tree_size) const;
  Hash root() const;

  // PATH(index, D[0:tree_size]) (§2.1.3.1), ordered from the leaf upwards.
  // tlog_bad_size when tree_size > size(), tlog_bad_index when index >= tree_size.
  Expected<std::vector<Hash>> inclusion_proof(std::uint64_t index, std::uint64_t tree_size) const;

  // PROOF(first, D[0:second]) (§2.1.4.1). The RFC defines it for
  // 0 < first < second; for first == 0 or first == second there is nothing to
  // prove and the proof is empty (tlog/proof.h accepts exactly that).
  // tlog_bad_size when second > size() or first > second.
  Expected<std::vector<Hash>> consistency_proof(std::uint64_t first, std::uint64_t second) const;

 private:
  // MTH(D[begin:end]) for a range the RFC recursion visits: begin is a
  // multiple of the largest power of two not above end - begin.
  Hash subtree(std::uint64_t begin, std::uint64_t end) const;
  void path(std::uint64_t m, std::uint64_t begin, std::uint64_t end, std::vector<Hash>& out) const;
  void subproof(std::uint64_t m, std::uint64_t begin, std::uint64_t end, bool complete,
                std::vector<Hash>& out) const;

  // levels_[h][i] = MTH(D[i * 2^h : (i + 1) * 2^h]); levels_[0] are the leaves.
  std::vector<std::vector<Hash>> levels_;
};

}  // namespace parley::tlog
