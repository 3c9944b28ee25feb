// Fuzz target for src/stun: parse any datagram, check it with a fixed key,
// walk its attributes, and answer it the way the ICE-lite server will. Beyond
// "no crash, no sanitizer report" it checks properties that must hold for
// every input (std::abort() on violation):
//   - an accepted message is STUN by its first byte (RFC 7983) and its
//     attributes tile the message exactly, each value inside it;
//   - the checks fail only with their own error codes;
//   - every message we build from an accepted one parses again, passes its
//     own integrity and fingerprint checks, and carries what was put in.
// The key is RFC 5769's password, so the corpus' vectors pass integrity.

#include <array>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "stun/demux.h"
#include "stun/stun.h"

namespace {

using namespace parley::stun;
using parley::Expected;

constexpr std::string_view kKey = "VOkJxbRl1RmTxUk/WvJxBt";

void check(bool condition) {
  if (!condition) std::abort();
}

void check_attributes(const Message& m) {
  const auto bytes = m.bytes();
  std::size_t covered = kHeaderSize;
  for (const Attribute& a : m.attributes()) {
    check(a.value.data() == bytes.data() + covered + 4);
    check(a.value.data() + a.value.size() <= bytes.data() + bytes.size());
    covered += 4 + ((a.value.size() + 3) & ~std::size_t{3});
  }
  check(covered == bytes.size());
}

// Whatever we build must read back as built.
Message reparse(std::span<const std::uint8_t> out, const Expected<std::size_t>& n) {
  check(n.ok());
  auto again = parse(out.first(*n));
  check(again.ok());
  check(verify_fingerprint(*again).ok());
  return *again;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> datagram(data, size);
  const PacketKind kind = classify(datagram);
  auto m = parse(datagram, 65535 + kHeaderSize);
  if (!m.ok()) return 0;
  check(kind == PacketKind::kStun);
  check(m->bytes().size() == size);
  check_attributes(*m);

  const auto integrity = verify_integrity(*m, kKey);
  check(integrity.ok() || integrity.error().code == "stun_bad_integrity" ||
        integrity.error().code == "stun_missing_integrity");
  check(integrity.ok() || !m->has_integrity() || integrity.error().code == "stun_bad_integrity");
  const auto fingerprint = verify_fingerprint(*m);
  check(fingerprint.ok() || fingerprint.error().code == "stun_bad_fingerprint" ||
        fingerprint.error().code == "stun_missing_fingerprint");

  // Every typed accessor, on whatever parse() accepted.
  (void)m->username();
  (void)m->priority();
  (void)m->ice_controlled();
  (void)m->ice_controlling();
  (void)m->use_candidate();
  if (auto e = m->error_code()) check(e->code >= 300 && e->code <= 699);
  std::array<std::uint8_t, 1500> out{};

  if (m->is_binding_request()) {
    // The answer of an ICE-lite server (RFC 8445 §7.3), to the address the
    // request itself names if any, else a fixed one.
    const SocketAddress peer =
        m->xor_mapped_address().value_or(SocketAddress::ipv4({192, 0, 2, 1}, 32853));
    const Message response = reparse(out, build_binding_success(*m, peer, kKey, out));
    check(verify_integrity(response, kKey).ok());
    check(response.xor_mapped_address() == peer);
    check(response.transaction_id_array() == m->transaction_id_array());

    // Our client's request with the same fields reads back the same.
    const auto username = m->username();
    if (username && username->size() < 509) {
      BindingRequestParams params;
      params.transaction_id = m->transaction_id_array();
      params.username = *username;
      params.key = kKey;
      params.priority = m->priority().value_or(0);
      params.role = m->ice_controlled() ? IceRole::kControlled : IceRole::kControlling;
      params.tie_breaker = m->ice_controlled().value_or(m->ice_controlling().value_or(0));
      params.use_candidate = m->use_candidate();
      const Message request = reparse(out, build_binding_request(params, out));
      check(verify_integrity(request, kKey).ok());
      check(request.username() == username);
      check(request.priority() == params.priority);
      check(request.use_candidate() == params.use_candidate);
    }
  }

  if (m->message_class() == MessageClass::kRequest) {
    const auto unknown = m->unknown_comprehension_required();
    const int code = unknown.empty() ? kErrorUnauthenticated : kErrorUnknownAttribute;
    const Message error = reparse(out, build_error_response(*m, code, "", unknown, kKey, out));
    check(verify_integrity(error, kKey).ok());
    check(error.error_code() && error.error_code()->code == code);
    check(error.method() == m->method());
  }
  return 0;
}
