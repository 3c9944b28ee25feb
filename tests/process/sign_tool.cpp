// Signing for the process tests, with a profile's identity key (the CLI's
// <profile>/identity.key), so that a test can make acts the CLI has no
// command for (the record's entries) and cosign checkpoints line by line:
//
//   parley_sign_tool act PROFILE_DIR     stdin: an act (JSON object)
//                                        stdout: the canonical signed envelope
//   parley_sign_tool bytes PROFILE_DIR   stdin: any bytes
//                                        stdout: base64url of their Ed25519 signature
//
// Exit status 2 on bad usage or input.

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>

#include "crypto/identity_key.h"
#include "json/canonical.h"
#include "negotiation/act.h"

namespace {

int usage(const std::string& why) {
  std::cerr << "parley_sign_tool: " << why
            << "\nusage: parley_sign_tool act|bytes PROFILE_DIR < input\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace parley;
  if (argc != 3) return usage("two arguments");
  const std::string mode = argv[1];
  std::ifstream file(std::string(argv[2]) + "/identity.key");
  if (!file) return usage(std::string("cannot read ") + argv[2] + "/identity.key");
  std::stringstream key_text;
  key_text << file.rdbuf();
  auto key_doc = json::parse_strict(key_text.str());
  if (!key_doc || !key_doc->is_object() || !key_doc->contains("seed") ||
      !(*key_doc)["seed"].is_string())
    return usage("not an identity key file");
  auto seed = base64url_decode((*key_doc)["seed"].get<std::string>());
  crypto::init();
  auto key = seed ? crypto::SecretKey::from_seed(*seed) : std::nullopt;
  if (!key) return usage("the identity key has no valid seed");

  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  if (mode == "bytes") {
    std::cout << base64url_encode(key->sign(as_bytes(input))) << "\n";
    return 0;
  }
  if (mode != "act") return usage("unknown mode " + mode);
  auto act = json::parse_strict(input);
  if (!act || !act->is_object()) return usage("the act is not a JSON object");
  auto signature = key->sign(as_bytes(negotiation::signing_bytes(*act)));
  json::Json envelope = {{"act", *act}, {"signature", base64url_encode(signature)}};
  std::cout << json::canonicalize(envelope);
  return 0;
}
