// The call service's side of an ICE restart (docs/protocol.md §Calls): a
// participant joins with a captured Chromium offer (its fingerprint replaced
// by the test client's), connects through ICE-lite and DTLS with the media
// client of tests/unit/media, asks for a restart, answers the server's offer
// with new credentials, and connects again with them while the old ones are
// refused. The test thread plays the service thread: it runs what the
// service posts.
#include "call/call_service.h"

#include <gtest/gtest.h>

#include <deque>
#include <fstream>
#include <mutex>
#include <sstream>

#include "common/encoding.h"
#include "media/test_client.h"
#include "sdp/sdp.h"

namespace parley::call {
namespace {

using json::Json;
using namespace std::chrono_literals;
using media::Client;

std::string read_data(const std::string& name) {
  std::ifstream in(std::string(PARLEY_SDP_TEST_DATA) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing test data " << name;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string replace_lines(const std::string& text, const std::string& prefix,
                          const std::string& line) {
  std::istringstream in(text);
  std::string out, l;
  while (std::getline(in, l)) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    out += (l.rfind(prefix, 0) == 0 ? line : l) + "\r\n";
  }
  return out;
}

// "m=<media> <port> <proto> ..." with port 9 unless it is 0 (a rejected
// section stays rejected).
std::string with_port_9(const std::string& m_line) {
  auto a = m_line.find(' ');
  auto b = m_line.find(' ', a + 1);
  if (a == std::string::npos || b == std::string::npos || m_line.substr(a + 1, b - a - 1) == "0")
    return m_line;
  return m_line.substr(0, a) + " 9" + m_line.substr(b);
}

// What a browser answers to the server's offer: the same sections, opposite
// directions, its own ICE credentials and certificate, a=setup:active.
std::string client_answer(const std::string& offer, const std::string& ufrag,
                          const std::string& pwd, const std::string& fingerprint) {
  std::istringstream in(offer);
  std::string out, l;
  while (std::getline(in, l)) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    auto starts = [&](std::string_view p) { return l.rfind(p, 0) == 0; };
    if (starts("a=ice-lite") || starts("a=candidate") || starts("a=end-of-candidates") ||
        starts("a=ssrc") || starts("a=msid:"))
      continue;
    if (starts("o="))
      l = "o=- 77 3 IN IP4 127.0.0.1";
    else if (starts("a=ice-ufrag:"))
      l = "a=ice-ufrag:" + ufrag;
    else if (starts("a=ice-pwd:"))
      l = "a=ice-pwd:" + pwd;
    else if (starts("a=fingerprint:"))
      l = "a=fingerprint:sha-256 " + fingerprint;
    else if (starts("a=setup:"))
      l = "a=setup:active";
    else if (l == "a=sendonly")
      l = "a=recvonly";
    else if (l == "a=recvonly")
      l = "a=sendonly";
    else if (starts("m="))
      l = with_port_9(l);
    out += l + "\r\n";
  }
  return out;
}

std::string ice_ufrag(const std::string& sdp_text) {
  auto d = sdp::parse(sdp_text);
  EXPECT_TRUE(d);
  return d && !d->media.empty() ? d->effective_ice_ufrag(d->media[0]).value_or("") : "";
}
std::string ice_pwd(const std::string& sdp_text) {
  auto d = sdp::parse(sdp_text);
  return d && !d->media.empty() ? d->effective_ice_pwd(d->media[0]).value_or("") : "";
}

class CallServiceTest : public ::testing::Test {
 protected:
  // Declared before the service: tasks the workers post while it stops
  // land here and are dropped unrun.
  std::mutex mu;
  std::deque<std::function<void()>> posted;
  std::unique_ptr<CallService> service;
  std::vector<Json> sent;  // to the participant, in order
  Client client;
  std::string meeting = "mtg_restart";
  std::string server_fingerprint;

  void SetUp() override {
    CallConfig config;
    config.workers = 1;
    ASSERT_NO_FATAL_FAILURE(start(config));
  }
  // (Re)starts the service; what the old one posted is dropped unrun.
  void start(const CallConfig& config) {
    service.reset();
    {
      std::lock_guard<std::mutex> lock(mu);
      posted.clear();
    }
    auto s = CallService::start(config, [this](std::function<void()> f) {
      std::lock_guard<std::mutex> lock(mu);
      posted.push_back(std::move(f));
    });
    ASSERT_TRUE(s) << s.error().message;
    service = std::move(*s);
    client.server = *media::Endpoint::parse("127.0.0.1", service->load().at(0).port);
  }

  // Runs what was posted to the service thread, until `done` or a deadline.
  template <typename Pred>
  bool run_until(Pred done) {
    for (int i = 0; i < 1000; ++i) {
      std::deque<std::function<void()>> tasks;
      {
        std::lock_guard<std::mutex> lock(mu);
        tasks.swap(posted);
      }
      for (auto& t : tasks) t();
      if (done()) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  const Json* last(const std::string& type) const {
    for (auto it = sent.rbegin(); it != sent.rend(); ++it)
      if ((*it)["type"] == type) return &*it;
    return nullptr;
  }
  std::size_t count(const std::string& type) const {
    return std::count_if(sent.begin(), sent.end(),
                         [&](const Json& m) { return m["type"] == type; });
  }
  std::string announced_state() const {
    const Json* p = last("call.participants");
    return p ? (*p)["participants"][0]["state"].get<std::string>() : "";
  }

  Status join(ConnectionId conn = 1, const std::string& member = "mem_helen", const std::string& in = "") {
    std::string offer = read_data("chromium-publish-audio-video.sdp");
    offer = replace_lines(offer,
                          "a=fingerprint:", "a=fingerprint:sha-256 " + client.ctx->fingerprint());
    negotiation::Admitted admitted{member, "west", "leader", "a2V5"};
    return service->join(conn, in.empty() ? meeting : in, Joiner{admitted, member}, offer,
                         [this](const call::Outgoing& m) { sent.push_back(Json::parse(*m.text)); });
  }

  // The value of one series of the service's /metrics text ("" if absent).
  std::string metric(const std::string& series) const {
    std::istringstream in(service->metrics_text());
    std::string line;
    while (std::getline(in, line))
      if (line.rfind(series + " ", 0) == 0) return line.substr(series.size() + 1);
    return "";
  }
  // Makes worker `w` judge its pressure from `load` and waits until the
  // service sees the level.
  bool set_load(std::size_t w, double load, media::Pressure level) {
    service->set_worker_load_for_test(w, load);
    const std::string series = "parley_media_worker_pressure{worker=\"" + std::to_string(w) + "\"}";
    const std::string want = std::to_string(static_cast<int>(level));
    return run_until([&] { return metric(series) == want; });
  }

  // A binding request from the client; true if the server answered it.
  bool check(const std::string& username, const std::string& pwd) {
    client.send(client.binding_request(username, pwd));
    auto reply = client.receive(300);
    auto msg = stun::parse(reply);
    return msg && msg->message_class() == stun::MessageClass::kSuccessResponse &&
           stun::verify_integrity(*msg, pwd);
  }

  void dtls_handshake() {
    client.dtls = *media::DtlsSession::create(client.ctx, media::DtlsSession::Role::client,
                                              server_fingerprint);
    auto send = [this](std::span<const std::uint8_t> d) { client.send(d); };
    client.dtls->start(send);
    for (int i = 0; i < 20 && client.dtls->state() == media::DtlsSession::State::handshaking; ++i) {
      auto d = client.receive(500);
      if (d.empty())
        client.dtls->on_timer(send);
      else
        client.dtls->on_datagram(d, send);
    }
    ASSERT_EQ(client.dtls->state(), media::DtlsSession::State::connected) << client.dtls->error();
  }
};

TEST_F(CallServiceTest, IceRestartOffersNewCredentialsAndTheTransportTakesTheAnswersOnes) {
  ASSERT_TRUE(join());
  const Json* joined = last("call.joined");
  ASSERT_TRUE(joined);
  const std::string answer = (*joined)["answer"];
  const std::string ufrag = ice_ufrag(answer), pwd = ice_pwd(answer);
  auto fp = sdp::parse(answer)->media[0].fingerprints;
  ASSERT_FALSE(fp.empty());
  server_fingerprint = fingerprint_text(fp[0].bytes);

  // Connected: ICE-lite check with the join's credentials, then DTLS.
  ASSERT_TRUE(check(ufrag + ":+/Kx", pwd));
  ASSERT_NO_FATAL_FAILURE(dtls_handshake());
  ASSERT_TRUE(run_until([&] { return announced_state() == "connected"; })) << announced_state();

  // The client asks for a restart: the server's next offer has new
  // credentials (and a higher o= version); nothing changes before the answer.
  ASSERT_TRUE(service->restart(1, meeting));
  const Json* offer = last("call.offer");
  ASSERT_TRUE(offer);
  const std::string offer_sdp = (*offer)["sdp"];
  const std::string ufrag2 = ice_ufrag(offer_sdp), pwd2 = ice_pwd(offer_sdp);
  EXPECT_NE(ufrag2, ufrag);
  EXPECT_NE(pwd2, pwd);
  EXPECT_GT(sdp::parse(offer_sdp)->origin.session_version,
            sdp::parse(answer)->origin.session_version);
  EXPECT_TRUE(check(ufrag + ":+/Kx", pwd)) << "the old credentials hold until the answer";

  // A second request while that offer is outstanding rides on the next one.
  ASSERT_TRUE(service->restart(1, meeting));
  EXPECT_EQ(count("call.offer"), 1u);

  auto applied = service->answer(
      1, meeting,
      client_answer(offer_sdp, "nEw1", "newClientPassword0123456", client.ctx->fingerprint()));
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_EQ(announced_state(), "connecting");
  // The answer let the pending restart go: a second offer, new credentials again.
  ASSERT_EQ(count("call.offer"), 2u);
  const std::string offer2_sdp = (*last("call.offer"))["sdp"];
  const std::string ufrag3 = ice_ufrag(offer2_sdp), pwd3 = ice_pwd(offer2_sdp);
  EXPECT_NE(ufrag3, ufrag2);

  // The worker has the first restart's credentials once its task ran: the
  // old username is refused, the new one is answered and the transport is
  // connected again with the DTLS association it had.
  ASSERT_TRUE(run_until([&] { return check(ufrag2 + ":nEw1", pwd2); }));
  EXPECT_FALSE(check(ufrag + ":+/Kx", pwd));
  ASSERT_TRUE(run_until([&] { return announced_state() == "connected"; })) << announced_state();

  ASSERT_TRUE(service->answer(
      1, meeting,
      client_answer(offer2_sdp, "nEw2", "newClientPassword4567890", client.ctx->fingerprint())));
  ASSERT_TRUE(run_until([&] { return check(ufrag3 + ":nEw2", pwd3); }));
  EXPECT_FALSE(check(ufrag2 + ":nEw1", pwd2));
  ASSERT_TRUE(run_until([&] { return announced_state() == "connected"; })) << announced_state();
  EXPECT_EQ(count("call.error"), 0u);
}

TEST_F(CallServiceTest, RestartFromAConnectionNotInTheCallIsRefused) {
  auto s = service->restart(7, meeting);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "not_in_call");
  ASSERT_TRUE(join());
  // Another connection of no participant, in a call that exists.
  s = service->restart(7, meeting);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "not_in_call");
  // The participant's own connection, once the transport exists.
  ASSERT_TRUE(run_until([&] { return static_cast<bool>(service->restart(1, meeting)); }));
}

// docs/media.md §Behaviour at the limit: on a saturated worker a newcomer
// is refused with media_saturated and nothing is made; a member already in
// the call, or who left it within the rejoin grace, comes back.
TEST_F(CallServiceTest, ASaturatedWorkerRefusesNewcomersButLetsReturningMembersBackIn) {
  ASSERT_TRUE(join(1, "mem_helen"));
  ASSERT_TRUE(set_load(0, 0.95, media::Pressure::saturated));
  EXPECT_EQ(metric("parley_media_worker_load{worker=\"0\"}"), "0.950");
  const std::size_t messages = sent.size();

  auto refused = join(2, "mem_olga");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "media_saturated");
  EXPECT_NE(refused.error().message.find("at its limit"), std::string::npos) << refused.error().message;
  // A new meeting would go to the same (only) worker: refused too.
  refused = join(3, "mem_pierre", "mtg_other");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "media_saturated");
  EXPECT_EQ(metric("parley_media_joins_refused_total{worker=\"0\"}"), "2");
  EXPECT_EQ(service->calls(), 1u);
  EXPECT_EQ(sent.size(), messages) << "nothing was sent to anyone: nothing changed";

  // Helen reloads her page: her new connection replaces her place.
  ASSERT_TRUE(join(4, "mem_helen"));
  EXPECT_EQ(last("call.participants")->at("participants").size(), 1u);
  // She leaves (the call ends with her) and comes back within the grace.
  service->leave(4, meeting);
  EXPECT_EQ(service->calls(), 0u);
  ASSERT_TRUE(join(5, "mem_helen"));
  EXPECT_EQ(service->calls(), 1u);
  EXPECT_EQ(metric("parley_media_joins_refused_total{worker=\"0\"}"), "2");

  // Below the limit newcomers are welcome again.
  ASSERT_TRUE(set_load(0, 0.5, media::Pressure::normal));
  ASSERT_TRUE(join(2, "mem_olga"));
  EXPECT_EQ(last("call.participants")->at("participants").size(), 2u);
}

TEST_F(CallServiceTest, AfterTheRejoinGraceAReturningMemberCountsAsNew) {
  CallConfig config;
  config.workers = 1;
  config.rejoin_grace = std::chrono::milliseconds(50);
  ASSERT_NO_FATAL_FAILURE(start(config));
  ASSERT_TRUE(join(1, "mem_helen"));
  ASSERT_TRUE(join(2, "mem_olga"));
  ASSERT_TRUE(set_load(0, 0.95, media::Pressure::saturated));
  service->leave(2, meeting);
  std::this_thread::sleep_for(100ms);
  auto refused = join(3, "mem_olga");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "media_saturated");
}

// A new meeting's call goes to the worker with the lowest load, and among
// workers equally loaded (within 5%) to the one with fewest participants.
TEST_F(CallServiceTest, ANewCallIsPlacedOnTheLeastLoadedWorker) {
  CallConfig config;
  config.workers = 2;
  ASSERT_NO_FATAL_FAILURE(start(config));
  auto calls_on = [&](int w) { return metric("parley_media_calls{worker=\"" + std::to_string(w) + "\"}"); };
  ASSERT_TRUE(set_load(0, 0.5, media::Pressure::normal));
  ASSERT_TRUE(set_load(1, 0.1, media::Pressure::normal));
  ASSERT_TRUE(run_until([&] { return metric("parley_media_worker_load{worker=\"0\"}") == "0.500"; }));
  ASSERT_TRUE(join(1, "mem_helen", "mtg_a"));
  ASSERT_TRUE(join(2, "mem_olga", "mtg_b"));
  EXPECT_EQ(calls_on(0), "0");
  EXPECT_EQ(calls_on(1), "2") << "load first, though worker 1 has more participants";
  ASSERT_TRUE(set_load(0, 0.12, media::Pressure::normal));
  ASSERT_TRUE(run_until([&] { return metric("parley_media_worker_load{worker=\"0\"}") == "0.120"; }));
  ASSERT_TRUE(join(3, "mem_pierre", "mtg_c"));
  EXPECT_EQ(calls_on(0), "1") << "equal loads: the fewest participants";
  // A saturated worker is never chosen while another is not.
  ASSERT_TRUE(set_load(0, 0.95, media::Pressure::saturated));
  ASSERT_TRUE(join(4, "mem_anna", "mtg_d"));
  EXPECT_EQ(calls_on(1), "3");
  // Joining a call goes to its worker whatever the others' loads.
  ASSERT_TRUE(join(5, "mem_boris", "mtg_b"));
  EXPECT_EQ(calls_on(1), "3");
}

// Interpretation (docs/protocol.md §Interpretation) in the control plane:
// only interpreters the terms name publish a channel or go live; a listener
// is offered one channel slot, an interpreter one per channel; an
// interpreter's channel track is never offered as the floor's; a channel
// has one voice; the state is announced to everyone.
TEST_F(CallServiceTest, OnlyNamedInterpretersPublishIntoChannelsAndListenersChooseOne) {
  std::map<ConnectionId, std::vector<Json>> got;
  auto enter = [&](ConnectionId conn, const std::string& member, const std::string& channel_mid) {
    std::string offer = read_data("chromium-publish-audio-video.sdp");
    offer = replace_lines(offer, "a=fingerprint:", "a=fingerprint:sha-256 " + client.ctx->fingerprint());
    negotiation::Admitted a{member, "east", "interpreter", "a2V5"};
    a.languages = {"ru", "en", "fr"};
    a.interpretation = {{"mem_olga", {"ru", "en"}}, {"mem_anna", {"en", "ru"}}, {"mem_pierre", {"fr", "en"}}};
    return service->join(conn, meeting, Joiner{a, member, channel_mid}, offer,
                         [&got, conn](const call::Outgoing& m) { got[conn].push_back(Json::parse(*m.text)); });
  };
  auto latest = [&](ConnectionId conn, const std::string& type) -> Json {
    for (auto it = got[conn].rbegin(); it != got[conn].rend(); ++it)
      if ((*it)["type"] == type) return *it;
    return nullptr;
  };
  auto code = [](const Status& s) { return s ? std::string("ok") : s.error().code; };

  // Someone the terms do not name may not publish a channel: refused
  // before anything is made.
  EXPECT_EQ(code(enter(9, "mem_helen", "0")), "not_interpreter");
  EXPECT_EQ(service->calls(), 0u);
  EXPECT_EQ(code(enter(8, "mem_olga", "1")), "invalid_field") << "mid 1 is the video section";
  ASSERT_EQ(code(enter(1, "mem_olga", "0")), "ok");
  ASSERT_EQ(code(enter(2, "mem_helen", "")), "ok");
  ASSERT_EQ(code(enter(3, "mem_anna", "0")), "ok");
  ASSERT_EQ(code(enter(4, "mem_boris", "")), "ok");
  int rounds = 0;
  run_until([&] { return ++rounds > 40; });  // the workers' reports (200 ms)

  // Offers: a listener gets one slot ("channel"); an interpreter one per
  // channel; nobody gets an interpreter's channel track as the floor's
  // (Olga's msid appears for her video only).
  auto offer_to = [&](ConnectionId conn) { return latest(conn, "call.offer")["sdp"].get<std::string>(); };
  auto occurrences = [](const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto i = text.find(what); i != std::string::npos; i = text.find(what, i + 1)) ++n;
    return n;
  };
  const std::string helen_offer = offer_to(2);
  EXPECT_EQ(occurrences(helen_offer, "a=msid:channel "), 1u) << helen_offer;
  EXPECT_EQ(occurrences(helen_offer, "a=msid:channel-"), 0u);
  EXPECT_EQ(occurrences(helen_offer, "a=msid:mem_olga "), 1u) << "Olga's video, not her channel";
  const std::string olga_offer = offer_to(1);
  for (const char* lang : {"ru", "en", "fr"})
    EXPECT_EQ(occurrences(olga_offer, std::string("a=msid:channel-") + lang + " "), 1u) << lang;
  EXPECT_EQ(occurrences(olga_offer, "a=msid:channel "), 0u);

  // Going live: only for a pair the terms name for you, with a channel track.
  EXPECT_EQ(code(service->interpret(2, meeting, {"ru", "en"}, "en", true)), "not_interpreter");
  EXPECT_EQ(code(service->interpret(1, meeting, {"fr", "en"}, "en", true)), "not_interpreter");
  EXPECT_EQ(code(service->interpret(1, meeting, {"ru", "en"}, "fr", true)), "invalid_field");
  EXPECT_EQ(code(service->interpret(77, meeting, {"ru", "en"}, "en", true)), "not_in_call");
  ASSERT_EQ(code(service->interpret(1, meeting, {"ru", "en"}, "en", true)), "ok");
  Json state = latest(4, "call.interpretation");
  ASSERT_TRUE(state.is_object()) << "everyone is told";
  EXPECT_EQ(state["channels"][1], Json({{"language", "en"}, {"live", "mem_olga"}, {"booth", {"ru", "en"}}}));
  EXPECT_EQ(state["booths"][0]["into"], "en");
  // Her booth partner takes over (the pair in the other order is the same
  // booth); then switches direction.
  ASSERT_EQ(code(service->interpret(3, meeting, {"en", "ru"}, "en", true)), "ok");
  state = latest(1, "call.interpretation");
  EXPECT_EQ(state["booths"][0]["live"], "mem_anna");
  ASSERT_EQ(code(service->interpret(3, meeting, {"en", "ru"}, "ru", true)), "ok");
  state = latest(1, "call.interpretation");
  EXPECT_EQ(state["channels"][0]["live"], "mem_anna");
  EXPECT_TRUE(state["channels"][1]["live"].is_null());

  // Listeners choose a channel of the terms, or none.
  EXPECT_EQ(code(service->listen(2, meeting, "de")), "no_such_channel");
  ASSERT_EQ(code(service->listen(2, meeting, "ru")), "ok");
  EXPECT_EQ(latest(4, "call.interpretation")["listening"]["mem_helen"], "ru");
  ASSERT_EQ(code(service->listen(2, meeting, std::nullopt)), "ok");
  EXPECT_TRUE(latest(4, "call.interpretation")["listening"]["mem_helen"].is_null());

  // The auditor's view: nothing was sent to anyone yet (no media flows in
  // this test); every participant and channel is listed.
  auto view = service->describe(meeting);
  ASSERT_TRUE(view);
  EXPECT_EQ((*view)["participants"].size(), 4u);
  for (const auto& p : (*view)["participants"]) {
    EXPECT_EQ(p["received"], Json({{"ru", 0}, {"en", 0}, {"fr", 0}})) << p.dump();
    EXPECT_EQ(p["interpreter"], p["member"] == "mem_olga" || p["member"] == "mem_anna") << p.dump();
  }
  EXPECT_FALSE(service->describe("mtg_none"));

  // A live interpreter who leaves stays live for the booth (a reload comes
  // back to it); their channel is silent meanwhile.
  service->leave(3, meeting);
  state = latest(1, "call.interpretation");
  EXPECT_EQ(state["booths"][0]["live"], "mem_anna");
  EXPECT_EQ(state["booths"][0]["interpreters"][1], Json({{"member", "mem_anna"}, {"present", false}, {"channel", false}}));
}

}  // namespace
}  // namespace parley::call
