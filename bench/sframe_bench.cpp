// sframe_bench: SFrame (RFC 9605) encryption and decryption throughput of
// src/sframe at the frame sizes a call sends, next to the raw AES-128-GCM
// rate of OpenSSL's EVP interface on the same buffers, measured in the same
// run. The ratio is the point: what the SFrame layer (header, key lookup,
// nonce, counters, AAD in two parts, checks) costs on top of the cipher it
// is built on. bench/README.md explains the figures.
//
// For each suite and size, the SFrame operation and the raw reference are
// measured in alternating rounds (--rounds, each about --seconds of CPU
// time) and the median round of each is reported, so that a change in
// machine load during the run hits both alike. Time is the thread's CPU
// time (CLOCK_THREAD_CPUTIME_ID), not wall-clock.
//
// Reference, per frame: EVP_EncryptInit_ex2 with a new 12-byte IV on a
// context keyed once, the AAD (as long as SFrame's: header + metadata), the
// frame, the final step and the 16-byte tag; decryption likewise with the
// tag check. This is the least any AES-128-GCM frame encryption does with
// OpenSSL, so SFrame suite 4 can at best reach 1.0x; suite 1 (AES-CTR +
// HMAC-SHA-256) is measured against the same GCM reference.
//
//   sframe_bench [--seconds S] [--rounds N] [--suites 4,1] [--sizes 80,160,...]

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "cpu_rate.h"
#include "sframe/context.h"
#include "sframe/header.h"

namespace {

using parley::sframe::CipherSuite;
using parley::sframe::SFrameContext;

struct Options {
  double seconds = 0.2;  // CPU time per round and measurement
  int rounds = 5;
  std::vector<int> suites = {4, 1};
  // Opus 20 ms frames (~80-160 bytes), VP8 delta frames (~1-3 KB), VP8
  // keyframes (~30-60 KB).
  std::vector<std::size_t> sizes = {80, 160, 1200, 3000, 30000, 60000};
};

bool parse_args(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return false;
    const std::string v = argv[++i];
    if (int r = parley::bench::parse_rate_option(arg, v, o.seconds, o.rounds)) {
      if (r < 0) return false;
    } else if (arg == "--suites") {
      if (!parley::bench::parse_list(v, o.suites)) return false;
      for (int s : o.suites)
        if (parley::sframe::find_suite(static_cast<std::uint16_t>(s)) == nullptr) return false;
    } else if (arg == "--sizes") {
      if (!parley::bench::parse_list(v, o.sizes)) return false;
    } else {
      return false;
    }
  }
  return true;
}

double rate(double seconds, const std::function<bool()>& op) { return parley::bench::rate(seconds, op, 64); }
using parley::bench::median;

// The reference: AES-128-GCM through EVP, keyed once.
class RawGcm {
 public:
  RawGcm() {
    cipher_ = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
    enc_ = EVP_CIPHER_CTX_new();
    dec_ = EVP_CIPHER_CTX_new();
    const std::array<std::uint8_t, 16> key{7, 7, 7};
    if (cipher_ == nullptr || enc_ == nullptr || dec_ == nullptr ||
        EVP_EncryptInit_ex2(enc_, cipher_, key.data(), nullptr, nullptr) != 1 ||
        EVP_DecryptInit_ex2(dec_, cipher_, key.data(), nullptr, nullptr) != 1)
      std::abort();
  }
  ~RawGcm() {
    EVP_CIPHER_CTX_free(enc_);
    EVP_CIPHER_CTX_free(dec_);
    EVP_CIPHER_free(cipher_);
  }
  RawGcm(const RawGcm&) = delete;
  RawGcm& operator=(const RawGcm&) = delete;

  // out: pt.size() + 16.
  bool seal(const std::uint8_t* iv, const std::vector<std::uint8_t>& aad,
            const std::vector<std::uint8_t>& pt, std::uint8_t* out) {
    int len = 0;
    std::array<std::uint8_t, 16> tail{};
    return EVP_EncryptInit_ex2(enc_, nullptr, nullptr, iv, nullptr) == 1 &&
           EVP_EncryptUpdate(enc_, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1 &&
           EVP_EncryptUpdate(enc_, out, &len, pt.data(), static_cast<int>(pt.size())) == 1 &&
           EVP_EncryptFinal_ex(enc_, tail.data(), &len) == 1 &&
           EVP_CIPHER_CTX_ctrl(enc_, EVP_CTRL_AEAD_GET_TAG, 16, out + pt.size()) == 1;
  }
  bool open(const std::uint8_t* iv, const std::vector<std::uint8_t>& aad, const std::uint8_t* ct,
            std::size_t size, std::uint8_t* out) {
    int len = 0;
    std::array<std::uint8_t, 16> tag{}, tail{};
    std::copy(ct + size, ct + size + 16, tag.begin());
    return EVP_DecryptInit_ex2(dec_, nullptr, nullptr, iv, nullptr) == 1 &&
           EVP_DecryptUpdate(dec_, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1 &&
           EVP_DecryptUpdate(dec_, out, &len, ct, static_cast<int>(size)) == 1 &&
           EVP_CIPHER_CTX_ctrl(dec_, EVP_CTRL_AEAD_SET_TAG, 16, tag.data()) == 1 &&
           EVP_DecryptFinal_ex(dec_, tail.data(), &len) == 1;
  }

 private:
  EVP_CIPHER* cipher_ = nullptr;
  EVP_CIPHER_CTX* enc_ = nullptr;
  EVP_CIPHER_CTX* dec_ = nullptr;
};

struct Row {
  double sframe_enc, raw_enc, sframe_dec, raw_dec;  // frames per CPU-second
};

Row measure(const Options& o, CipherSuite suite, std::size_t size) {
  constexpr std::uint64_t kKid = 0x1234;  // a 2-byte KID, as with a few hundred senders
  const std::array<std::uint8_t, 16> base_key{1, 2, 3, 4};
  const std::vector<std::uint8_t> metadata(8, 0x6D);  // e.g. an RTP header extension's worth
  std::vector<std::uint8_t> pt(size);
  for (std::size_t i = 0; i < size; ++i) pt[i] = static_cast<std::uint8_t>(i * 31);

  SFrameContext sender(suite), receiver(suite);
  // Decryption measures the same frame again and again, so no replay window.
  if (!sender.add_send_key(kKid, base_key) ||
      !receiver.add_receive_key(kKid, base_key, {.replay_protection = false}))
    std::abort();
  std::vector<std::uint8_t> frame(size + sender.max_overhead()), plain(frame.size());
  // Start the counter where a long call would be (3-byte CTR, RFC 9605 B.1).
  auto first = sender.encrypt(kKid, 1u << 20, metadata, pt, frame);
  if (!first) std::abort();
  const std::vector<std::uint8_t> sealed(frame.begin(), frame.begin() + *first);

  RawGcm raw;
  const std::size_t hsize = parley::sframe::parse_header(sealed)->size;
  std::vector<std::uint8_t> aad(hsize + metadata.size(), 0x42);
  std::array<std::uint8_t, 12> iv{9, 9, 9};
  std::vector<std::uint8_t> raw_out(size + 16), raw_plain(size);
  if (!raw.seal(iv.data(), aad, pt, raw_out.data())) std::abort();
  const std::vector<std::uint8_t> raw_sealed = raw_out;

  auto sframe_enc = [&] { return sender.encrypt(kKid, metadata, pt, frame).ok(); };
  auto raw_enc = [&] {
    ++iv[11];  // a new nonce per frame, as SFrame's CTR gives
    return raw.seal(iv.data(), aad, pt, raw_out.data());
  };
  auto sframe_dec = [&] { return receiver.decrypt(sealed, metadata, plain).ok(); };
  std::array<std::uint8_t, 12> iv0{9, 9, 9};
  auto raw_dec = [&] {
    return raw.open(iv0.data(), aad, raw_sealed.data(), size, raw_plain.data());
  };

  std::vector<double> se, re, sd, rd;
  for (int r = 0; r < o.rounds; ++r) {
    re.push_back(rate(o.seconds, raw_enc));
    se.push_back(rate(o.seconds, sframe_enc));
    rd.push_back(rate(o.seconds, raw_dec));
    sd.push_back(rate(o.seconds, sframe_dec));
  }
  return Row{median(se), median(re), median(sd), median(rd)};
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_args(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: sframe_bench [--seconds S] [--rounds N] [--suites 4,1] "
                 "[--sizes 80,160,1200,3000,30000,60000]\n");
    return 2;
  }
  std::printf("sframe_bench: %d rounds of %.2f s CPU per measurement, median round; load %.2f\n",
              o.rounds, o.seconds, parley::bench::load_average());
  std::printf("raw = AES-128-GCM through OpenSSL EVP on the same buffers; x raw = SFrame / raw\n");
  std::printf("%-28s %6s | %10s %8s %10s %6s | %10s %8s %10s %6s\n", "suite", "bytes", "enc fr/s",
              "enc MB/s", "raw fr/s", "x raw", "dec fr/s", "dec MB/s", "raw fr/s", "x raw");
  for (int s : o.suites) {
    const auto& suite = *parley::sframe::find_suite(static_cast<std::uint16_t>(s));
    for (std::size_t size : o.sizes) {
      const Row r = measure(o, suite.id, size);
      const double mb = static_cast<double>(size) / 1e6;
      std::printf("%-28s %6zu | %10.0f %8.1f %10.0f %6.2f | %10.0f %8.1f %10.0f %6.2f\n",
                  std::string(suite.name).c_str(), size, r.sframe_enc, r.sframe_enc * mb, r.raw_enc,
                  r.sframe_enc / r.raw_enc, r.sframe_dec, r.sframe_dec * mb, r.raw_dec,
                  r.sframe_dec / r.raw_dec);
      std::fflush(stdout);
    }
  }
  std::printf("load at the end %.2f\n", parley::bench::load_average());
  return 0;
}
