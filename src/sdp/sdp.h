#pragma once
// SDP (RFC 8866) as WebRTC peers use it: the parsed model of one session
// description and the parser that builds it. Control plane: a description is
// parsed once per join or renegotiation, so the model owns plain strings and
// vectors; every size comes from the text and is checked against Limits before
// anything is allocated for it.
//
// The parser is strict about framing and about the attributes the media server
// relies on (ICE, DTLS, BUNDLE, RTP formats, header extensions, SSRCs, RIDs,
// simulcast) and ignores attributes it has no use for. Every malformed input is
// an Error with a stable code (listed below) and a message naming the line;
// nothing throws, nothing is undefined.
//
// Error codes:
//   sdp_too_large, sdp_too_many_lines, sdp_line_too_long, sdp_too_many_media,
//   sdp_too_many_payload_types, sdp_too_many_attributes   — Limits exceeded
//   sdp_empty, sdp_bad_line                               — framing, line order
//   sdp_bad_version, sdp_bad_origin, sdp_bad_timing, sdp_bad_media
//   sdp_bad_rtpmap, sdp_bad_fmtp, sdp_bad_rtcp_fb, sdp_bad_mid, sdp_bad_group,
//   sdp_bad_ice_credentials, sdp_bad_ice_options, sdp_bad_fingerprint,
//   sdp_bad_setup, sdp_bad_extmap, sdp_bad_ssrc, sdp_bad_ssrc_group,
//   sdp_bad_msid, sdp_bad_rid, sdp_bad_simulcast, sdp_bad_candidate
//   sdp_duplicate_attribute, sdp_duplicate_mid, sdp_duplicate_payload_type

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace parley::sdp {

// Input limits, checked before allocating. The defaults hold the largest
// offers Chromium 156 writes for a dozen media sections (a receive-only video
// section with every codec is ~6 KiB, ~170 attribute lines, 34 formats).
struct Limits {
  std::size_t max_bytes = 64 * 1024;
  std::size_t max_lines = 4096;
  std::size_t max_line_length = 1024;  // without the line end
  std::size_t max_media_sections = 64;
  std::size_t max_payload_types = 64;  // formats on one m= line
  std::size_t max_attributes = 512;    // a= lines at session level or in one m= section
};

enum class MediaKind { audio, video, application, other };
// RFC 8866 §6.7 media direction; the default is sendrecv.
enum class Direction { sendrecv, sendonly, recvonly, inactive };
// RFC 4145 §4 connection setup role (DTLS client/server per RFC 5763 §5).
enum class SetupRole { active, passive, actpass, holdconn };

std::string_view to_string(MediaKind kind);
std::string_view to_string(Direction direction);
std::string_view to_string(SetupRole role);
// The direction seen from the other end: sendonly <-> recvonly.
Direction reverse(Direction direction);

// RFC 8866 §5.2.
struct Origin {
  std::string username;
  std::string session_id;  // digits; may exceed 64 bits in theory
  std::uint64_t session_version = 0;
  std::string net_type;
  std::string addr_type;
  std::string address;
};

// RFC 8122 §5. The algorithm is lowercased ("sha-256"); the bytes are the
// decoded digest.
struct Fingerprint {
  std::string algorithm;
  std::vector<std::uint8_t> bytes;
};

// RFC 8866 §6.6.
struct RtpMap {
  std::string encoding;  // as written; compare case-insensitively
  std::uint32_t clock_rate = 0;
  std::uint32_t channels = 0;  // 0 when not given
};

// One "key=value" (or bare "key") piece of an a=fmtp line, split on ';'.
struct FmtpParam {
  std::string key;
  std::string value;
};

// RFC 4585 §4.2: "nack" "", "nack" "pli", "ccm" "fir", "transport-cc" "".
struct RtcpFeedback {
  std::string type;
  std::string parameter;  // the rest of the value, may hold spaces; "" if none
  friend bool operator==(const RtcpFeedback&, const RtcpFeedback&) = default;
};

// One RTP payload type of an m= line with everything said about it.
struct PayloadType {
  std::uint8_t pt = 0;
  std::optional<RtpMap> rtpmap;
  std::optional<std::string> fmtp;     // the raw parameter text
  std::vector<FmtpParam> fmtp_params;  // the same, split
  std::vector<RtcpFeedback> feedback;  // incl. those given with "*"

  // The value of an fmtp parameter (names compare case-insensitively,
  // RFC 6838 §4.3), or nullopt when absent.
  std::optional<std::string_view> param(std::string_view key) const;
  bool has_feedback(std::string_view type, std::string_view parameter) const;
};

// RFC 8285 §7.
struct ExtMap {
  std::uint16_t id = 0;  // 1-255
  std::optional<Direction> direction;
  std::string uri;
  std::string attributes;  // extension attributes, raw
};

// RFC 5576 §4.1: what a=ssrc lines said about one SSRC.
struct SsrcInfo {
  std::uint32_t ssrc = 0;
  std::string cname;
  std::string msid_stream;  // legacy "a=ssrc:N msid:stream track"
  std::string msid_track;
};

// RFC 5576 §4.2 ("FID" RFC 4588 §8.2 / "SIM").
struct SsrcGroup {
  std::string semantics;
  std::vector<std::uint32_t> ssrcs;
};

// RFC 8830 §2.
struct Msid {
  std::string stream_id;
  std::string track_id;  // "appdata"; "" when absent
};

enum class RidDirection { send, recv };

// RFC 8851 §10.
struct Rid {
  std::string id;
  RidDirection direction = RidDirection::send;
  std::vector<std::uint8_t> payload_types;  // "pt=" restriction; empty: all
  std::string restrictions;                 // the other rid-params, raw
};

// RFC 8853 §5.1: one rid of an alternative list, "~" marks it paused.
struct SimulcastId {
  std::string rid;
  bool paused = false;
};
// A simulcast stream is a list of alternatives; a direction has a list of
// streams.
using SimulcastStream = std::vector<SimulcastId>;
struct Simulcast {
  std::vector<SimulcastStream> send;
  std::vector<SimulcastStream> recv;
};

// RFC 5888 §5.
struct Group {
  std::string semantics;
  std::vector<std::string> mids;
};

struct MediaSection {
  MediaKind kind = MediaKind::other;
  std::string media;  // as written: "audio", "video", ...
  std::uint16_t port = 0;
  std::string proto;                 // "UDP/TLS/RTP/SAVPF", "UDP/DTLS/SCTP", ...
  std::vector<std::string> formats;  // the m= line formats as written
  // For RTP protocols: one entry per format, in m= line order.
  std::vector<PayloadType> payload_types;

  std::optional<std::string> mid;
  std::optional<Direction> direction;  // absent: the session's, else sendrecv

  std::optional<std::string> ice_ufrag;
  std::optional<std::string> ice_pwd;
  std::vector<std::string> ice_options;
  std::vector<std::string> candidates;  // the value after "a=candidate:", raw
  bool end_of_candidates = false;
  std::vector<Fingerprint> fingerprints;
  std::optional<SetupRole> setup;

  bool rtcp_mux = false;
  bool rtcp_mux_only = false;  // RFC 8858
  bool rtcp_rsize = false;     // RFC 5506
  bool bundle_only = false;    // RFC 8843 §6

  std::vector<ExtMap> extmaps;
  std::vector<SsrcInfo> ssrcs;
  std::vector<SsrcGroup> ssrc_groups;
  std::vector<Msid> msids;
  std::vector<Rid> rids;
  std::optional<Simulcast> simulcast;

  bool is_rtp() const;
  const PayloadType* find_payload_type(std::uint8_t pt) const;
  const SsrcInfo* find_ssrc(std::uint32_t ssrc) const;
  const Rid* find_rid(std::string_view id) const;
};

struct SessionDescription {
  Origin origin;
  std::string session_name;
  bool ice_lite = false;  // RFC 8839 §5.3
  std::vector<Group> groups;
  std::string msid_semantic;        // legacy "a=msid-semantic: WMS ..." (raw)
  bool extmap_allow_mixed = false;  // RFC 8285 §6

  // Session-level defaults for the media sections (media level wins).
  std::optional<std::string> ice_ufrag;
  std::optional<std::string> ice_pwd;
  std::vector<std::string> ice_options;
  std::vector<Fingerprint> fingerprints;
  std::optional<SetupRole> setup;
  std::optional<Direction> direction;
  std::vector<ExtMap> extmaps;
  bool end_of_candidates = false;

  std::vector<MediaSection> media;

  // The first BUNDLE group (RFC 8843), or nullptr.
  const Group* bundle_group() const;
  const MediaSection* find_mid(std::string_view mid) const;

  // Media-level value if present, else the session-level one (RFC 8839 §5.4,
  // RFC 8122 §5, RFC 4145 §4, RFC 8866 §6.7).
  std::optional<std::string> effective_ice_ufrag(const MediaSection& m) const;
  std::optional<std::string> effective_ice_pwd(const MediaSection& m) const;
  const std::vector<Fingerprint>& effective_fingerprints(const MediaSection& m) const;
  std::optional<SetupRole> effective_setup(const MediaSection& m) const;
  Direction effective_direction(const MediaSection& m) const;
};

// Parses one session description. Lines end in CRLF; a bare LF is accepted
// too (RFC 8866 §5), a CR anywhere else is not. The line end of the last line
// may be missing (text trimmed by a JSON layer); an empty line is an error.
[[nodiscard]] Expected<SessionDescription> parse(std::string_view text, const Limits& limits = {});

// Validators shared with the writers, so that everything written parses back.
// RFC 8866 §9 token.
bool is_token(std::string_view s);
// RFC 8866 §9: proto = token *("/" token).
bool is_proto(std::string_view s);
// A URI as far as SDP needs: visible ASCII, no spaces (RFC 8285 §7).
bool is_uri(std::string_view s);
// RFC 8839 §5.4: ice-ufrag 4-256, ice-pwd 22-256 ice-chars.
bool is_ice_ufrag(std::string_view s);
bool is_ice_pwd(std::string_view s);
// RFC 8851 §10 rid-id.
bool is_rid_id(std::string_view s);
// RFC 8830 §2: msid-id / msid-appdata, 1-64 token chars.
bool is_msid_id(std::string_view s);
// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b);

}  // namespace parley::sdp
