#pragma once
// The fixed keys of srtp_fuzzer and of its seeds (make_srtp_corpus): the
// same master key and salt both ways, so that a sender and a receiver made
// from them talk to each other.

#include "media/dtls.h"

namespace parley::media::fuzz {

inline SrtpKeys srtp_keys(SrtpProfile profile) {
  SrtpKeys k;
  k.profile = profile;
  k.salt_len = profile == SrtpProfile::aead_aes_128_gcm ? 12 : 14;
  for (std::size_t i = 0; i < k.local.size(); ++i)
    k.local[i] = k.remote[i] = static_cast<std::uint8_t>(0xA0 + i);
  return k;
}

}  // namespace parley::media::fuzz
