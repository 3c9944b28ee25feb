// Fuzz target for the Merkle proof verifiers of src/tlog (tlog/proof.h) and
// the proofs of MerkleTree (tlog/merkle_tree.h).
//
// The input describes a real tree of up to 64 entries, a claim (an inclusion
// or a consistency claim: sizes, index, hashes) and a proof: the real one,
// damaged by a few edits the input chooses, or hashes taken from the input.
// Everything real is computed by the naive reference of RFC 9162 §2.1
// (tests/unit/tlog/rfc9162_reference.h), not by src/tlog. Checked:
//  - the verifiers never crash or hang, whatever the sizes (up to 2^64 - 1);
//  - tlog_bad_index exactly when index >= size, tlog_bad_size exactly when
//    first > second;
//  - when the claimed tree hashes are the real ones for the claimed sizes, a
//    proof is accepted exactly when it is the real proof (and, for
//    inclusion, the leaf is the real leaf): nothing else gets through;
//  - MerkleTree gives the reference's roots and proofs.
// A raw mode feeds arbitrary sizes and hashes with no tree behind them.

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "tlog/merkle_tree.h"
#include "tlog/proof.h"
#include "tlog/rfc9162_reference.h"

namespace {

using namespace parley;
using namespace parley::tlog;

void check(bool ok) {
  if (!ok) std::abort();
}

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> data) : data_(data) {}
  std::uint8_t byte() { return pos_ < data_.size() ? data_[pos_++] : 0; }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | byte();
    return v;
  }
  Hash hash() {
    Hash h{};
    for (auto& b : h) b = byte();
    return h;
  }
  bool done() const { return pos_ >= data_.size(); }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
};

// A size or index: mostly near the tree, sometimes any 64-bit value.
std::uint64_t size_value(Reader& in, std::uint64_t n) {
  const std::uint8_t b = in.byte();
  if (b & 0x80) return in.u64();
  return b % (n + 2);
}

void mutate(Reader& in, std::vector<Hash>& path) {
  const int edits = in.byte() % 8;
  for (int e = 0; e < edits; ++e) {
    const std::uint8_t op = in.byte() % 7;
    const std::size_t pos = in.byte();
    const std::size_t len = path.size();
    switch (op) {
      case 0:  // flip one bit
        if (len > 0) {
          const std::size_t at = in.byte() % kHashBytes;
          path[pos % len][at] ^= static_cast<std::uint8_t>(1u << (in.byte() % 8));
        }
        break;
      case 1:  // remove a hash
        if (len > 0) path.erase(path.begin() + static_cast<std::ptrdiff_t>(pos % len));
        break;
      case 2:  // insert a hash from the input
        path.insert(path.begin() + static_cast<std::ptrdiff_t>(pos % (len + 1)), in.hash());
        break;
      case 3:  // repeat a hash
        if (len > 0) {
          const Hash h = path[pos % len];
          path.insert(path.begin() + static_cast<std::ptrdiff_t>(pos % len), h);
        }
        break;
      case 4:  // replace a hash
        if (len > 0) path[pos % len] = in.hash();
        break;
      case 5:  // swap two neighbours
        if (len > 1) std::swap(path[pos % (len - 1)], path[pos % (len - 1) + 1]);
        break;
      case 6:  // truncate
        path.resize(pos % (len + 1));
        break;
    }
  }
}

void raw(Reader& in, bool consistency) {
  const std::uint64_t a = in.u64(), b = in.u64();
  const Hash h1 = in.hash(), h2 = in.hash();
  std::vector<Hash> path;
  while (!in.done() && path.size() < 200) path.push_back(in.hash());
  if (consistency) {
    const ProofStatus s = verify_consistency(a, b, h1, h2, path);
    check((s == ProofStatus::bad_size) == (a > b));
  } else {
    const ProofStatus s = verify_inclusion(a, b, h1, path, h2);
    check((s == ProofStatus::bad_index) == (a >= b));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Reader in(std::span<const std::uint8_t>(data, size));
  const std::uint8_t mode = in.byte();
  const bool consistency = (mode & 1) != 0;
  if (mode & 2) {
    raw(in, consistency);
    return 0;
  }

  // The real tree, by the reference, and the module's tree of it.
  const std::uint64_t n = in.byte() % 65;
  const std::uint8_t seed = in.byte();
  reference::Entries entries;
  MerkleTree tree;
  for (std::uint64_t i = 0; i < n; ++i) {
    entries.push_back(Bytes{seed, static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(i * 7)});
    tree.append(entries.back());
  }
  auto real_root = [&](std::uint64_t s) { return reference::mth(entries, 0, s); };

  if (!consistency) {
    const std::uint64_t index = size_value(in, n), tree_size = size_value(in, n);
    const bool fake_leaf = in.byte() & 1, fake_root = in.byte() & 1;
    const Hash leaf = (!fake_leaf && index < n) ? reference::leaf(entries[index]) : in.hash();
    const Hash root = (!fake_root && tree_size <= n) ? real_root(tree_size) : in.hash();
    std::vector<Hash> real_path;
    if (index < tree_size && tree_size <= n) {
      real_path = reference::path(index, entries, 0, tree_size);
      check(*tree.inclusion_proof(index, tree_size) == real_path);
      check(*tree.root(tree_size) == real_root(tree_size));
    }
    std::vector<Hash> path = real_path;
    mutate(in, path);

    const ProofStatus s = verify_inclusion(index, tree_size, leaf, path, root);
    check((s == ProofStatus::bad_index) == (index >= tree_size));
    if (index < tree_size && tree_size <= n && root == real_root(tree_size)) {
      const bool truth = leaf == reference::leaf(entries[index]) && path == real_path;
      check((s == ProofStatus::ok) == truth);
    }
  } else {
    const std::uint64_t first = size_value(in, n), second = size_value(in, n);
    const bool fake_first = in.byte() & 1, fake_second = in.byte() & 1;
    const Hash first_root = (!fake_first && first <= n) ? real_root(first) : in.hash();
    const Hash second_root = (!fake_second && second <= n) ? real_root(second) : in.hash();
    std::vector<Hash> real_proof;
    if (first <= second && second <= n) {
      if (first > 0 && first < second) real_proof = reference::proof(first, entries, second);
      check(*tree.consistency_proof(first, second) == real_proof);
    }
    std::vector<Hash> path = real_proof;
    mutate(in, path);

    const ProofStatus s = verify_consistency(first, second, first_root, second_root, path);
    check((s == ProofStatus::bad_size) == (first > second));
    if (first <= second && second <= n && first_root == real_root(first) &&
        second_root == real_root(second)) {
      check((s == ProofStatus::ok) == (path == real_proof));
    }
  }
  return 0;
}
