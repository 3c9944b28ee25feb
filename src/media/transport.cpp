#include "media/transport.h"

namespace parley::media {

Transport::Transport(TransportId id, TransportParams params, std::unique_ptr<DtlsSession> dtls)
    : id_(id), params_(std::move(params)), dtls_(std::move(dtls)) {}

void Transport::bind(const Endpoint& from, std::chrono::steady_clock::time_point now) {
  // ICE-lite follows the peer: a later check that passes from another
  // address moves the transport there (RFC 8445 §2.5; the full agent
  // nominates).
  bound_ = from;
  last_check_ = now;
  if (state_ == State::waiting) state_ = State::connecting;
}

void Transport::fail(std::string why) {
  if (state_ == State::failed || state_ == State::closed) return;
  state_ = State::failed;
  failure_ = std::move(why);
}

void Transport::dtls_progressed() {
  if (state_ != State::connecting) return;
  if (dtls_->state() == DtlsSession::State::failed) return fail(dtls_->error());
  if (dtls_->state() != DtlsSession::State::connected) return;
  auto in = Srtp::create(dtls_->keys(), Srtp::Direction::inbound);
  auto out = Srtp::create(dtls_->keys(), Srtp::Direction::outbound);
  if (!in) return fail(in.error().message);
  if (!out) return fail(out.error().message);
  srtp_in_ = std::move(*in);
  srtp_out_ = std::move(*out);
  state_ = State::connected;
}

}  // namespace parley::media
