#pragma once
// The worker-side state of one call (docs/media.md): its participants'
// transports, the streams each publishes (by SSRC), and who receives which
// stream with which payload types. Everything the control plane decides
// (admission, SDP) arrives here as posted configuration; this class only
// moves packets, from RTP and RTCP headers (payloads are never read).
//
// Forwarding keeps the publisher's SSRC, sequence numbers and timestamps:
// the SDP the subscriber agreed to names those SSRCs. Payload types are
// mapped per subscriber when the two negotiations chose different numbers.

#include <array>
#include <functional>
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "media/worker.h"
#include "rtp/rtcp.h"
#include "rtp/sequence.h"

namespace parley::media {

using ParticipantId = std::uint64_t;

enum class StreamKind : std::uint8_t { audio, video };

struct PublishedStream {
  std::uint32_t ssrc = 0;
  StreamKind kind = StreamKind::audio;
};

// Payload type of the publisher → payload type for one subscriber; 0xFF
// means "not negotiated with this subscriber": the packet is not sent.
using PayloadMap = std::array<std::uint8_t, 128>;
PayloadMap identity_payload_map();

struct CallStats {
  std::uint64_t rtp_forwarded = 0, rtcp_forwarded = 0, rtp_malformed = 0, rtcp_malformed = 0;
  std::uint64_t unknown_ssrc = 0, keyframe_requests_sent = 0, keyframe_requests_suppressed = 0;
  std::uint64_t nacked_packets = 0, retransmitted_from_cache = 0, nacks_forwarded = 0;
  std::uint64_t twcc_feedback_sent = 0;
};

// The last packets of one video stream, kept for retransmission (RFC 4585
// NACK answered by the server, not the publisher). One slab allocated when
// the stream is published; a packet's slot is its sequence number modulo
// the capacity, so storing and finding are O(1) and allocate nothing.
class RetransmissionCache {
 public:
  static constexpr std::size_t kSlots = 512;  // about 2–3 s of 720p video
  RetransmissionCache();
  void store(std::uint16_t seq, std::span<const std::uint8_t> packet);
  // The packet with this sequence number, if still held.
  std::optional<std::span<const std::uint8_t>> find(std::uint16_t seq) const;

 private:
  struct Slot {
    std::uint16_t seq = 0;
    std::uint16_t size = 0;  // 0: empty
  };
  std::unique_ptr<std::uint8_t[]> slab_;
  std::array<Slot, kSlots> slots_{};
};

class Call {
 public:
  explicit Call(Worker& worker) : worker_(worker) {}
  ~Call();  // on the worker's thread

  // All on the worker's thread.
  // `twcc_extension`: the id the participant negotiated for the
  // transport-wide sequence number extension (0: none); the call then
  // sends it transport-wide congestion feedback so that its browser can
  // raise its sending rate.
  void add_participant(ParticipantId id, Transport* transport, std::uint8_t twcc_extension = 0,
                       std::uint8_t audio_level_extension = 0);
  // Called on the worker's thread when the loudest participant changes
  // (RFC 6464 audio levels, smoothed; checked every 300 ms); 0: nobody.
  void on_active_speaker(std::function<void(ParticipantId)> f) { active_speaker_handler_ = std::move(f); }
  // Also stops every subscription to or from it. Returns its transport (for
  // the worker to remove), or nullptr if it was not in the call.
  Transport* remove_participant(ParticipantId id);
  void publish(ParticipantId publisher, PublishedStream stream);
  void subscribe(ParticipantId subscriber, std::uint32_t ssrc, const PayloadMap& map);
  void unsubscribe(ParticipantId subscriber, std::uint32_t ssrc);
  bool empty() const { return participants_.empty(); }
  const CallStats& stats() const { return stats_; }

  // The worker's media handler for transports of this call.
  void on_media(Transport& from, Packet& packet, bool rtcp);

  // The SSRC the server uses as the sender of the RTCP it writes itself.
  static constexpr std::uint32_t kServerSsrc = 0x50415259;  // "PARY"
  // Keyframe requests for one stream are passed on at most this often.
  static constexpr std::chrono::milliseconds kKeyframeInterval{500};

 private:
  struct Subscription {
    ParticipantId subscriber;
    Transport* to;
    PayloadMap map;
  };
  struct Stream {
    ParticipantId publisher;
    StreamKind kind;
    std::vector<Subscription> subscribers;
    std::chrono::steady_clock::time_point last_keyframe_request{};
    std::unique_ptr<RetransmissionCache> cache;  // video only
  };
  // Arrivals of one participant's packets since the last feedback.
  struct Twcc {
    static constexpr std::size_t kMax = 512;
    std::uint8_t extension = 0;
    rtp::SequenceUnwrapper unwrap;
    std::array<std::pair<std::int64_t, std::int64_t>, kMax> arrivals{};  // (unwrapped seq, µs)
    std::size_t count = 0;
    std::uint8_t feedback_count = 0;
    std::uint32_t media_ssrc = 0;
  };
  struct Participant {
    Transport* transport;
    std::vector<std::uint32_t> published;
    Twcc twcc;
    std::uint8_t audio_level_extension = 0;
    double loudness = 0;  // smoothed 127 - level (dBov below full scale): higher is louder
  };
  void update_active_speaker();
  std::function<void(ParticipantId)> active_speaker_handler_;
  ParticipantId active_speaker_ = 0;
  unsigned ticks_ = 0;
  // draft-holmer-rmcat-transport-wide-cc-extensions-01: every 100 ms.
  void send_transport_feedback();
  Loop::TimerId feedback_timer_ = 0;

  void on_rtp(Transport& from, Packet& packet);
  void on_rtcp(Transport& from, Packet& packet);
  void request_keyframe(std::uint32_t ssrc, Stream& s);
  void on_nack(Transport& from, const rtp::RtcpPacket& pkt);

  Worker& worker_;
  std::unordered_map<ParticipantId, Participant> participants_;
  std::unordered_map<std::uint32_t, Stream> streams_;
  CallStats stats_;
};

}  // namespace parley::media
