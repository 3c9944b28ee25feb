#include "rtp/rtp.h"

#include <cstring>

#include "rtp/bytes.h"

namespace parley::rtp {

using detail::read_u16;
using detail::read_u32;
using detail::write_u16;
using detail::write_u32;

namespace {

// One element found while walking an RFC 8285 block, or the end of it.
struct Element {
  enum Kind { kElement, kEnd, kMalformed } kind = kEnd;
  std::uint8_t id = 0;
  std::size_t value_offset = 0;  // in the block
  std::size_t value_size = 0;
  std::size_t next = 0;  // where the walk resumes
};

// RFC 8285 §4.1.2: the block is read byte by byte, without alignment.
// Padding bytes (0) are skipped. In the one-byte form (§4.2) ID 15, and ID 0
// with a non-zero length, end the walk; elements before them still count.
Element next_element(std::span<const std::uint8_t> block, ExtensionForm form, std::size_t pos) {
  Element e;
  while (pos < block.size() && block[pos] == 0) ++pos;
  if (pos >= block.size()) return e;
  if (form == ExtensionForm::kOneByte) {
    const std::uint8_t id = block[pos] >> 4;
    if (id == 0 || id == 15) return e;
    e.id = id;
    e.value_offset = pos + 1;
    e.value_size = (block[pos] & 0x0F) + 1u;  // §4.2: the length field is size - 1
  } else {
    // §4.3: an 8-bit ID, then an 8-bit length (0 allowed), then the data.
    if (pos + 2 > block.size()) {
      e.kind = Element::kMalformed;
      return e;
    }
    e.id = block[pos];
    e.value_offset = pos + 2;
    e.value_size = block[pos + 1];
  }
  if (e.value_offset + e.value_size > block.size()) {
    e.kind = Element::kMalformed;
    return e;
  }
  e.kind = Element::kElement;
  e.next = e.value_offset + e.value_size;
  return e;
}

bool is_rfc8285(ExtensionForm form) {
  return form == ExtensionForm::kOneByte || form == ExtensionForm::kTwoByte;
}

}  // namespace

// --- ExtensionIterator ---------------------------------------------------------

ExtensionIterator::ExtensionIterator(std::span<const std::uint8_t> block, ExtensionForm form)
    : block_(block), form_(form), done_(false) {
  if (!is_rfc8285(form)) {
    done_ = true;
    return;
  }
  advance();
}

ExtensionIterator& ExtensionIterator::operator++() {
  if (!done_) advance();
  return *this;
}

void ExtensionIterator::advance() {
  const Element e = next_element(block_, form_, pos_);
  if (e.kind != Element::kElement) {
    // parse_rtp() refused malformed blocks, so this is the end.
    done_ = true;
    current_ = Extension{};
    return;
  }
  current_ = Extension{e.id, block_.subspan(e.value_offset, e.value_size)};
  pos_ = e.next;
}

// --- RtpPacket ---------------------------------------------------------------

std::uint16_t RtpPacket::sequence_number() const {
  return read_u16(data_.data() + 2);
}
std::uint32_t RtpPacket::timestamp() const {
  return read_u32(data_.data() + 4);
}
std::uint32_t RtpPacket::ssrc() const {
  return read_u32(data_.data() + 8);
}

std::uint32_t RtpPacket::csrc(std::size_t i) const {
  if (i >= csrc_count()) return 0;
  return read_u32(data_.data() + kRtpFixedHeaderSize + 4 * i);
}

std::uint16_t RtpPacket::extension_profile() const {
  if (form_ == ExtensionForm::kNone) return 0;
  return read_u16(data_.data() + extension_offset_ - 4);
}

namespace {

// The element with this id in an RFC 8285 block, if any.
std::optional<Element> find_element(std::span<const std::uint8_t> block, ExtensionForm form, std::uint8_t id) {
  std::size_t pos = 0;
  for (;;) {
    const Element e = next_element(block, form, pos);
    if (e.kind != Element::kElement) return std::nullopt;
    if (e.id == id) return e;
    pos = e.next;
  }
}

}  // namespace

std::optional<std::size_t> RtpPacket::find_extension_offset(std::uint8_t id) const {
  if (!is_rfc8285(form_) || id == 0) return std::nullopt;
  auto e = find_element(extension_block(), form_, id);
  if (!e) return std::nullopt;
  return extension_offset_ + e->value_offset;
}

std::optional<std::span<const std::uint8_t>> RtpPacket::find_extension(std::uint8_t id) const {
  if (!is_rfc8285(form_) || id == 0) return std::nullopt;
  auto e = find_element(extension_block(), form_, id);
  if (!e) return std::nullopt;
  return extension_block().subspan(e->value_offset, e->value_size);
}

Expected<RtpPacket> parse_rtp(std::span<const std::uint8_t> data) {
  // RFC 3550 §5.1: the fixed header is 12 bytes.
  if (data.size() < kRtpFixedHeaderSize)
    return make_error("rtp_truncated", "shorter than the 12-byte RTP header");
  if ((data[0] >> 6) != 2) return make_error("rtp_bad_version", "RTP version is not 2");

  RtpPacket p;
  p.data_ = data;
  std::size_t offset = kRtpFixedHeaderSize + 4u * (data[0] & 0x0F);
  if (offset > data.size()) return make_error("rtp_truncated", "CSRC list past the end");

  if (data[0] & 0x10) {
    // §5.3.1: 16 bits "defined by profile", 16 bits length in 32-bit words
    // not counting this 4-byte header.
    if (offset + 4 > data.size())
      return make_error("rtp_truncated", "header extension header past the end");
    const std::uint16_t profile = read_u16(data.data() + offset);
    const std::size_t size = 4u * read_u16(data.data() + offset + 2);
    offset += 4;
    if (offset + size > data.size())
      return make_error("rtp_truncated", "header extension past the end");
    p.extension_offset_ = offset;
    p.extension_size_ = size;
    if (profile == kOneByteExtensionProfile) {
      p.form_ = ExtensionForm::kOneByte;
    } else if ((profile & 0xFFF0) == kTwoByteExtensionProfile) {
      p.form_ = ExtensionForm::kTwoByte;  // RFC 8285 §4.3: 0x100 then appbits
    } else {
      p.form_ = ExtensionForm::kOther;
    }
    if (is_rfc8285(p.form_)) {
      const auto block = data.subspan(offset, size);
      std::size_t pos = 0;
      for (;;) {
        const Element e = next_element(block, p.form_, pos);
        if (e.kind == Element::kEnd) break;
        if (e.kind == Element::kMalformed)
          return make_error("rtp_bad_extension", "header extension element overruns its block");
        pos = e.next;
      }
    }
    offset += size;
  }
  p.header_size_ = offset;

  if (data[0] & 0x20) {
    // §5.1 and A.1: the last octet counts the padding, itself included; it
    // may not eat into the header.
    const std::size_t count = data.back();
    if (count == 0) return make_error("rtp_bad_padding", "padding count is zero");
    if (count > data.size() - offset)
      return make_error("rtp_bad_padding", "padding longer than the payload");
    p.padding_size_ = count;
  }
  return p;
}

// --- MutableRtpPacket ----------------------------------------------------------

Expected<MutableRtpPacket> parse_rtp_mutable(std::span<std::uint8_t> data) {
  auto parsed = parse_rtp(data);
  if (!parsed) return parsed.error();
  MutableRtpPacket m;
  static_cast<RtpPacket&>(m) = *parsed;
  m.mutable_ = data;
  return m;
}

void MutableRtpPacket::set_marker(bool marker) {
  mutable_[1] = static_cast<std::uint8_t>((mutable_[1] & 0x7F) | (marker ? 0x80 : 0));
}

Status MutableRtpPacket::set_payload_type(std::uint8_t payload_type) {
  if (payload_type > 127) return make_error("rtp_bad_argument", "payload type over 127");
  mutable_[1] = static_cast<std::uint8_t>((mutable_[1] & 0x80) | payload_type);
  return ok_status();
}

void MutableRtpPacket::set_sequence_number(std::uint16_t seq) {
  write_u16(mutable_.data() + 2, seq);
}
void MutableRtpPacket::set_timestamp(std::uint32_t timestamp) {
  write_u32(mutable_.data() + 4, timestamp);
}
void MutableRtpPacket::set_ssrc(std::uint32_t ssrc) {
  write_u32(mutable_.data() + 8, ssrc);
}

std::optional<std::span<std::uint8_t>> MutableRtpPacket::mutable_extension(std::uint8_t id) {
  const auto offset = find_extension_offset(id);
  if (!offset) return std::nullopt;
  const auto value = find_extension(id);
  return mutable_.subspan(*offset, value->size());
}

Status MutableRtpPacket::set_extension(std::uint8_t id, std::span<const std::uint8_t> value) {
  const auto target = mutable_extension(id);
  if (!target) return make_error("rtp_no_extension", "no header extension element with this id");
  if (target->size() != value.size())
    return make_error("rtp_bad_extension", "new extension value has a different size");
  if (!value.empty()) std::memmove(target->data(), value.data(), value.size());
  return ok_status();
}

std::span<std::uint8_t> MutableRtpPacket::mutable_payload() {
  return mutable_.subspan(header_size_, mutable_.size() - header_size_ - padding_size_);
}

// --- Extension values ------------------------------------------------------------

Expected<std::uint16_t> parse_transport_sequence_number(std::span<const std::uint8_t> value) {
  if (value.size() != 2)
    return make_error("rtp_bad_extension", "transport-wide sequence number is not 2 bytes");
  return read_u16(value.data());
}

Status set_transport_sequence_number(MutableRtpPacket& packet, std::uint8_t id, std::uint16_t seq) {
  std::uint8_t value[2];
  write_u16(value, seq);
  return packet.set_extension(id, value);
}

Expected<AudioLevel> parse_audio_level(std::span<const std::uint8_t> value) {
  // RFC 6464 §3: one byte; the two-byte form may add a padding byte.
  if (value.empty() || value.size() > 2)
    return make_error("rtp_bad_extension", "audio level is not 1 byte");
  return AudioLevel{(value[0] & 0x80) != 0, static_cast<std::uint8_t>(value[0] & 0x7F)};
}

namespace {

std::string_view text_of(std::span<const std::uint8_t> value) {
  std::size_t n = 0;
  while (n < value.size() && value[n] != 0) ++n;
  return {reinterpret_cast<const char*>(value.data()), n};
}

bool is_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace

Expected<std::string_view> parse_mid(std::span<const std::uint8_t> value) {
  const std::string_view text = text_of(value);
  if (text.empty()) return make_error("rtp_bad_mid", "empty MID");
  // RFC 5888 §5 identification-tag = token (RFC 4566 §9 token-char).
  for (char c : text) {
    if (is_alnum(c)) continue;
    if (std::string_view("!#$%&'*+-.^_`{|}~").find(c) == std::string_view::npos)
      return make_error("rtp_bad_mid", "MID has a character outside token-char");
  }
  return text;
}

Expected<std::string_view> parse_rid(std::span<const std::uint8_t> value) {
  const std::string_view text = text_of(value);
  if (text.empty()) return make_error("rtp_bad_rid", "empty RID");
  // RFC 8851 §10: rid-id = 1*(alpha-numeric / "-" / "_").
  for (char c : text) {
    if (!is_alnum(c) && c != '-' && c != '_')
      return make_error("rtp_bad_rid", "RID has a character outside alphanumerics, - and _");
  }
  return text;
}

// --- RTX ---------------------------------------------------------------------------

Expected<std::uint16_t> rtx_original_sequence_number(const RtpPacket& rtx) {
  const auto payload = rtx.payload();
  if (payload.empty()) return make_error("rtp_rtx_no_payload", "RTX packet without payload");
  // RFC 4588 §4: the payload starts with the 2-byte OSN.
  if (payload.size() < 2) return make_error("rtp_bad_rtx", "RTX payload shorter than the OSN");
  return read_u16(payload.data());
}

Expected<std::size_t> build_rtx(const RtpPacket& original, std::span<std::uint8_t> out,
                                std::uint8_t rtx_payload_type, std::uint32_t rtx_ssrc,
                                std::uint16_t rtx_sequence_number) {
  if (rtx_payload_type > 127) return make_error("rtp_bad_argument", "payload type over 127");
  const auto in = original.bytes();
  const std::size_t header = original.header_size();
  const std::size_t payload = original.payload().size();
  const std::size_t total = header + 2 + payload;
  if (out.size() < total) return make_error("rtp_buffer_too_small", "buffer too small for RTX");
  const std::uint16_t osn = original.sequence_number();
  // Payload first, then the header: `out` may be the original's buffer.
  std::memmove(out.data() + header + 2, in.data() + header, payload);
  std::memmove(out.data(), in.data(), header);
  // RFC 4588 §4: marker, timestamp, CSRCs and extensions as in the
  // original; payload type, SSRC and sequence number of the RTX stream.
  // No padding is carried over.
  out[0] = static_cast<std::uint8_t>(out[0] & ~0x20);
  out[1] = static_cast<std::uint8_t>((out[1] & 0x80) | rtx_payload_type);
  write_u16(out.data() + 2, rtx_sequence_number);
  write_u32(out.data() + 8, rtx_ssrc);
  write_u16(out.data() + header, osn);
  return total;
}

Expected<std::size_t> unwrap_rtx(const RtpPacket& rtx, std::span<std::uint8_t> out,
                                 std::uint8_t original_payload_type, std::uint32_t original_ssrc) {
  if (original_payload_type > 127) return make_error("rtp_bad_argument", "payload type over 127");
  auto osn = rtx_original_sequence_number(rtx);
  if (!osn) return osn.error();
  const auto in = rtx.bytes();
  const std::size_t header = rtx.header_size();
  const std::size_t payload = rtx.payload().size() - 2;
  const std::size_t total = header + payload;
  if (out.size() < total) return make_error("rtp_buffer_too_small", "buffer too small for packet");
  // Header first, then the payload moved down over the OSN: `out` may be
  // the RTX packet's own buffer.
  std::memmove(out.data(), in.data(), header);
  std::memmove(out.data() + header, in.data() + header + 2, payload);
  out[0] = static_cast<std::uint8_t>(out[0] & ~0x20);
  out[1] = static_cast<std::uint8_t>((out[1] & 0x80) | original_payload_type);
  write_u16(out.data() + 2, *osn);
  write_u32(out.data() + 8, original_ssrc);
  return total;
}

}  // namespace parley::rtp
