#pragma once
// RTP packets (RFC 3550 §5.1) read and rewritten where they lie in the
// receive buffer, with RFC 8285 header extensions, the small extension
// values an SFU uses (transport-wide sequence number, RFC 6464 audio level,
// MID, RID) and RFC 4588 retransmission packets.
//
// RtpPacket is a view: it holds the caller's span and offsets into it, owns
// nothing, and is valid only while the bytes it was parsed from are alive
// and unchanged in length. parse_rtp() checks every length the packet claims
// against the bytes present, so that nothing after it can read out of
// bounds. Nothing here allocates, except the Error a refusal carries.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/error.h"

namespace parley::rtp {

inline constexpr std::size_t kRtpFixedHeaderSize = 12;
inline constexpr std::uint16_t kOneByteExtensionProfile = 0xBEDE;  // RFC 8285 §4.2
inline constexpr std::uint16_t kTwoByteExtensionProfile = 0x1000;  // RFC 8285 §4.3, appbits zero

// Which RFC 8285 form the packet's header extension uses, if any. kOther is
// an RFC 3550 §5.3.1 extension with a profile RFC 8285 does not define: its
// bytes are skipped over and no elements are reported.
enum class ExtensionForm : std::uint8_t { kNone, kOneByte, kTwoByte, kOther };

// One header extension element: its local identifier and its value.
struct Extension {
  std::uint8_t id = 0;
  std::span<const std::uint8_t> value;
};

// Walks the elements of an extension block that parse_rtp() validated.
// Padding bytes are skipped; in the one-byte form, ID 15 ends the walk.
class ExtensionIterator {
 public:
  using value_type = Extension;
  using difference_type = std::ptrdiff_t;

  ExtensionIterator() = default;
  ExtensionIterator(std::span<const std::uint8_t> block, ExtensionForm form);

  const Extension& operator*() const { return current_; }
  const Extension* operator->() const { return &current_; }
  ExtensionIterator& operator++();
  ExtensionIterator operator++(int) {
    auto copy = *this;
    ++*this;
    return copy;
  }
  bool operator==(const ExtensionIterator& other) const {
    return done_ == other.done_ && (done_ || pos_ == other.pos_);
  }

 private:
  void advance();

  std::span<const std::uint8_t> block_;
  ExtensionForm form_ = ExtensionForm::kNone;
  std::size_t pos_ = 0;  // first byte after current_
  Extension current_;
  bool done_ = true;
};

class ExtensionRange {
 public:
  ExtensionRange(std::span<const std::uint8_t> block, ExtensionForm form)
      : block_(block), form_(form) {}
  ExtensionIterator begin() const { return ExtensionIterator(block_, form_); }
  ExtensionIterator end() const { return ExtensionIterator(); }

 private:
  std::span<const std::uint8_t> block_;
  ExtensionForm form_;
};

// A parsed RTP packet. Every accessor is in bounds by construction.
class RtpPacket {
 public:
  std::uint8_t version() const { return data_[0] >> 6; }  // always 2 once parsed
  bool has_padding() const { return (data_[0] & 0x20) != 0; }
  bool has_extension() const { return (data_[0] & 0x10) != 0; }
  std::uint8_t csrc_count() const { return data_[0] & 0x0F; }
  bool marker() const { return (data_[1] & 0x80) != 0; }
  std::uint8_t payload_type() const { return data_[1] & 0x7F; }
  std::uint16_t sequence_number() const;
  std::uint32_t timestamp() const;
  std::uint32_t ssrc() const;
  // i < csrc_count().
  std::uint32_t csrc(std::size_t i) const;

  // Fixed header, CSRC list and header extension: where the payload starts.
  std::size_t header_size() const { return header_size_; }
  std::size_t padding_size() const { return padding_size_; }
  // Between the header and the padding; may be empty (e.g. padding-only
  // probes).
  std::span<const std::uint8_t> payload() const {
    return data_.subspan(header_size_, data_.size() - header_size_ - padding_size_);
  }
  std::span<const std::uint8_t> bytes() const { return data_; }

  ExtensionForm extension_form() const { return form_; }
  // The 16-bit "defined by profile" field; 0 without an extension.
  std::uint16_t extension_profile() const;
  // RFC 8285 §4.3: the two-byte form carries 4 application bits.
  std::uint8_t extension_appbits() const {
    return static_cast<std::uint8_t>(extension_profile() & 0x0F);
  }
  // The extension's data words, after its 4-byte header.
  std::span<const std::uint8_t> extension_block() const {
    return data_.subspan(extension_offset_, extension_size_);
  }
  ExtensionRange extensions() const { return ExtensionRange(extension_block(), form_); }
  // The first element with this id, if any.
  std::optional<std::span<const std::uint8_t>> find_extension(std::uint8_t id) const;
  // Offset of that element's value in bytes(), for in-place rewriting.
  std::optional<std::size_t> find_extension_offset(std::uint8_t id) const;

 protected:
  friend Expected<RtpPacket> parse_rtp(std::span<const std::uint8_t> data);
  RtpPacket() = default;

  std::span<const std::uint8_t> data_;
  std::size_t header_size_ = 0;
  std::size_t padding_size_ = 0;
  std::size_t extension_offset_ = 0;  // in data_, after the 4-byte extension header
  std::size_t extension_size_ = 0;
  ExtensionForm form_ = ExtensionForm::kNone;
};

// RFC 3550 §5.1 and Appendix A.1 checks: version 2; the CSRC list, the
// extension (§5.3.1) and the padding (whose count, in the last byte, must be
// at least 1 and leave the header intact) all within the bytes given; RFC
// 8285 elements within their block. Error codes: rtp_truncated,
// rtp_bad_version, rtp_bad_padding, rtp_bad_extension.
Expected<RtpPacket> parse_rtp(std::span<const std::uint8_t> data);

// A packet parsed from a writable buffer, for the rewrites an SFU makes
// while forwarding. The lengths of the packet never change, so the view
// stays valid across every setter.
class MutableRtpPacket : public RtpPacket {
 public:
  void set_marker(bool marker);
  // rtp_bad_argument when the value does not fit 7 bits.
  Status set_payload_type(std::uint8_t payload_type);
  void set_sequence_number(std::uint16_t seq);
  void set_timestamp(std::uint32_t timestamp);
  void set_ssrc(std::uint32_t ssrc);
  // Overwrites the value of an existing element with one of the same size:
  // rtp_no_extension when absent, rtp_bad_extension when the size differs.
  Status set_extension(std::uint8_t id, std::span<const std::uint8_t> value);
  // The writable value of an existing element.
  std::optional<std::span<std::uint8_t>> mutable_extension(std::uint8_t id);
  // For payload-format rewrites (e.g. the VP8 PictureID).
  std::span<std::uint8_t> mutable_payload();

 private:
  friend Expected<MutableRtpPacket> parse_rtp_mutable(std::span<std::uint8_t> data);
  MutableRtpPacket() = default;
  std::span<std::uint8_t> mutable_;
};

Expected<MutableRtpPacket> parse_rtp_mutable(std::span<std::uint8_t> data);

// --- Extension values -------------------------------------------------------

// draft-holmer-rmcat-transport-wide-cc-extensions-01 §2: a 16-bit
// transport-wide sequence number (2 bytes). rtp_bad_extension otherwise.
Expected<std::uint16_t> parse_transport_sequence_number(std::span<const std::uint8_t> value);
// Rewrites the transport-wide sequence number element `id` in place.
Status set_transport_sequence_number(MutableRtpPacket& packet, std::uint8_t id, std::uint16_t seq);

// RFC 6464 §3: V (the sender's voice activity flag) and the level in -dBov,
// 0 (loudest) to 127 (silence). The value is one byte; the two-byte form may
// follow it with a padding byte, which is ignored.
struct AudioLevel {
  bool voice_activity = false;
  std::uint8_t level = 127;
};
Expected<AudioLevel> parse_audio_level(std::span<const std::uint8_t> value);

// The MID (RFC 8843 §15) and RID / repaired RID (RFC 8852 §3) extensions
// carry identifiers as text. A trailing NUL, which some senders add, ends
// the text. MID must be a token (RFC 5888 §5: identification-tag), RID
// alphanumerics, '-' and '_' (RFC 8851 §10: rid-id). The view points into
// the packet. Errors: rtp_bad_mid, rtp_bad_rid.
Expected<std::string_view> parse_mid(std::span<const std::uint8_t> value);
Expected<std::string_view> parse_rid(std::span<const std::uint8_t> value);

// --- RTX (RFC 4588 §4) --------------------------------------------------------

// The original sequence number (OSN) that opens an RTX payload.
// rtp_rtx_no_payload for a payload-less packet (senders use those as
// padding-only bandwidth probes), rtp_bad_rtx when it is shorter than 2.
Expected<std::uint16_t> rtx_original_sequence_number(const RtpPacket& rtx);

// Writes the retransmission of `original` into `out`: the same header with
// the RTX payload type, SSRC and sequence number, marker, timestamp, CSRCs
// and header extension kept, and the payload preceded by the original
// sequence number; the original's padding is not carried. `out` may be the
// original's own buffer (the payload is moved, not overlapped). Returns the
// size written, or rtp_buffer_too_small / rtp_bad_argument.
Expected<std::size_t> build_rtx(const RtpPacket& original, std::span<std::uint8_t> out,
                                std::uint8_t rtx_payload_type, std::uint32_t rtx_ssrc,
                                std::uint16_t rtx_sequence_number);

// The reverse: restores the original packet from an RTX packet into `out`
// (which may be the RTX packet's own buffer), with the original payload
// type and SSRC and the sequence number from the OSN. The RTX packet's
// padding is dropped. Returns the size written.
Expected<std::size_t> unwrap_rtx(const RtpPacket& rtx, std::span<std::uint8_t> out,
                                 std::uint8_t original_payload_type, std::uint32_t original_ssrc);

}  // namespace parley::rtp
