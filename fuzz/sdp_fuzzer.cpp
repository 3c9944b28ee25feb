// Fuzzes the SDP parser and the offer/answer built on it. Any input that
// parses is answered with fixed server parameters, tracks in every section
// the client may receive in; the answer must write and parse back with the
// same sections. Then the server's renegotiation offer (one section added,
// the first one stopped) must write and parse back too.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sdp/negotiate.h"
#include "sdp/sdp.h"

namespace {

using namespace parley::sdp;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "sdp_fuzzer: %s\n", what);
  std::abort();
}

LocalTransport server_transport() {
  LocalTransport t;
  t.ice_ufrag = "srvU";
  t.ice_pwd = "0123456789abcdefghijkl";
  t.fingerprint_sha256.assign(32, 0xAB);
  t.address = "192.0.2.1";
  t.port = 40000;
  t.session_id = 1234567890;
  t.session_version = 2;
  return t;
}

void check_round_trip(const std::string& text, const LocalDescription& local) {
  auto back = parse(text);
  if (!back) die("written description does not parse");
  if (back->media.size() != local.sections.size()) die("section count changed");
  for (std::size_t i = 0; i < local.sections.size(); ++i) {
    const auto& s = local.sections[i];
    const auto& m = back->media[i];
    if (m.mid.value_or("") != s.mid) die("mid changed");
    if ((m.port == 0) != s.rejected) die("rejection changed");
  }
  if (!back->ice_lite || !back->bundle_group()) die("ice-lite or BUNDLE missing");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto offer = parse(text);
  if (!offer) {
    if (offer.error().code.rfind("sdp_", 0) != 0) die("error code outside sdp_");
    return 0;
  }
  const Capabilities caps;
  std::vector<TrackAssignment> tracks;
  std::uint32_t ssrc = 0x50000000;
  for (const auto& m : offer->media) {
    if (!m.mid) continue;
    SendTrack t{++ssrc, ++ssrc, "server", "stream", "track" + std::to_string(ssrc)};
    tracks.push_back({*m.mid, t});
  }
  auto answer = negotiate_answer(*offer, caps, server_transport(), tracks);
  if (!answer) {
    // A track may collide with an SSRC the offer announced; try without.
    answer = negotiate_answer(*offer, caps, server_transport());
    if (!answer) return 0;
  }
  auto text_answer = write_answer(answer->local);
  if (!text_answer) die("negotiated answer does not write");
  check_round_trip(*text_answer, answer->local);

  auto local = answer->local;
  if (!stop_section(local, local.bundle_tag)) die("cannot stop the tagged section");
  auto mid = add_send_section(local, MediaKind::video, SendTrack{7, 8, "srv", "s", "t"}, caps);
  if (!mid) {
    if (mid.error().code != "sdp_too_many_media" && mid.error().code != "sdp_bad_track" &&
        mid.error().code != "sdp_no_payload_type") {
      die("add_send_section failed");
    }
    return 0;
  }
  auto text_offer = write_offer(local);
  if (!text_offer) {
    // Only an answer's rejected sections may lack a mid, which an offer needs.
    for (const auto& s : local.sections) {
      if (s.mid.empty()) return 0;
    }
    die("renegotiation offer does not write");
  }
  check_round_trip(*text_offer, local);
  return 0;
}
