#include "call/call_service.h"

#include <openssl/rand.h>

#include <algorithm>
#include <thread>

#include "common/encoding.h"
#include "crypto/hash.h"

namespace parley::call {

using json::Json;

namespace {

std::string random_token(std::size_t n) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::vector<std::uint8_t> bytes(n);
  RAND_bytes(bytes.data(), static_cast<int>(n));
  std::string out;
  for (auto b : bytes) out += kChars[b % (sizeof kChars - 1)];
  return out;
}

std::uint64_t random_u63() {
  std::uint64_t v = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v);
  return v >> 1;
}

std::vector<std::uint8_t> hex_pairs_to_bytes(const std::string& text) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 3)
    out.push_back(static_cast<std::uint8_t>(std::stoi(text.substr(i, 2), nullptr, 16)));
  return out;
}

// A short form of a member's key that people can compare aloud: the first
// 8 bytes of SHA-256 of the base64url key text, as four groups of hex.
std::string short_fingerprint(const std::string& key) {
  auto h = crypto::sha256_hex(key).substr(0, 16);
  return h.substr(0, 4) + " " + h.substr(4, 4) + " " + h.substr(8, 4) + " " + h.substr(12, 4);
}

media::StreamKind stream_kind(sdp::MediaKind k) {
  return k == sdp::MediaKind::video ? media::StreamKind::video : media::StreamKind::audio;
}

// Publisher payload types → the subscriber's, codec by codec (and RTX to RTX).
media::PayloadMap payload_map(const std::vector<sdp::NegotiatedCodec>& pub, const std::vector<sdp::NegotiatedCodec>& sub) {
  media::PayloadMap m;
  m.fill(0xFF);
  for (const auto& p : pub)
    for (const auto& s : sub)
      if (p.codec == s.codec) {
        m[p.pt & 0x7F] = s.pt;
        if (p.rtx_pt && s.rtx_pt) m[*p.rtx_pt & 0x7F] = *s.rtx_pt;
        break;
      }
  return m;
}

Error sdp_error(const Error& e) { return make_error("invalid_sdp", e.message + " [" + e.code + "]"); }

}  // namespace

Expected<std::unique_ptr<CallService>> CallService::start(CallConfig config, Post post) {
  std::unique_ptr<CallService> s(new CallService());
  s->config_ = std::move(config);
  if (s->config_.public_address.empty()) s->config_.public_address = s->config_.bind_address;
  s->post_ = std::move(post);
  auto dtls = media::DtlsContext::create();
  if (!dtls) return dtls.error();
  s->dtls_ = *dtls;
  s->fingerprint_bytes_ = hex_pairs_to_bytes(s->dtls_->fingerprint());
  std::size_t n = s->config_.workers ? s->config_.workers : std::max(1u, std::thread::hardware_concurrency());
  for (std::size_t i = 0; i < n; ++i) {
    media::WorkerConfig wc;
    wc.address = s->config_.bind_address;
    wc.port = s->config_.base_port ? static_cast<std::uint16_t>(s->config_.base_port + i) : 0;
    wc.pool_packets = s->config_.pool_packets;
    auto w = media::Worker::start(wc, s->dtls_);
    if (!w) return w.error();
    media::Worker* wp = w->get();
    CallService* self = s.get();
    wp->post([wp, self, i] {
      wp->set_handlers(
          [](media::Transport& t, media::Packet& p, bool rtcp) {
            if (t.owner) static_cast<media::Call*>(t.owner)->on_media(t, p, rtcp);
          },
          [self, i](media::Transport& t) { self->on_transport_state(t, i); });
    });
    s->workers_.push_back(Worker{std::move(*w), 0});
  }
  return s;
}

CallService::~CallService() {
  // Every call's worker-side state goes first, on its worker; then the
  // workers stop (their destructors free the transports and join).
  for (auto& [_, c] : calls_) {
    auto* w = workers_[c.worker].worker.get();
    w->post([m = std::shared_ptr<media::Call>(std::move(c.media))]() mutable { m.reset(); });
  }
  calls_.clear();
  workers_.clear();
}

// Runs on a worker thread: hands the change to the service thread.
void CallService::on_transport_state(media::Transport& t, std::size_t worker) {
  auto id = t.id();
  auto state = t.state();
  auto why = t.failure();
  post_([this, worker, id, state, why] {
    for (auto& [_, c] : calls_) {
      if (c.worker != worker) continue;
      for (auto& [pid, p] : c.peers) {
        if (p.transport != id) continue;
        if (state == media::Transport::State::connected) p.state = "connected";
        if (state == media::Transport::State::failed) {
          p.state = "failed";
          p.sink(Json{{"type", "call.error"}, {"meeting", c.meeting}, {"code", "connection_failed"},
                      {"message", "the media connection failed: " + why}});
        }
        announce_participants(c);
        return;
      }
    }
  });
}

CallService::Peer* CallService::find_peer(Call& c, ConnectionId conn) {
  for (auto& [_, p] : c.peers)
    if (p.conn == conn) return &p;
  return nullptr;
}

Status CallService::join(ConnectionId conn, const std::string& meeting, const Joiner& who, std::string_view offer_text,
                         Sink sink) {
  auto parsed_offer = sdp::parse(offer_text);
  if (!parsed_offer) return sdp_error(parsed_offer.error());
  Call* c = find(meeting);
  // The same member joining again (a reconnection) replaces their old place.
  if (c)
    for (auto& [pid, p] : c->peers)
      if (p.who.admitted.member == who.admitted.member) {
        remove(*c, pid);
        break;
      }
  c = find(meeting);
  if (c && c->peers.size() >= config_.max_participants)
    return make_error("call_full", "this call has its maximum of " + std::to_string(config_.max_participants) + " participants");
  std::size_t worker = 0;
  if (c) {
    worker = c->worker;
  } else {
    for (std::size_t i = 1; i < workers_.size(); ++i)
      if (workers_[i].calls < workers_[worker].calls) worker = i;
  }
  auto* w = workers_[worker].worker.get();

  sdp::LocalTransport lt;
  lt.ice_ufrag = random_token(8);
  lt.ice_pwd = random_token(24);
  lt.fingerprint_sha256 = fingerprint_bytes_;
  lt.address = config_.public_address;
  lt.port = w->port();
  lt.session_id = random_u63();
  lt.session_version = 1;
  auto n = sdp::negotiate_answer(*parsed_offer, caps_, lt);
  if (!n) return sdp_error(n.error());
  auto answer = sdp::write_answer(n->local);
  if (!answer) return sdp_error(answer.error());
  const sdp::Fingerprint* fp = nullptr;
  for (const auto& f : n->remote.fingerprints)
    if (f.algorithm == "sha-256") fp = &f;
  if (!fp) return make_error("invalid_sdp", "the offer has no sha-256 DTLS fingerprint [sdp_no_fingerprint]");

  Peer p;
  p.conn = conn;
  p.id = next_participant_++;
  p.who = who;
  p.sink = std::move(sink);
  p.local = n->local;
  // What the client publishes: sections where the server receives, with
  // the SSRCs the offer announces (RTX from the FID group).
  for (std::size_t i = 0; i < n->local.sections.size() && i < parsed_offer->media.size(); ++i) {
    const auto& sec = n->local.sections[i];
    if (sec.rejected || sec.direction != sdp::Direction::recvonly) continue;
    const auto& m = parsed_offer->media[i];
    if (m.ssrcs.empty()) continue;  // simulcast by rid only: not forwarded yet (docs/media.md)
    if (p.streams.size() >= config_.max_streams)
      return make_error("too_many_streams", "at most " + std::to_string(config_.max_streams) + " published streams per participant");
    Stream s;
    s.ssrc = m.ssrcs.front().ssrc;
    for (const auto& g : m.ssrc_groups)
      if (g.semantics == "FID" && g.ssrcs.size() == 2) {
        s.ssrc = g.ssrcs[0];
        s.rtx_ssrc = g.ssrcs[1];
      }
    s.kind = sec.kind;
    s.mid = sec.mid;
    s.codecs = sec.codecs;
    p.streams.push_back(s);
  }

  if (!c) {
    Call fresh;
    fresh.meeting = meeting;
    fresh.worker = worker;
    fresh.media = std::make_unique<media::Call>(*w);
    // Set before the worker sees the call; runs on the worker, reports here.
    fresh.media->on_active_speaker([this, meeting](media::ParticipantId id) {
      post_([this, meeting, id] {
        Call* c = find(meeting);
        if (!c || !c->peers.count(id)) return;
        Json msg = {{"type", "call.active_speaker"}, {"meeting", meeting},
                    {"member", c->peers.at(id).who.admitted.member}};
        for (auto& [_, p] : c->peers) p.sink(msg);
      });
    });
    c = &calls_.emplace(meeting, std::move(fresh)).first->second;
    ++workers_[worker].calls;
  }
  std::uint8_t twcc = 0, audio_level = 0;
  for (const auto& sec : n->local.sections)
    if (!sec.rejected)
      for (const auto& e : sec.extensions) {
        if (e.uri == sdp::kExtTransportCc && e.id < 15) twcc = static_cast<std::uint8_t>(e.id);
        if (e.uri == sdp::kExtAudioLevel && e.id < 15) audio_level = static_cast<std::uint8_t>(e.id);
      }
  media::TransportParams params{lt.ice_ufrag, lt.ice_pwd, n->remote.ice_ufrag, fingerprint_text(fp->bytes),
                                media::DtlsSession::Role::server};
  media::Call* mc = c->media.get();
  auto pid = p.id;
  std::vector<media::PublishedStream> published;
  for (const auto& s : p.streams) {
    published.push_back({s.ssrc, stream_kind(s.kind)});
    if (s.rtx_ssrc) published.push_back({s.rtx_ssrc, stream_kind(s.kind)});
  }
  w->post([this, w, mc, pid, params, published, meeting, twcc, audio_level] {
    auto t = w->add_transport(params);
    media::TransportId tid = t ? (*t)->id() : 0;
    if (t) {
      mc->add_participant(pid, *t, twcc, audio_level);
      for (const auto& s : published) mc->publish(pid, s);
    }
    post_([this, meeting, pid, tid] {
      Call* c = find(meeting);
      if (!c || !c->peers.count(pid)) return;
      if (tid == 0) {
        c->peers.at(pid).sink(Json{{"type", "call.error"}, {"meeting", meeting}, {"code", "media_full"},
                                   {"message", "the media server has no room for another connection"}});
        return remove(*c, pid);
      }
      c->peers.at(pid).transport = tid;
    });
  });
  auto& peer = c->peers.emplace(p.id, std::move(p)).first->second;
  peer.sink(Json{{"type", "call.joined"}, {"meeting", meeting}, {"answer", *answer}, {"self", participant_json(peer)}});
  // Who is in the call before the streams that show them.
  announce_participants(*c);
  for (auto& [oid, other] : c->peers) {
    if (oid == peer.id) continue;
    offer(*c, other);
  }
  offer(*c, peer);
  return ok_status();
}

void CallService::offer(Call& c, Peer& p) {
  if (p.offer_pending) {
    p.renegotiate = true;
    return;
  }
  sdp::LocalDescription next = p.local;
  std::map<std::uint32_t, std::string> sent = p.sent;
  bool changed = false;
  if (p.ice_restart) {
    // RFC 8839 §4.4.1.1.1, JSEP §5.2.1: an offer with new ice-ufrag and
    // ice-pwd restarts ICE; the client must answer with new ones too.
    next.transport.ice_ufrag = random_token(8);
    next.transport.ice_pwd = random_token(24);
    ++next.transport.session_version;
    changed = true;
  }
  // Every stream of every other participant, once.
  std::map<std::uint32_t, std::pair<const Peer*, const Stream*>> wanted;
  for (const auto& [oid, o] : c.peers)
    if (oid != p.id)
      for (const auto& s : o.streams) wanted[s.ssrc] = {&o, &s};
  for (auto it = sent.begin(); it != sent.end();) {
    if (wanted.count(it->first)) {
      ++it;
      continue;
    }
    if (sdp::stop_section(next, it->second)) changed = true;
    it = sent.erase(it);
  }
  for (const auto& [ssrc, ps] : wanted) {
    if (sent.count(ssrc)) continue;
    sdp::SendTrack track;
    track.ssrc = ssrc;
    if (ps.second->rtx_ssrc) track.rtx_ssrc = ps.second->rtx_ssrc;
    track.cname = ps.first->who.admitted.member;
    track.stream_id = ps.first->who.admitted.member;
    track.track_id = std::string(ps.second->kind == sdp::MediaKind::video ? "video-" : "audio-") + std::to_string(ssrc);
    auto mid = sdp::add_send_section(next, ps.second->kind, track, caps_);
    if (!mid) continue;  // no room (max sections): that stream is not sent to this participant
    sent[ssrc] = *mid;
    changed = true;
  }
  if (!changed) return;
  auto text = sdp::write_offer(next);
  if (!text) return;
  p.offered = std::move(next);
  p.offered_sent = std::move(sent);
  p.offer_pending = true;
  p.renegotiate = false;
  p.ice_restart = false;
  p.sink(Json{{"type", "call.offer"}, {"meeting", c.meeting}, {"sdp", *text}});
}

Status CallService::answer(ConnectionId conn, const std::string& meeting, std::string_view sdp_text) {
  Call* c = find(meeting);
  Peer* p = c ? find_peer(*c, conn) : nullptr;
  if (!p) return make_error("not_in_call", "you are not in this meeting's call");
  if (!p->offer_pending) return make_error("no_offer", "there is no offer from the server to answer");
  auto parsed = sdp::parse(sdp_text);
  if (!parsed) return sdp_error(parsed.error());
  auto n = sdp::apply_answer(p->offered, *parsed);
  if (!n) return sdp_error(n.error());
  const bool ice_restarted = n->local.transport.ice_ufrag != p->local.transport.ice_ufrag;
  p->local = n->local;
  p->sent = p->offered_sent;
  p->offer_pending = false;
  subscribe_agreed(*c, *p);
  if (ice_restarted) apply_ice_restart(*c, *p, n->remote.ice_ufrag);
  if (p->renegotiate) offer(*c, *p);
  return ok_status();
}

// After an agreed session: the worker sends each stream whose section the
// client accepted, with the payload types agreed in that section.
void CallService::subscribe_agreed(Call& c, Peer& p) {
  std::vector<std::pair<std::uint32_t, media::PayloadMap>> subs;
  std::vector<std::uint32_t> unsubs;
  std::map<std::uint32_t, const Stream*> streams;
  for (const auto& [oid, o] : c.peers)
    for (const auto& s : o.streams) streams[s.ssrc] = &s;
  for (const auto& sec : p.local.sections) {
    if (!sec.track) continue;
    std::uint32_t ssrc = sec.track->ssrc;
    auto st = streams.find(ssrc);
    bool sending = !sec.rejected && sec.direction == sdp::Direction::sendonly && st != streams.end();
    std::uint32_t rtx = sec.track->rtx_ssrc.value_or(0);
    if (sending) {
      auto map = payload_map(st->second->codecs, sec.codecs);
      subs.push_back({ssrc, map});
      if (rtx) subs.push_back({rtx, map});
    } else {
      unsubs.push_back(ssrc);
      if (rtx) unsubs.push_back(rtx);
    }
  }
  media::Call* mc = c.media.get();
  auto pid = p.id;
  workers_[c.worker].worker->post([mc, pid, subs, unsubs] {
    for (auto s : unsubs) mc->unsubscribe(pid, s);
    for (const auto& [ssrc, map] : subs) mc->subscribe(pid, ssrc, map);
  });
}

void CallService::remove(Call& c, media::ParticipantId id) {
  auto it = c.peers.find(id);
  if (it == c.peers.end()) return;
  c.peers.erase(it);
  auto* w = workers_[c.worker].worker.get();
  media::Call* mc = c.media.get();
  // By participant, not by the transport id this thread may not have heard
  // of yet: the worker runs tasks in order, so the transport exists by now.
  w->post([w, mc, id] {
    if (media::Transport* t = mc->remove_participant(id)) w->remove_transport(t->id());
  });
  if (c.peers.empty()) {
    --workers_[c.worker].calls;
    w->post([m = std::shared_ptr<media::Call>(std::move(c.media))]() mutable { m.reset(); });
    calls_.erase(c.meeting);
    return;
  }
  for (auto& [_, o] : c.peers) offer(c, o);
  announce_participants(c);
}

void CallService::leave(ConnectionId conn, const std::string& meeting) {
  Call* c = find(meeting);
  Peer* p = c ? find_peer(*c, conn) : nullptr;
  if (!p) return;
  p->sink(Json{{"type", "call.left"}, {"meeting", meeting}});
  remove(*c, p->id);
}

void CallService::disconnected(ConnectionId conn) {
  std::vector<std::pair<std::string, media::ParticipantId>> gone;
  for (auto& [m, c] : calls_)
    for (auto& [pid, p] : c.peers)
      if (p.conn == conn) gone.push_back({m, pid});
  for (const auto& [m, pid] : gone)
    if (Call* c = find(m)) remove(*c, pid);
}

Status CallService::restart(ConnectionId conn, const std::string& meeting) {
  Call* c = find(meeting);
  Peer* p = c ? find_peer(*c, conn) : nullptr;
  if (!p) return make_error("not_in_call", "you are not in this meeting's call");
  // The worker has not reported the transport yet (a few microseconds
  // after call.joined): there is no connection to restart.
  if (p->transport == 0) return make_error("not_connected", "the media connection is still being set up");
  p->ice_restart = true;
  offer(*c, *p);  // or after the answer to the outstanding offer
  return ok_status();
}

// The client accepted an offer with new ICE credentials: the transport takes
// them (and the client's new ufrag). Until a check with them arrives the
// participant is "connecting" again; the worker reports when it does.
void CallService::apply_ice_restart(Call& c, Peer& p, const std::string& remote_ufrag) {
  p.state = "connecting";
  announce_participants(c);
  auto* w = workers_[c.worker].worker.get();
  const auto& t = p.local.transport;
  w->post([this, w, tid = p.transport, ufrag = t.ice_ufrag, pwd = t.ice_pwd, remote_ufrag, meeting = c.meeting,
           pid = p.id] {
    auto s = w->restart_ice(tid, ufrag, pwd, remote_ufrag);
    if (s) return;
    post_([this, meeting, pid, e = s.error()] {
      Call* c = find(meeting);
      if (!c || !c->peers.count(pid)) return;
      Peer& p = c->peers.at(pid);
      p.state = "failed";
      p.sink(Json{{"type", "call.error"}, {"meeting", meeting}, {"code", "restart_failed"},
                  {"message", "the media connection cannot be restarted (" + e.message + "); join again"}});
      announce_participants(*c);
    });
  });
}

Json CallService::participant_json(const Peer& p) const {
  Json streams = Json::array();
  for (const auto& s : p.streams)
    streams.push_back({{"ssrc", s.ssrc}, {"kind", s.kind == sdp::MediaKind::video ? "video" : "audio"}});
  return {{"member", p.who.admitted.member}, {"name", p.who.name}, {"party", p.who.admitted.party},
          {"role", p.who.admitted.role}, {"key_fingerprint", short_fingerprint(p.who.admitted.key)},
          {"state", p.state}, {"streams", streams}};
}

void CallService::announce_participants(Call& c) {
  Json list = Json::array();
  for (const auto& [_, p] : c.peers) list.push_back(participant_json(p));
  Json msg = {{"type", "call.participants"}, {"meeting", c.meeting}, {"participants", list}};
  for (auto& [_, p] : c.peers) p.sink(msg);
}

std::vector<CallService::WorkerLoad> CallService::load() const {
  std::vector<WorkerLoad> out;
  for (const auto& w : workers_) out.push_back({w.worker->port(), w.calls, &w.worker->stats()});
  return out;
}

std::string CallService::metrics_text() const {
  struct Counter {
    const char* name;
    const char* help;
    const std::atomic<std::uint64_t> media::WorkerStats::*field;
  };
  static const Counter kCounters[] = {
      {"parley_media_datagrams_in_total", "UDP datagrams received by a media worker", &media::WorkerStats::datagrams_in},
      {"parley_media_datagrams_out_total", "UDP datagrams sent by a media worker", &media::WorkerStats::datagrams_out},
      {"parley_media_bytes_in_total", "Bytes received by a media worker", &media::WorkerStats::bytes_in},
      {"parley_media_bytes_out_total", "Bytes sent by a media worker", &media::WorkerStats::bytes_out},
      {"parley_media_stun_malformed_total", "STUN dropped: malformed, not a binding request, or bad FINGERPRINT", &media::WorkerStats::stun_malformed},
      {"parley_media_stun_unknown_username_total", "STUN dropped: USERNAME names no transport", &media::WorkerStats::stun_unknown_username},
      {"parley_media_stun_bad_integrity_total", "STUN dropped: MESSAGE-INTEGRITY does not verify", &media::WorkerStats::stun_bad_integrity},
      {"parley_media_unbound_dropped_total", "DTLS/RTP/RTCP dropped: from an address no check has bound, or before DTLS", &media::WorkerStats::unbound_dropped},
      {"parley_media_unknown_dropped_total", "Datagrams dropped: first byte of no known protocol (RFC 7983)", &media::WorkerStats::unknown_kind_dropped},
      {"parley_media_truncated_dropped_total", "Datagrams dropped: larger than a packet buffer", &media::WorkerStats::truncated_dropped},
      {"parley_media_dtls_failed_total", "DTLS handshakes failed (including fingerprint mismatch)", &media::WorkerStats::dtls_failed},
      {"parley_media_srtp_unprotect_failed_total", "SRTP/SRTCP packets that failed authentication or replay checks", &media::WorkerStats::srtp_unprotect_failed},
      {"parley_media_pool_exhausted_total", "Receives that found the packet pool empty", &media::WorkerStats::pool_exhausted},
      {"parley_media_send_dropped_total", "Outgoing packets dropped (not connected, no buffer, kernel queue full)", &media::WorkerStats::send_dropped},
      {"parley_media_rtp_forwarded_total", "RTP packets forwarded to subscribers", &media::WorkerStats::rtp_forwarded},
      {"parley_media_rtcp_forwarded_total", "RTCP packets forwarded (sender reports)", &media::WorkerStats::rtcp_forwarded},
      {"parley_media_rtp_malformed_total", "Decrypted RTP that did not parse, dropped", &media::WorkerStats::rtp_malformed},
      {"parley_media_rtcp_malformed_total", "Decrypted RTCP that did not parse, dropped", &media::WorkerStats::rtcp_malformed},
      {"parley_media_unknown_ssrc_total", "RTP from an SSRC its sender did not announce, dropped", &media::WorkerStats::unknown_ssrc},
      {"parley_media_keyframe_requests_sent_total", "PLIs sent to publishers", &media::WorkerStats::keyframe_requests_sent},
      {"parley_media_keyframe_requests_suppressed_total", "Keyframe requests held back by the rate limit", &media::WorkerStats::keyframe_requests_suppressed},
      {"parley_media_nacked_packets_total", "Packets subscribers reported lost (NACK)", &media::WorkerStats::nacked_packets},
      {"parley_media_retransmitted_from_cache_total", "NACKed packets sent again from the retransmission cache", &media::WorkerStats::retransmitted_from_cache},
      {"parley_media_nacks_forwarded_total", "NACKs passed on to publishers (packets no longer cached)", &media::WorkerStats::nacks_forwarded},
      {"parley_media_twcc_feedback_sent_total", "Transport-wide congestion feedback packets sent", &media::WorkerStats::twcc_feedback_sent},
  };
  std::string out;
  for (const auto& c : kCounters) {
    out += std::string("# HELP ") + c.name + " " + c.help + "\n# TYPE " + c.name + " counter\n";
    for (std::size_t i = 0; i < workers_.size(); ++i)
      out += std::string(c.name) + "{worker=\"" + std::to_string(i) + "\"} " +
             std::to_string((workers_[i].worker->stats().*c.field).load(std::memory_order_relaxed)) + "\n";
  }
  out += "# HELP parley_media_calls Calls placed on a media worker\n# TYPE parley_media_calls gauge\n";
  for (std::size_t i = 0; i < workers_.size(); ++i)
    out += "parley_media_calls{worker=\"" + std::to_string(i) + "\"} " + std::to_string(workers_[i].calls) + "\n";
  out += "# HELP parley_media_transports Transports on a media worker\n# TYPE parley_media_transports gauge\n";
  for (std::size_t i = 0; i < workers_.size(); ++i)
    out += "parley_media_transports{worker=\"" + std::to_string(i) + "\"} " +
           std::to_string(workers_[i].worker->stats().transports.load(std::memory_order_relaxed)) + "\n";
  return out;
}

}  // namespace parley::call
