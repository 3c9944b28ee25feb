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
  restarting_ = false;
  // Waiting again after an ICE restart revived a transport whose consent
  // had lapsed: with the SRTP keys still there, it is connected at once.
  if (state_ == State::waiting) state_ = srtp_in_ ? State::connected : State::connecting;
}

bool Transport::restart_ice(std::string local_ufrag, std::string local_pwd, std::string remote_ufrag) {
  if (state_ == State::closed || dtls_->state() == DtlsSession::State::failed) return false;
  if (dtls_->state() == DtlsSession::State::connected && !srtp_in_) return false;  // SRTP setup failed
  params_.local_ufrag = std::move(local_ufrag);
  params_.local_pwd = std::move(local_pwd);
  params_.remote_ufrag = std::move(remote_ufrag);
  restarting_ = true;
  if (state_ == State::failed) {
    // RFC 7675 §5.1: consent lapsed, so the old address may not be sent to
    // again; a check with the new credentials binds the one to use.
    state_ = State::waiting;
    failure_.clear();
    bound_.reset();
  }
  return true;
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
