#pragma once
// The SDP a native WebRTC client writes (JSEP, RFC 8829, as a browser with
// bundlePolicy "max-bundle" and rtcpMuxPolicy "require" would): the offer
// it joins with and its answers to the server's offers. One BUNDLE
// transport, rtcp-mux, Opus and VP8, the transport-wide sequence number and
// audio level header extensions, a=ssrc lines for what it sends, a sha-256
// fingerprint and a=setup:actpass in the offer (active in answers: the
// client is the DTLS client). Reading the server's descriptions is the
// project's own parser's job (sdp/sdp.h).

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "load/schedule.h"
#include "sdp/sdp.h"

namespace parley::load {

// This end of the transport.
struct ClientTransport {
  std::string ice_ufrag;              // RFC 8839 §5.4: 4+ ice-chars
  std::string ice_pwd;                // 22+ ice-chars
  std::string fingerprint;            // sha-256, "AB:CD:..."
  std::string address = "127.0.0.1";  // host candidate
  std::uint16_t port = 0;
  std::uint64_t session_id = 1;
};

// A track the client sends, in its own m= section.
struct SentTrack {
  TrackKind kind = TrackKind::audio;
  std::string mid;
  std::uint32_t ssrc = 0;
  std::string cname;
  std::string stream_id;  // msid
  std::string track_id;
};

// What the client asks for. Its m= sections are its tracks (sendonly), or,
// with none, one recvonly audio and one recvonly video section.
struct ClientSession {
  ClientTransport transport;
  std::vector<SentTrack> tracks;
  bool receive = true;  // accept the streams the server offers later
  // The offer's DTLS role (RFC 5763 §5). "actpass" lets the server choose
  // (parleyd answers passive); a server that would choose active (Janus)
  // is offered "active", since this client is always the DTLS client.
  std::string offer_setup = "actpass";
  std::uint64_t version = 1;  // o= sess-version, raised with every description
};

std::string write_client_offer(ClientSession& session);

// The answer to a server offer (RFC 3264 §6): every m= section answered in
// order; sections the server sends in are accepted recvonly when
// `session.receive`, else answered inactive; the client's own tracks stay
// sendonly; sections the server stopped stay stopped (port 0). Codecs kept:
// Opus and VP8 with their payload types as offered. sdp_answer_unusable if
// an offered live section has neither.
Expected<std::string> write_client_answer(ClientSession& session,
                                          const sdp::SessionDescription& offer);

// The server's transport from its answer: ICE credentials, fingerprint and
// the host candidate's address and port.
struct ServerTransport {
  std::string ice_ufrag;
  std::string ice_pwd;
  std::string fingerprint;  // "AB:CD:..." as written
  std::string address;
  std::uint16_t port = 0;
};
Expected<ServerTransport> server_transport(const sdp::SessionDescription& answer);

}  // namespace parley::load
