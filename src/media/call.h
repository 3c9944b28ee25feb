#pragma once
// The worker-side state of one call (docs/media.md §Forwarding): its
// participants' transports, the tracks each publishes with their simulcast
// layers, and for each subscriber one outbound stream per track. Everything
// the control plane decides (admission, SDP) arrives here as posted
// configuration; this class only moves packets, from RTP headers, header
// extensions, payload descriptors and RTCP (media payloads are never read).
//
// Each subscriber receives a track on an SSRC the server chose for it. The
// sequence numbers, timestamps and VP8 picture ids it sees run on without a
// jump when the server moves it from one simulcast layer to another, which
// it does only at a keyframe of the new layer.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "media/track.h"
#include "media/worker.h"
#include "rtp/rtcp.h"
#include "rtp/rtp.h"
#include "rtp/sequence.h"

namespace parley::media {

struct CallStats {
  std::uint64_t rtp_forwarded = 0, rtcp_forwarded = 0, rtp_malformed = 0, rtcp_malformed = 0;
  std::uint64_t unknown_ssrc = 0, keyframe_requests_sent = 0, keyframe_requests_suppressed = 0;
  std::uint64_t nacked_packets = 0, retransmitted_from_cache = 0, nack_misses = 0, nacks_sent = 0;
  std::uint64_t rtx_received = 0, twcc_feedback_sent = 0, layer_switches = 0;
  std::uint64_t layer_caps = 0;  // a subscriber's track capped lower by the worker's pressure
  std::uint64_t channel_forwarded = 0;  // packets sent in channel slots (also in rtp_forwarded)
};

// Interpretation (docs/media.md §Interpretation): packets a listener's slots
// received from each channel, counted on the worker, read by the control
// plane (relaxed atomics: a count, not a synchronisation).
inline constexpr std::size_t kMaxChannels = 12;
struct ChannelCounters {
  std::array<std::atomic<std::uint64_t>, kMaxChannels> packets{};
};
// The listener's payload type for each payload format (by PayloadFormat),
// kNoPayloadType where not negotiated: a slot's sources change, and each
// may number its formats its own way.
using FormatPayloadTypes = std::array<std::uint8_t, 5>;

// The header extension ids one participant negotiated (0: none).
struct ParticipantExtensions {
  std::uint8_t transport_cc = 0;
  std::uint8_t audio_level = 0;
  std::uint8_t mid = 0;
  std::uint8_t rid = 0;
  std::uint8_t repaired_rid = 0;
};

struct CallLimits {
  double initial_bandwidth_bps = 2'500'000;  // per subscriber, before any report
  std::size_t cache_packets = 512;           // retransmission cache per video layer (0: none)
  PayloadSampler* sampler = nullptr;         // the worker's, when payloads are sampled
};

class Call {
 public:
  explicit Call(Worker& worker, CallLimits limits = {}) : worker_(worker), limits_(limits) {}
  ~Call();  // on the worker's thread

  // All on the worker's thread.
  // With `extensions.transport_cc` the call sends the participant
  // transport-wide congestion feedback so that its browser can raise its
  // sending rate; with `rid` it learns the SSRCs of simulcast layers.
  void add_participant(ParticipantId id, Transport* transport, ParticipantExtensions extensions = {});
  // Called on the worker's thread when the loudest participant changes
  // (RFC 6464 audio levels, smoothed; checked every 300 ms); 0: nobody.
  void on_active_speaker(std::function<void(ParticipantId)> f) { active_speaker_handler_ = std::move(f); }
  // Also stops every subscription to or from it. Returns its transport (for
  // the worker to remove), or nullptr if it was not in the call.
  Transport* remove_participant(ParticipantId id);
  void publish(ParticipantId publisher, TrackSpec track);
  // Replaces an existing subscription's spec (a renegotiation) or adds one.
  void subscribe(ParticipantId subscriber, ParticipantId publisher, std::uint32_t track, OutboundSpec spec);
  void unsubscribe(ParticipantId subscriber, ParticipantId publisher, std::uint32_t track);
  // The size in device pixels at which `subscriber` shows `publisher`'s
  // video (0 × 0: not shown: no video is sent).
  void set_view(ParticipantId subscriber, ParticipantId publisher, std::uint16_t width, std::uint16_t height);
  // Interpretation (docs/media.md §Interpretation). A language channel is
  // fed by at most one track of a live interpreter (TrackSpec::channel); a
  // slot is a stream one listener receives on one SSRC for its whole life,
  // carrying the channel it is set to. Changing a channel's source (a
  // hand-over, a change of direction) or a slot's channel changes what
  // feeds the slot without renegotiation; its numbers run on from the last
  // packet sent, as at a simulcast switch. An interpreter's own slot never
  // carries their own voice.
  // `publisher` 0: the channel has no source.
  void set_channel_source(std::size_t channel, ParticipantId publisher, std::uint32_t track);
  // Adds a slot, or replaces its spec (a renegotiation). `spec.map` is
  // ignored: payload types come from `formats` and the source's.
  void add_slot(ParticipantId listener, std::uint32_t slot, OutboundSpec spec, FormatPayloadTypes formats,
                std::shared_ptr<ChannelCounters> counters);
  void remove_slot(ParticipantId listener, std::uint32_t slot);
  // -1: none (the slot sends nothing).
  void set_slot_channel(ParticipantId listener, std::uint32_t slot, int channel);
  bool empty() const { return participants_.empty(); }
  std::size_t slot_count() const;  // wherever they are (for tests and the fuzzer)
  const CallStats& stats() const { return stats_; }
  // The layer `subscriber` now receives of a track (-1: none), for tests.
  int current_layer(ParticipantId subscriber, ParticipantId publisher, std::uint32_t track) const;

  // The worker's media handler for transports of this call.
  void on_media(Transport& from, Packet& packet, bool rtcp);

  // The SSRC the server uses as the sender of the RTCP it writes itself.
  static constexpr std::uint32_t kServerSsrc = 0x50415259;  // "PARY"
  // Keyframe requests for one layer are passed on at most this often.
  static constexpr std::chrono::milliseconds kKeyframeInterval{500};
  // Layers are measured and chosen this often.
  static constexpr std::chrono::milliseconds kLayerInterval{500};
  // Retransmissions one subscriber may get per 100 ms tick, and sender
  // reports restated per layer: bounds on what one RTCP packet can make the
  // server send (a NACK can list thousands of numbers).
  static constexpr std::uint16_t kRetransmitBudget = 200;
  static constexpr std::chrono::milliseconds kSenderReportInterval{250};
  // How far behind the newest packet a late one may still be forwarded.
  static constexpr std::uint16_t kReorderWindow = 1024;
  // A layer from which nothing came for this long is not chosen.
  static constexpr std::chrono::milliseconds kLayerTimeout{1500};

 private:
  struct Layer {
    LayerSpec spec;
    std::unique_ptr<RetransmissionCache> cache;  // video only
    bool seen = false;
    std::uint16_t highest_seq = 0;
    std::uint64_t bytes = 0;  // since the last measurement
    double bitrate_bps = 0;
    Clock::time_point last_packet{};
    Clock::time_point last_keyframe_request{};
    Clock::time_point last_sender_report{};  // restated to subscribers at most every kSenderReportInterval
    std::uint16_t width = 0, height = 0;
  };
  struct Track;
  // Where an outgoing sequence number came from, for answering NACKs.
  struct SentRecord {
    std::uint16_t out_seq = 0, in_seq = 0;
    std::int8_t layer = -1;
    std::uint32_t ts_delta = 0;
    std::uint16_t pid_delta = 0;
    std::uint8_t tl0_delta = 0;
  };
  struct Outbound {
    ParticipantId subscriber = 0;
    Transport* to = nullptr;
    OutboundSpec spec;
    int current = -1, target = -1;  // layer indices; -1: none
    int capped = 0;  // layers below its own choice the worker's pressure put it at the last choice
    // The rewrite of the current layer: out = in + delta (mod 2^n).
    bool started = false;
    // Packets of the current layer older than this are not sent: at first
    // the layer's first sequence number (the switch), then trailing the
    // highest one sent by kReorderWindow, so that 16-bit wrap-around never
    // makes new packets look old.
    std::uint16_t base_seq = 0;
    std::uint16_t highest_in = 0;  // highest sequence number of the current layer sent
    std::uint16_t seq_delta = 0, pid_delta = 0;
    std::uint32_t ts_delta = 0;
    std::uint8_t tl0_delta = 0;
    std::uint16_t last_seq = 0, last_pid = 0, rtx_seq = 0;
    std::uint32_t last_ts = 0;
    std::uint8_t last_tl0 = 0;
    Clock::time_point last_sent{};
    std::uint32_t packets = 0, octets = 0;  // for the sender reports it gets
    std::uint16_t retransmit_budget = kRetransmitBudget;  // refilled every tick
    std::unique_ptr<SentRecord[]> history;  // video only: limits_.cache_packets records
    // A channel slot (-1: an ordinary subscription to one track). A slot
    // lives in the outbounds of its channel's source track, or in parked_
    // while it has none.
    int slot = -1;
    int channel = -1;
    const Track* source = nullptr;  // what fed it last: a new one restarts the rewrite
    FormatPayloadTypes formats{};
    std::shared_ptr<ChannelCounters> counters;
    // Where `to`'s outbound SRTP keeps spec.ssrc's stream, for forwarding
    // (retransmissions, on the RTX SSRC, go without it).
    Srtp::StreamMemo srtp_memo;
  };
  struct Track {
    ParticipantId publisher = 0;
    TrackSpec spec;
    std::vector<Layer> layers;
    std::vector<Outbound> outbounds;
  };
  struct Receiving {
    Track* track;
    Outbound* out;
  };
  // Arrivals of one participant's packets since the last feedback.
  struct Twcc {
    static constexpr std::size_t kMax = 512;
    rtp::SequenceUnwrapper unwrap;
    std::array<std::pair<std::int64_t, std::int64_t>, kMax> arrivals{};  // (unwrapped seq, µs)
    std::size_t count = 0;
    std::uint8_t feedback_count = 0;
    std::uint32_t media_ssrc = 0;
  };
  struct Participant {
    Transport* transport = nullptr;
    ParticipantExtensions ext;
    std::vector<std::unique_ptr<Track>> tracks;  // what it publishes
    Twcc twcc;
    double loudness = 0;  // smoothed 127 - level (dBov below full scale): higher is louder
    BandwidthEstimate estimate{0};
    std::vector<Receiving> receiving;  // rebuilt on every subscription change
    PressureGovernor::Key pressure_key = 0;  // its place in the worker's shedding order
  };
  // What forwarding reads from an incoming packet once, for every subscriber.
  struct Incoming {
    const rtp::RtpPacket& rtp;
    std::optional<std::span<const std::uint8_t>> audio_level;
    // VP8 only: the descriptor's PictureID and TL0PICIDX, to rewrite.
    std::optional<std::uint16_t> picture_id;
    bool picture_id_15bit = false;
    std::size_t picture_id_offset = 0;
    std::optional<std::uint8_t> tl0;
    std::size_t tl0_offset = 0;
  };
  static Incoming describe(const rtp::RtpPacket& rtp, PayloadFormat format, std::uint8_t audio_level_extension);
  // An incoming SSRC: which layer of which track, and whether it is RTX.
  struct Route {
    Track* track = nullptr;
    std::uint8_t layer = 0;
    bool rtx = false;
  };

  struct ChannelSource {
    ParticipantId publisher = 0;
    std::uint32_t track = 0;
  };
  std::array<ChannelSource, kMaxChannels> channels_{};
  std::vector<Outbound> parked_;  // slots whose channel has no source, or none
  Track* find_track(ParticipantId publisher, std::uint32_t track);
  // Moves every slot to the outbounds of its channel's source (or parks
  // it); after any change of sources, slots or tracks.
  void place_slots();
  Outbound* find_slot(ParticipantId listener, std::uint32_t slot);
  static Outbound new_outbound(ParticipantId subscriber, Transport* to, OutboundSpec spec);

  void update_active_speaker();
  std::function<void(ParticipantId)> active_speaker_handler_;
  ParticipantId active_speaker_ = 0;
  unsigned ticks_ = 0;
  void tick();
  // draft-holmer-rmcat-transport-wide-cc-extensions-01: every 100 ms.
  void send_transport_feedback();
  void choose_layers();
  Loop::TimerId timer_ = 0;
  std::uint64_t pressure_generation_ = 0;  // of the worker's governor at the last choice

  void on_rtp(Transport& from, Packet& packet);
  // `repaired`: a retransmission (rebuilt from RTX); it never opens a
  // layer switch, being older than what the subscriber already has.
  void forward(Track& track, std::uint8_t layer, const rtp::RtpPacket& rtp, Clock::time_point now, bool repaired);
  bool unwrap_rtx(Track& track, Layer& layer, Packet& packet, const rtp::RtpPacket& rtx);
  const Route* learn_ssrc(Participant& publisher, const rtp::RtpPacket& rtp);
  void nack_gaps(Participant& publisher, Layer& layer, std::uint16_t seq);
  void on_rtcp(Transport& from, Packet& packet);
  void on_nack(const rtp::RtcpPacket& pkt, ParticipantId from);
  void on_sender_report(const rtp::RtcpPacket& pkt, Transport& from);
  void request_keyframe(Track& track, int layer);
  Receiving* find_outbound(ParticipantId subscriber, std::uint32_t ssrc);
  void rebuild_receiving();
  // Writes the rewritten packet (or, with `rtx`, its RFC 4588 form) into
  // `out`; its size, or 0 when it does not fit or is not for this subscriber.
  std::size_t write_packet(Packet& out, const Outbound& o, const Incoming& in, const SentRecord& r, bool rtx,
                           std::uint16_t rtx_seq) const;

  Worker& worker_;
  CallLimits limits_;
  std::unordered_map<ParticipantId, Participant> participants_;
  std::unordered_map<std::uint32_t, Route> routes_;  // incoming SSRC → layer
  CallStats stats_;
};

}  // namespace parley::media
