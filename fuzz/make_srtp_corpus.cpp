// Writes the seeds of corpus/srtp_fuzzer/: record sequences (see
// srtp_fuzzer.cpp for the format) of packets protected under the fuzzer's
// fixed keys, for both profiles: RTP of every header shape across the
// sequence-number wrap, reordered and replayed; RTCP; truncated and
// forged packets; and plaintexts for the protect records. With --check it
// compares instead of writing, and fails when a checked-in seed differs (a
// change to the keys, the format or the protection must regenerate them).
//
//   make_srtp_corpus fuzz/corpus/srtp_fuzzer
//   make_srtp_corpus --check fuzz/corpus/srtp_fuzzer

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "media/srtp.h"
#include "srtp_fuzz_keys.h"

namespace {

using namespace parley::media;
using Bytes = std::vector<std::uint8_t>;

Bytes rtp(std::uint32_t ssrc, std::uint16_t seq, std::uint8_t csrcs, bool ext, std::size_t payload,
          std::uint8_t padding) {
  Bytes p = {static_cast<std::uint8_t>(0x80 | (padding ? 0x20 : 0) | (ext ? 0x10 : 0) | csrcs),
             111,
             static_cast<std::uint8_t>(seq >> 8),
             static_cast<std::uint8_t>(seq),
             0,
             0,
             0x12,
             0x34,
             static_cast<std::uint8_t>(ssrc >> 24),
             static_cast<std::uint8_t>(ssrc >> 16),
             static_cast<std::uint8_t>(ssrc >> 8),
             static_cast<std::uint8_t>(ssrc)};
  for (int i = 0; i < 4 * csrcs; ++i) p.push_back(static_cast<std::uint8_t>(i));
  if (ext) p.insert(p.end(), {0xBE, 0xDE, 0x00, 0x01, 0x10, 0xAA, 0x00, 0x00});
  for (std::size_t i = 0; i < payload; ++i) p.push_back(static_cast<std::uint8_t>(i * 7));
  for (int i = 1; i < padding; ++i) p.push_back(0);
  if (padding) p.push_back(padding);
  return p;
}

Bytes rtcp(std::uint32_t ssrc, std::size_t size) {
  Bytes p(size, 0x5C);
  p[0] = 0x80;
  p[1] = 201;
  p[2] = 0;
  p[3] = static_cast<std::uint8_t>(size / 4 - 1);
  for (int i = 0; i < 4; ++i) p[4 + i] = static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
  return p;
}

class Seed {
 public:
  explicit Seed(SrtpProfile profile)
      : profile_(profile), tx_(*Srtp::create(fuzz::srtp_keys(profile), Srtp::Direction::outbound)) {
    out_.push_back(profile == SrtpProfile::aead_aes_128_gcm ? 0 : 1);
  }
  // Protected by the seeds' sender, as a record for the receiver; returned
  // too, for replays and damage.
  Bytes sealed_rtp(const Bytes& plain) { return seal(plain, false); }
  Bytes sealed_rtcp(const Bytes& plain) { return seal(plain, true); }
  Seed& unprotect_rtp(const Bytes& p) { return record(0, p); }
  Seed& unprotect_rtcp(const Bytes& p) { return record(1, p); }
  Seed& protect_rtp(const Bytes& p) { return record(2, p); }
  Seed& protect_rtcp(const Bytes& p) { return record(3, p); }
  std::string text() const { return std::string(out_.begin(), out_.end()); }

 private:
  Bytes seal(const Bytes& plain, bool is_rtcp) {
    Bytes b = plain;
    b.resize(plain.size() + kSrtpMaxTrailer);
    auto n = is_rtcp ? tx_->protect_rtcp(b, plain.size()) : tx_->protect_rtp(b, plain.size());
    if (!n) {
      std::fprintf(stderr, "seed packet refused: %s\n", n.error().message.c_str());
      std::exit(1);
    }
    b.resize(*n);
    return b;
  }
  Seed& record(std::uint8_t kind, const Bytes& p) {
    out_.push_back(kind);
    out_.push_back(static_cast<std::uint8_t>(p.size() >> 8));
    out_.push_back(static_cast<std::uint8_t>(p.size()));
    out_.insert(out_.end(), p.begin(), p.end());
    return *this;
  }
  SrtpProfile profile_;
  std::unique_ptr<Srtp> tx_;
  Bytes out_;
};

std::vector<std::pair<std::string, std::string>> seeds() {
  std::vector<std::pair<std::string, std::string>> out;
  for (SrtpProfile profile : {SrtpProfile::aead_aes_128_gcm, SrtpProfile::aes128_cm_sha1_80}) {
    const std::string name = profile == SrtpProfile::aead_aes_128_gcm ? "gcm_" : "cm_";
    {  // One packet of each shape, in order.
      Seed s(profile);
      std::uint16_t seq = 100;
      for (std::uint8_t csrcs : {0, 2})
        for (bool ext : {false, true})
          for (std::size_t payload : {0, 160})
            for (std::uint8_t padding : {0, 3})
              s.unprotect_rtp(s.sealed_rtp(rtp(7, seq++, csrcs, ext, payload, padding)));
      out.emplace_back(name + "rtp_shapes", s.text());
    }
    {  // Across the wrap, reordered, one replayed; two SSRCs.
      Seed s(profile);
      std::vector<Bytes> sealed;
      for (std::uint16_t seq = 65530; seq != 6; ++seq)
        sealed.push_back(s.sealed_rtp(rtp(9, seq, 0, false, 20, 0)));
      sealed.push_back(s.sealed_rtp(rtp(0xFFFFFFFF, 3, 1, true, 40, 0)));
      std::swap(sealed[3], sealed[7]);
      for (const Bytes& p : sealed) s.unprotect_rtp(p);
      s.unprotect_rtp(sealed[5]);
      out.emplace_back(name + "rtp_wrap_reorder_replay", s.text());
    }
    {  // RTCP of a few sizes, then one replayed.
      Seed s(profile);
      Bytes last;
      for (std::size_t size : {8, 12, 28, 64})
        s.unprotect_rtcp(last = s.sealed_rtcp(rtcp(0x1234, size)));
      s.unprotect_rtcp(last);
      out.emplace_back(name + "rtcp", s.text());
    }
    {  // Damaged: a flipped tag bit, truncated, an empty record.
      Seed s(profile);
      Bytes p = s.sealed_rtp(rtp(11, 500, 0, false, 30, 0));
      Bytes flipped = p;
      flipped.back() ^= 1;
      s.unprotect_rtp(flipped)
          .unprotect_rtp(Bytes(p.begin(), p.end() - 3))
          .unprotect_rtp({})
          .unprotect_rtp(p);
      Bytes c = s.sealed_rtcp(rtcp(11, 16));
      Bytes c_flipped = c;
      c_flipped[10] ^= 0x80;
      s.unprotect_rtcp(c_flipped).unprotect_rtcp(Bytes(c.begin(), c.begin() + 9)).unprotect_rtcp(c);
      out.emplace_back(name + "damaged", s.text());
    }
    {  // Plaintexts for the sender, a repeat among them.
      Seed s(profile);
      s.protect_rtp(rtp(21, 65535, 0, false, 100, 0))
          .protect_rtp(rtp(21, 0, 3, true, 10, 5))
          .protect_rtp(rtp(21, 0, 3, true, 10, 5))
          .protect_rtcp(rtcp(21, 24))
          .protect_rtp(rtp(21, 1, 0, false, 0, 0));
      out.emplace_back(name + "protect", s.text());
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const bool check = argc == 3 && std::string(argv[1]) == "--check";
  if (!(argc == 2 || check)) {
    std::fprintf(stderr, "usage: %s [--check] <corpus dir>\n", argv[0]);
    return 2;
  }
  const fs::path dir = argv[argc - 1];
  int stale = 0;
  for (const auto& [name, content] : seeds()) {
    if (check) {
      std::ifstream in(dir / name, std::ios::binary);
      const std::string have((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
      if (!in.is_open() || have != content) {
        std::fprintf(stderr, "%s is missing or out of date; rerun make_srtp_corpus\n",
                     name.c_str());
        ++stale;
      }
    } else {
      fs::create_directories(dir);
      std::ofstream(dir / name, std::ios::binary) << content;
    }
  }
  return stale == 0 ? 0 : 1;
}
