#pragma once
// RFC 9162 §2.1 hashing for the Merkle log of a meeting's record: SHA-256
// with domain separation between leaves (prefix 0x00) and interior nodes
// (prefix 0x01), so that no leaf can be passed off as a node or the reverse.
//
// Pure functions, no allocation, safe from any thread.

#include <cstdint>
#include <span>

#include "crypto/hash.h"

namespace parley::tlog {

// Every hash in the log is a SHA-256 output (RFC 9162 §2.1: HASH is SHA-256
// for the RFC 9162_SHA256 hash algorithm, and for C2SP checkpoints).
using Hash = crypto::Sha256;
inline constexpr std::size_t kHashBytes = 32;

// MTH({}) = HASH(): the hash of the empty tree (RFC 9162 §2.1.1).
Hash empty_root();

// MTH({d(0)}) = HASH(0x00 || d(0)): the hash of one entry (§2.1.1).
Hash leaf_hash(std::span<const std::uint8_t> entry);

// HASH(0x01 || left || right): an interior node (§2.1.1).
Hash node_hash(const Hash& left, const Hash& right);

}  // namespace parley::tlog
