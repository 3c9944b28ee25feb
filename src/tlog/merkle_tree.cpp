#include "tlog/merkle_tree.h"

#include <bit>
#include <cstdlib>
#include <string>

namespace parley::tlog {

namespace {

// The largest power of two smaller than n, for n > 1 (RFC 9162 §2.1.1: "k be
// the largest power of two smaller than n (i.e., k < n <= 2k)").
std::uint64_t split_point(std::uint64_t n) {
  return std::bit_floor(n - 1);
}

Error bad_size(std::uint64_t asked, std::uint64_t have) {
  return make_error("tlog_bad_size", "tree size " + std::to_string(asked) +
                                         " is beyond the log's " + std::to_string(have) +
                                         " entries");
}

}  // namespace

std::uint64_t MerkleTree::append(std::span<const std::uint8_t> entry) {
  return append_leaf_hash(leaf_hash(entry));
}

std::uint64_t MerkleTree::append_leaf_hash(const Hash& leaf) {
  if (levels_.empty()) levels_.emplace_back();
  const std::uint64_t index = levels_[0].size();
  levels_[0].push_back(leaf);
  // Each new right child completes a perfect subtree one level up.
  std::uint64_t i = index;
  for (std::size_t h = 0; i % 2 == 1; ++h, i /= 2) {
    if (levels_.size() == h + 1) levels_.emplace_back();
    const auto& level = levels_[h];
    levels_[h + 1].push_back(node_hash(level[i - 1], level[i]));
  }
  return index;
}

Expected<Hash> MerkleTree::leaf(std::uint64_t index) const {
  if (index >= size()) {
    return make_error("tlog_bad_index", "entry " + std::to_string(index) + " is beyond the log's " +
                                            std::to_string(size()) + " entries");
  }
  return levels_[0][index];
}

Hash MerkleTree::subtree(std::uint64_t begin, std::uint64_t end) const {
  const std::uint64_t n = end - begin;
  if (std::has_single_bit(n) && begin % n == 0) {
    const auto h = static_cast<std::size_t>(std::countr_zero(n));
    const std::uint64_t i = begin >> h;
    // Invariant: end <= size(), so the perfect subtree is complete and cached.
    if (h >= levels_.size() || i >= levels_[h].size()) std::abort();
    return levels_[h][i];
  }
  // §2.1.1: MTH(D_n) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])). The left
  // part is perfect and aligned, so only the right edge recurses.
  const std::uint64_t k = split_point(n);
  return node_hash(subtree(begin, begin + k), subtree(begin + k, end));
}

Expected<Hash> MerkleTree::root(std::uint64_t tree_size) const {
  if (tree_size > size()) return bad_size(tree_size, size());
  if (tree_size == 0) return empty_root();
  return subtree(0, tree_size);
}

Hash MerkleTree::root() const {
  return size() == 0 ? empty_root() : subtree(0, size());
}

// §2.1.3.1: PATH(m, {d(0)}) = {}; for n > 1, with k the split point,
//   PATH(m, D_n) = PATH(m, D[0:k]) : MTH(D[k:n])     for m < k
//   PATH(m, D_n) = PATH(m - k, D[k:n]) : MTH(D[0:k]) for m >= k
void MerkleTree::path(std::uint64_t m, std::uint64_t begin, std::uint64_t end,
                      std::vector<Hash>& out) const {
  const std::uint64_t n = end - begin;
  if (n <= 1) return;
  const std::uint64_t k = split_point(n);
  if (m < k) {
    path(m, begin, begin + k, out);
    out.push_back(subtree(begin + k, end));
  } else {
    path(m - k, begin + k, end, out);
    out.push_back(subtree(begin, begin + k));
  }
}

Expected<std::vector<Hash>> MerkleTree::inclusion_proof(std::uint64_t index,
                                                        std::uint64_t tree_size) const {
  if (tree_size > size()) return bad_size(tree_size, size());
  if (index >= tree_size) {
    return make_error("tlog_bad_index", "entry " + std::to_string(index) + " is not in a tree of " +
                                            std::to_string(tree_size) + " entries");
  }
  std::vector<Hash> out;
  out.reserve(static_cast<std::size_t>(std::bit_width(tree_size)));
  path(index, 0, tree_size, out);
  return out;
}

// §2.1.4.1: SUBPROOF(m, D_m, true) = {}; SUBPROOF(m, D_m, false) = {MTH(D_m)};
// for m < n, with k the split point,
//   SUBPROOF(m, D_n, b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])         for m <= k
//   SUBPROOF(m, D_n, b) = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]) for m > k
void MerkleTree::subproof(std::uint64_t m, std::uint64_t begin, std::uint64_t end, bool complete,
                          std::vector<Hash>& out) const {
  const std::uint64_t n = end - begin;
  if (m == n) {
    if (!complete) out.push_back(subtree(begin, end));
    return;
  }
  const std::uint64_t k = split_point(n);
  if (m <= k) {
    subproof(m, begin, begin + k, complete, out);
    out.push_back(subtree(begin + k, end));
  } else {
    subproof(m - k, begin + k, end, false, out);
    out.push_back(subtree(begin, begin + k));
  }
}

Expected<std::vector<Hash>> MerkleTree::consistency_proof(std::uint64_t first,
                                                          std::uint64_t second) const {
  if (second > size()) return bad_size(second, size());
  if (first > second) {
    return make_error("tlog_bad_size", "tree size " + std::to_string(first) +
                                           " is larger than the later size " +
                                           std::to_string(second));
  }
  std::vector<Hash> out;
  if (first == 0 || first == second) return out;
  // §2.1.4.1: PROOF(m, D_n) = SUBPROOF(m, D_n, true).
  out.reserve(static_cast<std::size_t>(2 * std::bit_width(second)));
  subproof(first, 0, second, true, out);
  return out;
}

}  // namespace parley::tlog
