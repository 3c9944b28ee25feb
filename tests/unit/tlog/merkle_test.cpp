// RFC 9162 §2.1 hashing and proofs: known answers, then every tree size up to
// 64 with every inclusion and consistency proof checked against the
// reference of rfc9162_reference.h, then the verifiers' refusals.

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "rfc9162_reference.h"
#include "tlog/hash.h"
#include "tlog/merkle_tree.h"
#include "tlog/proof.h"

namespace parley::tlog {
namespace {

Hash h(std::string_view hex) {
  auto bytes = hex_decode(hex);
  EXPECT_TRUE(bytes && bytes->size() == kHashBytes) << hex;
  Hash out{};
  if (bytes && bytes->size() == kHashBytes) std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

std::string hex(const Hash& hash) {
  return hex_encode(hash);
}

// The reference tree of 8 entries of the Certificate Transparency test
// suites (google/certificate-transparency, now transparency-dev/merkle
// proof/verify_test.go): entries, tree hashes of sizes 1 to 8, and proofs.
const std::vector<std::string> kCtEntries = {"",
                                             "00",
                                             "10",
                                             "2021",
                                             "3031",
                                             "40414243",
                                             "5051525354555657",
                                             "606162636465666768696a6b6c6d6e6f"};
const std::vector<std::string> kCtRoots = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

struct InclusionVector {
  std::uint64_t index, size;
  std::vector<std::string> path;
};
// verify_test.go numbers leaves from 1; these indices are from 0.
const std::vector<InclusionVector> kCtInclusion = {
    {0,
     8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5,
     8,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1,
     5,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

struct ConsistencyVector {
  std::uint64_t first, second;
  std::vector<std::string> path;
};
const std::vector<ConsistencyVector> kCtConsistency = {
    {1,
     8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6,
     8,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2,
     5,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {6,
     7,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

std::vector<Hash> hashes(const std::vector<std::string>& hexes) {
  std::vector<Hash> out;
  for (const auto& x : hexes) out.push_back(h(x));
  return out;
}

MerkleTree ct_tree() {
  MerkleTree tree;
  for (const auto& e : kCtEntries) tree.append(*hex_decode(e));
  return tree;
}

// Entries of varied lengths, different for every index.
reference::Entries make_entries(std::size_t n) {
  reference::Entries out;
  for (std::size_t i = 0; i < n; ++i) {
    Bytes e(i % 7 * 13, static_cast<std::uint8_t>(i));
    const std::string tag = "entry " + std::to_string(i);
    e.insert(e.end(), tag.begin(), tag.end());
    out.push_back(std::move(e));
  }
  return out;
}

// --- known answers ---------------------------------------------------------

TEST(TlogHash, EmptyTreeIsSha256OfNothing) {
  // RFC 9162 §2.1.1: MTH({}) = SHA-256(); FIPS 180-4's hash of "".
  EXPECT_EQ(hex(empty_root()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  MerkleTree tree;
  EXPECT_EQ(tree.size(), 0u);
  EXPECT_EQ(tree.root(), empty_root());
  EXPECT_EQ(*tree.root(0), empty_root());
}

TEST(TlogHash, OneLeaf) {
  // The hash of the empty entry, HASH(0x00), is the CT tree's size-1 root.
  EXPECT_EQ(hex(leaf_hash({})), kCtRoots[0]);
  const Bytes entry = {'a', 'b', 'c'};
  Bytes prefixed = {0x00, 'a', 'b', 'c'};
  EXPECT_EQ(leaf_hash(entry), crypto::sha256(prefixed));
  MerkleTree tree;
  EXPECT_EQ(tree.append(entry), 0u);
  EXPECT_EQ(tree.root(), leaf_hash(entry));
  auto proof = tree.inclusion_proof(0, 1);
  ASSERT_TRUE(proof);
  EXPECT_TRUE(proof->empty());
  EXPECT_EQ(verify_inclusion(0, 1, leaf_hash(entry), *proof, tree.root()), ProofStatus::ok);
}

TEST(TlogHash, NodeHashPrefixesOne) {
  const Hash l = leaf_hash({}), r = leaf_hash(Bytes{0x00});
  Bytes in = {0x01};
  in.insert(in.end(), l.begin(), l.end());
  in.insert(in.end(), r.begin(), r.end());
  EXPECT_EQ(node_hash(l, r), crypto::sha256(in));
  EXPECT_EQ(hex(node_hash(l, r)), kCtRoots[1]);
}

TEST(TlogKnownAnswers, CtReferenceRoots) {
  MerkleTree tree = ct_tree();
  ASSERT_EQ(tree.size(), 8u);
  for (std::uint64_t n = 1; n <= 8; ++n) {
    EXPECT_EQ(hex(*tree.root(n)), kCtRoots[n - 1]) << "size " << n;
  }
  // Grown one entry at a time, the current root is each published one.
  MerkleTree grown;
  for (std::size_t i = 0; i < kCtEntries.size(); ++i) {
    grown.append(*hex_decode(kCtEntries[i]));
    EXPECT_EQ(hex(grown.root()), kCtRoots[i]);
  }
}

TEST(TlogKnownAnswers, CtInclusionProofs) {
  MerkleTree tree = ct_tree();
  for (const auto& v : kCtInclusion) {
    SCOPED_TRACE("index " + std::to_string(v.index) + " size " + std::to_string(v.size));
    auto proof = tree.inclusion_proof(v.index, v.size);
    ASSERT_TRUE(proof);
    EXPECT_EQ(*proof, hashes(v.path));
    const Hash leaf = leaf_hash(*hex_decode(kCtEntries[v.index]));
    EXPECT_EQ(verify_inclusion(v.index, v.size, leaf, hashes(v.path), h(kCtRoots[v.size - 1])),
              ProofStatus::ok);
  }
}

TEST(TlogKnownAnswers, CtConsistencyProofs) {
  MerkleTree tree = ct_tree();
  for (const auto& v : kCtConsistency) {
    SCOPED_TRACE("sizes " + std::to_string(v.first) + " to " + std::to_string(v.second));
    auto proof = tree.consistency_proof(v.first, v.second);
    ASSERT_TRUE(proof);
    EXPECT_EQ(*proof, hashes(v.path));
    EXPECT_EQ(verify_consistency(v.first, v.second, h(kCtRoots[v.first - 1]),
                                 h(kCtRoots[v.second - 1]), hashes(v.path)),
              ProofStatus::ok);
  }
}

// --- every tree up to 64 entries against the reference ---------------------

TEST(TlogReference, EveryProofOfEveryTreeUpTo64) {
  constexpr std::size_t kMax = 64;
  const reference::Entries entries = make_entries(kMax);
  MerkleTree tree;  // grows with n; also checks earlier sizes of a larger tree
  MerkleTree full;
  for (const auto& e : entries) full.append(e);

  for (std::uint64_t n = 0; n <= kMax; ++n) {
    SCOPED_TRACE("tree size " + std::to_string(n));
    if (n > 0) tree.append(entries[n - 1]);
    const Hash root = reference::mth(entries, 0, n);
    ASSERT_EQ(tree.size(), n);
    ASSERT_EQ(tree.root(), root);
    ASSERT_EQ(*full.root(n), root);

    for (std::uint64_t m = 0; m < n; ++m) {
      const std::vector<Hash> want = reference::path(m, entries, 0, n);
      auto got = tree.inclusion_proof(m, n);
      ASSERT_TRUE(got);
      ASSERT_EQ(*got, want) << "inclusion of " << m;
      ASSERT_EQ(*full.inclusion_proof(m, n), want);
      ASSERT_EQ(verify_inclusion(m, n, reference::leaf(entries[m]), want, root), ProofStatus::ok)
          << "inclusion of " << m;
    }

    for (std::uint64_t m = 0; m <= n; ++m) {
      const std::vector<Hash> want =
          (m == 0 || m == n) ? std::vector<Hash>{} : reference::proof(m, entries, n);
      auto got = tree.consistency_proof(m, n);
      ASSERT_TRUE(got);
      ASSERT_EQ(*got, want) << "consistency from " << m;
      ASSERT_EQ(*full.consistency_proof(m, n), want);
      ASSERT_EQ(verify_consistency(m, n, reference::mth(entries, 0, m), root, want),
                ProofStatus::ok)
          << "consistency from " << m;
    }
  }
}

// Every valid proof of every tree up to 64 entries, damaged in every way a
// single change can damage it, is refused.
TEST(TlogReference, EveryDamagedProofIsRefused) {
  constexpr std::size_t kMax = 64;
  const reference::Entries entries = make_entries(kMax);
  MerkleTree tree;
  for (const auto& e : entries) tree.append(e);
  const Hash stranger = leaf_hash(Bytes{'x'});

  for (std::uint64_t n = 1; n <= kMax; ++n) {
    const Hash root = *tree.root(n);
    for (std::uint64_t m = 0; m < n; ++m) {
      SCOPED_TRACE("inclusion of " + std::to_string(m) + " in " + std::to_string(n));
      const Hash leaf = *tree.leaf(m);
      const std::vector<Hash> proof = *tree.inclusion_proof(m, n);
      for (std::size_t i = 0; i < proof.size(); ++i) {
        std::vector<Hash> bad = proof;
        bad[i][i % kHashBytes] ^= 0x10;
        ASSERT_EQ(verify_inclusion(m, n, leaf, bad, root), ProofStatus::root_mismatch);
        bad = proof;
        bad.erase(bad.begin() + static_cast<std::ptrdiff_t>(i));  // a missing hash
        ASSERT_EQ(verify_inclusion(m, n, leaf, bad, root), ProofStatus::bad_proof);
      }
      std::vector<Hash> longer = proof;
      longer.push_back(root);
      ASSERT_EQ(verify_inclusion(m, n, leaf, longer, root), ProofStatus::bad_proof);
      longer = proof;
      longer.insert(longer.begin(), stranger);
      ASSERT_EQ(verify_inclusion(m, n, leaf, longer, root), ProofStatus::bad_proof);
      // Another leaf, another root, another index: refused, whatever the
      // reason the algorithm finds first.
      ASSERT_EQ(verify_inclusion(m, n, stranger, proof, root), ProofStatus::root_mismatch);
      ASSERT_EQ(verify_inclusion(m, n, leaf, proof, stranger), ProofStatus::root_mismatch);
      if (m + 1 < n) {
        ASSERT_NE(verify_inclusion(m + 1, n, leaf, proof, root), ProofStatus::ok);
      }
      if (m > 0) {
        ASSERT_NE(verify_inclusion(m - 1, n, leaf, proof, root), ProofStatus::ok);
      }
      ASSERT_EQ(verify_inclusion(n, n, leaf, proof, root), ProofStatus::bad_index);
      // A proof is for one (size, root) pair. (Against the same root with
      // another size it may pass: PATH(0, D[0:3]) also "proves" entry 0 of
      // a tree of 4 whose root would be MTH(D[0:3]). Checkpoints bind the
      // two, which is why verifiers take both from one.)
      if (n < kMax) {
        ASSERT_NE(verify_inclusion(m, n + 1, leaf, proof, *tree.root(n + 1)), ProofStatus::ok);
      }
      if (2 * n <= kMax) {
        ASSERT_NE(verify_inclusion(m, 2 * n, leaf, proof, *tree.root(2 * n)), ProofStatus::ok);
      }
    }

    for (std::uint64_t m = 1; m < n; ++m) {
      SCOPED_TRACE("consistency of " + std::to_string(m) + " with " + std::to_string(n));
      const Hash old_root = *tree.root(m);
      const std::vector<Hash> proof = *tree.consistency_proof(m, n);
      ASSERT_EQ(verify_consistency(n, m, root, old_root, proof), ProofStatus::bad_size);
      ASSERT_EQ(verify_consistency(n, m, old_root, root, proof), ProofStatus::bad_size);
      for (std::size_t i = 0; i < proof.size(); ++i) {
        std::vector<Hash> bad = proof;
        bad[i][i % kHashBytes] ^= 0x10;
        ASSERT_EQ(verify_consistency(m, n, old_root, root, bad), ProofStatus::root_mismatch);
        bad = proof;
        bad.erase(bad.begin() + static_cast<std::ptrdiff_t>(i));
        ASSERT_NE(verify_consistency(m, n, old_root, root, bad), ProofStatus::ok);
      }
      ASSERT_EQ(verify_consistency(m, n, old_root, root,
                                   std::span<const Hash>(proof).first(proof.size() - 1)),
                ProofStatus::bad_proof);  // truncated
      std::vector<Hash> longer = proof;
      longer.push_back(root);
      ASSERT_EQ(verify_consistency(m, n, old_root, root, longer), ProofStatus::bad_proof);
      ASSERT_EQ(verify_consistency(m, n, old_root, root, {}), ProofStatus::bad_proof);
      ASSERT_EQ(verify_consistency(m, n, stranger, root, proof), ProofStatus::root_mismatch);
      ASSERT_EQ(verify_consistency(m, n, old_root, stranger, proof), ProofStatus::root_mismatch);
      ASSERT_NE(verify_consistency(m, n, root, old_root, proof), ProofStatus::ok);  // roots swapped
      if (m + 1 < n) {
        ASSERT_NE(verify_consistency(m + 1, n, old_root, root, proof), ProofStatus::ok);
      }
      if (n < kMax) {
        ASSERT_NE(verify_consistency(m, n + 1, old_root, *tree.root(n + 1), proof),
                  ProofStatus::ok);
      }
    }
  }
}

TEST(TlogReference, SampledProofsOfALargerTree) {
  // 1000 entries: deeper recursion and a ragged right edge (1000 = 512 +
  // 256 + 128 + 64 + 32 + 8).
  constexpr std::uint64_t kSize = 1000;
  const reference::Entries entries = make_entries(kSize);
  MerkleTree tree;
  for (const auto& e : entries) tree.append(e);
  for (std::uint64_t n : {kSize, std::uint64_t{999}, std::uint64_t{513}, std::uint64_t{512}}) {
    const Hash root = reference::mth(entries, 0, n);
    ASSERT_EQ(*tree.root(n), root);
    for (std::uint64_t m = 0; m < n; m += 97) {
      ASSERT_EQ(*tree.inclusion_proof(m, n), reference::path(m, entries, 0, n));
      if (m > 0) {
        ASSERT_EQ(*tree.consistency_proof(m, n), reference::proof(m, entries, n));
      }
    }
  }
}

// --- the verifiers outside the RFC's domain, and the tree's refusals -------

TEST(TlogVerify, TrivialConsistency) {
  const Hash a = leaf_hash(Bytes{'a'}), b = leaf_hash(Bytes{'b'});
  EXPECT_EQ(verify_consistency(0, 0, empty_root(), empty_root(), {}), ProofStatus::ok);
  EXPECT_EQ(verify_consistency(0, 5, empty_root(), b, {}), ProofStatus::ok);
  EXPECT_EQ(verify_consistency(0, 5, a, b, {}), ProofStatus::root_mismatch);  // not the empty tree
  EXPECT_EQ(verify_consistency(3, 3, a, a, {}), ProofStatus::ok);
  EXPECT_EQ(verify_consistency(3, 3, a, b, {}), ProofStatus::root_mismatch);
  const std::vector<Hash> one = {a};
  EXPECT_EQ(verify_consistency(3, 3, a, a, one), ProofStatus::bad_proof);
  EXPECT_EQ(verify_consistency(0, 5, empty_root(), b, one), ProofStatus::bad_proof);
  EXPECT_EQ(verify_consistency(4, 3, a, b, {}), ProofStatus::bad_size);
  EXPECT_EQ(verify_consistency(1, 0, a, empty_root(), {}), ProofStatus::bad_size);
}

TEST(TlogVerify, EmptyTreeHasNoEntries) {
  EXPECT_EQ(verify_inclusion(0, 0, empty_root(), {}, empty_root()), ProofStatus::bad_index);
  EXPECT_EQ(verify_inclusion(1, 1, empty_root(), {}, empty_root()), ProofStatus::bad_index);
}

TEST(TlogVerify, HugeSizesTerminate) {
  // Sizes near 2^64 with paths of any length: the verifiers stop at the end
  // of the path (or at sn == 0) and refuse.
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  const std::vector<Hash> path(70, leaf_hash(Bytes{'p'}));
  const Hash r = leaf_hash(Bytes{'r'});
  for (std::size_t len : {0, 1, 63, 64, 65, 70}) {
    const std::span<const Hash> p(path.data(), len);
    EXPECT_NE(verify_inclusion(kMax - 1, kMax, r, p, r), ProofStatus::ok);
    EXPECT_NE(verify_inclusion(0, kMax, r, p, r), ProofStatus::ok);
    EXPECT_NE(verify_inclusion(std::uint64_t{1} << 63, kMax, r, p, r), ProofStatus::ok);
    EXPECT_NE(verify_consistency(kMax - 1, kMax, r, r, p), ProofStatus::ok);
    EXPECT_NE(verify_consistency(std::uint64_t{1} << 63, kMax, r, r, p), ProofStatus::ok);
    EXPECT_NE(verify_consistency(1, kMax, r, r, p), ProofStatus::ok);
  }
}

TEST(TlogVerify, CodesAndErrors) {
  EXPECT_EQ(proof_code(ProofStatus::bad_index), "tlog_bad_index");
  EXPECT_EQ(proof_code(ProofStatus::bad_size), "tlog_bad_size");
  EXPECT_EQ(proof_code(ProofStatus::bad_proof), "tlog_bad_proof");
  EXPECT_EQ(proof_code(ProofStatus::root_mismatch), "tlog_root_mismatch");
  EXPECT_EQ(proof_error(ProofStatus::bad_proof).code, "tlog_bad_proof");
  EXPECT_FALSE(proof_error(ProofStatus::root_mismatch).message.empty());
}

TEST(TlogTree, RefusesWhatItDoesNotHave) {
  MerkleTree tree = ct_tree();
  auto r = tree.root(9);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "tlog_bad_size");
  auto l = tree.leaf(8);
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().code, "tlog_bad_index");
  EXPECT_EQ(*tree.leaf(7), leaf_hash(*hex_decode(kCtEntries[7])));
  EXPECT_EQ(tree.inclusion_proof(8, 8).error().code, "tlog_bad_index");
  EXPECT_EQ(tree.inclusion_proof(0, 0).error().code, "tlog_bad_index");
  EXPECT_EQ(tree.inclusion_proof(0, 9).error().code, "tlog_bad_size");
  EXPECT_EQ(tree.consistency_proof(5, 3).error().code, "tlog_bad_size");
  EXPECT_EQ(tree.consistency_proof(3, 9).error().code, "tlog_bad_size");
  EXPECT_TRUE(tree.consistency_proof(0, 8)->empty());
  EXPECT_TRUE(tree.consistency_proof(8, 8)->empty());
}

TEST(TlogTree, AppendLeafHashMatchesAppend) {
  MerkleTree a, b;
  for (const auto& e : kCtEntries) {
    const Bytes entry = *hex_decode(e);
    EXPECT_EQ(a.append(entry), b.append_leaf_hash(leaf_hash(entry)));
  }
  EXPECT_EQ(a.root(), b.root());
}

}  // namespace
}  // namespace parley::tlog
