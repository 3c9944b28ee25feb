#include "load/parley_signalling.h"

#include <nlohmann/json.hpp>

namespace parley::load {

using Json = nlohmann::json;

Expected<std::unique_ptr<ParleySignalling>> ParleySignalling::connect(
    const std::string& base_url, const std::string& token, std::chrono::milliseconds timeout) {
  auto ws = client::LiveClient::connect(base_url, "/api/v1/live", "");
  if (!ws) return ws.error();
  std::unique_ptr<ParleySignalling> s(new ParleySignalling());
  s->ws_ = std::move(*ws);
  if (auto st = s->ws_->send(Json{{"type", "auth"}, {"token", token}}.dump()); !st)
    return st.error();
  auto reply = s->ws_->receive(timeout);
  if (!reply) return reply.error();
  Json j = Json::parse(*reply, nullptr, false);
  if (!j.is_object() || j.value("type", "") != "authenticated")
    return make_error("load_signalling", "authentication refused: " + *reply);
  return s;
}

void ParleySignalling::handle(const std::string& text) {
  Json m = Json::parse(text, nullptr, false);
  if (!m.is_object() || !m.contains("type") || !m["type"].is_string()) {
    errors_.push_back("bad_message: " + text.substr(0, 200));
    return;
  }
  const std::string type = m["type"];
  if (type == "call.joined" && m.contains("answer") && m["answer"].is_string()) {
    answer_sdp_ = m["answer"].get<std::string>();
    joined_ = true;
  } else if (type == "call.offer" && m.contains("sdp") && m["sdp"].is_string() && session_) {
    auto offer = sdp::parse(m["sdp"].get_ref<const std::string&>());
    if (!offer) {
      errors_.push_back(offer.error().code + ": " + offer.error().message);
      return;
    }
    auto answer = write_client_answer(*session_, *offer);
    if (!answer) {
      errors_.push_back(answer.error().code + ": " + answer.error().message);
      return;
    }
    if (auto st = ws_->send(
            Json{{"type", "call.answer"}, {"meeting", meeting_}, {"sdp", *answer}}.dump());
        !st) {
      errors_.push_back(st.error().code + ": " + st.error().message);
      return;
    }
    ++offers_answered_;
  } else if (type == "call.participants" && m.contains("participants") &&
             m["participants"].is_array()) {
    participants_ = m["participants"].size();
  } else if (type == "call.error" || type == "error") {
    errors_.push_back(m.value("code", std::string("?")) + ": " + m.value("message", std::string()));
  }
}

Expected<ServerTransport> ParleySignalling::join(const std::string& meeting, ClientSession& session,
                                                 std::chrono::milliseconds timeout) {
  meeting_ = meeting;
  session_ = &session;
  const std::string offer = write_client_offer(session);
  if (auto st =
          ws_->send(Json{{"type", "call.join"}, {"meeting", meeting}, {"offer", offer}}.dump());
      !st)
    return st.error();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::size_t errors_before = errors_.size();
  while (!joined_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return make_error("load_signalling", "no call.joined within the timeout");
    auto msg = ws_->receive(left);
    if (!msg) return msg.error();
    handle(*msg);
    if (errors_.size() > errors_before)
      return make_error("load_signalling", "call.join refused: " + errors_.back());
  }
  auto answer = sdp::parse(answer_sdp_);
  if (!answer) return answer.error();
  return server_transport(*answer);
}

int ParleySignalling::poll(std::chrono::milliseconds timeout) {
  int handled = 0;
  if (closed_) return 0;
  auto msg = ws_->receive(timeout);
  while (msg) {
    handle(*msg);
    ++handled;
    msg = ws_->receive(std::chrono::milliseconds(1));
  }
  if (msg.error().code == "closed" && !closed_) {
    closed_ = true;
    errors_.push_back("closed: " + msg.error().message);
  }
  return handled;
}

void ParleySignalling::leave() {
  if (!meeting_.empty())
    (void)ws_->send(Json{{"type", "call.leave"}, {"meeting", meeting_}}.dump());
}

}  // namespace parley::load
