#pragma once
// The send schedule of one publisher's track over one loop of its clip, and
// the writer of the RTP packets it names. Built once at start-up; the
// sender then repeats it, loop after loop, adding the loop's offset to the
// send time, the RTP timestamp and the VP8 PictureID, so that what goes on
// the wire is a continuous real-rate stream.
//
// Video: each VP8 frame is cut into packets of at most kMaxVp8Chunk bytes
// of equal size (as libwebrtc does) behind an RFC 7741 payload descriptor
// with a 15-bit PictureID; the marker bit ends the frame. Packets leave
// through a pacer, as a browser's do: at most `pacing_factor` times the
// clip's mean bitrate, never before their frame's capture time.
// Audio: one Opus packet per RTP packet at its own duration (20 ms here).
//
// Every payload ends with a 16-byte trailer the receiver reads back
// (Trailer): which stream, which packet, and when it was sent. It is inside
// the SRTP-protected payload, which a forwarding server never reads or
// rewrites, so the delay and loss measurement does not depend on SSRCs,
// sequence numbers, timestamps or header extensions surviving forwarding.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/error.h"
#include "load/clip.h"

namespace parley::load {

inline constexpr std::size_t kMaxVp8Chunk = 1100;
inline constexpr std::size_t kTrailerSize = 16;
inline constexpr std::uint8_t kOpusPayloadType = 111;
inline constexpr std::uint8_t kVp8PayloadType = 96;
// One-byte header extension ids the load tool offers (RFC 8285).
inline constexpr std::uint8_t kAudioLevelExtension = 1;
inline constexpr std::uint8_t kTransportCcExtension = 3;

enum class TrackKind : std::uint8_t { audio, video };

struct ScheduledPacket {
  std::int64_t at_us = 0;        // send time from the loop's start
  std::uint32_t rtp_offset = 0;  // RTP timestamp from the loop's start
  std::uint32_t unit = 0;        // frame (video) or packet (audio) index in the loop
  bool marker = false;
  bool start_of_frame = false;          // VP8 S bit
  std::span<const std::uint8_t> media;  // this packet's share of the frame; points into the clip
};

struct TrackSchedule {
  TrackKind kind = TrackKind::audio;
  std::uint32_t clock_rate = 48000;
  std::int64_t loop_us = 0;              // duration of one loop
  std::uint32_t loop_ticks = 0;          // RTP ticks in one loop
  std::uint32_t units = 0;               // frames (video) or packets (audio) in one loop
  std::vector<ScheduledPacket> packets;  // in send order
  double mean_bitrate = 0;               // media bits per second, without headers
};

// The clip must outlive the schedule (packets point into it).
Expected<TrackSchedule> schedule_video(const VideoClip& clip, double pacing_factor);
Expected<TrackSchedule> schedule_audio(const AudioClip& clip);

// What a packet carries at the end of its payload, in network byte order.
struct Trailer {
  std::uint32_t stream = 0;  // the load tool's own stream number (not the SSRC)
  std::uint32_t index = 0;   // packets of this stream sent before this one
  std::int64_t sent_ns = 0;  // CLOCK_MONOTONIC when the packet was written
};
void write_trailer(std::uint8_t* at, const Trailer& t);
// The trailer of an RTP payload, or nullopt when it is shorter than one.
std::optional<Trailer> read_trailer(std::span<const std::uint8_t> payload);

// The per-stream state of the writer: what changes from packet to packet.
struct StreamState {
  std::uint32_t ssrc = 0;
  std::uint32_t stream = 0;    // Trailer::stream
  std::uint16_t sequence = 0;  // next RTP sequence number
  std::uint32_t timestamp_base = 0;
  std::uint32_t sent = 0;         // Trailer::index of the next packet
  std::uint8_t audio_level = 40;  // RFC 6464 -dBov written on audio packets
};

// Writes packet `p` of loop `loop` into `out` (which must hold at least
// 12 + 12 + 4 + media + kTrailerSize + the SRTP trailer): RTP header, a
// one-byte extension block (transport-wide sequence number `twcc_seq`, and
// the audio level on audio), VP8 descriptor on video, media, trailer with
// `now_ns`. Returns the RTP packet's size (before SRTP).
std::size_t write_packet(const TrackSchedule& track, const ScheduledPacket& p, std::uint64_t loop,
                         StreamState& state, std::uint16_t twcc_seq, std::int64_t now_ns,
                         std::span<std::uint8_t> out);

}  // namespace parley::load
