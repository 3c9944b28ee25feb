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
  checked_after_restart();
}

void Transport::touch(std::chrono::steady_clock::time_point now) {
  last_check_ = now;
  checked_after_restart();
}

// RFC 7675 §5.1: consent that lapsed comes back only through an ICE restart.
// Nothing else fails a transport whose DTLS is still usable, so a failed
// one that gets here lost consent, and this check (with the restart's
// credentials) gives it back.
void Transport::checked_after_restart() {
  if (!restarting_) return;
  restarting_ = false;
  if (state_ != State::failed || !dtls_usable()) return;
  state_ = srtp_in_ ? State::connected : State::connecting;
  failure_.clear();
}

bool Transport::dtls_usable() const {
  if (dtls_->state() == DtlsSession::State::failed) return false;
  return dtls_->state() != DtlsSession::State::connected || srtp_in_ != nullptr;
}

bool Transport::restart_ice(std::string local_ufrag, std::string local_pwd, std::string remote_ufrag) {
  if (state_ == State::closed || !dtls_usable()) return false;
  params_.local_ufrag = std::move(local_ufrag);
  params_.local_pwd = std::move(local_pwd);
  params_.remote_ufrag = std::move(remote_ufrag);
  restarting_ = true;
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
