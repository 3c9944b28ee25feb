// Fuzz target for SRTP and SRTCP (src/media/srtp.h), both profiles, under
// fixed keys: a sequence of records, each an arbitrary packet handed to
// unprotect_rtp / unprotect_rtcp of a receiver, or to protect_rtp /
// protect_rtcp of a sender whose output goes straight to a second receiver.
// The receivers are new for each input, so that a packet's fate depends on
// the input alone; within an input their state (ROC, replay windows,
// streams) carries from record to record.
//
// Checked, besides not crashing: a refused packet leaves its buffer as it
// was and carries one of the three documented codes; an accepted RTP packet
// is authentic (a sender that has protected the same accepted packets in the
// same order protects its plaintext back to exactly the input) and a second
// delivery of it is a replay; whatever the sender protects, the receiver
// gives back unchanged (or calls a replay, for a repeated sequence number).
//
// Input: byte 0 bit 0 picks the profile (0 AEAD_AES_128_GCM, 1 CM). Then
// records: a kind byte (low 2 bits: 0 unprotect RTP, 1 unprotect RTCP,
// 2 protect RTP, 3 protect RTCP), a 2-byte big-endian length, the packet
// (cut at the end of the input). Seeds: fuzz/make_srtp_corpus.cpp.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "media/srtp.h"
#include "srtp_fuzz_keys.h"

namespace {

using namespace parley::media;

void check(bool ok) {
  if (!ok) std::abort();
}

bool documented(std::string_view code) {
  return code == "srtp_auth" || code == "srtp_replay" || code == "srtp_failed" || code == "srtp_reuse";
}

struct Peers {
  explicit Peers(SrtpProfile profile)
      : rx(*Srtp::create(fuzz::srtp_keys(profile), Srtp::Direction::inbound)),
        mirror(*Srtp::create(fuzz::srtp_keys(profile), Srtp::Direction::outbound)),
        tx(*Srtp::create(fuzz::srtp_keys(profile), Srtp::Direction::outbound)),
        loop_rx(*Srtp::create(fuzz::srtp_keys(profile), Srtp::Direction::inbound)) {}
  std::unique_ptr<Srtp> rx;       // takes the input's packets
  std::unique_ptr<Srtp> mirror;   // protects what rx accepted, to compare
  std::unique_ptr<Srtp> tx;       // protects the input's packets
  std::unique_ptr<Srtp> loop_rx;  // takes what tx protected
};

void unprotect(Peers& p, std::span<const std::uint8_t> packet, bool rtcp) {
  std::vector<std::uint8_t> buffer(packet.begin(), packet.end());
  auto n = rtcp ? p.rx->unprotect_rtcp(buffer, buffer.size())
                : p.rx->unprotect_rtp(buffer, buffer.size());
  if (!n) {
    check(documented(n.error().code));
    check(std::equal(buffer.begin(), buffer.end(), packet.begin()));
    return;
  }
  check(*n < packet.size());
  // Accepted: a replay now.
  std::vector<std::uint8_t> again(packet.begin(), packet.end());
  auto r =
      rtcp ? p.rx->unprotect_rtcp(again, again.size()) : p.rx->unprotect_rtp(again, again.size());
  check(!r && r.error().code == "srtp_replay");
  if (rtcp) return;
  // Authentic: the key holder's protection of this plaintext, indexed as
  // the receiver indexed it, is this packet.
  std::vector<std::uint8_t> resealed(buffer.begin(), buffer.begin() + static_cast<long>(*n));
  resealed.resize(*n + kSrtpMaxTrailer);
  auto m = p.mirror->protect_rtp(resealed, *n);
  check(m.ok() && *m == packet.size());
  check(std::memcmp(resealed.data(), packet.data(), packet.size()) == 0);
}

void protect(Peers& p, std::span<const std::uint8_t> packet, bool rtcp) {
  std::vector<std::uint8_t> buffer(packet.begin(), packet.end());
  buffer.resize(packet.size() + kSrtpMaxTrailer);
  auto n =
      rtcp ? p.tx->protect_rtcp(buffer, packet.size()) : p.tx->protect_rtp(buffer, packet.size());
  if (!n) {
    check(documented(n.error().code));
    // After srtp_reuse the buffer holds what must not be sent; otherwise
    // protect refused before touching it.
    if (n.error().code != "srtp_reuse") check(std::equal(packet.begin(), packet.end(), buffer.begin()));
    return;
  }
  auto back = rtcp ? p.loop_rx->unprotect_rtcp(buffer, *n) : p.loop_rx->unprotect_rtp(buffer, *n);
  if (!back) {
    check(!rtcp && back.error().code == "srtp_replay");  // a sequence number protected again
    return;
  }
  check(*back == packet.size());
  check(std::equal(packet.begin(), packet.end(), buffer.begin()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  Peers peers((data[0] & 1) == 0 ? SrtpProfile::aead_aes_128_gcm : SrtpProfile::aes128_cm_sha1_80);
  std::size_t pos = 1;
  while (pos + 3 <= size) {
    const std::uint8_t kind = data[pos] & 3;
    const std::size_t len =
        std::min<std::size_t>((std::size_t{data[pos + 1]} << 8) | data[pos + 2], size - pos - 3);
    const std::span<const std::uint8_t> packet(data + pos + 3, len);
    pos += 3 + len;
    if (kind < 2) {
      unprotect(peers, packet, kind == 1);
    } else {
      protect(peers, packet, kind == 3);
    }
  }
  return 0;
}
