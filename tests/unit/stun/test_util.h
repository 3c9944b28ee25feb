#pragma once
// Helpers for the stun tests: hex literals, hand-made messages, and a
// reference MESSAGE-INTEGRITY/FINGERPRINT computation written straight from
// RFC 8489 §14.5 and §14.7 with OpenSSL's one-shot HMAC() and zlib, so that
// what stun.cpp builds is checked against something it does not share code with.

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace parley::stun::testing {

using Bytes = std::vector<std::uint8_t>;

// "00 01 a1 47" (whitespace ignored) to bytes.
inline Bytes hex(std::string_view text) {
  Bytes out;
  int high = -1;
  for (char c : text) {
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      continue;
    }
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  if (high >= 0) throw std::invalid_argument("odd number of hex digits");
  return out;
}

inline Bytes bytes_of(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

struct RawAttribute {
  std::uint16_t type;
  Bytes value;
};

inline void put16(Bytes& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}
inline void append16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}

inline const Bytes kTestTransactionId = hex("b7 e7 a7 01 bc 34 d6 86 fa 87 df ae");

// A message with the header length set to what follows it; attributes padded
// with `pad` bytes (RFC 8489 says zero; RFC 5769's vectors use 0x20).
inline Bytes raw_message(std::uint16_t type, std::initializer_list<RawAttribute> attributes,
                         const Bytes& txid = kTestTransactionId, std::uint8_t pad = 0) {
  Bytes m;
  append16(m, type);
  append16(m, 0);
  for (std::uint8_t b : {0x21, 0x12, 0xA4, 0x42}) m.push_back(b);
  m.insert(m.end(), txid.begin(), txid.end());
  for (const auto& a : attributes) {
    append16(m, a.type);
    append16(m, static_cast<std::uint16_t>(a.value.size()));
    m.insert(m.end(), a.value.begin(), a.value.end());
    while (m.size() % 4 != 0) m.push_back(pad);
  }
  put16(m, 2, static_cast<std::uint16_t>(m.size() - 20));
  return m;
}

// Appends MESSAGE-INTEGRITY (HMAC-SHA1 with `key`) then FINGERPRINT, each
// computed over what precedes it with the header length counting it.
inline Bytes seal(Bytes m, std::string_view key) {
  put16(m, 2, static_cast<std::uint16_t>(m.size() - 20 + 24));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), m.data(), m.size(), mac, &mac_size);
  append16(m, 0x0008);
  append16(m, 20);
  m.insert(m.end(), mac, mac + 20);
  put16(m, 2, static_cast<std::uint16_t>(m.size() - 20 + 8));
  const auto crc =
      static_cast<std::uint32_t>(crc32(0, m.data(), static_cast<uInt>(m.size()))) ^ 0x5354554Eu;
  append16(m, 0x8028);
  append16(m, 4);
  append16(m, static_cast<std::uint16_t>(crc >> 16));
  append16(m, static_cast<std::uint16_t>(crc));
  return m;
}

}  // namespace parley::stun::testing
