#include "media/srtp.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <optional>
#include <vector>

#include "media/srtp_crypto.h"

namespace parley::media {

namespace {

using namespace srtp_detail;

constexpr std::size_t kRtpFixedHeaderSize = 12;
// RFC 3711 §3.4: the first 8 octets of an SRTCP packet (the common header
// and the sender's SSRC) stay in the clear; the rest is encrypted.
constexpr std::size_t kRtcpClearSize = 8;
constexpr std::size_t kSrtcpIndexSize = 4;
constexpr std::uint32_t kSrtcpEBit = 0x80000000u;
constexpr std::uint32_t kMaxSrtcpIndex = 0x7fffffffu;  // 31 bits (§3.4)
constexpr std::uint64_t kMaxRoc = 0xffffffffu;
constexpr std::size_t kMaxPacketSize = kSrtpMaxPacket;

// Refusals on the packet path. Each message fits std::string's in-object
// buffer (15 characters), so that refusing a packet allocates nothing
// either: a flood of forged packets costs no heap traffic.
Error refuse(const char* code, const char* why) {
  return Error{code, why};
}
Error malformed(const char* why) {
  return refuse("srtp_failed", why);
}

std::uint16_t get_u16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
std::uint32_t get_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}
void put_u32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

// The part of an RTP packet that SRTP leaves in the clear and authenticates
// as it is (RFC 3711 §3.1, RFC 7714 §8.2): the fixed header, the CSRC list
// and the header extension (RFC 3550 §5.1, §5.3.1). 0 when the packet is
// not version 2 or the lengths it claims do not fit in `packet`.
std::size_t rtp_header_size(std::span<const std::uint8_t> packet) {
  if (packet.size() < kRtpFixedHeaderSize || (packet[0] >> 6) != 2) return 0;
  std::size_t size = kRtpFixedHeaderSize + 4 * std::size_t{packet[0] & 0x0fu};
  if ((packet[0] & 0x10) != 0) {
    if (packet.size() < size + 4) return 0;
    size += 4 + 4 * std::size_t{get_u16(packet.data() + size + 2)};
  }
  return size <= packet.size() ? size : 0;
}

// RFC 3550 §5.1: with P set, the payload's last octet counts the padding
// octets, itself included, so it is at least 1 and at most the payload.
bool padding_valid(std::span<const std::uint8_t> packet, std::size_t header) {
  if ((packet[0] & 0x20) == 0) return true;
  const std::size_t payload = packet.size() - header;
  return payload > 0 && packet.back() != 0 && packet.back() <= payload;
}

// RFC 3711 §3.3.2: the highest index accepted and which of the
// kSrtpReplayWindow indices up to it have been. The bitmap is circular:
// bit (i mod kSrtpReplayWindow) stands for index i.
class ReplayWindow {
 public:
  enum class Verdict { fresh, replayed, too_old };

  bool started() const { return started_; }
  std::uint64_t highest() const { return highest_; }

  Verdict check(std::uint64_t index) const {
    if (!started_ || index > highest_) return Verdict::fresh;
    if (highest_ - index >= kSrtpReplayWindow) return Verdict::too_old;
    return seen(index) ? Verdict::replayed : Verdict::fresh;
  }

  // Only after the packet authenticated (§3.3 step 6): a forged packet must
  // not move the window.
  void accept(std::uint64_t index) {
    if (!started_) {
      started_ = true;
      highest_ = index;
      bits_.fill(0);
    } else if (index > highest_) {
      clear_after_highest(index - highest_);
      highest_ = index;
    }
    bits_[slot(index) / 64] |= std::uint64_t{1} << (slot(index) % 64);
  }

 private:
  static constexpr std::size_t kWords = kSrtpReplayWindow / 64;
  static_assert(kSrtpReplayWindow % 64 == 0);

  static std::size_t slot(std::uint64_t index) {
    return static_cast<std::size_t>(index % kSrtpReplayWindow);
  }
  bool seen(std::uint64_t index) const {
    return (bits_[slot(index) / 64] >> (slot(index) % 64)) & 1u;
  }

  // Forgets indices highest_ + 1 .. highest_ + gap, whose bits still stand
  // for indices a whole window older. Word at a time: a jump of hundreds of
  // packets costs a few operations, not hundreds.
  void clear_after_highest(std::uint64_t gap) {
    if (gap >= kSrtpReplayWindow) {
      bits_.fill(0);
      return;
    }
    std::size_t pos = slot(highest_ + 1);
    auto left = static_cast<std::size_t>(gap);
    while (left > 0) {
      const std::size_t bit = pos % 64;
      const std::size_t take = std::min<std::size_t>(left, 64 - bit);
      const std::uint64_t mask = (take == 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << take) - 1))
                                 << bit;
      bits_[pos / 64] &= ~mask;
      pos = (pos + take) % kSrtpReplayWindow;
      left -= take;
    }
  }

  std::uint64_t highest_ = 0;
  bool started_ = false;
  std::array<std::uint64_t, kWords> bits_{};
};

// RFC 3711 §3.3.1 and Appendix A: the 48-bit index (ROC || SEQ) of an RTP
// packet, guessed from the highest index of its stream; nullopt once the
// ROC would pass 2^32 - 1 (the keys are used up, §9.2).
std::optional<std::uint64_t> estimate_index(const ReplayWindow& w, std::uint16_t seq) {
  // The ROC starts at 0 and s_l at the first packet's SEQ (§3.3.1).
  if (!w.started()) return seq;
  const std::uint64_t roc = w.highest() >> 16;
  const auto s_l = static_cast<std::uint16_t>(w.highest());
  std::uint64_t v = roc;
  if (s_l < 32768) {
    // Appendix A guesses ROC - 1 here. With ROC 0 no such index exists
    // (indices start at 0), so the packet can only belong to ROC 0.
    if (seq > s_l + 32768 && roc > 0) v = roc - 1;
  } else if (s_l - 32768 > seq) {
    v = roc + 1;
  }
  if (v > kMaxRoc) return std::nullopt;
  return (v << 16) | seq;
}

// The state of one SSRC in one direction.
struct Stream {
  std::uint32_t ssrc = 0;
  // Outbound SRTCP: the index of the next packet, zero before the first
  // (RFC 3711 §3.4).
  std::uint32_t next_srtcp_index = 0;
  // Outbound SRTP: the first 8 octets of the tag each index in the window
  // was sent with (slot index mod kSrtpReplayWindow), to tell a true
  // retransmission (the same tag) from different bytes under a used index.
  std::shared_ptr<std::uint64_t[]> sent_tags;
  // SRTP indices. Its highest index is the ROC and s_l of §3.3.1, kept by
  // the sender as well so that packets forwarded out of order are indexed
  // as the receiver will index them.
  ReplayWindow rtp;
  ReplayWindow rtcp;  // inbound SRTCP indices
};

// Stream tables' epochs, unique in the process: a StreamMemo filled by one
// table can never match another's, even one allocated where a freed one
// was. 0 is never given (an empty memo).
std::uint64_t new_epoch() {
  static std::atomic<std::uint64_t> last{0};
  return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

// Streams by SSRC: a vector of streams and an open-addressing index into it
// (at most half full, so probes stay short). Nothing is ever removed: a
// session's SSRCs live as long as its keys, as in RFC 3711's cryptographic
// context. add() is the only allocation after creation, when the table
// doubles.
class StreamTable {
 public:
  explicit StreamTable(std::size_t max) : max_(max) {
    // Keyed hashing: a peer that cannot know the multiplier cannot choose
    // SSRCs that all probe the same run of slots.
    while ((multiplier_ & 1) == 0)
      if (RAND_bytes(reinterpret_cast<unsigned char*>(&multiplier_), sizeof multiplier_) != 1) multiplier_ = 0x9e3779b97f4a7c15u;
    resize(kSrtpInitialStreams);
  }

  Stream* find(std::uint32_t ssrc) {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash(ssrc) & mask;; i = (i + 1) & mask) {
      if (slots_[i] == 0) return nullptr;
      Stream& s = streams_[slots_[i] - 1];
      if (s.ssrc == ssrc) return &s;
    }
  }

  bool full() const { return streams_.size() >= max_; }

  // Changes whenever pointers from find() may have become invalid: a
  // pointer to a stream, taken at one epoch, is good while epoch() is
  // still that one.
  std::uint64_t epoch() const { return epoch_; }

  // `stream.ssrc` must not be in the table, and the table not full().
  // Invalidates pointers from find(), and so starts a new epoch: not only
  // when the streams move (the vector grows) but on every addition, which
  // is rare (once per SSRC) and keeps the rule simple.
  Stream& add(const Stream& stream) {
    if (streams_.size() == streams_.capacity())
      resize(std::min(2 * streams_.capacity(), max_));
    streams_.push_back(stream);
    insert(streams_.size() - 1);
    epoch_ = new_epoch();
    return streams_.back();
  }

 private:
  std::size_t hash(std::uint32_t ssrc) const {
    return static_cast<std::size_t>((std::uint64_t{ssrc} * multiplier_) >> 32);  // the high bits mix best
  }

  void resize(std::size_t capacity) {
    streams_.reserve(capacity);
    slots_.assign(2 * capacity, 0);  // capacity is a power of two
    for (std::size_t i = 0; i < streams_.size(); ++i) insert(i);
  }

  void insert(std::size_t index) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = hash(streams_[index].ssrc) & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = static_cast<std::uint16_t>(index + 1);
  }

  static_assert((kSrtpInitialStreams & (kSrtpInitialStreams - 1)) == 0 &&
                (kSrtpMaxStreams & (kSrtpMaxStreams - 1)) == 0 && kSrtpMaxStreams < 0xffff);
  std::size_t max_;
  std::uint64_t multiplier_ = 0;  // odd, random
  std::uint64_t epoch_ = new_epoch();
  std::vector<Stream> streams_;
  std::vector<std::uint16_t> slots_;  // 0: empty, else 1 + the stream's position
};

// AES_CM_128_HMAC_SHA1_80 session keys of SRTP or of SRTCP (RFC 3711 §4.3).
struct CmKeys {
  AesCtr cipher;
  HmacSha1 auth;
  std::array<std::uint8_t, kCmSaltSize> salt;
};

// AEAD_AES_128_GCM session keys of SRTP or of SRTCP (RFC 7714 §11).
struct GcmKeys {
  AesGcm cipher;
  std::array<std::uint8_t, kGcmSaltSize> salt;
};

// Session keys derived from the master key and salt for one of the two.
struct SessionSecrets {
  std::array<std::uint8_t, kMasterKeySize> key{};
  std::array<std::uint8_t, kAuthKeySize> auth{};
  std::array<std::uint8_t, kCmSaltSize> salt{};
  ~SessionSecrets() { OPENSSL_cleanse(this, sizeof *this); }
};

enum class Opened { ok, auth_failed };

// Why a received index is refused ("replayed", "too old"), or nullptr when
// it is fresh.
const char* replay_refusal(ReplayWindow::Verdict verdict) {
  switch (verdict) {
    case ReplayWindow::Verdict::fresh:
      return nullptr;
    case ReplayWindow::Verdict::replayed:
      return "replayed";
    case ReplayWindow::Verdict::too_old:
      return "too old";
  }
  return nullptr;
}

}  // namespace

class Srtp::Impl {
 public:
  static Expected<std::unique_ptr<Impl>> create(const SrtpKeys& keys, Direction direction);

  // `memo_stream` and `memo_epoch`: a StreamMemo's, read and refilled;
  // null for none.
  Expected<std::size_t> protect_rtp(std::span<std::uint8_t> buffer, std::size_t len,
                                    void** memo_stream, std::uint64_t* memo_epoch);
  Expected<std::size_t> unprotect_rtp(std::span<std::uint8_t> buffer, std::size_t len);
  Expected<std::size_t> protect_rtcp(std::span<std::uint8_t> buffer, std::size_t len);
  Expected<std::size_t> unprotect_rtcp(std::span<std::uint8_t> buffer, std::size_t len);

 private:
  std::size_t tag_size() const { return gcm_rtp_ ? kGcmTagSize : kCmTagSize; }
  // The stream of an SSRC we send, made on first use.
  Stream* outbound_stream(std::uint32_t ssrc);
  // The stream of an SSRC we receive: the known one, else a fresh state
  // built in `fresh` (added by the caller once the packet authenticates);
  // nullptr when the table is full.
  Stream* inbound_stream(std::uint32_t ssrc, std::optional<Stream>& fresh);

  // The transforms proper. `packet` is the whole packet without its
  // trailer; seal writes the tag (and for SRTCP the index word) after it.
  bool seal_rtp(std::span<std::uint8_t> packet, std::size_t header, std::uint32_t ssrc,
                std::uint64_t index);
  Opened open_rtp(std::span<std::uint8_t> packet, std::size_t header, std::uint32_t ssrc,
                  std::uint64_t index, const std::uint8_t* tag);
  void undo_open_rtp(std::span<std::uint8_t> packet, std::size_t header, std::uint32_t ssrc,
                     std::uint64_t index);
  bool seal_rtcp(std::span<std::uint8_t> packet, std::uint32_t ssrc, std::uint32_t index);
  Opened open_rtcp(std::span<std::uint8_t> packet, std::uint32_t ssrc, std::uint32_t word,
                   const std::uint8_t* tag);

  explicit Impl(Direction direction)
      : streams_(direction == Direction::inbound ? kSrtpMaxInboundStreams : kSrtpMaxStreams) {}

  // Exactly one profile's pair is set.
  std::optional<CmKeys> cm_rtp_, cm_rtcp_;
  std::optional<GcmKeys> gcm_rtp_, gcm_rtcp_;
  StreamTable streams_;
};

Expected<std::unique_ptr<Srtp::Impl>> Srtp::Impl::create(const SrtpKeys& keys,
                                                         Direction direction) {
  const bool gcm = keys.profile == SrtpProfile::aead_aes_128_gcm;
  const std::size_t salt_size = gcm ? kGcmSaltSize : kCmSaltSize;
  if (keys.key_len != kMasterKeySize || keys.salt_len != salt_size)
    return make_error("srtp_failed", "SRTP keys: a 16-byte master key and a " +
                                         std::to_string(salt_size) +
                                         "-byte master salt expected for " +
                                         std::string(srtp_profile_name(keys.profile)));
  // Inbound unprotects what the peer protected with its "local" keys.
  const auto& material = direction == Direction::inbound ? keys.remote : keys.local;
  const std::span<const std::uint8_t, kMasterKeySize> master_key(material.data(), kMasterKeySize);
  const std::span<const std::uint8_t> master_salt(material.data() + kMasterKeySize, salt_size);

  auto impl = std::unique_ptr<Impl>(new Impl(direction));
  for (bool rtcp : {false, true}) {
    // RFC 3711 §4.3.2: labels 0-2 key SRTP, 3-5 key SRTCP.
    const auto enc = rtcp ? KdfLabel::rtcp_encryption : KdfLabel::rtp_encryption;
    const auto auth = rtcp ? KdfLabel::rtcp_auth : KdfLabel::rtp_auth;
    const auto salt = rtcp ? KdfLabel::rtcp_salt : KdfLabel::rtp_salt;
    SessionSecrets s;
    const std::span<std::uint8_t> session_salt(s.salt.data(), salt_size);
    if (!derive_session_key(master_key, master_salt, enc, s.key) ||
        !derive_session_key(master_key, master_salt, salt, session_salt) ||
        (!gcm && !derive_session_key(master_key, master_salt, auth, s.auth)))
      return make_error("srtp_failed", "SRTP key derivation failed");
    if (gcm) {
      auto cipher = AesGcm::create(s.key);
      if (!cipher) return cipher.error();
      GcmKeys k{std::move(*cipher), {}};
      std::copy_n(s.salt.begin(), kGcmSaltSize, k.salt.begin());
      (rtcp ? impl->gcm_rtcp_ : impl->gcm_rtp_).emplace(std::move(k));
    } else {
      auto cipher = AesCtr::create(s.key);
      if (!cipher) return cipher.error();
      (rtcp ? impl->cm_rtcp_ : impl->cm_rtp_)
          .emplace(CmKeys{std::move(*cipher), HmacSha1(s.auth), s.salt});
    }
  }
  return impl;
}

Stream* Srtp::Impl::outbound_stream(std::uint32_t ssrc) {
  if (Stream* s = streams_.find(ssrc)) return s;
  if (streams_.full()) return nullptr;
  Stream fresh;
  fresh.ssrc = ssrc;
  fresh.sent_tags = std::make_shared<std::uint64_t[]>(kSrtpReplayWindow);
  return &streams_.add(fresh);
}

Stream* Srtp::Impl::inbound_stream(std::uint32_t ssrc, std::optional<Stream>& fresh) {
  if (Stream* known = streams_.find(ssrc)) return known;
  if (streams_.full()) return nullptr;
  fresh.emplace().ssrc = ssrc;
  return &*fresh;
}

bool Srtp::Impl::seal_rtp(std::span<std::uint8_t> packet, std::size_t header, std::uint32_t ssrc,
                          std::uint64_t index) {
  const auto roc = static_cast<std::uint32_t>(index >> 16);
  const auto payload = packet.subspan(header);
  std::uint8_t* tag = packet.data() + packet.size();
  if (gcm_rtp_) {
    // RFC 7714 §8.2: the header is the associated data, the payload the
    // plaintext; the tag follows the ciphertext.
    return gcm_rtp_->cipher.seal(
        gcm_rtp_iv(gcm_rtp_->salt, ssrc, roc, static_cast<std::uint16_t>(index)),
        packet.first(header), {}, payload, tag);
  }
  if (!cm_rtp_->cipher.apply(cm_iv(cm_rtp_->salt, ssrc, index), payload)) return false;
  // RFC 3711 §4.2: the tag is over the authenticated portion (the header
  // and the encrypted payload) followed by the ROC, truncated (§4.2.1).
  std::array<std::uint8_t, 4> roc_bytes{};
  put_u32(roc_bytes.data(), roc);
  const auto mac = cm_rtp_->auth.mac(packet, roc_bytes);
  std::copy_n(mac.begin(), kCmTagSize, tag);
  return true;
}

Opened Srtp::Impl::open_rtp(std::span<std::uint8_t> packet, std::size_t header, std::uint32_t ssrc,
                            std::uint64_t index, const std::uint8_t* tag) {
  const auto roc = static_cast<std::uint32_t>(index >> 16);
  const auto payload = packet.subspan(header);
  if (gcm_rtp_) {
    return gcm_rtp_->cipher.open(
               gcm_rtp_iv(gcm_rtp_->salt, ssrc, roc, static_cast<std::uint16_t>(index)),
               packet.first(header), {}, payload, tag)
               ? Opened::ok
               : Opened::auth_failed;
  }
  // RFC 3711 §3.3 steps 4-5: authenticate, then decrypt; a packet that
  // fails is never decrypted.
  std::array<std::uint8_t, 4> roc_bytes{};
  put_u32(roc_bytes.data(), roc);
  const auto mac = cm_rtp_->auth.mac(packet, roc_bytes);
  if (CRYPTO_memcmp(mac.data(), tag, kCmTagSize) != 0) return Opened::auth_failed;
  if (!cm_rtp_->cipher.apply(cm_iv(cm_rtp_->salt, ssrc, index), payload))
    return Opened::auth_failed;
  return Opened::ok;
}

void Srtp::Impl::undo_open_rtp(std::span<std::uint8_t> packet, std::size_t header,
                               std::uint32_t ssrc, std::uint64_t index) {
  // Both ciphers are a keystream XOR: applying it again re-encrypts.
  const auto payload = packet.subspan(header);
  if (gcm_rtp_) {
    gcm_rtp_->cipher.xor_keystream(
        gcm_rtp_iv(gcm_rtp_->salt, ssrc, static_cast<std::uint32_t>(index >> 16),
                   static_cast<std::uint16_t>(index)),
        payload);
  } else {
    cm_rtp_->cipher.apply(cm_iv(cm_rtp_->salt, ssrc, index), payload);
  }
}

bool Srtp::Impl::seal_rtcp(std::span<std::uint8_t> packet, std::uint32_t ssrc,
                           std::uint32_t index) {
  std::array<std::uint8_t, kSrtcpIndexSize> word{};
  put_u32(word.data(), kSrtcpEBit | index);  // E = 1: we always encrypt
  std::uint8_t* end = packet.data() + packet.size();
  const auto body = packet.subspan(kRtcpClearSize);
  if (gcm_rtcp_) {
    // RFC 7714 §9.2: the associated data is the clear 8 octets and the
    // E || index word; on the wire the tag comes first, then the word.
    if (!gcm_rtcp_->cipher.seal(gcm_rtcp_iv(gcm_rtcp_->salt, ssrc, index),
                                packet.first(kRtcpClearSize), word, body, end))
      return false;
    std::copy(word.begin(), word.end(), end + kGcmTagSize);
    return true;
  }
  // RFC 3711 §3.4: the word follows the encrypted packet and is covered by
  // the tag, which comes last.
  if (!cm_rtcp_->cipher.apply(cm_iv(cm_rtcp_->salt, ssrc, index), body)) return false;
  std::copy(word.begin(), word.end(), end);
  const auto mac = cm_rtcp_->auth.mac(packet, word);
  std::copy_n(mac.begin(), kCmTagSize, end + kSrtcpIndexSize);
  return true;
}

Opened Srtp::Impl::open_rtcp(std::span<std::uint8_t> packet, std::uint32_t ssrc, std::uint32_t word,
                             const std::uint8_t* tag) {
  const std::uint32_t index = word & kMaxSrtcpIndex;
  const bool encrypted = (word & kSrtcpEBit) != 0;
  std::array<std::uint8_t, kSrtcpIndexSize> word_bytes{};
  put_u32(word_bytes.data(), word);
  if (gcm_rtcp_) {
    const GcmIv iv = gcm_rtcp_iv(gcm_rtcp_->salt, ssrc, index);
    // RFC 7714 §9.2 when E is set; §9.3 when it is not: then the whole
    // packet is associated data and the plaintext is empty.
    const bool ok = encrypted ? gcm_rtcp_->cipher.open(iv, packet.first(kRtcpClearSize), word_bytes,
                                                       packet.subspan(kRtcpClearSize), tag)
                              : gcm_rtcp_->cipher.open(iv, packet, word_bytes, {}, tag);
    return ok ? Opened::ok : Opened::auth_failed;
  }
  const auto mac = cm_rtcp_->auth.mac(packet, word_bytes);
  if (CRYPTO_memcmp(mac.data(), tag, kCmTagSize) != 0) return Opened::auth_failed;
  // E clear: the sender only authenticated the packet (RFC 3711 §3.4).
  if (encrypted &&
      !cm_rtcp_->cipher.apply(cm_iv(cm_rtcp_->salt, ssrc, index), packet.subspan(kRtcpClearSize)))
    return Opened::auth_failed;
  return Opened::ok;
}

Expected<std::size_t> Srtp::Impl::protect_rtp(std::span<std::uint8_t> buffer, std::size_t len,
                                              void** memo_stream, std::uint64_t* memo_epoch) {
  if (len > kMaxPacketSize || len + kSrtpMaxTrailer > buffer.size()) return malformed("no room");
  const auto packet = buffer.first(len);
  const std::size_t header = rtp_header_size(packet);
  if (header == 0) return malformed("bad header");
  if (!padding_valid(packet, header)) return malformed("bad padding");
  const std::uint32_t ssrc = get_u32(packet.data() + 8);
  // The memo's pointer is followed only at the epoch it was taken in,
  // when it still points into this table's streams.
  Stream* stream = nullptr;
  if (memo_epoch && *memo_epoch == streams_.epoch()) {
    auto* remembered = static_cast<Stream*>(*memo_stream);
    if (remembered->ssrc == ssrc) stream = remembered;
  }
  if (stream == nullptr) {
    stream = outbound_stream(ssrc);  // may add, and so start a new epoch
    if (stream == nullptr) return malformed("too many SSRCs");
    if (memo_epoch) {
      *memo_stream = stream;
      *memo_epoch = streams_.epoch();
    }
  }
  const auto index = estimate_index(stream->rtp, get_u16(packet.data() + 2));
  if (!index) return malformed("ROC used up");
  // A retransmission may protect an index again (the same packet, so the
  // same ciphertext: nothing new is revealed), but an index older than the
  // window can no longer be told apart from one never sent.
  const auto verdict = stream->rtp.check(*index);
  if (verdict == ReplayWindow::Verdict::too_old) return refuse("srtp_replay", "too old");
  if (!seal_rtp(packet, header, ssrc, *index)) return malformed("cipher failure");
  // The tag is a function of the key, the index and every byte of the
  // packet: the same tag, the same packet. Different bytes under a used
  // index were sealed with a keystream (and for GCM, an IV) already spent,
  // and the caller must drop them (RFC 3711 §9.1, RFC 7714 §14.1).
  std::uint64_t fingerprint = 0;
  std::memcpy(&fingerprint, packet.data() + packet.size(), sizeof fingerprint);
  std::uint64_t& sent = stream->sent_tags[static_cast<std::size_t>(*index % kSrtpReplayWindow)];
  if (verdict == ReplayWindow::Verdict::replayed) {
    if (sent != fingerprint) return refuse("srtp_reuse", "index reused");
  } else {
    stream->rtp.accept(*index);
    sent = fingerprint;
  }
  return len + tag_size();
}

Expected<std::size_t> Srtp::Impl::unprotect_rtp(std::span<std::uint8_t> buffer, std::size_t len) {
  const std::size_t tag = tag_size();
  if (len > buffer.size() || len > kMaxPacketSize) return malformed("no room");
  if (len < kRtpFixedHeaderSize + tag) return malformed("too short");
  const auto packet = buffer.first(len - tag);
  const std::size_t header = rtp_header_size(packet);
  if (header == 0) return malformed("bad header");
  const std::uint32_t ssrc = get_u32(packet.data() + 8);
  // A stream unknown so far is tried on a fresh state and kept only if the
  // packet authenticates: forged SSRCs cannot fill the table.
  std::optional<Stream> fresh;  // built only for a new SSRC: it is a few hundred bytes
  Stream* stream = inbound_stream(ssrc, fresh);
  if (stream == nullptr) return malformed("too many SSRCs");
  const auto index = estimate_index(stream->rtp, get_u16(packet.data() + 2));
  if (!index) return malformed("ROC used up");
  // §3.3 step 3: replayed and too-old packets are dropped before any
  // cryptography is spent on them.
  if (const char* why = replay_refusal(stream->rtp.check(*index)))
    return refuse("srtp_replay", why);
  if (open_rtp(packet, header, ssrc, *index, packet.data() + packet.size()) != Opened::ok)
    return refuse("srtp_auth", "tag mismatch");
  if (!padding_valid(packet, header)) {
    undo_open_rtp(packet, header, ssrc, *index);
    return malformed("bad padding");
  }
  stream->rtp.accept(*index);
  if (fresh) streams_.add(*fresh);
  return packet.size();
}

Expected<std::size_t> Srtp::Impl::protect_rtcp(std::span<std::uint8_t> buffer, std::size_t len) {
  if (len > kMaxPacketSize || len + kSrtpMaxTrailer > buffer.size()) return malformed("no room");
  const auto packet = buffer.first(len);
  if (len < kRtcpClearSize || (packet[0] >> 6) != 2) return malformed("bad header");
  const std::uint32_t ssrc = get_u32(packet.data() + 4);
  Stream* stream = outbound_stream(ssrc);
  if (stream == nullptr) return malformed("too many SSRCs");
  // §3.4: the index must not wrap under the same keys; re-keying is the
  // DTLS layer's business.
  const std::uint32_t index = stream->next_srtcp_index;
  if (index > kMaxSrtcpIndex) return malformed("index used up");
  if (!seal_rtcp(packet, ssrc, index)) return malformed("cipher failure");
  stream->next_srtcp_index = index + 1;
  return len + kSrtcpIndexSize + tag_size();
}

Expected<std::size_t> Srtp::Impl::unprotect_rtcp(std::span<std::uint8_t> buffer, std::size_t len) {
  const std::size_t tag = tag_size();
  if (len > buffer.size() || len > kMaxPacketSize) return malformed("no room");
  if (len < kRtcpClearSize + kSrtcpIndexSize + tag) return malformed("too short");
  const std::size_t plain = len - kSrtcpIndexSize - tag;
  const auto packet = buffer.first(plain);
  if ((packet[0] >> 6) != 2) return malformed("bad header");
  // Where the E || index word and the tag lie differs between the profiles
  // (RFC 3711 §3.4: word, then tag; RFC 7714 §9: tag, then word).
  const std::uint8_t* word_at = gcm_rtcp_ ? buffer.data() + plain + tag : buffer.data() + plain;
  const std::uint8_t* tag_at =
      gcm_rtcp_ ? buffer.data() + plain : buffer.data() + plain + kSrtcpIndexSize;
  const std::uint32_t word = get_u32(word_at);
  const std::uint32_t index = word & kMaxSrtcpIndex;
  const std::uint32_t ssrc = get_u32(packet.data() + 4);
  std::optional<Stream> fresh;  // built only for a new SSRC: it is a few hundred bytes
  Stream* stream = inbound_stream(ssrc, fresh);
  if (stream == nullptr) return malformed("too many SSRCs");
  if (const char* why = replay_refusal(stream->rtcp.check(index)))
    return refuse("srtp_replay", why);
  if (open_rtcp(packet, ssrc, word, tag_at) != Opened::ok)
    return refuse("srtp_auth", "tag mismatch");
  stream->rtcp.accept(index);
  if (fresh) streams_.add(*fresh);
  return plain;
}

Srtp::Srtp(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Srtp::~Srtp() = default;

Expected<std::unique_ptr<Srtp>> Srtp::create(const SrtpKeys& keys, Direction direction) {
  auto impl = Impl::create(keys, direction);
  if (!impl) return impl.error();
  return std::unique_ptr<Srtp>(new Srtp(std::move(*impl)));
}

Expected<std::size_t> Srtp::protect_rtp(std::span<std::uint8_t> buffer, std::size_t len) {
  return impl_->protect_rtp(buffer, len, nullptr, nullptr);
}
Expected<std::size_t> Srtp::protect_rtp(std::span<std::uint8_t> buffer, std::size_t len,
                                        StreamMemo& memo) {
  return impl_->protect_rtp(buffer, len, &memo.stream_, &memo.epoch_);
}
Expected<std::size_t> Srtp::unprotect_rtp(std::span<std::uint8_t> buffer, std::size_t len) {
  return impl_->unprotect_rtp(buffer, len);
}
Expected<std::size_t> Srtp::protect_rtcp(std::span<std::uint8_t> buffer, std::size_t len) {
  return impl_->protect_rtcp(buffer, len);
}
Expected<std::size_t> Srtp::unprotect_rtcp(std::span<std::uint8_t> buffer, std::size_t len) {
  return impl_->unprotect_rtcp(buffer, len);
}

}  // namespace parley::media
