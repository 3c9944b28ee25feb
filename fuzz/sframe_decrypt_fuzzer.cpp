// Fuzz target for SFrame decryption (RFC 9605 §4.4.4), src/sframe: arbitrary
// frames with arbitrary metadata into SFrameContext::decrypt under fixed
// receive keys, for every cipher suite. It must never crash, refuse with one
// of its documented codes, and accept only authentic frames: whenever a
// frame decrypts, encrypting its plaintext again with the same key, KID, CTR
// and metadata must give back exactly the frame (SFrame encryption is
// deterministic), so nothing was accepted that the key holder did not make.
//
// Input: byte 0 picks the suite (mod 8), byte 1 the metadata length (mod
// 32), then the metadata, then the frame. Keys: base_key 000102...0f (RFC
// 9605's vectors) under KIDs 0, 7, 0x123 and 2^64-1. Seeds, made with
// parley_sframe_tool: the RFC's sframe vectors and frames of every suite
// under each KID, empty and non-empty, with and without metadata.

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "sframe/context.h"
#include "sframe/header.h"

namespace {

using namespace parley::sframe;

void check(bool ok) {
  if (!ok) std::abort();
}

constexpr std::array<std::uint8_t, 16> kBaseKey{0, 1, 2,  3,  4,  5,  6,  7,
                                                8, 9, 10, 11, 12, 13, 14, 15};
constexpr std::array<std::uint64_t, 4> kKids{0, 7, 0x123, UINT64_MAX};

// One receiver per suite, made once; without the replay window so that a
// frame's fate depends on its bytes only.
SFrameContext& receiver(const SuiteInfo& suite) {
  static std::array<std::unique_ptr<SFrameContext>, 8> contexts;
  const std::size_t i = static_cast<std::size_t>(suite.id) - 1;
  if (!contexts[i]) {
    contexts[i] = std::make_unique<SFrameContext>(suite.id);
    for (std::uint64_t kid : kKids)
      check(contexts[i]->add_receive_key(kid, kBaseKey, {.replay_protection = false}).ok());
  }
  return *contexts[i];
}

bool expected_refusal(std::string_view code) {
  return code == "sframe_truncated" || code == "sframe_bad_header" ||
         code == "sframe_unknown_kid" || code == "sframe_auth_failed";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const SuiteInfo& suite = supported_suites()[data[0] % 8];
  const std::size_t metadata_size = std::min<std::size_t>(data[1] % 32, size - 2);
  const std::span<const std::uint8_t> metadata(data + 2, metadata_size);
  const std::span<const std::uint8_t> frame(data + 2 + metadata_size, size - 2 - metadata_size);

  std::vector<std::uint8_t> out(frame.size());
  auto d = receiver(suite).decrypt(frame, metadata, out);
  if (!d) {
    check(expected_refusal(d.error().code));
    // A GCM refusal wipes what it decrypted: the output holds no plaintext.
    for (std::uint8_t b : out) check(b == 0);
    return 0;
  }
  auto header = parse_header(frame);
  check(header.ok() && header->kid == d->kid && header->ctr == d->ctr);
  check(d->plaintext.data() == out.data());
  check(d->plaintext.size() + header->size + suite.nt == frame.size());

  // Authentic: the key holder's encryption of this plaintext is this frame.
  SFrameContext sender(suite.id);
  check(sender.add_send_key(d->kid, kBaseKey).ok());
  std::vector<std::uint8_t> again(frame.size());
  auto n = sender.encrypt(d->kid, d->ctr, metadata, d->plaintext, again);
  check(n.ok() && *n == frame.size());
  check(std::memcmp(again.data(), frame.data(), frame.size()) == 0);

  // In place gives the same plaintext.
  std::vector<std::uint8_t> copy(frame.begin(), frame.end());
  auto in_place = receiver(suite).decrypt(copy, metadata, std::span(copy).subspan(header->size));
  check(in_place.ok() && in_place->plaintext.size() == d->plaintext.size());
  check(std::memcmp(in_place->plaintext.data(), out.data(), out.size() - header->size - suite.nt) ==
        0);
  return 0;
}
