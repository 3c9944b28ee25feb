#pragma once
// STUN (RFC 8489) as an ICE-lite agent needs it (RFC 8445 §2.5, §7.3): parse a
// datagram in place, check MESSAGE-INTEGRITY (short-term credentials, §9.1)
// and FINGERPRINT (§7), read the ICE attributes (RFC 8445 §16.1), and write
// Binding success and error responses, plus the Binding request of our own
// native client.
//
// The code here allocates nothing on the success path: a Message is a view
// over the caller's datagram that holds offsets, and builders write into a
// buffer the caller passes in and return the number of bytes written. Every
// malformed input is an Error with a stable code (listed below); nothing throws
// and no input can read outside the datagram. Two allocations are not ours to
// avoid: an Error carries std::strings, and OpenSSL 3.0's HMAC allocates its
// MAC context internally (about a dozen small blocks per HMAC, measured in
// tests/unit/stun/allocation_test.cpp); FINGERPRINT (zlib) allocates nothing.
//
// Error codes:
//   stun_oversize            datagram longer than the caller's limit
//   stun_truncated           shorter than the header, or than the header's length says
//   stun_bad_header          first byte not 0..3: leading bits or a reserved method
//   stun_bad_length          length not a multiple of 4, or bytes after the message
//   stun_bad_cookie          magic cookie is not 0x2112A442 (e.g. RFC 3489)
//   stun_bad_attribute       attribute runs past the end, or a known one is malformed
//   stun_bad_fingerprint     FINGERPRINT not last, or its CRC does not match
//   stun_missing_fingerprint verify_fingerprint() on a message without one
//   stun_missing_integrity   verify_integrity() on a message without MESSAGE-INTEGRITY
//   stun_bad_integrity       the HMAC does not match
//   stun_not_request         a response was asked for something that is not a request
//   stun_bad_argument        a builder got a value the wire cannot carry
//   stun_buffer_too_small    the output buffer cannot hold the message
//   stun_crypto_failure      OpenSSL failed (out of memory)

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string_view>

#include "common/error.h"
#include "stun/socket_address.h"

namespace parley::stun {

// RFC 8489 §5: fixed header fields.
inline constexpr std::size_t kHeaderSize = 20;
inline constexpr std::uint32_t kMagicCookie = 0x2112A442;
inline constexpr std::size_t kTransactionIdSize = 12;
using TransactionId = std::array<std::uint8_t, kTransactionIdSize>;

// Default receive limit: a connectivity check is ~100 bytes, and RFC 8489 §6.1
// asks senders to stay below the path MTU. Callers pass their configured limit.
inline constexpr std::size_t kDefaultMaxMessageSize = 1500;

// RFC 8489 §5: the class is two bits (C1 C0) spread through the message type.
enum class MessageClass : std::uint8_t {
  kRequest = 0b00,
  kIndication = 0b01,
  kSuccessResponse = 0b10,
  kErrorResponse = 0b11,
};

// RFC 8489 §18.2: the only method ICE uses.
inline constexpr std::uint16_t kMethodBinding = 0x001;

// RFC 8489 §5: 12-bit method and 2-bit class interleaved as
// M11..M7 C1 M6..M4 C0 M3..M0 in the low 14 bits of the message type.
constexpr std::uint16_t message_type(std::uint16_t method, MessageClass cls) {
  const auto c = static_cast<std::uint16_t>(cls);
  return static_cast<std::uint16_t>((method & 0x000F) | ((method & 0x0070) << 1) |
                                    ((method & 0x0F80) << 2) | ((c & 0b01) << 4) |
                                    ((c & 0b10) << 7));
}
constexpr std::uint16_t method_of(std::uint16_t type) {
  return static_cast<std::uint16_t>((type & 0x000F) | ((type & 0x00E0) >> 1) |
                                    ((type & 0x3E00) >> 2));
}
constexpr MessageClass class_of(std::uint16_t type) {
  return static_cast<MessageClass>(((type >> 4) & 0b01) | ((type >> 7) & 0b10));
}

// Attribute types (RFC 8489 §18.3, RFC 8445 §16.1).
namespace attr {
inline constexpr std::uint16_t kMappedAddress = 0x0001;
inline constexpr std::uint16_t kUsername = 0x0006;
inline constexpr std::uint16_t kMessageIntegrity = 0x0008;
inline constexpr std::uint16_t kErrorCode = 0x0009;
inline constexpr std::uint16_t kUnknownAttributes = 0x000A;
inline constexpr std::uint16_t kMessageIntegritySha256 = 0x001C;
inline constexpr std::uint16_t kXorMappedAddress = 0x0020;
inline constexpr std::uint16_t kPriority = 0x0024;
inline constexpr std::uint16_t kUseCandidate = 0x0025;
inline constexpr std::uint16_t kSoftware = 0x8022;
inline constexpr std::uint16_t kFingerprint = 0x8028;
inline constexpr std::uint16_t kIceControlled = 0x8029;
inline constexpr std::uint16_t kIceControlling = 0x802A;

// RFC 8489 §14: types below 0x8000 must be understood to process the message.
constexpr bool is_comprehension_required(std::uint16_t type) {
  return type < 0x8000;
}
}  // namespace attr

inline constexpr std::size_t kMessageIntegritySize = 20;      // HMAC-SHA1, RFC 8489 §14.5
inline constexpr std::uint32_t kFingerprintXor = 0x5354554E;  // RFC 8489 §14.7

// One attribute as it stands on the wire; `value` excludes the padding.
struct Attribute {
  std::uint16_t type = 0;
  std::span<const std::uint8_t> value;
};

// Walks the attributes of a parsed message in order, every one of them (also
// those after MESSAGE-INTEGRITY, which the typed accessors ignore).
class AttributeIterator {
 public:
  // A C++20 forward iterator yielding values; for legacy algorithms an input one.
  using iterator_concept = std::forward_iterator_tag;
  using iterator_category = std::input_iterator_tag;
  using value_type = Attribute;
  using difference_type = std::ptrdiff_t;
  using pointer = void;
  using reference = Attribute;

  AttributeIterator() = default;
  Attribute operator*() const;
  AttributeIterator& operator++();
  AttributeIterator operator++(int) {
    AttributeIterator old = *this;
    ++*this;
    return old;
  }
  friend bool operator==(const AttributeIterator& a, const AttributeIterator& b) {
    return a.offset_ == b.offset_ && a.bytes_.data() == b.bytes_.data();
  }

 private:
  friend class Message;
  AttributeIterator(std::span<const std::uint8_t> bytes, std::size_t offset)
      : bytes_(bytes), offset_(offset) {}
  std::span<const std::uint8_t> bytes_;  // the whole message; structure already checked
  std::size_t offset_ = 0;
};

struct AttributeRange {
  AttributeIterator first;
  AttributeIterator last;
  AttributeIterator begin() const { return first; }
  AttributeIterator end() const { return last; }
};

// ERROR-CODE (RFC 8489 §14.8): code = class * 100 + number, 300..699.
struct ErrorCodeValue {
  int code = 0;
  std::string_view reason;  // UTF-8, points into the message
};

class Message;
Expected<Message> parse(std::span<const std::uint8_t> datagram, std::size_t max_size);
Status verify_integrity(const Message& message, std::string_view key);
Status verify_fingerprint(const Message& message);

// A STUN message parsed in place. It points into the datagram given to
// parse(), which must outlive it (not owned). Copying is cheap (under 80 bytes).
//
// Typed accessors follow RFC 8489: the first occurrence of an attribute counts,
// and attributes after MESSAGE-INTEGRITY are ignored except FINGERPRINT
// (§14.5); their values were checked by parse(), so the accessors cannot fail.
class Message {
 public:
  // The unknown comprehension-required types recorded for a 420 answer.
  static constexpr std::size_t kMaxUnknownReported = 8;

  std::span<const std::uint8_t> bytes() const { return bytes_; }
  std::uint16_t type() const;
  std::uint16_t method() const { return method_of(type()); }
  MessageClass message_class() const { return class_of(type()); }
  bool is_binding_request() const {
    return type() == message_type(kMethodBinding, MessageClass::kRequest);
  }
  std::span<const std::uint8_t, kTransactionIdSize> transaction_id() const {
    return bytes_.subspan<8, kTransactionIdSize>();
  }
  TransactionId transaction_id_array() const;

  AttributeRange attributes() const;

  std::optional<std::string_view> username() const;           // §14.3
  std::optional<SocketAddress> xor_mapped_address() const;    // §14.2
  std::optional<ErrorCodeValue> error_code() const;           // §14.8
  std::optional<std::uint32_t> priority() const;              // RFC 8445 §16.1
  bool use_candidate() const { return use_candidate_ != 0; }  // RFC 8445 §16.1
  std::optional<std::uint64_t> ice_controlled() const;        // tie-breaker, RFC 8445 §16.1
  std::optional<std::uint64_t> ice_controlling() const;       // tie-breaker, RFC 8445 §16.1
  bool has_integrity() const { return integrity_ != 0; }
  bool has_fingerprint() const { return fingerprint_ != 0; }

  // Comprehension-required attribute types this module does not understand,
  // before MESSAGE-INTEGRITY, without repeats, at most kMaxUnknownReported.
  // Non-empty: answer a request with 420 (RFC 8489 §6.3.1), drop anything else.
  std::span<const std::uint16_t> unknown_comprehension_required() const {
    return std::span<const std::uint16_t>(unknown_.data(), unknown_count_);
  }

 private:
  friend Expected<Message> parse(std::span<const std::uint8_t>, std::size_t);
  friend Status verify_integrity(const Message&, std::string_view);
  friend Status verify_fingerprint(const Message&);
  explicit Message(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::span<const std::uint8_t> bytes_;
  // Offsets of attribute headers from the start of the message; 0 = absent
  // (offset 0 is the STUN header, never an attribute).
  std::uint32_t username_ = 0;
  std::uint32_t xor_mapped_address_ = 0;
  std::uint32_t error_code_ = 0;
  std::uint32_t priority_ = 0;
  std::uint32_t use_candidate_ = 0;
  std::uint32_t ice_controlled_ = 0;
  std::uint32_t ice_controlling_ = 0;
  std::uint32_t integrity_ = 0;
  std::uint32_t fingerprint_ = 0;
  std::array<std::uint16_t, kMaxUnknownReported> unknown_{};
  std::uint8_t unknown_count_ = 0;
};

// RFC 8489 §5, §6.3, §14: checks the header, walks every attribute, records
// the known ones and checks their values. `datagram` must be exactly one
// message (UDP). Does not check MESSAGE-INTEGRITY or FINGERPRINT values:
// call verify_integrity() / verify_fingerprint().
Expected<Message> parse(std::span<const std::uint8_t> datagram,
                        std::size_t max_size = kDefaultMaxMessageSize);

// RFC 8489 §14.5 / §9.1.3: HMAC-SHA1 with `key` (for ICE, the password as is,
// RFC 8445 §7.2.2) over the message up to MESSAGE-INTEGRITY, the header length
// counting up to the end of MESSAGE-INTEGRITY. Compared in constant time.
Status verify_integrity(const Message& message, std::string_view key);

// RFC 8489 §14.7: CRC-32 of everything before FINGERPRINT, XOR 0x5354554E.
Status verify_fingerprint(const Message& message);

enum class IceRole : std::uint8_t { kControlling, kControlled };

// What our native client puts in a connectivity check (RFC 8445 §7.1, §7.2.2).
struct BindingRequestParams {
  TransactionId transaction_id{};        // from a CSPRNG, RFC 8489 §6
  std::string_view username;             // "<remote ufrag>:<local ufrag>"
  std::string_view key;                  // the remote agent's ICE password
  std::uint32_t priority = 0;            // RFC 8445 §5.1.2
  IceRole role = IceRole::kControlling;  // a full agent facing a lite one controls, §6.1.1
  std::uint64_t tie_breaker = 0;         // RFC 8445 §16.1
  bool use_candidate = false;            // nominate this pair, RFC 8445 §8.1.1
};

// Binding request: PRIORITY, ICE-CONTROLLING/-CONTROLLED, [USE-CANDIDATE],
// USERNAME, MESSAGE-INTEGRITY, FINGERPRINT. Returns bytes written to `out`.
Expected<std::size_t> build_binding_request(const BindingRequestParams& params,
                                            std::span<std::uint8_t> out);

// RFC 8445 §7.3 (what a lite agent answers to a check that passed): Binding
// success response with the request's transaction id, XOR-MAPPED-ADDRESS =
// the source of the request (from a dual-stack socket, pass
// source.unmapped()), MESSAGE-INTEGRITY with `key` (our ICE password, the one
// the request was checked with), FINGERPRINT.
Expected<std::size_t> build_binding_success(const Message& request,
                                            const SocketAddress& mapped_address,
                                            std::string_view key, std::span<std::uint8_t> out);

// The error codes an ICE-lite agent sends (RFC 8489 §14.8; 487 is RFC 8445 §16.2).
inline constexpr int kErrorBadRequest = 400;
inline constexpr int kErrorUnauthenticated = 401;
inline constexpr int kErrorUnknownAttribute = 420;
inline constexpr int kErrorRoleConflict = 487;

// Error response to `request` (same method and transaction id) with
// ERROR-CODE (`reason` empty = the standard phrase), UNKNOWN-ATTRIBUTES when
// `code` is 420 (then `unknown` must not be empty, RFC 8489 §14.13),
// MESSAGE-INTEGRITY when `key` is not empty, and FINGERPRINT. Per RFC 8489
// §9.1.3, 400 and 401 for a failed check go out without integrity (empty key);
// 420 and 487 to an authenticated request carry it.
Expected<std::size_t> build_error_response(const Message& request, int code,
                                           std::string_view reason,
                                           std::span<const std::uint16_t> unknown,
                                           std::string_view key, std::span<std::uint8_t> out);

}  // namespace parley::stun
