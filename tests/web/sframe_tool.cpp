// The C++ side of the SFrame cross-test with the browser's implementation
// (web/js/sframe.js): one operation per process, one JSON object on stdin,
// one JSON object on stdout.
//
//   parley_sframe_tool encrypt
//     in:  {"cipher_suite":4,"base_key":"<hex>","kid":<int>,"ctr":<int>,
//           "metadata":"<hex>","pt":"<hex>"}
//     out: {"ct":"<hex>"}       the whole SFrame ciphertext: header || ct || tag
//   parley_sframe_tool decrypt
//     in:  {"cipher_suite":4,"base_key":"<hex>","metadata":"<hex>","ct":"<hex>"}
//     out: {"pt":"<hex>","kid":<int>,"ctr":<int>}
//
// Exit 0 on success. On any error: {"error":"<code>","message":"..."} on
// stdout and exit 1. Codes: bad_request (no or unknown command),
// payload_too_large, invalid_json, missing_field, unknown_field,
// invalid_field (wrong type, not lowercase hex, an integer outside
// 0..2^64-1), sframe_unsupported_suite, and the sframe_* codes of
// src/sframe (sframe_auth_failed, sframe_truncated, sframe_bad_header, ...).
//
// kid and ctr are exact up to 2^64-1 both ways (JSON integers of any size
// are read and written digit for digit); hex is lowercase. Each run derives
// its key afresh and has no replay state: decrypting the same frame twice
// succeeds twice.

#include <cstdint>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/encoding.h"
#include "sframe/cipher_suite.h"
#include "sframe/context.h"
#include "sframe/header.h"

namespace {

using nlohmann::json;
using parley::Bytes;
using parley::Error;

constexpr std::size_t kMaxInput = 64u << 20;

struct Failure {
  Error error;
};

[[noreturn]] void fail(std::string code, std::string message) {
  throw Failure{parley::make_error(std::move(code), std::move(message))};
}

const json& field(const json& in, const char* name) {
  auto it = in.find(name);
  if (it == in.end()) fail("missing_field", std::string("no \"") + name + "\"");
  return *it;
}

Bytes hex_field(const json& in, const char* name) {
  const json& v = field(in, name);
  if (!v.is_string()) fail("invalid_field", std::string("\"") + name + "\" is not a string");
  auto bytes = parley::hex_decode(v.get_ref<const std::string&>());
  if (!bytes) fail("invalid_field", std::string("\"") + name + "\" is not lowercase hex");
  return *bytes;
}

std::uint64_t uint_field(const json& in, const char* name) {
  const json& v = field(in, name);
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer() && v.get<std::int64_t>() >= 0)
    return static_cast<std::uint64_t>(v.get<std::int64_t>());
  fail("invalid_field", std::string("\"") + name + "\" is not an integer in 0..2^64-1");
}

void only_fields(const json& in, std::initializer_list<const char*> names) {
  const std::set<std::string> known(names.begin(), names.end());
  for (const auto& [key, value] : in.items()) {
    (void)value;
    if (known.count(key) == 0) fail("unknown_field", "unknown field \"" + key + "\"");
  }
}

parley::sframe::CipherSuite suite_field(const json& in) {
  const std::uint64_t value = uint_field(in, "cipher_suite");
  const parley::sframe::SuiteInfo* suite =
      value <= 0xFFFF ? parley::sframe::find_suite(static_cast<std::uint16_t>(value)) : nullptr;
  if (suite == nullptr)
    fail("sframe_unsupported_suite", "cipher suite " + std::to_string(value) + " is not supported");
  return suite->id;
}

template <class T>
T check(parley::Expected<T> result) {
  if (!result) throw Failure{result.error()};
  return std::move(*result);
}

json encrypt(const json& in) {
  only_fields(in, {"cipher_suite", "base_key", "kid", "ctr", "metadata", "pt"});
  parley::sframe::SFrameContext context(suite_field(in));
  const Bytes base_key = hex_field(in, "base_key");
  const std::uint64_t kid = uint_field(in, "kid");
  const std::uint64_t ctr = uint_field(in, "ctr");
  const Bytes metadata = hex_field(in, "metadata");
  const Bytes pt = hex_field(in, "pt");
  check(context.add_send_key(kid, base_key));
  Bytes out(context.ciphertext_size(kid, ctr, pt.size()));
  const std::size_t n = check(context.encrypt(kid, ctr, metadata, pt, out));
  out.resize(n);
  return json{{"ct", parley::hex_encode(out)}};
}

json decrypt(const json& in) {
  only_fields(in, {"cipher_suite", "base_key", "metadata", "ct"});
  parley::sframe::SFrameContext context(suite_field(in));
  const Bytes base_key = hex_field(in, "base_key");
  const Bytes metadata = hex_field(in, "metadata");
  const Bytes ct = hex_field(in, "ct");
  // The key is labelled with the KID the frame names (§4.4.2 binds the KID
  // into the derivation), so the header is read first.
  const auto header = check(parley::sframe::parse_header(ct));
  check(context.add_receive_key(header.kid, base_key, {.replay_protection = false}));
  Bytes out(ct.size());
  const auto result = check(context.decrypt(ct, metadata, out));
  return json{
      {"pt", parley::hex_encode(result.plaintext)}, {"kid", result.kid}, {"ctr", result.ctr}};
}

json run(int argc, char** argv) {
  const std::string_view command = argc == 2 ? argv[1] : "";
  if (command != "encrypt" && command != "decrypt")
    fail("bad_request", "usage: parley_sframe_tool encrypt|decrypt < request.json");
  std::string text;
  char buf[65536];
  while (std::cin.read(buf, sizeof buf) || std::cin.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(std::cin.gcount()));
    if (text.size() > kMaxInput) fail("payload_too_large", "input above 64 MiB");
  }
  json in = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (in.is_discarded()) fail("invalid_json", "stdin is not one JSON text");
  if (!in.is_object()) fail("invalid_field", "the input is not a JSON object");
  return command == "encrypt" ? encrypt(in) : decrypt(in);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::cout << run(argc, argv).dump() << '\n';
    return 0;
  } catch (const Failure& f) {
    std::cout << json{{"error", f.error.code}, {"message", f.error.message}}.dump() << '\n';
    return 1;
  }
}
