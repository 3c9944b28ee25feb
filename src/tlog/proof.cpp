#include "tlog/proof.h"

#include <string>

namespace parley::tlog {

namespace {

bool lsb(std::uint64_t x) {
  return (x & 1u) != 0;
}

}  // namespace

std::string_view proof_code(ProofStatus status) {
  switch (status) {
    case ProofStatus::ok:
      return "ok";
    case ProofStatus::bad_index:
      return "tlog_bad_index";
    case ProofStatus::bad_size:
      return "tlog_bad_size";
    case ProofStatus::bad_proof:
      return "tlog_bad_proof";
    case ProofStatus::root_mismatch:
      return "tlog_root_mismatch";
  }
  return "tlog_bad_proof";
}

Error proof_error(ProofStatus status) {
  const char* message = "the proof is valid";
  switch (status) {
    case ProofStatus::ok:
      break;
    case ProofStatus::bad_index:
      message = "the leaf index is not below the tree size";
      break;
    case ProofStatus::bad_size:
      message = "the first tree size is larger than the second";
      break;
    case ProofStatus::bad_proof:
      message = "the proof has the wrong number of hashes for these tree sizes";
      break;
    case ProofStatus::root_mismatch:
      message = "the proof does not lead to the expected tree hash";
      break;
  }
  return make_error(std::string(proof_code(status)), message);
}

ProofStatus verify_inclusion(std::uint64_t index, std::uint64_t tree_size, const Hash& leaf,
                             std::span<const Hash> path, const Hash& root) {
  // 1. "If leaf_index is greater than or equal to tree_size, then stop and
  //    fail the proof verification."
  if (index >= tree_size) return ProofStatus::bad_index;
  // 2. "Set fn to leaf_index and sn to tree_size - 1."
  std::uint64_t fn = index;
  std::uint64_t sn = tree_size - 1;
  // 3. "Set r to hash."
  Hash r = leaf;
  // 4. "For each value p in the inclusion_path array:"
  for (const Hash& p : path) {
    // a. "If sn is 0, then stop the iteration and fail the proof verification."
    if (sn == 0) return ProofStatus::bad_proof;
    // b. "If LSB(fn) is set, or if fn is equal to sn, then:"
    if (lsb(fn) || fn == sn) {
      // i. "Set r to HASH(0x01 || p || r)."
      r = node_hash(p, r);
      // ii. "If LSB(fn) is not set, then right-shift both fn and sn equally
      //     until either LSB(fn) is set or fn is 0."
      if (!lsb(fn)) {
        while (!lsb(fn) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      // "Otherwise: Set r to HASH(0x01 || r || p)."
      r = node_hash(r, p);
    }
    // c. "Finally, right-shift both fn and sn one time."
    fn >>= 1;
    sn >>= 1;
  }
  // 5. "Compare sn to 0. Compare r against the root_hash. If sn is equal to 0
  //    and r and the root_hash are equal, then the log has proven the
  //    inclusion of hash. Otherwise, fail the proof verification."
  if (sn != 0) return ProofStatus::bad_proof;  // the path is too short
  if (r != root) return ProofStatus::root_mismatch;
  return ProofStatus::ok;
}

ProofStatus verify_consistency(std::uint64_t first, std::uint64_t second, const Hash& first_root,
                               const Hash& second_root, std::span<const Hash> path) {
  if (first > second) return ProofStatus::bad_size;
  // Outside the RFC's 0 < first < second: nothing to prove, nothing accepted
  // as proof.
  if (first == second) {
    if (!path.empty()) return ProofStatus::bad_proof;
    return first_root == second_root ? ProofStatus::ok : ProofStatus::root_mismatch;
  }
  if (first == 0) {
    if (!path.empty()) return ProofStatus::bad_proof;
    return first_root == empty_root() ? ProofStatus::ok : ProofStatus::root_mismatch;
  }

  // 1. "If consistency_path is an empty array, stop and fail the proof
  //    verification."
  if (path.empty()) return ProofStatus::bad_proof;
  // 2. "If first is an exact power of 2, then prepend first_hash to the
  //    consistency_path array." Done by reading through `at`, not by copying.
  const bool prepended = (first & (first - 1)) == 0;
  const std::size_t count = path.size() + (prepended ? 1 : 0);
  auto at = [&](std::size_t i) -> const Hash& {
    if (!prepended) return path[i];
    return i == 0 ? first_root : path[i - 1];
  };
  // 3. "Set fn to first - 1 and sn to second - 1."
  std::uint64_t fn = first - 1;
  std::uint64_t sn = second - 1;
  // 4. "If LSB(fn) is set, then right-shift both fn and sn equally until
  //    LSB(fn) is not set."
  while (lsb(fn)) {
    fn >>= 1;
    sn >>= 1;
  }
  // 5. "Set both fr and sr to the first value in the consistency_path array."
  Hash fr = at(0);
  Hash sr = at(0);
  // 6. "For each subsequent value c in the consistency_path array:"
  for (std::size_t i = 1; i < count; ++i) {
    const Hash& c = at(i);
    // a. "If sn is 0, then stop the iteration and fail the proof verification."
    if (sn == 0) return ProofStatus::bad_proof;
    // b. "If LSB(fn) is set, or if fn is equal to sn, then:"
    if (lsb(fn) || fn == sn) {
      // i. "Set fr to HASH(0x01 || c || fr)."
      fr = node_hash(c, fr);
      // ii. "Set sr to HASH(0x01 || c || sr)."
      sr = node_hash(c, sr);
      // iii. "If LSB(fn) is not set, then right-shift both fn and sn equally
      //      until either LSB(fn) is set or fn is 0."
      if (!lsb(fn)) {
        while (!lsb(fn) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      // "Otherwise: Set sr to HASH(0x01 || sr || c)."
      sr = node_hash(sr, c);
    }
    // c. "Finally, right-shift both fn and sn one time."
    fn >>= 1;
    sn >>= 1;
  }
  // 7. "After completing iterating through the consistency_path array as
  //    described above, verify that the fr calculated is equal to the
  //    first_hash supplied, that the sr calculated is equal to the
  //    second_hash supplied, and that sn is 0."
  if (sn != 0) return ProofStatus::bad_proof;  // the path is too short
  if (fr != first_root || sr != second_root) return ProofStatus::root_mismatch;
  return ProofStatus::ok;
}

}  // namespace parley::tlog
