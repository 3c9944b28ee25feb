#pragma once
// Pre-encoded media the load tool replays: VP8 frames from an IVF file and
// Opus packets from an Ogg Opus file (RFC 7845), read whole at start-up and
// turned into a per-loop send schedule (schedule.h). The committed clips in
// bench/load/media/ were written by make-media.sh from Debian's vpxenc and
// opusenc.
//
// Readers check every length a file claims against the bytes present and
// against the limits below before allocating; a bad file is an Error.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "common/error.h"

namespace parley::load {

inline constexpr std::size_t kMaxClipBytes = 64 << 20;  // the whole file
inline constexpr std::size_t kMaxFrameBytes = 1 << 20;  // one VP8 frame
inline constexpr std::size_t kMaxOpusPacket =
    1275 * 3;  // RFC 6716 §3.2.1 (three frames, code 3 aside)

struct VideoFrame {
  std::vector<std::uint8_t> data;
  bool keyframe = false;  // RFC 6386 §9.1: P bit of the frame tag is 0
};

struct VideoClip {
  std::uint16_t width = 0, height = 0;
  std::uint32_t rate = 30, scale = 1;  // frames per second = rate / scale
  std::vector<VideoFrame> frames;
};

struct AudioPacket {
  std::vector<std::uint8_t> data;
  std::uint32_t samples = 960;  // at 48 kHz, from the TOC byte (RFC 6716 §3.1)
};

struct AudioClip {
  std::vector<AudioPacket> packets;  // OpusHead and OpusTags left out
};

// IVF (the container vpxenc writes): 32-byte header "DKIF", fourcc VP80,
// then frames of a 12-byte header (size, 64-bit pts) and the frame.
Expected<VideoClip> read_ivf(const std::filesystem::path& path);

// Ogg pages (RFC 3533) of one logical stream carrying Opus (RFC 7845).
Expected<AudioClip> read_ogg_opus(const std::filesystem::path& path);

// Samples at 48 kHz in one Opus packet (RFC 6716 §3.1), 0 if malformed.
std::uint32_t opus_packet_samples(const std::vector<std::uint8_t>& packet);

}  // namespace parley::load
