// srtp_bench: per-packet cost of SRTP protect and unprotect in
// src/media/srtp.cpp (ours, on OpenSSL's libcrypto) against libsrtp2 (the
// reference, Debian's build, which sits on NSS), measured in the same run on
// the same packets, for AEAD_AES_128_GCM and AES_CM_128_HMAC_SHA1_80. A third
// column is the least the same cipher work costs through OpenSSL's EVP
// interface (raw): AES-128-GCM with a new IV on a context keyed once, a
// 12-byte AAD and the 16-byte tag; or AES-128-CTR likewise plus HMAC-SHA1
// through EVP_MAC keyed once, over the packet and a 4-byte ROC. The ratio
// libsrtp / ours is the point; ours / raw says what is left above the cipher.
// bench/README.md explains the figures.
//
// Each measurement runs batches of 256 packets: the packets are prepared
// outside the clock (fresh plaintexts with the next sequence numbers; for
// unprotect, protected by a sender of the same implementation), then the
// batch is timed with the thread's CPU clock. The implementations are
// measured in alternating rounds (--rounds, each about --seconds of CPU
// time) and the median round of each is reported, so that a change in
// machine load during the run hits all alike.
//
//   srtp_bench [--seconds S] [--rounds N] [--sizes 1100,200]

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <srtp2/srtp.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cpu_rate.h"
#include "media/dtls.h"
#include "media/srtp.h"

namespace {

using parley::media::Srtp;
using parley::media::SrtpKeys;
using parley::media::SrtpProfile;
using Bytes = std::vector<std::uint8_t>;

constexpr std::size_t kBatch = 256;
constexpr std::size_t kHeader = 12;

struct Options {
  double seconds = 0.2;
  int rounds = 5;
  std::vector<std::size_t> sizes = {1100, 200};
};

bool parse_args(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return false;
    const std::string v = argv[++i];
    if (int r = parley::bench::parse_rate_option(arg, v, o.seconds, o.rounds)) {
      if (r < 0) return false;
    } else if (arg == "--sizes") {
      if (!parley::bench::parse_list(v, o.sizes)) return false;
      for (std::size_t n : o.sizes)
        if (n < kHeader || n > 1500) return false;
    } else {
      return false;
    }
  }
  return true;
}

// One implementation, as the benchmark drives it: a sender and a receiver
// for one SSRC, protect and unprotect in place.
class Impl {
 public:
  virtual ~Impl() = default;
  virtual bool protect(Bytes& b, std::size_t len, std::size_t& out) = 0;
  // A second sender, to make the receiver's packets outside the clock.
  virtual bool protect_for_receiver(Bytes& b, std::size_t len, std::size_t& out) = 0;
  virtual bool unprotect(Bytes& b, std::size_t len) = 0;
};

SrtpKeys bench_keys(SrtpProfile profile) {
  SrtpKeys k;
  k.profile = profile;
  k.salt_len = profile == SrtpProfile::aead_aes_128_gcm ? 12 : 14;
  for (std::size_t i = 0; i < k.local.size(); ++i)
    k.local[i] = k.remote[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return k;
}

class Ours : public Impl {
 public:
  explicit Ours(SrtpProfile p)
      : tx_(*Srtp::create(bench_keys(p), Srtp::Direction::outbound)),
        tx2_(*Srtp::create(bench_keys(p), Srtp::Direction::outbound)),
        rx_(*Srtp::create(bench_keys(p), Srtp::Direction::inbound)) {}
  bool protect(Bytes& b, std::size_t len, std::size_t& out) override {
    return run(*tx_, b, len, out);
  }
  bool protect_for_receiver(Bytes& b, std::size_t len, std::size_t& out) override {
    return run(*tx2_, b, len, out);
  }
  bool unprotect(Bytes& b, std::size_t len) override { return rx_->unprotect_rtp(b, len).ok(); }

 private:
  static bool run(Srtp& s, Bytes& b, std::size_t len, std::size_t& out) {
    auto n = s.protect_rtp(b, len);
    if (!n) return false;
    out = *n;
    return true;
  }
  std::unique_ptr<Srtp> tx_, tx2_, rx_;
};

// libsrtp2 with the policy media::Srtp used when it wrapped it.
class LibSrtp : public Impl {
 public:
  explicit LibSrtp(SrtpProfile p) : key_(bench_keys(p).local) {
    tx_ = make(p, ssrc_any_outbound);
    tx2_ = make(p, ssrc_any_outbound);
    rx_ = make(p, ssrc_any_inbound);
  }
  ~LibSrtp() override {
    srtp_dealloc(tx_);
    srtp_dealloc(tx2_);
    srtp_dealloc(rx_);
  }
  bool protect(Bytes& b, std::size_t len, std::size_t& out) override {
    return run(srtp_protect, tx_, b, len, out);
  }
  bool protect_for_receiver(Bytes& b, std::size_t len, std::size_t& out) override {
    return run(srtp_protect, tx2_, b, len, out);
  }
  bool unprotect(Bytes& b, std::size_t len) override {
    std::size_t out = 0;
    return run(srtp_unprotect, rx_, b, len, out);
  }

 private:
  srtp_t make(SrtpProfile p, srtp_ssrc_type_t type) {
    srtp_policy_t policy{};
    if (p == SrtpProfile::aead_aes_128_gcm) {
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
    } else {
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
    }
    policy.ssrc.type = type;
    policy.key = key_.data();
    policy.window_size = 1024;
    policy.allow_repeat_tx = 1;
    srtp_t s = nullptr;
    if (srtp_create(&s, &policy) != srtp_err_status_ok) std::abort();
    return s;
  }
  template <typename F>
  static bool run(F f, srtp_t s, Bytes& b, std::size_t len, std::size_t& out) {
    int n = static_cast<int>(len);
    if (f(s, b.data(), &n) != srtp_err_status_ok) return false;
    out = static_cast<std::size_t>(n);
    return true;
  }
  std::array<std::uint8_t, 30> key_;
  srtp_t tx_ = nullptr, tx2_ = nullptr, rx_ = nullptr;
};

// The cipher work alone through EVP: the IV from a counter, the RTP header
// as it is, no index estimate, no replay window.
class Raw : public Impl {
 public:
  explicit Raw(SrtpProfile p) : gcm_(p == SrtpProfile::aead_aes_128_gcm) {
    const std::array<std::uint8_t, 20> key{1, 2, 3, 4, 5};
    enc_ = EVP_CIPHER_CTX_new();
    dec_ = EVP_CIPHER_CTX_new();
    cipher_ = EVP_CIPHER_fetch(nullptr, gcm_ ? "AES-128-GCM" : "AES-128-CTR", nullptr);
    if (enc_ == nullptr || dec_ == nullptr || cipher_ == nullptr ||
        EVP_EncryptInit_ex2(enc_, cipher_, key.data(), nullptr, nullptr) != 1 ||
        EVP_DecryptInit_ex2(dec_, cipher_, key.data(), nullptr, nullptr) != 1)
      std::abort();
    if (!gcm_) {
      mac_alg_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
      mac_ = mac_alg_ ? EVP_MAC_CTX_new(mac_alg_) : nullptr;
      char digest[] = "SHA1";
      const OSSL_PARAM params[] = {
          OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
          OSSL_PARAM_construct_end()};
      if (mac_ == nullptr || EVP_MAC_init(mac_, key.data(), key.size(), params) != 1) std::abort();
    }
  }
  ~Raw() override {
    EVP_CIPHER_CTX_free(enc_);
    EVP_CIPHER_CTX_free(dec_);
    EVP_CIPHER_free(cipher_);
    EVP_MAC_CTX_free(mac_);
    EVP_MAC_free(mac_alg_);
  }
  bool protect(Bytes& b, std::size_t len, std::size_t& out) override { return seal(b, len, out); }
  bool protect_for_receiver(Bytes& b, std::size_t len, std::size_t& out) override {
    return seal(b, len, out);
  }
  bool unprotect(Bytes& b, std::size_t len) override {
    std::array<std::uint8_t, 16> iv = iv_for(b);
    int n = 0;
    std::array<std::uint8_t, 16> tail{};
    if (gcm_) {
      const std::size_t body = len - 16 - kHeader;
      return EVP_DecryptInit_ex2(dec_, nullptr, nullptr, iv.data(), nullptr) == 1 &&
             EVP_DecryptUpdate(dec_, nullptr, &n, b.data(), kHeader) == 1 &&
             EVP_DecryptUpdate(dec_, b.data() + kHeader, &n, b.data() + kHeader,
                               static_cast<int>(body)) == 1 &&
             EVP_CIPHER_CTX_ctrl(dec_, EVP_CTRL_AEAD_SET_TAG, 16, b.data() + len - 16) == 1 &&
             EVP_DecryptFinal_ex(dec_, tail.data(), &n) == 1;
    }
    std::array<std::uint8_t, 20> tag{};
    if (!mac(b.data(), len - 10, tag.data()) ||
        std::memcmp(tag.data(), b.data() + len - 10, 10) != 0)
      return false;
    return EVP_EncryptInit_ex2(enc_, nullptr, nullptr, iv.data(), nullptr) == 1 &&
           EVP_EncryptUpdate(enc_, b.data() + kHeader, &n, b.data() + kHeader,
                             static_cast<int>(len - 10 - kHeader)) == 1;
  }

 private:
  // The sequence number into the IV's low bytes: a new IV per packet.
  static std::array<std::uint8_t, 16> iv_for(const Bytes& b) {
    std::array<std::uint8_t, 16> iv{9, 9, 9, 9};
    iv[10] = b[2];
    iv[11] = b[3];
    return iv;
  }
  bool mac(const std::uint8_t* p, std::size_t n, std::uint8_t* out) {
    const std::array<std::uint8_t, 4> roc{};
    std::size_t size = 0;
    return EVP_MAC_init(mac_, nullptr, 0, nullptr) == 1 && EVP_MAC_update(mac_, p, n) == 1 &&
           EVP_MAC_update(mac_, roc.data(), roc.size()) == 1 &&
           EVP_MAC_final(mac_, out, &size, 20) == 1;
  }
  bool seal(Bytes& b, std::size_t len, std::size_t& out) {
    std::array<std::uint8_t, 16> iv = iv_for(b);
    int n = 0;
    std::array<std::uint8_t, 16> tail{};
    if (gcm_) {
      out = len + 16;
      return EVP_EncryptInit_ex2(enc_, nullptr, nullptr, iv.data(), nullptr) == 1 &&
             EVP_EncryptUpdate(enc_, nullptr, &n, b.data(), kHeader) == 1 &&
             EVP_EncryptUpdate(enc_, b.data() + kHeader, &n, b.data() + kHeader,
                               static_cast<int>(len - kHeader)) == 1 &&
             EVP_EncryptFinal_ex(enc_, tail.data(), &n) == 1 &&
             EVP_CIPHER_CTX_ctrl(enc_, EVP_CTRL_AEAD_GET_TAG, 16, b.data() + len) == 1;
    }
    std::array<std::uint8_t, 20> tag{};
    out = len + 10;
    if (EVP_EncryptInit_ex2(enc_, nullptr, nullptr, iv.data(), nullptr) != 1 ||
        EVP_EncryptUpdate(enc_, b.data() + kHeader, &n, b.data() + kHeader,
                          static_cast<int>(len - kHeader)) != 1 ||
        !mac(b.data(), len, tag.data()))
      return false;
    std::memcpy(b.data() + len, tag.data(), 10);
    return true;
  }

  bool gcm_;
  EVP_CIPHER_CTX* enc_ = nullptr;
  EVP_CIPHER_CTX* dec_ = nullptr;
  EVP_CIPHER* cipher_ = nullptr;
  EVP_MAC* mac_alg_ = nullptr;
  EVP_MAC_CTX* mac_ = nullptr;
};

// A batch of RTP packets of `size` octets with the next sequence numbers.
class Batch {
 public:
  explicit Batch(std::size_t size)
      : size_(size), packets_(kBatch, Bytes(size + 64)), lens_(kBatch) {}
  void fill(std::uint16_t& seq) {
    for (auto& p : packets_) {
      p[0] = 0x80;
      p[1] = 96;
      p[2] = static_cast<std::uint8_t>(seq >> 8);
      p[3] = static_cast<std::uint8_t>(seq);
      ++seq;
      std::memset(p.data() + 4, 0, 4);
      const std::uint8_t ssrc[] = {0x12, 0x34, 0x56, 0x78};
      std::memcpy(p.data() + 8, ssrc, 4);
      std::memset(p.data() + kHeader, 0xAB, size_ - kHeader);
    }
  }
  std::size_t size() const { return size_; }
  Bytes& operator[](std::size_t i) { return packets_[i]; }
  std::size_t& len(std::size_t i) { return lens_[i]; }

 private:
  std::size_t size_;
  std::vector<Bytes> packets_;
  std::vector<std::size_t> lens_;
};

// Nanoseconds of CPU per packet for about `seconds` of CPU in batches.
double per_packet_ns(double seconds, const std::function<void()>& prepare,
                     const std::function<bool(std::size_t)>& op) {
  double spent = 0;
  std::size_t done = 0;
  while (spent < seconds) {
    prepare();
    const double start = parley::bench::cpu_seconds();
    for (std::size_t i = 0; i < kBatch; ++i)
      if (!op(i)) {
        std::fprintf(stderr, "operation failed\n");
        std::abort();
      }
    spent += parley::bench::cpu_seconds() - start;
    done += kBatch;
  }
  return spent / static_cast<double>(done) * 1e9;
}

struct Row {
  double protect = 0, unprotect = 0;  // ns per packet
};

// One round of one implementation.
Row round(Impl& impl, Batch& batch, std::uint16_t& tx_seq, std::uint16_t& rx_seq, double seconds) {
  Row r;
  r.protect = per_packet_ns(
      seconds / 2, [&] { batch.fill(tx_seq); },
      [&](std::size_t i) { return impl.protect(batch[i], batch.size(), batch.len(i)); });
  r.unprotect = per_packet_ns(
      seconds / 2,
      [&] {
        batch.fill(rx_seq);
        for (std::size_t i = 0; i < kBatch; ++i)
          if (!impl.protect_for_receiver(batch[i], batch.size(), batch.len(i))) std::abort();
      },
      [&](std::size_t i) { return impl.unprotect(batch[i], batch.len(i)); });
  return r;
}

struct Result {
  Row libsrtp, ours, raw;
};

Result measure(const Options& o, SrtpProfile profile, std::size_t size) {
  LibSrtp libsrtp(profile);
  Ours ours(profile);
  Raw raw(profile);
  Impl* impls[] = {&libsrtp, &ours, &raw};
  std::uint16_t tx_seq[3] = {1, 1, 1}, rx_seq[3] = {1, 1, 1};
  Batch batch(size);
  std::vector<double> p[3], u[3];
  for (int r = 0; r < o.rounds; ++r)
    for (int i = 0; i < 3; ++i) {
      const Row row = round(*impls[i], batch, tx_seq[i], rx_seq[i], o.seconds);
      p[i].push_back(row.protect);
      u[i].push_back(row.unprotect);
    }
  using parley::bench::median;
  return Result{
      {median(p[0]), median(u[0])}, {median(p[1]), median(u[1])}, {median(p[2]), median(u[2])}};
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_args(argc, argv, o)) {
    std::fprintf(stderr, "usage: srtp_bench [--seconds S] [--rounds N] [--sizes 1100,200]\n");
    return 2;
  }
  if (srtp_init() != srtp_err_status_ok) return 1;
  std::printf("srtp_bench: %d rounds of %.2f s CPU per implementation, median round; load %.2f\n",
              o.rounds, o.seconds, parley::bench::load_average());
  std::printf(
      "ns of CPU per RTP packet (12-byte header); libsrtp = %s, raw = the cipher work via "
      "EVP\n",
      srtp_get_version_string());
  std::printf("%-24s %5s %-9s | %8s %8s %8s | %9s %8s\n", "profile", "bytes", "op", "libsrtp",
              "ours", "raw", "lib/ours", "ours/raw");
  for (SrtpProfile profile : {SrtpProfile::aead_aes_128_gcm, SrtpProfile::aes128_cm_sha1_80}) {
    const char* name =
        profile == SrtpProfile::aead_aes_128_gcm ? "AEAD_AES_128_GCM" : "AES_CM_128_HMAC_SHA1_80";
    for (std::size_t size : o.sizes) {
      const Result r = measure(o, profile, size);
      std::printf("%-24s %5zu %-9s | %8.0f %8.0f %8.0f | %8.2fx %8.2f\n", name, size, "protect",
                  r.libsrtp.protect, r.ours.protect, r.raw.protect,
                  r.libsrtp.protect / r.ours.protect, r.ours.protect / r.raw.protect);
      std::printf("%-24s %5zu %-9s | %8.0f %8.0f %8.0f | %8.2fx %8.2f\n", name, size, "unprotect",
                  r.libsrtp.unprotect, r.ours.unprotect, r.raw.unprotect,
                  r.libsrtp.unprotect / r.ours.unprotect, r.ours.unprotect / r.raw.unprotect);
      std::fflush(stdout);
    }
  }
  std::printf("load at the end %.2f\n", parley::bench::load_average());
  return 0;
}
