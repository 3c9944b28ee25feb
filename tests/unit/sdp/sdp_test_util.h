#pragma once
// Shared by the sdp unit tests: the real offers under data/, the server's
// fixed transport, and small text edits that turn a real offer into a
// broken one.

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "sdp/negotiate.h"
#include "sdp/sdp.h"

namespace parley::sdp::test {

inline std::string read_data(const std::string& name) {
  std::ifstream in(std::string(PARLEY_SDP_TEST_DATA) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing test data " << name;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Every captured offer, by file name.
inline const std::vector<std::string>& all_offers() {
  static const std::vector<std::string> names = {"chromium-publish-audio-video.sdp",
                                                 "chromium-publish-simulcast.sdp",
                                                 "chromium-subscribe-recvonly.sdp",
                                                 "chromium-publish-with-datachannel.sdp",
                                                 "chromium-publish-h264-first.sdp",
                                                 "chromium-check-offer.sdp",
                                                 "aiortc-publish-audio-video.sdp",
                                                 "aiortc-subscribe-recvonly.sdp",
                                                 "aiortc-check-offer.sdp"};
  return names;
}

inline LocalTransport server_transport() {
  LocalTransport t;
  t.ice_ufrag = "pRly";
  t.ice_pwd = "server+password/0123456";
  t.fingerprint_sha256.resize(32);
  for (std::size_t i = 0; i < 32; ++i) t.fingerprint_sha256[i] = static_cast<std::uint8_t>(i * 7);
  t.address = "192.0.2.10";
  t.port = 40000;
  t.session_id = 4611686018427387904ull;
  t.session_version = 2;
  return t;
}

inline SendTrack send_track(std::uint32_t ssrc, std::string id) {
  return SendTrack{ssrc, ssrc + 1, "parley-server", "peer-7", std::move(id)};
}

// Line-level edits of SDP text (CRLF kept).
inline std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find("\r\n", pos);
    if (end == std::string_view::npos) end = text.size();
    out.emplace_back(text.substr(pos, end - pos));
    pos = end + 2;
  }
  return out;
}

inline std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\r\n";
  return out;
}

inline std::string drop_lines(std::string_view text, std::string_view prefix) {
  std::vector<std::string> kept;
  for (auto& l : lines_of(text)) {
    if (l.rfind(prefix, 0) != 0) kept.push_back(std::move(l));
  }
  return join(kept);
}

inline std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  std::size_t pos = 0;
  while ((pos = text.find(from, pos)) != std::string::npos) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
  return text;
}

inline SessionDescription must_parse(std::string_view text) {
  auto d = parse(text);
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().code + ": " + d.error().message);
  return d.ok() ? std::move(*d) : SessionDescription{};
}

inline std::string error_code(std::string_view text, const Limits& limits = {}) {
  auto d = parse(text, limits);
  return d.ok() ? "ok" : d.error().code;
}

// Answers `offer_text` and parses the answer back.
struct Answered {
  SessionDescription offer;
  Negotiation negotiation;
  std::string text;
  SessionDescription answer;
};

inline Answered answer_offer(std::string_view offer_text, const Capabilities& caps = {},
                             std::vector<TrackAssignment> tracks = {}) {
  Answered a;
  a.offer = must_parse(offer_text);
  auto n = negotiate_answer(a.offer, caps, server_transport(), tracks);
  EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().code + ": " + n.error().message);
  if (!n.ok()) return a;
  a.negotiation = std::move(*n);
  auto text = write_answer(a.negotiation.local);
  EXPECT_TRUE(text.ok()) << (text.ok() ? "" : text.error().message);
  if (!text.ok()) return a;
  a.text = std::move(*text);
  a.answer = must_parse(a.text);
  return a;
}

inline std::string negotiate_error(std::string_view offer_text, const Capabilities& caps = {},
                                   std::vector<TrackAssignment> tracks = {}) {
  auto offer = parse(offer_text);
  if (!offer.ok()) return "parse:" + offer.error().code;
  auto n = negotiate_answer(*offer, caps, server_transport(), tracks);
  return n.ok() ? "ok" : n.error().code;
}

inline std::vector<std::uint8_t> formats(const MediaSection& m) {
  std::vector<std::uint8_t> out;
  for (const auto& p : m.payload_types) out.push_back(p.pt);
  return out;
}

}  // namespace parley::sdp::test
