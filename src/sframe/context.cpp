#include "sframe/context.h"

#include <algorithm>
#include <utility>

#include "sframe/key_schedule.h"
#include "sframe/overlap.h"

namespace parley::sframe {

// --- ReplayWindow --------------------------------------------------------------

bool ReplayWindow::check(std::uint64_t ctr) const {
  if (empty_ || ctr > highest_) return true;
  if (highest_ - ctr >= kWindow) return false;  // too old to tell: refuse
  return !seen(ctr);
}

void ReplayWindow::accept(std::uint64_t ctr) {
  if (empty_ || (ctr > highest_ && ctr - highest_ >= kWindow)) {
    bits_.fill(0);
  } else if (ctr > highest_) {
    // The CTRs between the old and the new highest enter the window unseen.
    for (std::uint64_t c = highest_ + 1; c != ctr; ++c)
      bits_[(c / 64) % kWords] &= ~(1ull << (c % 64));
  }
  bits_[(ctr / 64) % kWords] |= 1ull << (ctr % 64);
  if (empty_ || ctr > highest_) highest_ = ctr;
  empty_ = false;
}

// --- KeyContext ------------------------------------------------------------------

KeyContext::KeyContext(std::uint64_t kid, KeyUsage usage, AeadKey aead,
                       const std::array<std::uint8_t, kNonceSize>& salt, bool replay_protection)
    : kid_(kid),
      usage_(usage),
      aead_(std::move(aead)),
      salt_(salt),
      replay_protection_(replay_protection) {}

std::optional<std::uint64_t> KeyContext::next_counter() const {
  if (exhausted_) return std::nullopt;
  return next_ctr_;
}

std::array<std::uint8_t, kNonceSize> KeyContext::nonce(std::uint64_t ctr) const {
  // §4.4.3: CTR encoded big-endian over Nn bytes, XORed with the salt; a
  // 64-bit CTR only touches the last 8 bytes.
  std::array<std::uint8_t, kNonceSize> n = salt_;
  for (int i = 0; i < 8; ++i) n[kNonceSize - 1 - i] ^= static_cast<std::uint8_t>(ctr >> (8 * i));
  return n;
}

// --- SFrameContext ---------------------------------------------------------------

SFrameContext::SFrameContext(CipherSuite suite) : suite_(&suite_info(suite)) {}
SFrameContext::SFrameContext(SFrameContext&&) noexcept = default;
SFrameContext& SFrameContext::operator=(SFrameContext&&) noexcept = default;
SFrameContext::~SFrameContext() = default;

Status SFrameContext::add_key(std::uint64_t kid, std::span<const std::uint8_t> base_key,
                              KeyUsage usage, bool replay_protection) {
  if (keys_.count(kid) != 0)
    return make_error("sframe_duplicate_kid", "the context already has a key with this KID");
  auto derived = derive_key_salt(*suite_, kid, base_key);
  if (!derived) return derived.error();
  auto aead = AeadKey::create(*suite_, derived->key.bytes());
  if (!aead) return aead.error();
  keys_.emplace(kid, std::make_unique<KeyContext>(kid, usage, std::move(*aead), derived->salt,
                                                  replay_protection));
  return ok_status();
}

Status SFrameContext::add_send_key(std::uint64_t kid, std::span<const std::uint8_t> base_key) {
  return add_key(kid, base_key, KeyUsage::kSend, false);
}

Status SFrameContext::add_receive_key(std::uint64_t kid, std::span<const std::uint8_t> base_key,
                                      ReceiveKeyOptions options) {
  return add_key(kid, base_key, KeyUsage::kReceive, options.replay_protection);
}

bool SFrameContext::remove_key(std::uint64_t kid) {
  return keys_.erase(kid) != 0;
}

const KeyContext* SFrameContext::find_key(std::uint64_t kid) const {
  auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : it->second.get();
}

std::size_t SFrameContext::ciphertext_size(std::uint64_t kid, std::uint64_t ctr,
                                           std::size_t plaintext_size) const {
  return header_size(kid, ctr) + plaintext_size + suite_->nt;
}

Expected<std::size_t> SFrameContext::encrypt(std::uint64_t kid,
                                             std::span<const std::uint8_t> metadata,
                                             std::span<const std::uint8_t> plaintext,
                                             std::span<std::uint8_t> out) {
  auto it = keys_.find(kid);
  if (it == keys_.end()) return make_error("sframe_unknown_kid", "no key with this KID");
  KeyContext& key = *it->second;
  if (key.exhausted_)
    return make_error("sframe_counter_exhausted", "every CTR of this key has been used");
  return seal(key, key.next_ctr_, metadata, plaintext, out);
}

Expected<std::size_t> SFrameContext::encrypt(std::uint64_t kid, std::uint64_t ctr,
                                             std::span<const std::uint8_t> metadata,
                                             std::span<const std::uint8_t> plaintext,
                                             std::span<std::uint8_t> out) {
  auto it = keys_.find(kid);
  if (it == keys_.end()) return make_error("sframe_unknown_kid", "no key with this KID");
  KeyContext& key = *it->second;
  if (key.exhausted_)
    return make_error("sframe_counter_exhausted", "every CTR of this key has been used");
  // §7.4: "senders MUST reject requests to encrypt multiple times with the
  // same key and nonce". Every CTR below next_ctr_ has been used (or skipped
  // over, which we cannot tell apart), so only CTRs from there on are fresh.
  if (ctr < key.next_ctr_)
    return make_error("sframe_counter_reused", "this CTR is not above the last one used");
  return seal(key, ctr, metadata, plaintext, out);
}

Expected<std::size_t> SFrameContext::seal(KeyContext& key, std::uint64_t ctr,
                                          std::span<const std::uint8_t> metadata,
                                          std::span<const std::uint8_t> plaintext,
                                          std::span<std::uint8_t> out) {
  // §4.4.1: a key is for encryption or for decryption, never both.
  if (key.usage_ != KeyUsage::kSend)
    return make_error("sframe_key_usage", "this KID's key is for decryption only");
  const std::size_t hsize = header_size(key.kid_, ctr);
  if (out.size() < hsize || out.size() - hsize < plaintext.size() ||
      out.size() - hsize - plaintext.size() < suite_->nt)
    return make_error("sframe_buffer_too_small", "no room for the SFrame ciphertext");
  const auto frame = out.first(hsize + plaintext.size() + suite_->nt);
  // The header is written before the AEAD runs: it must not land on the
  // plaintext or the metadata.
  if (!detail::disjoint(metadata, frame) ||
      !(detail::disjoint(plaintext, frame) || plaintext.data() == frame.data() + hsize))
    return make_error("sframe_bad_argument", "output overlaps the input other than in place");

  // §4.4.3: header = encode_sframe_header(CTR, KID); aad = header + metadata;
  // nonce = xor(sframe_salt, CTR); ciphertext = AEAD.Encrypt(...).
  auto written = encode_header(key.kid_, ctr, frame);
  if (!written) return written.error();
  const auto nonce = key.nonce(ctr);
  auto sealed =
      key.aead_.seal(nonce, frame.first(hsize), metadata, plaintext, frame.subspan(hsize));
  if (!sealed) return sealed.error();
  // §4.4.1: the CTR is incremented after successful encryption.
  if (ctr == UINT64_MAX) {
    key.exhausted_ = true;
  } else {
    key.next_ctr_ = ctr + 1;
  }
  return frame.size();
}

Expected<Decrypted> SFrameContext::decrypt(std::span<const std::uint8_t> frame,
                                           std::span<const std::uint8_t> metadata,
                                           std::span<std::uint8_t> out) {
  // §4.4.4 decrypt: KID, CTR, header, ciphertext = parse_ciphertext(...).
  auto header = parse_header(frame);
  if (!header) return header.error();
  auto it = keys_.find(header->kid);
  if (it == keys_.end()) return make_error("sframe_unknown_kid", "no key with this KID");
  KeyContext& key = *it->second;
  if (key.usage_ != KeyUsage::kReceive)
    return make_error("sframe_key_usage", "this KID's key is for encryption only");
  // Refuse a replay before spending the decryption on it; the window only
  // moves once the frame has proved authentic (below).
  if (key.replay_protection_ && !key.replay_.check(header->ctr))
    return make_error("sframe_replay", "this CTR was already accepted or is too old");
  const auto nonce = key.nonce(header->ctr);
  auto opened =
      key.aead_.open(nonce, frame.first(header->size), metadata, frame.subspan(header->size), out);
  if (!opened) return opened.error();
  if (key.replay_protection_) key.replay_.accept(header->ctr);
  return Decrypted{header->kid, header->ctr, out.first(*opened)};
}

}  // namespace parley::sframe
