// tlog_bench: what the Merkle log of src/tlog costs, next to the raw Ed25519
// verification rate of libsodium measured in the same run. A meeting's
// record is verified entry by entry: one Ed25519 signature each, plus what
// this module adds (hashing the entry as a leaf and rebuilding the tree, or
// checking the entry's inclusion proof) and a few checkpoints. The figure
// that matters is that addition as a fraction of one Ed25519 verification;
// bench/README.md explains the figures.
//
// Every measurement is a median over alternating rounds (--rounds, each
// about --seconds of CPU time), the reference's rounds interleaved with the
// module's, so that load that changes during the run hits both alike. Time
// is the thread's CPU time (CLOCK_THREAD_CPUTIME_ID).
//
//   tlog_bench [--leaves N] [--entry-bytes B] [--seconds S] [--rounds R]

#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "cpu_rate.h"
#include "crypto/hash.h"
#include "crypto/identity_key.h"
#include "tlog/checkpoint.h"
#include "tlog/merkle_tree.h"
#include "tlog/proof.h"

namespace {

using namespace parley;
using namespace parley::tlog;

struct Options {
  std::uint64_t leaves = 100000;
  std::size_t entry_bytes = 600;  // about a signed act's envelope (bench/README.md)
  double seconds = 0.2;
  int rounds = 5;
};

bool parse_args(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return false;
    const std::string v = argv[++i];
    char* end = nullptr;
    if (arg == "--leaves") {
      o.leaves = std::strtoull(v.c_str(), &end, 10);
      if (*end != '\0' || o.leaves < 2) return false;
    } else if (arg == "--entry-bytes") {
      o.entry_bytes = std::strtoull(v.c_str(), &end, 10);
      if (*end != '\0' || o.entry_bytes < 8) return false;
    } else if (int r = parley::bench::parse_rate_option(arg, v, o.seconds, o.rounds)) {
      if (r < 0) return false;
    } else {
      return false;
    }
  }
  return true;
}

double rate(double seconds, const std::function<bool()>& op) { return parley::bench::rate(seconds, op, 32); }
using parley::bench::median;
using parley::bench::cpu_seconds;

// Entry i: entry_bytes of filler with i in its first bytes, so every entry
// differs without keeping 100k of them in memory.
void fill_entry(Bytes& entry, std::uint64_t i) {
  for (int b = 0; b < 8; ++b) entry[b] = static_cast<std::uint8_t>(i >> (8 * b));
}

// One named measurement: ops per CPU-second, medians over rounds, each round
// next to a round of the Ed25519 reference.
struct Result {
  std::string name;
  double ops = 0;      // per CPU-second
  double ed25519 = 0;  // the reference's rate in the same rounds
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_args(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: tlog_bench [--leaves N] [--entry-bytes B] [--seconds S] [--rounds R]\n");
    return 2;
  }
  crypto::init();
  std::printf(
      "tlog_bench: %llu entries of %zu bytes; %d rounds of %.2f s CPU per measurement, "
      "median round; load %.2f\n",
      static_cast<unsigned long long>(o.leaves), o.entry_bytes, o.rounds, o.seconds,
      parley::bench::load_average());

  // The reference: libsodium's Ed25519 verification of an entry-sized message.
  const auto signer = crypto::SecretKey::generate();
  Bytes message(o.entry_bytes, 0x5A);
  const crypto::Signature signature = signer.sign(message);
  auto ed25519_verify = [&] {
    return crypto_sign_ed25519_verify_detached(signature.data(), message.data(), message.size(),
                                               signer.public_key().data()) == 0;
  };

  // The tree of the record, built once for the proofs.
  Bytes entry(o.entry_bytes, 0xA5);
  MerkleTree tree;
  for (std::uint64_t i = 0; i < o.leaves; ++i) {
    fill_entry(entry, i);
    tree.append(entry);
  }
  const std::uint64_t n = tree.size();
  const Hash root = tree.root();
  std::mt19937_64 rng(20261129);  // fixed: the same indices every run
  constexpr std::size_t kSamples = 1024;
  std::vector<std::uint64_t> indices, firsts;
  std::vector<std::vector<Hash>> inclusion, consistency;
  std::vector<Hash> first_roots;
  for (std::size_t k = 0; k < kSamples; ++k) {
    indices.push_back(rng() % n);
    firsts.push_back(1 + rng() % (n - 1));
    inclusion.push_back(*tree.inclusion_proof(indices.back(), n));
    consistency.push_back(*tree.consistency_proof(firsts.back(), n));
    first_roots.push_back(*tree.root(firsts.back()));
  }
  std::size_t path_hashes = 0, consistency_hashes = 0;
  for (std::size_t k = 0; k < kSamples; ++k) {
    path_hashes += inclusion[k].size();
    consistency_hashes += consistency[k].size();
  }

  // A checkpoint of the tree, signed by the log and cosigned by both parties.
  const std::string origin = *meeting_origin("mtg_bench_0001");
  const auto log_key = crypto::SecretKey::generate(), east = crypto::SecretKey::generate(),
             west = crypto::SecretKey::generate();
  std::string note = *sign_checkpoint({origin, n, root, {}}, origin, log_key);
  const std::string log_only = note;
  note = *cosign_checkpoint(note, "parley.example/party/east", east);
  note = *cosign_checkpoint(note, "parley.example/party/west", west);
  const NoteVerifier east_verifier =
      *NoteVerifier::ed25519("parley.example/party/east", east.public_key());

  std::size_t k = 0;
  volatile std::uint8_t sink = 0;  // keeps results alive
  auto next = [&] { return k = (k + 1) % kSamples; };
  std::vector<std::pair<std::string, std::function<bool()>>> ops = {
      {"root(size) of an earlier size", [&] { return tree.root(firsts[next()]).ok(); }},
      {"inclusion proof: generate", [&] { return tree.inclusion_proof(indices[next()], n).ok(); }},
      {"inclusion proof: verify",
       [&] {
         next();
         return verify_inclusion(indices[k], n, *tree.leaf(indices[k]), inclusion[k], root) ==
                ProofStatus::ok;
       }},
      {"consistency proof: generate",
       [&] { return tree.consistency_proof(firsts[next()], n).ok(); }},
      {"consistency proof: verify",
       [&] {
         next();
         return verify_consistency(firsts[k], n, first_roots[k], root, consistency[k]) ==
                ProofStatus::ok;
       }},
      {"checkpoint: open (parse + 1 Ed25519)",
       [&] { return open_checkpoint(note, east_verifier, origin).ok(); }},
      {"checkpoint: cosign (parse + 1 sign)",
       [&] { return cosign_checkpoint(log_only, "parley.example/party/east", east).ok(); }},
      {"leaf hash of one entry",
       [&] {
         fill_entry(entry, next());
         sink = leaf_hash(entry)[0];
         return true;
       }},
  };

  // Building the whole tree: CPU time per appended entry, in rounds.
  std::vector<double> build_per_entry, build_ref;
  for (int r = 0; r < o.rounds; ++r) {
    build_ref.push_back(rate(o.seconds, ed25519_verify));
    const double start = cpu_seconds();
    MerkleTree fresh;
    for (std::uint64_t i = 0; i < o.leaves; ++i) {
      fill_entry(entry, i);
      fresh.append(entry);
    }
    if (fresh.root() != root) std::abort();
    build_per_entry.push_back(static_cast<double>(o.leaves) / (cpu_seconds() - start));
  }
  std::vector<Result> results;
  results.push_back({"build: append one entry", median(build_per_entry), median(build_ref)});
  for (const auto& [name, op] : ops) {
    std::vector<double> mine, ref;
    for (int r = 0; r < o.rounds; ++r) {
      ref.push_back(rate(o.seconds, ed25519_verify));
      mine.push_back(rate(o.seconds, op));
    }
    results.push_back({name, median(mine), median(ref)});
  }

  // Which SHA-256: src/tlog hashes nodes with OpenSSL (tlog/hash.cpp); the
  // project's crypto::sha256 is libsodium's. Same 65-byte message.
  Hash left{}, right{};
  left[0] = 1;
  Bytes node_message(65, 0x01);
  std::vector<double> openssl_node, sodium_node;
  for (int r = 0; r < o.rounds; ++r) {
    openssl_node.push_back(rate(o.seconds, [&] {
      left = node_hash(left, right);
      return true;
    }));
    sodium_node.push_back(rate(o.seconds, [&] {
      const auto d = crypto::sha256(node_message);
      node_message[1] = d[0];
      return true;
    }));
  }

  const double ed = median(build_ref);
  std::printf("reference: Ed25519 verify (libsodium %s, %zu-byte message): %.0f /s (%.1f us)\n",
              sodium_version_string(), o.entry_bytes, ed, 1e6 / ed);
  std::printf("%-40s %12s %10s %14s\n", "operation", "ops/CPU-s", "us/op", "x Ed25519 verify");
  for (const Result& r : results) {
    // The cost of one operation in units of one Ed25519 verification, both
    // measured in the same rounds.
    std::printf("%-40s %12.0f %10.3f %14.4f\n", r.name.c_str(), r.ops, 1e6 / r.ops,
                r.ed25519 / r.ops);
  }
  std::printf(
      "proof sizes at %llu entries: inclusion %.1f hashes, consistency %.1f hashes "
      "(mean of %zu random)\n",
      static_cast<unsigned long long>(n), static_cast<double>(path_hashes) / kSamples,
      static_cast<double>(consistency_hashes) / kSamples, kSamples);
  std::printf(
      "SHA-256 of a 65-byte node: OpenSSL (src/tlog) %.0f ns, libsodium (crypto::sha256) "
      "%.0f ns\n",
      1e9 / median(openssl_node), 1e9 / median(sodium_node));
  auto find = [&](std::string_view name) -> const Result& {
    return *std::find_if(results.begin(), results.end(),
                         [&](const Result& r) { return r.name == name; });
  };
  const Result& build = find("build: append one entry");
  const Result& verify = find("inclusion proof: verify");
  std::printf(
      "per entry of a record: rebuilding the tree costs %.1f%% of one Ed25519 verify; "
      "checking its inclusion proof instead %.1f%%\n",
      100.0 * build.ed25519 / build.ops, 100.0 * verify.ed25519 / verify.ops);
  std::printf("load at the end %.2f\n", parley::bench::load_average());
  return 0;
}
