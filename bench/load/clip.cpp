#include "load/clip.h"

#include <array>
#include <fstream>
#include <iterator>
#include <string>

namespace parley::load {

namespace {

std::uint32_t le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
std::uint16_t le16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | p[1] << 8);
}

Expected<std::vector<std::uint8_t>> read_all(const std::filesystem::path& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec)
    return make_error("clip_unreadable", "cannot read " + path.string() + ": " + ec.message());
  if (size > kMaxClipBytes)
    return make_error("clip_too_large", path.string() + " is larger than 64 MiB");
  std::ifstream in(path, std::ios::binary);
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())))
    return make_error("clip_unreadable", "cannot read " + path.string());
  return bytes;
}

}  // namespace

Expected<VideoClip> read_ivf(const std::filesystem::path& path) {
  auto file = read_all(path);
  if (!file) return file.error();
  const auto& b = *file;
  const auto bad = [&](const std::string& why) {
    return make_error("clip_bad_ivf", path.string() + ": " + why);
  };
  if (b.size() < 32 || b[0] != 'D' || b[1] != 'K' || b[2] != 'I' || b[3] != 'F')
    return bad("not an IVF file");
  std::size_t header = le16(&b[6]);
  if (header < 32 || header > b.size()) return bad("bad header length");
  if (b[8] != 'V' || b[9] != 'P' || b[10] != '8' || b[11] != '0')
    return bad("not VP8 (fourcc VP80)");
  VideoClip clip;
  clip.width = le16(&b[12]);
  clip.height = le16(&b[14]);
  clip.rate = le32(&b[16]);
  clip.scale = le32(&b[20]);
  if (clip.rate == 0 || clip.scale == 0 || clip.rate / clip.scale > 120)
    return bad("implausible frame rate");
  std::size_t at = header;
  while (at < b.size()) {
    if (b.size() - at < 12) return bad("truncated frame header");
    std::size_t size = le32(&b[at]);
    at += 12;
    if (size == 0 || size > kMaxFrameBytes || size > b.size() - at) return bad("bad frame size");
    VideoFrame f;
    f.data.assign(b.begin() + static_cast<std::ptrdiff_t>(at),
                  b.begin() + static_cast<std::ptrdiff_t>(at + size));
    f.keyframe = (f.data[0] & 0x01) == 0;
    clip.frames.push_back(std::move(f));
    at += size;
  }
  if (clip.frames.empty()) return bad("no frames");
  if (!clip.frames.front().keyframe) return bad("the first frame is not a keyframe");
  return clip;
}

std::uint32_t opus_packet_samples(const std::vector<std::uint8_t>& p) {
  if (p.empty()) return 0;
  const unsigned config = p[0] >> 3;
  // Frame duration in units of 2.5 ms (120 samples at 48 kHz).
  unsigned units;
  if (config < 12)
    units = std::array<unsigned, 4>{4, 8, 16, 24}[config % 4];  // SILK: 10/20/40/60 ms
  else if (config < 16)
    units = config % 2 == 0 ? 4 : 8;  // hybrid: 10/20 ms
  else
    units = std::array<unsigned, 4>{1, 2, 4, 8}[config % 4];  // CELT: 2.5/5/10/20 ms
  unsigned frames;
  switch (p[0] & 0x03) {
    case 0:
      frames = 1;
      break;
    case 1:
    case 2:
      frames = 2;
      break;
    default:
      if (p.size() < 2) return 0;
      frames = p[1] & 0x3F;
  }
  const std::uint32_t samples = 120u * units * frames;
  return samples == 0 || samples > 5760 ? 0 : samples;  // RFC 6716 §3.2.5: at most 120 ms
}

Expected<AudioClip> read_ogg_opus(const std::filesystem::path& path) {
  auto file = read_all(path);
  if (!file) return file.error();
  const auto& b = *file;
  const auto bad = [&](const std::string& why) {
    return make_error("clip_bad_ogg", path.string() + ": " + why);
  };
  std::vector<std::vector<std::uint8_t>> packets;
  std::vector<std::uint8_t> partial;
  std::size_t at = 0;
  std::uint32_t serial = 0;
  bool first = true;
  while (at < b.size()) {
    // RFC 3533 §6: 27-byte page header, then the segment table.
    if (b.size() - at < 27 || b[at] != 'O' || b[at + 1] != 'g' || b[at + 2] != 'g' ||
        b[at + 3] != 'S')
      return bad("bad page header");
    if (b[at + 4] != 0) return bad("unknown Ogg version");
    const std::uint32_t page_serial = le32(&b[at + 14]);
    if (first)
      serial = page_serial;
    else if (page_serial != serial)
      return bad("more than one logical stream");
    first = false;
    const std::size_t segments = b[at + 26];
    if (b.size() - at - 27 < segments) return bad("truncated segment table");
    const std::uint8_t* table = &b[at + 27];
    std::size_t body = at + 27 + segments;
    for (std::size_t i = 0; i < segments; ++i) {
      const std::size_t len = table[i];
      if (len > b.size() - body) return bad("truncated page body");
      if (partial.size() + len > kMaxOpusPacket + 64 * 1024) return bad("packet too large");
      partial.insert(partial.end(), b.begin() + static_cast<std::ptrdiff_t>(body),
                     b.begin() + static_cast<std::ptrdiff_t>(body + len));
      body += len;
      if (len < 255) {  // RFC 3533 §5: a lacing value below 255 ends a packet
        packets.push_back(std::move(partial));
        partial.clear();
      }
    }
    at = body;
  }
  // RFC 7845 §5: the identification header, then the comment header.
  if (packets.size() < 3) return bad("no audio packets");
  const auto& head = packets[0];
  if (head.size() < 19 || std::string(head.begin(), head.begin() + 8) != "OpusHead")
    return bad("no OpusHead");
  const auto& tags = packets[1];
  if (tags.size() < 8 || std::string(tags.begin(), tags.begin() + 8) != "OpusTags")
    return bad("no OpusTags");
  AudioClip clip;
  for (std::size_t i = 2; i < packets.size(); ++i) {
    if (packets[i].size() > kMaxOpusPacket) return bad("Opus packet too large");
    AudioPacket a;
    a.samples = opus_packet_samples(packets[i]);
    if (a.samples == 0) return bad("malformed Opus packet " + std::to_string(i));
    a.data = std::move(packets[i]);
    clip.packets.push_back(std::move(a));
  }
  return clip;
}

}  // namespace parley::load
