#include "load/schedule.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace parley::load {

namespace {

void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
void put32(std::uint8_t* p, std::uint32_t v) {
  put16(p, static_cast<std::uint16_t>(v >> 16));
  put16(p + 2, static_cast<std::uint16_t>(v));
}
std::uint32_t get32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | p[3];
}

// Bytes on the wire besides the media, for the pacer: RTP header and
// extensions, VP8 descriptor, trailer, SRTP tag, UDP/IP.
constexpr std::size_t kPacketOverhead = 12 + 8 + 4 + kTrailerSize + 16 + 28;

}  // namespace

Expected<TrackSchedule> schedule_video(const VideoClip& clip, double pacing_factor) {
  TrackSchedule t;
  t.kind = TrackKind::video;
  t.clock_rate = 90000;
  t.units = static_cast<std::uint32_t>(clip.frames.size());
  const double frame_us = 1e6 * clip.scale / clip.rate;
  t.loop_us = static_cast<std::int64_t>(std::llround(frame_us * t.units));
  t.loop_ticks =
      static_cast<std::uint32_t>(std::uint64_t{90000} * clip.scale * t.units / clip.rate);
  if (t.loop_us <= 0 || t.loop_ticks == 0)
    return make_error("clip_bad_ivf", "the clip has no duration");
  std::size_t bytes = 0;
  for (const auto& f : clip.frames) bytes += f.data.size();
  t.mean_bitrate = 8.0 * static_cast<double>(bytes) * 1e6 / static_cast<double>(t.loop_us);
  const double pace_bps = pacing_factor > 0 ? pacing_factor * t.mean_bitrate : 0;
  double free_at_us = 0;  // when the pacer has sent what it was given so far
  for (std::uint32_t i = 0; i < t.units; ++i) {
    const auto& data = clip.frames[i].data;
    const double capture_us = frame_us * i;
    const std::size_t n = (data.size() + kMaxVp8Chunk - 1) / kMaxVp8Chunk;
    std::size_t done = 0;
    for (std::size_t k = 0; k < n; ++k) {
      // Equal shares, the first ones one byte larger where it does not divide.
      const std::size_t size = data.size() / n + (k < data.size() % n ? 1 : 0);
      ScheduledPacket p;
      const double at = std::max(capture_us, free_at_us);
      p.at_us = static_cast<std::int64_t>(at);
      if (pace_bps > 0)
        free_at_us = at + 8.0 * static_cast<double>(size + kPacketOverhead) * 1e6 / pace_bps;
      p.rtp_offset = static_cast<std::uint32_t>(std::uint64_t{90000} * clip.scale * i / clip.rate);
      p.unit = i;
      p.start_of_frame = k == 0;
      p.marker = k + 1 == n;
      p.media = std::span<const std::uint8_t>(data.data() + done, size);
      done += size;
      t.packets.push_back(p);
    }
  }
  if (t.packets.back().at_us >= t.loop_us)
    return make_error(
        "clip_bad_ivf",
        "the pacer cannot send one loop of the clip within its duration; raise --pacing");
  return t;
}

Expected<TrackSchedule> schedule_audio(const AudioClip& clip) {
  TrackSchedule t;
  t.kind = TrackKind::audio;
  t.clock_rate = 48000;
  t.units = static_cast<std::uint32_t>(clip.packets.size());
  std::uint64_t samples = 0;
  std::size_t bytes = 0;
  for (std::uint32_t i = 0; i < t.units; ++i) {
    const auto& a = clip.packets[i];
    ScheduledPacket p;
    p.at_us = static_cast<std::int64_t>(samples * 1000 / 48);
    p.rtp_offset = static_cast<std::uint32_t>(samples);
    p.unit = i;
    p.marker = i == 0;  // RFC 3551 §4.1: the first packet of a talkspurt
    p.start_of_frame = true;
    p.media = a.data;
    t.packets.push_back(p);
    samples += a.samples;
    bytes += a.data.size();
  }
  t.loop_us = static_cast<std::int64_t>(samples * 1000 / 48);
  t.loop_ticks = static_cast<std::uint32_t>(samples);
  if (t.loop_us <= 0) return make_error("clip_bad_ogg", "the clip has no duration");
  t.mean_bitrate = 8.0 * static_cast<double>(bytes) * 1e6 / static_cast<double>(t.loop_us);
  return t;
}

void write_trailer(std::uint8_t* at, const Trailer& t) {
  put32(at, t.stream);
  put32(at + 4, t.index);
  const auto ns = static_cast<std::uint64_t>(t.sent_ns);
  put32(at + 8, static_cast<std::uint32_t>(ns >> 32));
  put32(at + 12, static_cast<std::uint32_t>(ns));
}

std::optional<Trailer> read_trailer(std::span<const std::uint8_t> payload) {
  if (payload.size() < kTrailerSize) return std::nullopt;
  const std::uint8_t* p = payload.data() + payload.size() - kTrailerSize;
  Trailer t;
  t.stream = get32(p);
  t.index = get32(p + 4);
  t.sent_ns =
      static_cast<std::int64_t>(static_cast<std::uint64_t>(get32(p + 8)) << 32 | get32(p + 12));
  return t;
}

std::size_t write_packet(const TrackSchedule& track, const ScheduledPacket& p, std::uint64_t loop,
                         StreamState& state, std::uint16_t twcc_seq, std::int64_t now_ns,
                         std::span<std::uint8_t> out) {
  const bool video = track.kind == TrackKind::video;
  const std::uint8_t pt = video ? kVp8PayloadType : kOpusPayloadType;
  std::uint8_t* b = out.data();
  // RFC 3550 §5.1: V=2, no padding, extension, no CSRC.
  b[0] = 0x90;
  b[1] = static_cast<std::uint8_t>((p.marker ? 0x80 : 0) | pt);
  put16(b + 2, state.sequence++);
  put32(b + 4,
        static_cast<std::uint32_t>(state.timestamp_base + loop * track.loop_ticks + p.rtp_offset));
  put32(b + 8, state.ssrc);
  // RFC 8285 §4.2 one-byte form: element header = id << 4 | (length - 1).
  std::size_t at = 12;
  put16(b + at, 0xBEDE);
  const std::uint16_t words = video ? 1 : 2;
  put16(b + at + 2, words);
  at += 4;
  std::uint8_t* ext = b + at;
  std::memset(ext, 0, words * 4u);
  std::size_t e = 0;
  ext[e++] = kTransportCcExtension << 4 | 1;
  put16(ext + e, twcc_seq);
  e += 2;
  if (!video) {
    ext[e++] = kAudioLevelExtension << 4;
    ext[e++] =
        static_cast<std::uint8_t>(0x80 | (state.audio_level & 0x7F));  // RFC 6464: V=1, level
  }
  at += words * 4u;
  if (video) {
    // RFC 7741 §4.2: X=1, S, PID=0; I=1; M=1 and a 15-bit PictureID.
    const auto picture_id = static_cast<std::uint16_t>((loop * track.units + p.unit) & 0x7FFF);
    b[at++] = static_cast<std::uint8_t>(0x80 | (p.start_of_frame ? 0x10 : 0));
    b[at++] = 0x80;
    b[at++] = static_cast<std::uint8_t>(0x80 | picture_id >> 8);
    b[at++] = static_cast<std::uint8_t>(picture_id);
  }
  std::memcpy(b + at, p.media.data(), p.media.size());
  at += p.media.size();
  write_trailer(b + at, Trailer{state.stream, state.sent++, now_ns});
  return at + kTrailerSize;
}

}  // namespace parley::load
