#pragma once
// Verification of Merkle log proofs, exactly as RFC 9162 §2.1.3.2 (inclusion)
// and §2.1.4.2 (consistency) describe it. Pure functions of their arguments:
// no tree, no allocation, no state; the path is read where it lies.
//
// They return a ProofStatus rather than an Expected<>: a record of 100 000
// entries is verified with as many calls, and a refusal must not allocate.
// proof_error() turns a status into the module's Error (the same codes), for
// callers that report in the Expected<> style.

#include <cstdint>
#include <span>
#include <string_view>

#include "common/error.h"
#include "tlog/hash.h"

namespace parley::tlog {

enum class ProofStatus {
  ok,
  bad_index,      // tlog_bad_index: leaf index >= tree size
  bad_size,       // tlog_bad_size: first tree size > second tree size
  bad_proof,      // tlog_bad_proof: the path does not have the shape the sizes require
  root_mismatch,  // tlog_root_mismatch: the path leads to another tree hash
};

// The stable code ("tlog_bad_index", ...); "ok" for ProofStatus::ok.
std::string_view proof_code(ProofStatus status);
// Error{proof_code(status), message}; only for status != ok.
Error proof_error(ProofStatus status);

// §2.1.3.2: does `path` prove that the leaf whose hash is `leaf` (HASH(0x00 ||
// entry)) is entry `index` of the tree of `tree_size` entries whose hash is
// `root`? The path is PATH(index, D[0:tree_size]), leaf upwards.
[[nodiscard]] ProofStatus verify_inclusion(std::uint64_t index, std::uint64_t tree_size,
                                           const Hash& leaf, std::span<const Hash> path,
                                           const Hash& root);

// §2.1.4.2: does `path` prove that the tree of `first` entries with hash
// `first_root` is a prefix of the tree of `second` entries with hash
// `second_root`? The RFC's algorithm covers 0 < first < second. Beyond it,
// with an empty path only: first == second is consistent when the two hashes
// are equal, and first == 0 when first_root is the empty tree's hash (any
// tree extends the empty one). first > second is bad_size.
[[nodiscard]] ProofStatus verify_consistency(std::uint64_t first, std::uint64_t second,
                                             const Hash& first_root, const Hash& second_root,
                                             std::span<const Hash> path);

}  // namespace parley::tlog
