// Drives the sdp module from the capture scripts' --check mode, so that real
// peers (Chromium, aiortc) judge what the server writes:
//   sdp_tool answer  OFFER                 the server's answer to OFFER
//   sdp_tool reoffer OFFER STEPS           the server's next offer after STEPS
//   sdp_tool apply   OFFER STEPS ANSWER    takes the peer's answer to that offer
// STEPS is a comma list of "add" and "stop"; the server side it plays is
// scenario.h. Everything is deterministic, so each call rebuilds the same
// state from OFFER. Output is SDP text, or one line per section for "apply";
// errors go to stderr with exit status 1.

#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "scenario.h"
#include "sdp/negotiate.h"
#include "sdp/sdp.h"

namespace {

using namespace parley::sdp;

int fail(const parley::Error& e) {
  std::cerr << e.code << ": " << e.message << "\n";
  return 1;
}

bool read_file(const char* path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  std::string offer_text;
  if (argc < 3 || !read_file(argv[2], offer_text)) {
    std::cerr << "usage: sdp_tool answer|reoffer|apply OFFER [STEPS [ANSWER]]\n";
    return 2;
  }
  auto offer = parse(offer_text);
  if (!offer) return fail(offer.error());
  auto n = scenario::answer(*offer);
  if (!n) return fail(n.error());
  if (cmd == "answer") {
    auto text = write_answer(n->local);
    if (!text) return fail(text.error());
    std::cout << *text;
    return 0;
  }
  if (argc < 4) return 2;
  auto local = n->local;
  if (auto st = scenario::run_steps(local, argv[3]); !st) return fail(st.error());
  if (cmd == "reoffer") {
    auto text = write_offer(local);
    if (!text) return fail(text.error());
    std::cout << *text;
    return 0;
  }
  std::string answer_text;
  if (cmd != "apply" || argc < 5 || !read_file(argv[4], answer_text)) return 2;
  auto client = parse(answer_text);
  if (!client) return fail(client.error());
  auto agreed = apply_answer(local, *client);
  if (!agreed) return fail(agreed.error());
  for (const auto& s : agreed->local.sections) {
    std::cout << s.mid << " " << to_string(s.kind) << " "
              << (s.rejected ? "rejected" : std::string(to_string(s.direction)));
    for (const auto& c : s.codecs) std::cout << " " << codec_name(c.codec) << "/" << int(c.pt);
    if (!s.recv_layers.empty()) std::cout << " layers=" << s.recv_layers.size();
    std::cout << "\n";
  }
  return 0;
}
