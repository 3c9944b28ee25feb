#pragma once
// An SFrame context (RFC 9605 §4.4.1 and the notional API of Appendix A):
// one cipher suite and the keys of a session, each labelled with its KID and
// usable either to send (encrypt) or to receive (decrypt), never both
// (§4.4.1: "Implementations MUST mark each base_key as usable for encryption
// or decryption, never both").
//
// Each key is derived once, when added (§4.4.2), into a KeyContext that owns
// its OpenSSL state; encrypting and decrypting a frame then allocate nothing
// and write into buffers the caller provides. A send key carries the next CTR
// to use, so that a (key, nonce) pair is never used twice (§7.4, §9.1). A
// receive key may keep a replay window (§9.3, optional, on by default).
//
// Owns its key contexts. Not thread-safe: in Parley one context lives on one
// thread (a media worker, a test, the cross-test tool).

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>

#include "common/error.h"
#include "sframe/aead.h"
#include "sframe/cipher_suite.h"
#include "sframe/header.h"

namespace parley::sframe {

// Counter-based anti-replay for one receive key, after RFC 3711 §3.3.2 as
// RFC 9605 §9.3 suggests, with CTR as the index: a frame is refused when its
// CTR was already accepted or is kWindow or more below the highest accepted.
// Only authenticated frames move the window.
class ReplayWindow {
 public:
  static constexpr std::uint64_t kWindow = 1024;  // CTR values remembered
  // True when `ctr` would be accepted (not seen, not too old).
  bool check(std::uint64_t ctr) const;
  // Records `ctr` as accepted; call only after check() and authentication.
  void accept(std::uint64_t ctr);

 private:
  bool seen(std::uint64_t ctr) const { return (bits_[(ctr / 64) % kWords] >> (ctr % 64)) & 1u; }
  static constexpr std::size_t kWords = kWindow / 64;
  std::array<std::uint64_t, kWords> bits_{};  // bit (ctr % kWindow), for ctrs in the window
  std::uint64_t highest_ = 0;
  bool empty_ = true;
};

enum class KeyUsage : std::uint8_t { kSend, kReceive };

// One KID's derived sframe_key (inside its AeadKey) and sframe_salt, and its
// per-direction state.
class KeyContext {
 public:
  KeyContext(std::uint64_t kid, KeyUsage usage, AeadKey aead,
             const std::array<std::uint8_t, kNonceSize>& salt, bool replay_protection);

  std::uint64_t kid() const { return kid_; }
  KeyUsage usage() const { return usage_; }
  // Send keys: the next CTR encrypt() without a CTR will use; nullopt once
  // 2^64 - 1 has been used.
  std::optional<std::uint64_t> next_counter() const;

  // §4.4.3: nonce = sframe_salt XOR CTR (CTR as a big-endian Nn-byte integer).
  std::array<std::uint8_t, kNonceSize> nonce(std::uint64_t ctr) const;

 private:
  friend class SFrameContext;
  std::uint64_t kid_;
  KeyUsage usage_;
  AeadKey aead_;
  std::array<std::uint8_t, kNonceSize> salt_;
  std::uint64_t next_ctr_ = 0;  // send keys
  bool exhausted_ = false;      // send keys: CTR 2^64 - 1 was used
  bool replay_protection_;      // receive keys
  ReplayWindow replay_;
};

// What decrypt() found: the header's KID and CTR, and the plaintext, which
// lies at the start of the caller's output buffer.
struct Decrypted {
  std::uint64_t kid = 0;
  std::uint64_t ctr = 0;
  std::span<std::uint8_t> plaintext;
};

struct ReceiveKeyOptions {
  // §9.3 anti-replay (ReplayWindow). Off for a receiver that must accept
  // the same frame twice, e.g. the stateless cross-test tool.
  bool replay_protection = true;
};

class SFrameContext {
 public:
  explicit SFrameContext(CipherSuite suite = kDefaultCipherSuite);
  SFrameContext(SFrameContext&&) noexcept;
  SFrameContext& operator=(SFrameContext&&) noexcept;
  ~SFrameContext();

  const SuiteInfo& suite() const { return *suite_; }

  // Derive and store the key for `kid` (§4.4.2). A send key starts at CTR 0.
  // Errors: sframe_duplicate_kid (the KID is already in this context, for
  // either use; remove it first), sframe_bad_key (empty base_key),
  // sframe_crypto_failure.
  Status add_send_key(std::uint64_t kid, std::span<const std::uint8_t> base_key);
  Status add_receive_key(std::uint64_t kid, std::span<const std::uint8_t> base_key,
                         ReceiveKeyOptions options = {});
  // Forgets the key (its secrets are wiped). False when there was none.
  bool remove_key(std::uint64_t kid);
  const KeyContext* find_key(std::uint64_t kid) const;

  // Bytes of the SFrame ciphertext of a `plaintext_size`-byte frame.
  std::size_t ciphertext_size(std::uint64_t kid, std::uint64_t ctr,
                              std::size_t plaintext_size) const;
  // The most a ciphertext can exceed its plaintext by under this suite.
  std::size_t max_overhead() const { return kMaxHeaderSize + suite_->nt; }

  // §4.4.3 encrypt(CTR, KID, metadata, plaintext) with the send key `kid`
  // and its next CTR, which then advances. Writes header || ciphertext ||
  // tag at the start of `out` and returns its size. `out` must not overlap
  // the metadata nor the plaintext, except that the plaintext may already lie
  // where its ciphertext goes (out.data() + header size, in place).
  // Errors: sframe_unknown_kid, sframe_key_usage (a receive key),
  // sframe_counter_exhausted, sframe_buffer_too_small, and those of AeadKey.
  Expected<std::size_t> encrypt(std::uint64_t kid, std::span<const std::uint8_t> metadata,
                                std::span<const std::uint8_t> plaintext,
                                std::span<std::uint8_t> out);

  // The same with a CTR the caller chooses (e.g. one it persisted, §9.1).
  // It must not be below the key's next CTR: the key never encrypts twice
  // with one nonce (§7.4), and refuses with sframe_counter_reused. The next
  // CTR becomes ctr + 1.
  Expected<std::size_t> encrypt(std::uint64_t kid, std::uint64_t ctr,
                                std::span<const std::uint8_t> metadata,
                                std::span<const std::uint8_t> plaintext,
                                std::span<std::uint8_t> out);

  // §4.4.4 decrypt(metadata, sframe_ciphertext): parses the header, finds
  // the receive key by KID and checks the tag over header || metadata and the
  // ciphertext. The plaintext goes to the start of `out`, which may be the
  // frame's own ciphertext bytes (frame.subspan(header size), in place) but
  // must not overlap the frame otherwise. Errors: sframe_truncated,
  // sframe_bad_header (parse_header), sframe_unknown_kid, sframe_key_usage
  // (a send key's KID), sframe_replay (already accepted or older than the
  // window), sframe_auth_failed, sframe_buffer_too_small, and those of
  // AeadKey. Every refusal leaves the key's state as it was.
  Expected<Decrypted> decrypt(std::span<const std::uint8_t> frame,
                              std::span<const std::uint8_t> metadata, std::span<std::uint8_t> out);

 private:
  Status add_key(std::uint64_t kid, std::span<const std::uint8_t> base_key, KeyUsage usage,
                 bool replay_protection);
  Expected<std::size_t> seal(KeyContext& key, std::uint64_t ctr,
                             std::span<const std::uint8_t> metadata,
                             std::span<const std::uint8_t> plaintext, std::span<std::uint8_t> out);

  const SuiteInfo* suite_;
  std::unordered_map<std::uint64_t, std::unique_ptr<KeyContext>> keys_;
};

}  // namespace parley::sframe
