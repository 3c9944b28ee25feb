// Verification allocates nothing: the proof verifiers, valid proofs and
// refusals alike, run with every C++ allocation counted (operator new is
// replaced in this binary) and OpenSSL's counted through its memory hooks.

#include <gtest/gtest.h>


#include "common/encoding.h"
#include "support/counting_allocator.h"
#include "support/openssl_allocations.h"
#include "tlog/merkle_tree.h"
#include "tlog/proof.h"


namespace parley::tlog {
namespace {

TEST(TlogAllocation, VerificationAllocatesNothing) {
  ASSERT_TRUE(parley::test::openssl_hooked());
  MerkleTree tree;
  for (int i = 0; i < 300; ++i) tree.append(as_bytes("entry " + std::to_string(i)));
  const std::uint64_t n = tree.size();
  const Hash root = tree.root(), old_root = *tree.root(77), leaf = *tree.leaf(123);
  const std::vector<Hash> inclusion = *tree.inclusion_proof(123, n);
  const std::vector<Hash> consistency = *tree.consistency_proof(77, n);
  const std::vector<Hash> power_of_two = *tree.consistency_proof(64, n);
  const Hash root64 = *tree.root(64);
  const std::span<const Hash> truncated(inclusion.data(), inclusion.size() - 1);

  int ok = 0, refused = 0;
  const std::size_t cxx_before = parley::test::allocations();
  const std::size_t ossl_before = parley::test::openssl_allocations();
  for (int round = 0; round < 10; ++round) {
    ok += verify_inclusion(123, n, leaf, inclusion, root) == ProofStatus::ok;
    ok += verify_consistency(77, n, old_root, root, consistency) == ProofStatus::ok;
    ok += verify_consistency(64, n, root64, root, power_of_two) == ProofStatus::ok;
    refused += verify_inclusion(123, n, leaf, truncated, root) == ProofStatus::bad_proof;
    refused += verify_inclusion(123, n, root, inclusion, root) == ProofStatus::root_mismatch;
    refused += verify_inclusion(n, n, leaf, inclusion, root) == ProofStatus::bad_index;
    refused += verify_consistency(n, 77, root, old_root, consistency) == ProofStatus::bad_size;
    refused += verify_consistency(77, n, root, root, consistency) == ProofStatus::root_mismatch;
    (void)proof_code(ProofStatus::bad_proof);
  }
  EXPECT_EQ(parley::test::allocations() - cxx_before, 0u);
  EXPECT_EQ(parley::test::openssl_allocations() - ossl_before, 0u);
  EXPECT_EQ(ok, 30);
  EXPECT_EQ(refused, 50);
}

TEST(TlogAllocation, AppendAndRootAllocateOnlyForStorage) {
  MerkleTree tree;
  for (int i = 0; i < 1000; ++i) tree.append_leaf_hash(leaf_hash(as_bytes(std::to_string(i))));
  const std::size_t before = parley::test::openssl_allocations();
  const std::size_t cxx = parley::test::allocations_during([&] {
    for (std::uint64_t s = 0; s <= tree.size(); s += 7) (void)tree.root(s);
  });
  EXPECT_EQ(cxx, 0u);
  EXPECT_EQ(parley::test::openssl_allocations() - before, 0u);
}

}  // namespace
}  // namespace parley::tlog
