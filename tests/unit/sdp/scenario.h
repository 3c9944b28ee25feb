#pragma once
// The fixed server side that sdp_tool plays for the capture scripts' --check
// mode, shared with the unit tests that replay what real peers answered to
// it. Deterministic: the same client offer always gives the same answer and
// the same server offers.

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "sdp/negotiate.h"
#include "sdp/sdp.h"

namespace parley::sdp::scenario {

// 127.0.0.1:9: nothing listens there, and nothing leaves the machine.
inline LocalTransport transport() {
  LocalTransport t;
  t.ice_ufrag = "tool";
  t.ice_pwd = "sdpToolPassword0123456789";
  for (int i = 0; i < 32; ++i) t.fingerprint_sha256.push_back(static_cast<std::uint8_t>(i * 5 + 1));
  t.address = "127.0.0.1";
  t.port = 9;
  t.session_id = 7700;
  t.session_version = 1;
  return t;
}

// The answer, with a server track in every section the client receives in.
inline Expected<Negotiation> answer(const SessionDescription& offer) {
  std::vector<TrackAssignment> tracks;
  std::uint32_t ssrc = 0x10000000;
  for (const auto& m : offer.media) {
    if (!m.mid) continue;
    tracks.push_back({*m.mid, SendTrack{ssrc, ssrc + 1, "tool", "remote-peer", "t" + *m.mid}});
    ssrc += 2;
  }
  return negotiate_answer(offer, Capabilities{}, transport(), tracks);
}

// STEPS: a comma list of "add" (a video and an audio track for the client)
// and "stop" (stop the most recently added track).
inline Status run_steps(LocalDescription& local, const std::string& steps) {
  std::stringstream in(steps);
  std::string step;
  std::vector<std::string> added;
  std::uint32_t ssrc = 0x20000000;
  while (std::getline(in, step, ',')) {
    if (step == "add") {
      for (const auto kind : {MediaKind::video, MediaKind::audio}) {
        SendTrack track{ssrc, ssrc + 1, "tool", "other-peer", "x" + std::to_string(ssrc)};
        auto mid = add_send_section(local, kind, track, Capabilities{});
        if (!mid) return mid.error();
        added.push_back(*mid);
        ssrc += 2;
      }
    } else if (step == "stop" && !added.empty()) {
      if (auto st = stop_section(local, added.back()); !st) return st;
      added.pop_back();
    } else {
      return make_error("usage", "unknown step " + step);
    }
  }
  return ok_status();
}

}  // namespace parley::sdp::scenario
