#include "stun/stun.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace parley::stun {
namespace {

// RFC 8489 §14: attribute header is type (16 bits) + length (16 bits).
constexpr std::size_t kAttributeHeaderSize = 4;
constexpr std::size_t kFingerprintSize = 4;
constexpr std::size_t kMaxMessageLength = 0xFFFF;  // the 16-bit length field, §5

// §14.3 USERNAME: fewer than 509 bytes. §14.8 reason phrase: at most 509 bytes
// when we encode it, up to 763 accepted when decoding.
constexpr std::size_t kMaxUsernameSize = 508;
constexpr std::size_t kMaxReasonSizeSent = 509;
constexpr std::size_t kMaxReasonSizeReceived = 763;

constexpr std::size_t padded(std::size_t n) {
  return (n + 3) & ~std::size_t{3};
}

std::uint16_t read16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
std::uint32_t read32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
std::uint64_t read64(const std::uint8_t* p) {
  return (std::uint64_t{read32(p)} << 32) | read32(p + 4);
}
void write16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
void write32(std::uint8_t* p, std::uint32_t v) {
  write16(p, static_cast<std::uint16_t>(v >> 16));
  write16(p + 2, static_cast<std::uint16_t>(v));
}
void write64(std::uint8_t* p, std::uint64_t v) {
  write32(p, static_cast<std::uint32_t>(v >> 32));
  write32(p + 4, static_cast<std::uint32_t>(v));
}

// The value of the attribute whose header starts at `offset` (checked by parse()).
std::span<const std::uint8_t> value_at(std::span<const std::uint8_t> message, std::size_t offset) {
  return message.subspan(offset + kAttributeHeaderSize, read16(&message[offset + 2]));
}

// RFC 8489 §14.2: X-Port is the port XOR the cookie's high 16 bits; X-Address
// is the address XOR the cookie (IPv4) or the cookie followed by the
// transaction id (IPv6). The same operation encodes and decodes.
std::array<std::uint8_t, 16> xor_key(std::span<const std::uint8_t, kTransactionIdSize> txid) {
  std::array<std::uint8_t, 16> key{};
  write32(key.data(), kMagicCookie);
  std::copy(txid.begin(), txid.end(), key.begin() + 4);
  return key;
}

// The HMAC-SHA1 provider, fetched once (thread-safe static initialisation)
// and never modified afterwards; contexts are per call.
EVP_MAC* hmac_algorithm() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

using Hmac = std::array<std::uint8_t, kMessageIntegritySize>;

// RFC 8489 §14.5: HMAC-SHA1 over `header` (the 20-byte header, its length
// already adjusted) followed by `rest` (the attributes before MESSAGE-INTEGRITY).
// Two pieces so that a received message need not be copied to adjust it.
Expected<Hmac> hmac_sha1(std::string_view key, std::span<const std::uint8_t> header,
                         std::span<const std::uint8_t> rest) {
  EVP_MAC* mac = hmac_algorithm();
  if (mac == nullptr) return make_error("stun_crypto_failure", "HMAC is not available");
  std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx(EVP_MAC_CTX_new(mac));
  char digest[] = "SHA1";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  // A non-null pointer even for an empty key: OpenSSL treats null as "no key".
  static constexpr unsigned char kNoKey = 0;
  const auto* key_bytes =
      key.empty() ? &kNoKey : reinterpret_cast<const unsigned char*>(key.data());
  Hmac out{};
  std::size_t out_size = 0;
  if (!ctx || EVP_MAC_init(ctx.get(), key_bytes, key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), header.data(), header.size()) != 1 ||
      (!rest.empty() && EVP_MAC_update(ctx.get(), rest.data(), rest.size()) != 1) ||
      EVP_MAC_final(ctx.get(), out.data(), &out_size, out.size()) != 1 || out_size != out.size()) {
    return make_error("stun_crypto_failure", "HMAC-SHA1 computation failed");
  }
  return out;
}

// RFC 8489 §14.7: CRC-32 (the ISO/IEC 13239 one zlib computes) of `header`
// (length already adjusted) then `rest`, XOR 0x5354554E.
std::uint32_t stun_crc(std::span<const std::uint8_t> header, std::span<const std::uint8_t> rest) {
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, header.data(), static_cast<uInt>(header.size()));
  if (!rest.empty()) crc = crc32(crc, rest.data(), static_cast<uInt>(rest.size()));
  return static_cast<std::uint32_t>(crc) ^ kFingerprintXor;
}

// A copy of the header of `message` whose length field says the message ends
// at `end` (an offset), as §14.5 and §14.7 require for the computations.
std::array<std::uint8_t, kHeaderSize> header_ending_at(std::span<const std::uint8_t> message,
                                                       std::size_t end) {
  std::array<std::uint8_t, kHeaderSize> header{};
  std::copy_n(message.begin(), kHeaderSize, header.begin());
  write16(&header[2], static_cast<std::uint16_t>(end - kHeaderSize));
  return header;
}

Error bad_attribute(const char* what) {
  return make_error("stun_bad_attribute", what);
}

// Validates the value of a known attribute (first occurrence); returns an
// error message or nullptr when it is well formed.
const char* check_known_value(std::uint16_t type, std::span<const std::uint8_t> v) {
  switch (type) {
    case attr::kXorMappedAddress:
      // §14.2: 8 bytes for IPv4 (family 0x01), 20 for IPv6 (family 0x02).
      if (v.size() < 4) return "XOR-MAPPED-ADDRESS is too short";
      if (v[1] == static_cast<std::uint8_t>(SocketAddress::Family::kIpv4)) {
        return v.size() == 8 ? nullptr : "XOR-MAPPED-ADDRESS has the wrong length for IPv4";
      }
      if (v[1] == static_cast<std::uint8_t>(SocketAddress::Family::kIpv6)) {
        return v.size() == 20 ? nullptr : "XOR-MAPPED-ADDRESS has the wrong length for IPv6";
      }
      return "XOR-MAPPED-ADDRESS has an unknown address family";
    case attr::kErrorCode: {
      // §14.8: 21 reserved bits, class 3..6 (3 bits), number 0..99 (8 bits).
      if (v.size() < 4) return "ERROR-CODE is too short";
      if (v.size() - 4 > kMaxReasonSizeReceived) return "ERROR-CODE reason is too long";
      const int cls = v[2] & 0x07;
      if (cls < 3 || cls > 6 || v[3] > 99) return "ERROR-CODE is out of range";
      return nullptr;
    }
    case attr::kPriority:  // RFC 8445 §16.1: 32 bits
      return v.size() == 4 ? nullptr : "PRIORITY must be 4 bytes";
    case attr::kUseCandidate:  // RFC 8445 §16.1: no value
      return v.empty() ? nullptr : "USE-CANDIDATE must be empty";
    case attr::kIceControlled:
    case attr::kIceControlling:  // RFC 8445 §16.1: 64-bit tie-breaker
      return v.size() == 8 ? nullptr : "ICE-CONTROLLED/ICE-CONTROLLING must be 8 bytes";
    default:
      return nullptr;
  }
}

// Writes one message into a caller's buffer, keeping the header's length
// field current after each attribute. Checks room before every write.
class Writer {
 public:
  explicit Writer(std::span<std::uint8_t> out) : out_(out) {}

  Status header(std::uint16_t type, std::span<const std::uint8_t, kTransactionIdSize> txid) {
    if (out_.size() < kHeaderSize) return too_small();
    write16(&out_[0], type);
    write16(&out_[2], 0);
    write32(&out_[4], kMagicCookie);
    std::copy(txid.begin(), txid.end(), out_.begin() + 8);
    size_ = kHeaderSize;
    return ok_status();
  }

  // Appends a TLV with `length` value bytes zeroed (padding too, §14: padding
  // is zero on sending) and returns the value for the caller to fill.
  Expected<std::span<std::uint8_t>> add(std::uint16_t type, std::size_t length) {
    const std::size_t total = kAttributeHeaderSize + padded(length);
    if (size_ - kHeaderSize + total > kMaxMessageLength) {
      return make_error("stun_bad_argument", "message would exceed the 16-bit length field");
    }
    if (out_.size() - size_ < total) return too_small();
    std::uint8_t* p = &out_[size_];
    write16(p, type);
    write16(p + 2, static_cast<std::uint16_t>(length));
    std::memset(p + kAttributeHeaderSize, 0, padded(length));
    size_ += total;
    write16(&out_[2], static_cast<std::uint16_t>(size_ - kHeaderSize));
    return out_.subspan(size_ - padded(length), length);
  }

  Status bytes(std::uint16_t type, std::span<const std::uint8_t> value) {
    auto v = add(type, value.size());
    if (!v) return v.error();
    std::copy(value.begin(), value.end(), v->begin());
    return ok_status();
  }
  Status u32(std::uint16_t type, std::uint32_t value) {
    auto v = add(type, 4);
    if (!v) return v.error();
    write32(v->data(), value);
    return ok_status();
  }
  Status u64(std::uint16_t type, std::uint64_t value) {
    auto v = add(type, 8);
    if (!v) return v.error();
    write64(v->data(), value);
    return ok_status();
  }

  // §14.2.
  Status xor_address(std::uint16_t type, const SocketAddress& address) {
    const auto address_bytes = address.address_bytes();
    auto v = add(type, 4 + address_bytes.size());
    if (!v) return v.error();
    const auto key = xor_key(
        std::span<const std::uint8_t, kTransactionIdSize>(out_.subspan<8, kTransactionIdSize>()));
    (*v)[1] = static_cast<std::uint8_t>(address.family());
    write16(v->data() + 2, static_cast<std::uint16_t>(address.port() ^ (kMagicCookie >> 16)));
    for (std::size_t i = 0; i < address_bytes.size(); ++i) {
      (*v)[4 + i] = static_cast<std::uint8_t>(address_bytes[i] ^ key[i]);
    }
    return ok_status();
  }

  // §14.5: the HMAC covers everything written so far, with the length field
  // already counting the MESSAGE-INTEGRITY attribute about to be added.
  Status integrity(std::string_view key) {
    const std::size_t end = size_ + kAttributeHeaderSize + kMessageIntegritySize;
    if (out_.size() < end) return too_small();
    const std::span<const std::uint8_t> written = out_.first(size_);
    auto mac = hmac_sha1(key, header_ending_at(written, end), written.subspan(kHeaderSize));
    if (!mac) return mac.error();
    return bytes(attr::kMessageIntegrity, *mac);
  }

  // §14.7: the CRC covers everything written so far, with the length field
  // already counting the FINGERPRINT attribute about to be added.
  Status fingerprint() {
    const std::size_t end = size_ + kAttributeHeaderSize + kFingerprintSize;
    if (out_.size() < end) return too_small();
    const std::span<const std::uint8_t> written = out_.first(size_);
    return u32(attr::kFingerprint,
               stun_crc(header_ending_at(written, end), written.subspan(kHeaderSize)));
  }

  std::size_t size() const { return size_; }

 private:
  static Error too_small() {
    return make_error("stun_buffer_too_small", "output buffer too small for the STUN message");
  }

  std::span<std::uint8_t> out_;
  std::size_t size_ = 0;
};

const char* standard_reason(int code) {
  switch (code) {
    case kErrorBadRequest:
      return "Bad Request";  // RFC 8489 §14.8
    case kErrorUnauthenticated:
      return "Unauthenticated";  // RFC 8489 §14.8
    case kErrorUnknownAttribute:
      return "Unknown Attribute";  // RFC 8489 §14.8
    case kErrorRoleConflict:
      return "Role Conflict";  // RFC 8445 §16.2
    default:
      return "";
  }
}

}  // namespace

// ---------------------------------------------------------------- iteration

Attribute AttributeIterator::operator*() const {
  return Attribute{read16(&bytes_[offset_]), value_at(bytes_, offset_)};
}

AttributeIterator& AttributeIterator::operator++() {
  offset_ += kAttributeHeaderSize + padded(read16(&bytes_[offset_ + 2]));
  return *this;
}

// ---------------------------------------------------------------- Message

std::uint16_t Message::type() const {
  return read16(bytes_.data());
}

TransactionId Message::transaction_id_array() const {
  TransactionId id{};
  const auto view = transaction_id();
  std::copy(view.begin(), view.end(), id.begin());
  return id;
}

AttributeRange Message::attributes() const {
  return AttributeRange{AttributeIterator(bytes_, kHeaderSize),
                        AttributeIterator(bytes_, bytes_.size())};
}

std::optional<std::string_view> Message::username() const {
  if (username_ == 0) return std::nullopt;
  const auto v = value_at(bytes_, username_);
  return std::string_view(reinterpret_cast<const char*>(v.data()), v.size());
}

std::optional<SocketAddress> Message::xor_mapped_address() const {
  if (xor_mapped_address_ == 0) return std::nullopt;
  const auto v = value_at(bytes_, xor_mapped_address_);
  const auto key = xor_key(transaction_id());
  const auto port = static_cast<std::uint16_t>(read16(&v[2]) ^ (kMagicCookie >> 16));
  if (v[1] == static_cast<std::uint8_t>(SocketAddress::Family::kIpv4)) {
    std::array<std::uint8_t, 4> a{};
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::uint8_t>(v[4 + i] ^ key[i]);
    return SocketAddress::ipv4(a, port);
  }
  std::array<std::uint8_t, 16> a{};
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::uint8_t>(v[4 + i] ^ key[i]);
  return SocketAddress::ipv6(a, port);
}

std::optional<ErrorCodeValue> Message::error_code() const {
  if (error_code_ == 0) return std::nullopt;
  const auto v = value_at(bytes_, error_code_);
  const auto reason = v.subspan(4);
  return ErrorCodeValue{
      (v[2] & 0x07) * 100 + v[3],
      std::string_view(reinterpret_cast<const char*>(reason.data()), reason.size())};
}

std::optional<std::uint32_t> Message::priority() const {
  if (priority_ == 0) return std::nullopt;
  return read32(value_at(bytes_, priority_).data());
}

std::optional<std::uint64_t> Message::ice_controlled() const {
  if (ice_controlled_ == 0) return std::nullopt;
  return read64(value_at(bytes_, ice_controlled_).data());
}

std::optional<std::uint64_t> Message::ice_controlling() const {
  if (ice_controlling_ == 0) return std::nullopt;
  return read64(value_at(bytes_, ice_controlling_).data());
}

// ---------------------------------------------------------------- parse

Expected<Message> parse(std::span<const std::uint8_t> datagram, std::size_t max_size) {
  // The limit first, before any other work on what the peer sent.
  if (datagram.size() > max_size) {
    return make_error("stun_oversize", "datagram exceeds the STUN size limit");
  }
  if (datagram.size() < kHeaderSize) {
    return make_error("stun_truncated", "shorter than a STUN header");
  }
  // §5: the two most significant bits of every STUN message are zero. The
  // next four are the method's top bits M11..M8, zero for every method that
  // may be assigned (0x100..0xFFF are reserved, §18.2) so that STUN is told
  // from DTLS by a first byte of 0..3 (RFC 7983 §7).
  if (datagram[0] > 3) {
    return make_error("stun_bad_header", "first byte is not 0..3: not a STUN message");
  }
  // §5: the length excludes the header and is a multiple of 4, since all
  // attributes are padded to 32 bits.
  const std::size_t length = read16(&datagram[2]);
  if (length % 4 != 0) {
    return make_error("stun_bad_length", "message length is not a multiple of 4");
  }
  // §6.3: without the magic cookie it is not an RFC 8489 message.
  if (read32(&datagram[4]) != kMagicCookie) {
    return make_error("stun_bad_cookie", "magic cookie is not 0x2112A442");
  }
  if (kHeaderSize + length > datagram.size()) {
    return make_error("stun_truncated", "message length exceeds the datagram");
  }
  if (kHeaderSize + length < datagram.size()) {
    // Over UDP one datagram carries exactly one message.
    return make_error("stun_bad_length", "bytes after the end of the message");
  }

  Message m(datagram);
  bool after_integrity = false;
  std::size_t offset = kHeaderSize;
  const std::size_t end = datagram.size();
  while (offset < end) {
    // offset and end are multiples of 4, so a whole attribute header is here.
    if (m.fingerprint_ != 0) {
      // §14.7: FINGERPRINT is the last attribute.
      return make_error("stun_bad_fingerprint", "attribute after FINGERPRINT");
    }
    const std::uint16_t type = read16(&datagram[offset]);
    const std::size_t value_size = read16(&datagram[offset + 2]);
    const std::size_t value_offset = offset + kAttributeHeaderSize;
    // §14: the value must lie within the message. Its padding then does too,
    // as the message ends on a 32-bit boundary.
    if (value_size > end - value_offset) {
      return bad_attribute("attribute runs past the end of the message");
    }
    const auto value = datagram.subspan(value_offset, value_size);
    const auto at = static_cast<std::uint32_t>(offset);
    offset = value_offset + padded(value_size);

    if (type == attr::kFingerprint) {
      if (value_size != kFingerprintSize) return bad_attribute("FINGERPRINT must be 4 bytes");
      m.fingerprint_ = at;
      continue;
    }
    // §14.5: after MESSAGE-INTEGRITY, only MESSAGE-INTEGRITY-SHA256 and
    // FINGERPRINT may follow; anything else there is ignored.
    if (after_integrity) continue;
    if (type == attr::kMessageIntegrity) {
      if (value_size != kMessageIntegritySize) {
        return bad_attribute("MESSAGE-INTEGRITY must be 20 bytes");
      }
      m.integrity_ = at;
      after_integrity = true;
      continue;
    }

    // §14: only the first occurrence of an attribute counts.
    std::uint32_t* slot = nullptr;
    switch (type) {
      case attr::kUsername:
        slot = &m.username_;
        break;
      case attr::kXorMappedAddress:
        slot = &m.xor_mapped_address_;
        break;
      case attr::kErrorCode:
        slot = &m.error_code_;
        break;
      case attr::kPriority:
        slot = &m.priority_;
        break;
      case attr::kUseCandidate:
        slot = &m.use_candidate_;
        break;
      case attr::kIceControlled:
        slot = &m.ice_controlled_;
        break;
      case attr::kIceControlling:
        slot = &m.ice_controlling_;
        break;
      case attr::kMappedAddress:
      case attr::kUnknownAttributes:
      case attr::kMessageIntegritySha256:
        // Understood, not used: ICE checks need XOR-MAPPED-ADDRESS and the
        // SHA-1 MESSAGE-INTEGRITY (RFC 8445 §7.1, §7.2.2); the iteration shows them.
        break;
      default:
        if (attr::is_comprehension_required(type)) {
          const auto known = m.unknown_comprehension_required();
          if (std::find(known.begin(), known.end(), type) == known.end() &&
              m.unknown_count_ < Message::kMaxUnknownReported) {
            m.unknown_[m.unknown_count_++] = type;
          }
        }
        break;
    }
    if (slot != nullptr && *slot == 0) {
      if (const char* problem = check_known_value(type, value)) return bad_attribute(problem);
      *slot = at;
    }
  }
  return m;
}

// ---------------------------------------------------------------- checks

Status verify_integrity(const Message& message, std::string_view key) {
  if (message.integrity_ == 0) {
    return make_error("stun_missing_integrity", "no MESSAGE-INTEGRITY attribute");
  }
  const auto bytes = message.bytes();
  const std::size_t at = message.integrity_;
  const std::size_t end = at + kAttributeHeaderSize + kMessageIntegritySize;
  auto mac =
      hmac_sha1(key, header_ending_at(bytes, end), bytes.subspan(kHeaderSize, at - kHeaderSize));
  if (!mac) return mac.error();
  const auto received = value_at(bytes, at);
  // Constant time, so that timing does not reveal how much of a forged HMAC matched.
  if (CRYPTO_memcmp(mac->data(), received.data(), kMessageIntegritySize) != 0) {
    return make_error("stun_bad_integrity", "MESSAGE-INTEGRITY does not match");
  }
  return ok_status();
}

Status verify_fingerprint(const Message& message) {
  if (message.fingerprint_ == 0) {
    return make_error("stun_missing_fingerprint", "no FINGERPRINT attribute");
  }
  const auto bytes = message.bytes();
  const std::size_t at = message.fingerprint_;
  const std::uint32_t expected =
      stun_crc(header_ending_at(bytes, at + kAttributeHeaderSize + kFingerprintSize),
               bytes.subspan(kHeaderSize, at - kHeaderSize));
  if (read32(value_at(bytes, at).data()) != expected) {
    return make_error("stun_bad_fingerprint", "FINGERPRINT does not match");
  }
  return ok_status();
}

// ---------------------------------------------------------------- builders

Expected<std::size_t> build_binding_request(const BindingRequestParams& params,
                                            std::span<std::uint8_t> out) {
  if (params.username.size() > kMaxUsernameSize) {
    return make_error("stun_bad_argument", "USERNAME must be fewer than 509 bytes");
  }
  Writer w(out);
  // RFC 8445 §7.1: PRIORITY, the role with its tie-breaker, USE-CANDIDATE
  // when nominating, and short-term credentials (RFC 8489 §9.1.2).
  Status s = w.header(message_type(kMethodBinding, MessageClass::kRequest), params.transaction_id);
  if (s) s = w.u32(attr::kPriority, params.priority);
  if (s) {
    s = w.u64(params.role == IceRole::kControlling ? attr::kIceControlling : attr::kIceControlled,
              params.tie_breaker);
  }
  if (s && params.use_candidate) {
    auto v = w.add(attr::kUseCandidate, 0);
    if (!v) s = v.error();
  }
  if (s) {
    s = w.bytes(attr::kUsername, std::span<const std::uint8_t>(
                                     reinterpret_cast<const std::uint8_t*>(params.username.data()),
                                     params.username.size()));
  }
  if (s) s = w.integrity(params.key);
  if (s) s = w.fingerprint();  // RFC 8445 §7: ICE's STUN messages carry FINGERPRINT
  if (!s) return s.error();
  return w.size();
}

Expected<std::size_t> build_binding_success(const Message& request,
                                            const SocketAddress& mapped_address,
                                            std::string_view key, std::span<std::uint8_t> out) {
  if (!request.is_binding_request()) {
    return make_error("stun_not_request", "a Binding success answers a Binding request");
  }
  Writer w(out);
  // RFC 8489 §6.3.1.1 and RFC 8445 §7.3: same transaction id, the source of
  // the request as XOR-MAPPED-ADDRESS, integrity with the key the request
  // was checked with, and FINGERPRINT.
  Status s = w.header(message_type(kMethodBinding, MessageClass::kSuccessResponse),
                      request.transaction_id());
  if (s) s = w.xor_address(attr::kXorMappedAddress, mapped_address);
  if (s) s = w.integrity(key);
  if (s) s = w.fingerprint();
  if (!s) return s.error();
  return w.size();
}

Expected<std::size_t> build_error_response(const Message& request, int code,
                                           std::string_view reason,
                                           std::span<const std::uint16_t> unknown,
                                           std::string_view key, std::span<std::uint8_t> out) {
  if (request.message_class() != MessageClass::kRequest) {
    return make_error("stun_not_request", "only a request gets an error response");
  }
  // §14.8: class 3..6, number 0..99.
  if (code < 300 || code > 699) {
    return make_error("stun_bad_argument", "error code must be within 300..699");
  }
  // §14.13: UNKNOWN-ATTRIBUTES goes with 420, and 420 needs it.
  if ((code == kErrorUnknownAttribute) != !unknown.empty()) {
    return make_error("stun_bad_argument", "420 and UNKNOWN-ATTRIBUTES go together");
  }
  if (reason.empty()) reason = standard_reason(code);
  if (reason.size() > kMaxReasonSizeSent) {
    return make_error("stun_bad_argument", "reason phrase longer than 509 bytes");
  }
  Writer w(out);
  Status s = w.header(message_type(request.method(), MessageClass::kErrorResponse),
                      request.transaction_id());
  if (s) {
    auto v = w.add(attr::kErrorCode, 4 + reason.size());
    if (v) {
      (*v)[2] = static_cast<std::uint8_t>(code / 100);
      (*v)[3] = static_cast<std::uint8_t>(code % 100);
      std::memcpy(v->data() + 4, reason.data(), reason.size());
    } else {
      s = v.error();
    }
  }
  if (s && !unknown.empty()) {
    // §14.13: a list of 16-bit types, padded like any attribute.
    auto v = w.add(attr::kUnknownAttributes, 2 * unknown.size());
    if (v) {
      for (std::size_t i = 0; i < unknown.size(); ++i) write16(v->data() + 2 * i, unknown[i]);
    } else {
      s = v.error();
    }
  }
  if (s && !key.empty()) s = w.integrity(key);
  if (s) s = w.fingerprint();
  if (!s) return s.error();
  return w.size();
}

}  // namespace parley::stun
