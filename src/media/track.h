#pragma once
// What a publisher sends and what each subscriber gets of it (docs/media.md
// §Forwarding): a published track has one to three simulcast layers, each
// its own RTP stream; a subscriber gets one rewritten stream per track, on
// an SSRC the server chose for it, fed from whichever layer suits it. The
// pieces here hold no sockets and no clock of their own, so that the rules
// (layer choice, rewriting, bandwidth estimate) can be tested alone.

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace parley::media {

using ParticipantId = std::uint64_t;
using Clock = std::chrono::steady_clock;

enum class StreamKind : std::uint8_t { audio, video };
// What the server must know of a payload format: where keyframes start.
enum class PayloadFormat : std::uint8_t { unknown, opus, vp8, vp9, h264 };

// Payload type of the publisher → payload type for one subscriber; 0xFF
// means "not negotiated with this subscriber": the packet is not sent.
using PayloadMap = std::array<std::uint8_t, 128>;
inline constexpr std::uint8_t kNoPayloadType = 0xFF;
PayloadMap identity_payload_map();
PayloadMap empty_payload_map();

// True when `payload` (the RTP payload, descriptor included) opens a
// keyframe: VP8 RFC 7741 §4.3; VP9 draft-ietf-payload-vp9 §4.2 (P clear, B
// set); H.264 RFC 6184 §5.6–5.8 (an IDR or SPS NAL unit, alone, first in a
// STAP-A, or starting an FU-A). False for anything else or unknown formats.
bool is_keyframe_start(PayloadFormat format, std::span<const std::uint8_t> payload);
// The frame size a VP8 keyframe announces (RFC 6386 §9.1), from its first
// 10 bytes after the descriptor (which stay clear under SFrame too).
std::optional<std::pair<std::uint16_t, std::uint16_t>> vp8_keyframe_size(std::span<const std::uint8_t> payload);

// One simulcast layer as announced: by rid (RFC 8851), its SSRCs learned
// from the RTP stream id header extension (RFC 8852), or by SSRC.
struct LayerSpec {
  std::string rid;             // empty for a track without simulcast
  std::uint32_t ssrc = 0;      // 0: not known yet
  std::uint32_t rtx_ssrc = 0;  // its RFC 4588 stream; 0: none or not known yet
};

struct TrackSpec {
  std::uint32_t id = 0;  // unique among the publisher's tracks
  std::string mid;       // of the publisher's section: matched against the MID extension
  StreamKind kind = StreamKind::audio;
  std::uint32_t clock_rate = 90000;
  std::vector<LayerSpec> layers;            // 1 to kMaxLayers
  std::array<PayloadFormat, 128> formats{};  // by the publisher's payload type
  PayloadMap rtx_media = empty_payload_map();  // publisher's RTX payload type → the one it repairs
  // An interpreter's language channel (docs/media.md §Interpretation):
  // forwarded only into the channel slots of those who chose its channel
  // while it feeds one, and never counted for the floor's active speaker.
  bool channel = false;
};
inline constexpr std::size_t kMaxLayers = 3;

// How one subscriber receives one track.
struct OutboundSpec {
  std::uint32_t ssrc = 0;
  std::uint32_t rtx_ssrc = 0;  // 0: the subscriber did not negotiate RTX
  PayloadMap map = empty_payload_map();      // publisher's payload type → the subscriber's
  PayloadMap rtx_map = empty_payload_map();  // publisher's payload type → the subscriber's RTX for it
  std::uint8_t mid_extension = 0;           // the subscriber's ids (0: not negotiated)
  std::uint8_t audio_level_extension = 0;
  std::string mid;  // of the subscriber's section; at most 16 bytes
  // The size the subscriber shows it at (Call::set_view); unknown: the largest.
  std::uint16_t view_width = 0xFFFF, view_height = 0xFFFF;
};

// The last packets of one video stream, kept for retransmission (RFC 4585
// NACK answered by the server, not the publisher). One slab allocated when
// the stream is published; a packet's slot is its sequence number modulo
// the capacity, so storing and finding are O(1) and allocate nothing.
class RetransmissionCache {
 public:
  static constexpr std::size_t kSlotBytes = 1600;  // a packet buffer's capacity
  // 512 slots hold about 2–3 s of 720p video.
  explicit RetransmissionCache(std::size_t slots);
  std::size_t slots() const { return slots_.size(); }
  void store(std::uint16_t seq, std::span<const std::uint8_t> packet);
  // The packet with this sequence number, if still held.
  std::optional<std::span<const std::uint8_t>> find(std::uint16_t seq) const;

 private:
  struct Slot {
    std::uint16_t seq = 0;
    std::uint16_t size = 0;  // 0: empty
  };
  std::unique_ptr<std::uint8_t[]> slab_;
  std::vector<Slot> slots_;
};

// The first bytes of the payloads a worker forwarded last (one record per
// incoming packet sent to anyone), kept only with --media-sample-payloads so
// that a test or an auditor can check that every forwarded payload is
// SFrame ciphertext. Written on the worker's thread, read from the control
// plane's; a mutex, since it is off on the normal path.
struct PayloadSample {
  StreamKind kind = StreamKind::audio;
  PayloadFormat format = PayloadFormat::unknown;
  std::uint16_t size = 0;  // of the whole payload
  std::uint8_t head_size = 0;
  std::array<std::uint8_t, 48> head{};
};
class PayloadSampler {
 public:
  explicit PayloadSampler(std::size_t capacity) : ring_(capacity) {}
  void record(StreamKind kind, PayloadFormat format, std::span<const std::uint8_t> payload);
  std::vector<PayloadSample> snapshot() const;  // oldest first

 private:
  mutable std::mutex mutex_;
  std::vector<PayloadSample> ring_;
  std::size_t next_ = 0, count_ = 0;
};

// What layer choice knows of a layer: whether packets arrive, its size
// (from its keyframes; 0 when unknown) and its measured rate.
struct LayerInfo {
  bool active = false;
  std::uint16_t width = 0, height = 0;
  double bitrate_bps = 0;
};

// The layers from smallest to largest: by picture size when every active
// layer's is known, else by measured bitrate. Only active layers appear.
std::vector<int> rank_layers(std::span<const LayerInfo> layers);
// The best layer for a tile of view_width × view_height device pixels:
// the smallest ranked layer at least 3/4 of the tile in both directions,
// else the largest. -1 when the tile is hidden (0 × 0) or nothing arrives.
int layer_for_view(std::span<const LayerInfo> layers, std::uint16_t view_width, std::uint16_t view_height);

// A loss-based estimate of what one subscriber can receive, from the
// fraction lost in its receiver reports (draft-ietf-rmcat-gcc-02 §6): above
// 10% loss it falls by half the loss, under 2% it grows by 5% per report.
class BandwidthEstimate {
 public:
  explicit BandwidthEstimate(double initial_bps) : bps_(initial_bps) {}
  void on_loss(double fraction_lost);
  double bps() const { return bps_; }
  static constexpr double kMin = 100'000, kMax = 20'000'000;

 private:
  double bps_;
};

}  // namespace parley::media
