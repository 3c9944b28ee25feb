#include "call/call_service.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <thread>
#include <tuple>

#include "common/encoding.h"
#include "crypto/hash.h"

namespace parley::call {

using json::Json;

Outgoing outgoing(const Json& message, std::string replaces) {
  return Outgoing{std::make_shared<const std::string>(message.dump()), std::move(replaces)};
}

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

media::StreamKind stream_kind(sdp::MediaKind k) {
  return k == sdp::MediaKind::video ? media::StreamKind::video : media::StreamKind::audio;
}

media::PayloadFormat payload_format(sdp::Codec c) {
  switch (c) {
    case sdp::Codec::opus: return media::PayloadFormat::opus;
    case sdp::Codec::vp8: return media::PayloadFormat::vp8;
    case sdp::Codec::vp9: return media::PayloadFormat::vp9;
    case sdp::Codec::h264: return media::PayloadFormat::h264;
  }
  return media::PayloadFormat::unknown;
}

// A random SSRC for a stream the server sends, unlike any in `taken`.
std::uint32_t fresh_ssrc(const std::set<std::uint32_t>& taken) {
  for (;;) {
    std::uint32_t v = 0;
    RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v);
    if (v != 0 && v != media::Call::kServerSsrc && !taken.count(v)) return v;
  }
}

// The id the section negotiated for a header extension (0: none; the
// media server writes only the one-byte form, ids 1 to 14).
std::uint8_t extension_id(const sdp::LocalSection& sec, std::string_view uri) {
  for (const auto& e : sec.extensions)
    if (e.uri == uri && e.id >= 1 && e.id <= 14) return static_cast<std::uint8_t>(e.id);
  return 0;
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
    wc.max_datagram = s->config_.max_packet;
    wc.pressure.max_load = s->config_.max_load;
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
    s->workers_.push_back(Worker{s->config_.sample_payloads ? std::make_unique<media::PayloadSampler>(1024) : nullptr,
                                 std::move(*w), 0});
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
          p.sink(outgoing(Json{{"type", "call.error"}, {"meeting", c.meeting}, {"code", "connection_failed"},
                              {"message", "the media connection failed: " + why}}));
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

std::size_t CallService::least_loaded_worker() const {
  std::vector<std::size_t> participants(workers_.size(), 0);
  for (const auto& [_, c] : calls_) participants[c.worker] += c.peers.size();
  // Loads within the same 5% count as equal: the measure moves by that much
  // from one second to the next, and the count of participants then decides.
  // A saturated worker comes last even when its load has eased to within
  // the hysteresis of the limit, below another's.
  auto key = [&](std::size_t i) {
    const double load = workers_[i].worker->stats().load.load(std::memory_order_relaxed);
    return std::make_tuple(saturated(i), static_cast<long>(load * 20), participants[i], workers_[i].calls, i);
  };
  std::size_t best = 0;
  for (std::size_t i = 1; i < workers_.size(); ++i)
    if (key(i) < key(best)) best = i;
  return best;
}

bool CallService::saturated(std::size_t worker) const {
  return workers_[worker].worker->stats().pressure.load(std::memory_order_relaxed) ==
         static_cast<std::uint64_t>(media::Pressure::saturated);
}

void CallService::forget_departures(std::chrono::steady_clock::time_point now) {
  for (auto m = departed_.begin(); m != departed_.end();) {
    std::erase_if(m->second, [&](const auto& e) { return now - e.second > config_.rejoin_grace; });
    m = m->second.empty() ? departed_.erase(m) : std::next(m);
  }
}

void CallService::set_worker_load_for_test(std::size_t worker, std::optional<double> load) {
  auto* w = workers_.at(worker).worker.get();
  w->post([w, load] { w->set_load_for_test(load); });
}

Status CallService::join(ConnectionId conn, const std::string& meeting, const Joiner& who, std::string_view offer_text,
                         Sink sink) {
  auto parsed_offer = sdp::parse(offer_text);
  if (!parsed_offer) return sdp_error(parsed_offer.error());
  Call* c = find(meeting);
  // A member already in the call (another connection, a reload the server
  // has not noticed yet) or who left it within the grace (a dropped network)
  // is returning, not new: the limit of the worker does not keep them out.
  forget_departures(std::chrono::steady_clock::now());
  bool returning = false;
  if (c)
    for (const auto& [_, p] : c->peers) returning = returning || p.who.admitted.member == who.admitted.member;
  if (auto d = departed_.find(meeting); d != departed_.end() && d->second.count(who.admitted.member))
    returning = true;
  if (c && !returning && c->peers.size() >= config_.max_participants)
    return make_error("call_full", "this call has its maximum of " + std::to_string(config_.max_participants) + " participants");
  // Refused before anything is made or replaced: a saturated worker keeps
  // the calls it carries, and a new call would go to it only if every
  // worker is saturated.
  if (const std::size_t target = c ? c->worker : least_loaded_worker(); !returning && saturated(target)) {
    workers_[target].worker->counters().joins_refused.fetch_add(1, std::memory_order_relaxed);
    return make_error("media_saturated",
                      "the media server carrying this meeting is at its limit and cannot take another "
                      "participant now (those in the call go on); try again in a few seconds");
  }
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
  const std::size_t worker = c ? c->worker : least_loaded_worker();
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
  // their simulcast layers (by rid, RFC 8853) or their SSRCs (RTX from the
  // FID group).
  for (std::size_t i = 0; i < n->local.sections.size() && i < parsed_offer->media.size(); ++i) {
    const auto& sec = n->local.sections[i];
    if (sec.rejected || sec.direction != sdp::Direction::recvonly) continue;
    const auto& m = parsed_offer->media[i];
    Track t;
    t.id = static_cast<std::uint32_t>(i);
    t.kind = sec.kind;
    t.mid = sec.mid;
    t.codecs = sec.codecs;
    if (!sec.recv_layers.empty()) {
      for (const auto& l : sec.recv_layers) t.layers.push_back(Layer{l.rid, 0, 0});
    } else {
      Layer l;
      if (!m.ssrcs.empty()) l.ssrc = m.ssrcs.front().ssrc;
      for (const auto& g : m.ssrc_groups)
        if (g.semantics == "FID" && g.ssrcs.size() == 2) {
          l.ssrc = g.ssrcs[0];
          l.rtx_ssrc = g.ssrcs[1];
        }
      t.layers.push_back(l);
    }
    if (p.tracks.size() >= config_.max_streams)
      return make_error("too_many_streams", "at most " + std::to_string(config_.max_streams) + " published tracks per participant");
    p.tracks.push_back(std::move(t));
  }
  // An interpreter's channel track (docs/protocol.md §Interpretation): only
  // from an interpreter the signed terms name, refused before anything is
  // made.
  if (!who.channel_mid.empty()) {
    const auto& named = who.admitted.interpretation;
    if (std::none_of(named.begin(), named.end(), [&](const auto& i) { return i.interpreter == who.admitted.member; }))
      return make_error("not_interpreter",
                        "only an interpreter the signed terms name for a pair of languages may publish a language channel");
    auto t = std::find_if(p.tracks.begin(), p.tracks.end(),
                          [&](const Track& x) { return x.mid == who.channel_mid && x.kind == sdp::MediaKind::audio; });
    if (t == p.tracks.end())
      return make_error("invalid_field", "channel_mid names no audio section that this offer sends");
    t->channel = true;
  }

  if (!c) {
    Call fresh;
    fresh.meeting = meeting;
    fresh.worker = worker;
    media::CallLimits limits;
    limits.cache_packets = config_.cache_packets;
    limits.sampler = workers_[worker].sampler.get();
    fresh.media = std::make_unique<media::Call>(*w, limits);
    // Set before the worker sees the call; runs on the worker, reports here.
    fresh.media->on_active_speaker([this, meeting](media::ParticipantId id) {
      post_([this, meeting, id] {
        Call* c = find(meeting);
        if (!c || !c->peers.count(id)) return;
        auto msg = outgoing(Json{{"type", "call.active_speaker"}, {"meeting", meeting},
                                 {"member", c->peers.at(id).who.admitted.member}},
                            "call.active_speaker/" + meeting);
        for (auto& [_, p] : c->peers) p.sink(msg);
      });
    });
    fresh.epoch = first_epoch(meeting);
    c = &calls_.emplace(meeting, std::move(fresh)).first->second;
    ++workers_[worker].calls;
  }
  configure_interpretation(*c, who.admitted);
  // Within one BUNDLE group an extension has one id (RFC 8843 §9.2).
  media::ParticipantExtensions ext;
  for (const auto& sec : n->local.sections)
    if (!sec.rejected) {
      if (!ext.transport_cc) ext.transport_cc = extension_id(sec, sdp::kExtTransportCc);
      if (!ext.audio_level) ext.audio_level = extension_id(sec, sdp::kExtAudioLevel);
      if (!ext.mid) ext.mid = extension_id(sec, sdp::kExtMid);
      if (!ext.rid) ext.rid = extension_id(sec, sdp::kExtRtpStreamId);
      if (!ext.repaired_rid) ext.repaired_rid = extension_id(sec, sdp::kExtRepairedRtpStreamId);
    }
  media::TransportParams params{lt.ice_ufrag, lt.ice_pwd, n->remote.ice_ufrag, fingerprint_text(fp->bytes),
                                media::DtlsSession::Role::server};
  media::Call* mc = c->media.get();
  auto pid = p.id;
  std::vector<media::TrackSpec> published;
  for (const auto& t : p.tracks) {
    media::TrackSpec spec;
    spec.id = t.id;
    spec.mid = t.mid;
    spec.kind = stream_kind(t.kind);
    spec.clock_rate = t.codecs.empty() ? 90000 : t.codecs.front().clock_rate;
    spec.channel = t.channel;
    for (const auto& l : t.layers) spec.layers.push_back(media::LayerSpec{l.rid, l.ssrc, l.rtx_ssrc});
    for (const auto& codec : t.codecs) {
      spec.formats[codec.pt & 0x7F] = payload_format(codec.codec);
      if (codec.rtx_pt) spec.rtx_media[*codec.rtx_pt & 0x7F] = codec.pt;
    }
    published.push_back(std::move(spec));
  }
  w->post([this, w, mc, pid, params, published, meeting, ext] {
    auto t = w->add_transport(params);
    media::TransportId tid = t ? (*t)->id() : 0;
    if (t) {
      mc->add_participant(pid, *t, ext);
      for (const auto& s : published) mc->publish(pid, s);
    }
    post_([this, meeting, pid, tid] {
      Call* c = find(meeting);
      if (!c || !c->peers.count(pid)) return;
      if (tid == 0) {
        c->peers.at(pid).sink(outgoing(Json{{"type", "call.error"}, {"meeting", meeting}, {"code", "media_full"},
                                            {"message", "the media server has no room for another connection"}}));
        return remove(*c, pid);
      }
      c->peers.at(pid).transport = tid;
    });
  });
  auto& peer = c->peers.emplace(p.id, std::move(p)).first->second;
  last_epoch_[meeting] = ++c->epoch;
  peer.sink(outgoing(
      Json{{"type", "call.joined"}, {"meeting", meeting}, {"answer", *answer}, {"self", participant_json(peer)}}));
  // Who is in the call before the streams that show them.
  announce_participants(*c);
  if (!c->interpretation.channels.empty()) {
    apply_channels(*c);  // a live interpreter back after a reconnection feeds their channel again
    announce_interpretation(*c);
  }
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
  auto sent = p.sent;
  bool changed = false;
  if (p.ice_restart) {
    // RFC 8839 §4.4.1.1.1, JSEP §5.2.1: an offer with new ice-ufrag and
    // ice-pwd restarts ICE; the client must answer with new ones too.
    next.transport.ice_ufrag = random_token(8);
    next.transport.ice_pwd = random_token(24);
    ++next.transport.session_version;
    changed = true;
  }
  // Every track of every other participant, once.
  std::map<TrackKey, std::pair<const Peer*, const Track*>> wanted;
  std::set<std::uint32_t> taken;  // SSRCs this client already sends or receives
  for (const auto& [oid, o] : c.peers)
    if (oid != p.id)
      for (const auto& t : o.tracks)
        if (!t.channel) wanted[{oid, t.id}] = {&o, &t};
  for (auto slot : slots_for(c, p)) wanted[{0, slot}] = {nullptr, nullptr};
  for (const auto& t : p.tracks)
    for (const auto& l : t.layers) taken.insert({l.ssrc, l.rtx_ssrc});
  for (const auto& [_, s] : sent) taken.insert({s.ssrc, s.rtx_ssrc});
  for (auto it = sent.begin(); it != sent.end();) {
    if (wanted.count(it->first)) {
      ++it;
      continue;
    }
    if (sdp::stop_section(next, it->second.mid)) changed = true;
    it = sent.erase(it);
  }
  for (const auto& [key, pt] : wanted) {
    if (sent.count(key)) continue;
    const auto& [publisher, track] = pt;
    sdp::SendTrack st;
    st.ssrc = fresh_ssrc(taken);
    taken.insert(st.ssrc);
    if (!publisher) {
      // A channel slot: one audio stream whatever feeds it, named for the
      // page by its msid stream id.
      const auto& channels = c.interpretation.channels;
      st.cname = "interpretation";
      st.stream_id = key.second == 0 ? "channel" : "channel-" + channels.at(key.second - 1);  // msid ids are token-chars (RFC 8830): no ":"
      st.track_id = "channel-" + std::to_string(key.second);
      auto mid = sdp::add_send_section(next, sdp::MediaKind::audio, st, caps_);
      if (!mid) continue;
      sent[key] = SentTrack{*mid, st.ssrc, 0};
      changed = true;
      continue;
    }
    if (track->kind == sdp::MediaKind::video) {
      st.rtx_ssrc = fresh_ssrc(taken);
      taken.insert(*st.rtx_ssrc);
    }
    st.cname = publisher->who.admitted.member;
    st.stream_id = publisher->who.admitted.member;
    // Unique in the client's session: browsers key remote tracks by it.
    st.track_id = std::string(track->kind == sdp::MediaKind::video ? "video-" : "audio-") + std::to_string(key.first) +
                  "-" + std::to_string(track->id);
    auto mid = sdp::add_send_section(next, track->kind, st, caps_);
    if (!mid) continue;  // no room (max sections): that track is not sent to this participant
    sent[key] = SentTrack{*mid, st.ssrc, st.rtx_ssrc.value_or(0)};
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
  p.sink(outgoing(Json{{"type", "call.offer"}, {"meeting", c.meeting}, {"sdp", *text}}));
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

// After an agreed session: the worker sends each track whose section the
// client accepted, on the SSRCs of that section, with the payload types,
// RTX formats and header extension ids agreed there.
void CallService::subscribe_agreed(Call& c, Peer& p) {
  struct Sub {
    TrackKey key;
    media::OutboundSpec spec;
    media::FormatPayloadTypes formats{};  // slots only
    int channel = -1;                     // slots only
  };
  std::vector<Sub> subs;
  std::set<TrackKey> now;
  for (const auto& [key, st] : p.sent) {
    if (key.first == 0) {
      // A channel slot: its source's payload types are mapped by format on
      // the worker (the source changes; each may number Opus its own way).
      auto sec = std::find_if(p.local.sections.begin(), p.local.sections.end(),
                              [&](const sdp::LocalSection& s) { return s.mid == st.mid; });
      if (sec == p.local.sections.end() || sec->rejected || sec->direction != sdp::Direction::sendonly || !sec->track)
        continue;
      Sub sub{key, {}, {}, key.second == 0 ? p.listening : static_cast<int>(key.second) - 1};
      sub.formats.fill(media::kNoPayloadType);
      for (const auto& sc : sec->codecs)
        if (auto f = static_cast<std::size_t>(payload_format(sc.codec)); f < sub.formats.size()) sub.formats[f] = sc.pt;
      sub.spec.ssrc = sec->track->ssrc;
      sub.spec.mid_extension = extension_id(*sec, sdp::kExtMid);
      sub.spec.audio_level_extension = extension_id(*sec, sdp::kExtAudioLevel);
      sub.spec.mid = sec->mid;
      subs.push_back(std::move(sub));
      now.insert(key);
      continue;
    }
    auto pub = c.peers.find(key.first);
    if (pub == c.peers.end()) continue;
    auto track = std::find_if(pub->second.tracks.begin(), pub->second.tracks.end(),
                              [&](const Track& t) { return t.id == key.second; });
    auto sec = std::find_if(p.local.sections.begin(), p.local.sections.end(),
                            [&](const sdp::LocalSection& s) { return s.mid == st.mid; });
    if (track == pub->second.tracks.end() || sec == p.local.sections.end() || sec->rejected ||
        sec->direction != sdp::Direction::sendonly || !sec->track)
      continue;
    media::OutboundSpec spec;
    spec.ssrc = sec->track->ssrc;
    for (const auto& pc : track->codecs)
      for (const auto& sc : sec->codecs)
        if (pc.codec == sc.codec) {
          spec.map[pc.pt & 0x7F] = sc.pt;
          if (sc.rtx_pt) spec.rtx_map[pc.pt & 0x7F] = *sc.rtx_pt;
          break;
        }
    bool rtx = std::any_of(sec->codecs.begin(), sec->codecs.end(), [](const auto& x) { return x.rtx_pt.has_value(); });
    spec.rtx_ssrc = rtx ? sec->track->rtx_ssrc.value_or(0) : 0;
    spec.mid_extension = extension_id(*sec, sdp::kExtMid);
    spec.audio_level_extension = extension_id(*sec, sdp::kExtAudioLevel);
    spec.mid = sec->mid;
    if (auto v = p.views.find(pub->second.who.admitted.member); v != p.views.end())
      std::tie(spec.view_width, spec.view_height) = v->second;
    subs.push_back(Sub{key, std::move(spec)});
    now.insert(key);
  }
  std::vector<TrackKey> unsubs;
  for (const auto& key : p.subscribed)
    if (!now.count(key)) unsubs.push_back(key);
  p.subscribed = std::move(now);
  media::Call* mc = c.media.get();
  auto pid = p.id;
  workers_[c.worker].worker->post([mc, pid, subs = std::move(subs), unsubs, counters = p.received] {
    for (const auto& [publisher, track] : unsubs) {
      if (publisher == 0) mc->remove_slot(pid, track);
      else mc->unsubscribe(pid, publisher, track);
    }
    for (const auto& s : subs) {
      if (s.key.first != 0) {
        mc->subscribe(pid, s.key.first, s.key.second, s.spec);
        continue;
      }
      mc->add_slot(pid, s.key.second, s.spec, s.formats, counters);
      mc->set_slot_channel(pid, s.key.second, s.channel);
    }
  });
}

std::uint64_t CallService::first_epoch(const std::string& meeting) const {
  auto now = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  auto it = last_epoch_.find(meeting);
  return std::max(now, it == last_epoch_.end() ? 0 : it->second);
}

Status CallService::relay(ConnectionId conn, const std::string& meeting, const std::string& to, const Json& payload) {
  Call* c = find(meeting);
  Peer* p = c ? find_peer(*c, conn) : nullptr;
  if (!p) return make_error("not_in_call", "you are not in this meeting's call");
  if (!payload.is_object()) return make_error("invalid_field", "call.e2ee needs \"payload\": an object");
  if (payload.dump().size() > kMaxRelayBytes)
    return make_error("invalid_field", "a call.e2ee payload is at most " + std::to_string(kMaxRelayBytes) + " bytes");
  auto msg = outgoing(Json{{"type", "call.e2ee"}, {"meeting", meeting}, {"from", p->who.admitted.member}, {"payload", payload}});
  bool sent = false;
  for (auto& [oid, o] : c->peers) {
    if (oid == p->id || (!to.empty() && o.who.admitted.member != to)) continue;
    o.sink(msg);
    sent = true;
  }
  if (!to.empty() && !sent) return make_error("recipient_not_in_call", "that member is not in this call");
  return ok_status();
}

Status CallService::view(ConnectionId conn, const std::string& meeting, const Json& views) {
  Call* c = find(meeting);
  Peer* p = c ? find_peer(*c, conn) : nullptr;
  if (!p) return make_error("not_in_call", "you are not in this meeting's call");
  if (!views.is_array() || views.size() > config_.max_participants)
    return make_error("invalid_field", "views is a list of at most " + std::to_string(config_.max_participants) +
                                           " {member, width, height}");
  constexpr std::int64_t kMaxPixels = 16384;
  std::vector<std::tuple<media::ParticipantId, std::uint16_t, std::uint16_t>> sizes;
  std::vector<std::pair<std::string, std::pair<std::uint16_t, std::uint16_t>>> views_now;
  for (const auto& v : views) {
    if (!v.is_object() || !v.contains("member") || !v["member"].is_string() || !v.contains("width") ||
        !v["width"].is_number_integer() || !v.contains("height") || !v["height"].is_number_integer())
      return make_error("invalid_field", "each view is {member, width, height} with whole numbers of pixels");
    auto w = v["width"].get<std::int64_t>(), h = v["height"].get<std::int64_t>();
    if (w < 0 || h < 0 || w > kMaxPixels || h > kMaxPixels)
      return make_error("invalid_field", "a view's width and height are 0 to " + std::to_string(kMaxPixels) + " pixels");
    const auto& member = v["member"].get_ref<const std::string&>();
    if (member.size() > 128) return make_error("invalid_field", "a view's member is a member id");
    views_now.emplace_back(member, std::make_pair(static_cast<std::uint16_t>(w), static_cast<std::uint16_t>(h)));
    for (const auto& [oid, o] : c->peers)
      if (oid != p->id && o.who.admitted.member == member)
        sizes.emplace_back(oid, static_cast<std::uint16_t>(w), static_cast<std::uint16_t>(h));
  }
  // Kept for the subscriptions still to come (a view may come first).
  if (p->views.size() + views_now.size() > 2 * config_.max_participants) p->views.clear();  // bounded
  for (auto& [member, size] : views_now) p->views[member] = size;
  media::Call* mc = c->media.get();
  auto pid = p->id;
  workers_[c->worker].worker->post([mc, pid, sizes] {
    for (const auto& [publisher, w, h] : sizes) mc->set_view(pid, publisher, w, h);
  });
  return ok_status();
}

void CallService::remove(Call& c, media::ParticipantId id) {
  auto it = c.peers.find(id);
  if (it == c.peers.end()) return;
  departed_[c.meeting][it->second.who.admitted.member] = std::chrono::steady_clock::now();
  c.peers.erase(it);
  auto* w = workers_[c.worker].worker.get();
  media::Call* mc = c.media.get();
  // By participant, not by the transport id this thread may not have heard
  // of yet: the worker runs tasks in order, so the transport exists by now.
  w->post([w, mc, id] {
    if (media::Transport* t = mc->remove_participant(id)) w->remove_transport(t->id());
  });
  last_epoch_[c.meeting] = ++c.epoch;
  if (c.peers.empty()) {
    --workers_[c.worker].calls;
    w->post([m = std::shared_ptr<media::Call>(std::move(c.media))]() mutable { m.reset(); });
    calls_.erase(c.meeting);
    return;
  }
  for (auto& [_, o] : c.peers) offer(c, o);
  announce_participants(c);
  // A live interpreter who left stays live for their booth: back within
  // moments (a reload, a dropped network) they feed their channel again;
  // meanwhile it is silent and their partner can take over.
  if (!c.interpretation.channels.empty()) announce_interpretation(c);
}

void CallService::leave(ConnectionId conn, const std::string& meeting) {
  Call* c = find(meeting);
  Peer* p = c ? find_peer(*c, conn) : nullptr;
  if (!p) return;
  p->sink(outgoing(Json{{"type", "call.left"}, {"meeting", meeting}}));
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
      p.sink(outgoing(Json{{"type", "call.error"}, {"meeting", meeting}, {"code", "restart_failed"},
                           {"message", "the media connection cannot be restarted (" + e.message + "); join again"}}));
      announce_participants(*c);
    });
  });
}

Json CallService::participant_json(const Peer& p) const {
  Json streams = Json::array();
  for (const auto& t : p.tracks) {
    Json s = {{"kind", t.kind == sdp::MediaKind::video ? "video" : "audio"}, {"layers", t.layers.size()}};
    if (t.channel) s["channel"] = true;
    streams.push_back(std::move(s));
  }
  return {{"member", p.who.admitted.member}, {"name", p.who.name}, {"party", p.who.admitted.party},
          {"role", p.who.admitted.role}, {"key_fingerprint", crypto::key_fingerprint(p.who.admitted.key)},
          {"state", p.state}, {"streams", streams}};
}

void CallService::announce_participants(Call& c) {
  Json list = Json::array();
  for (const auto& [_, p] : c.peers) list.push_back(participant_json(p));
  auto msg = outgoing(Json{{"type", "call.participants"}, {"meeting", c.meeting}, {"epoch", c.epoch}, {"participants", list}},
                      "call.participants/" + c.meeting);
  for (auto& [_, p] : c.peers) p.sink(msg);
}

// --- Interpretation (docs/protocol.md §Interpretation, docs/media.md §Interpretation)

void CallService::configure_interpretation(Call& c, const negotiation::Admitted& a) {
  Interpretation next;
  for (const auto& lang : a.languages)
    for (const auto& i : a.interpretation)
      if ((i.pair[0] == lang || i.pair[1] == lang) &&
          std::find(next.channels.begin(), next.channels.end(), lang) == next.channels.end()) {
        next.channels.push_back(lang);
        break;
      }
  if (next.channels.size() > media::kMaxChannels) next.channels.resize(media::kMaxChannels);  // the terms allow 12
  for (const auto& i : a.interpretation) {
    auto same = [&](const Booth& b) {
      return (b.pair[0] == i.pair[0] && b.pair[1] == i.pair[1]) || (b.pair[0] == i.pair[1] && b.pair[1] == i.pair[0]);
    };
    auto b = std::find_if(next.booths.begin(), next.booths.end(), same);
    if (b == next.booths.end()) b = next.booths.insert(next.booths.end(), Booth{i.pair, {}, {}, -1});
    b->interpreters.push_back(i.interpreter);
  }
  // The live state of a booth that is still there, with its live
  // interpreter still named, carries over.
  for (auto& b : next.booths)
    for (const auto& old : c.interpretation.booths) {
      if (old.pair != b.pair || old.live.empty() || old.into < 0) continue;
      const auto& lang = c.interpretation.channels[static_cast<std::size_t>(old.into)];
      auto ch = std::find(next.channels.begin(), next.channels.end(), lang);
      if (std::count(b.interpreters.begin(), b.interpreters.end(), old.live) && ch != next.channels.end()) {
        b.live = old.live;
        b.into = static_cast<int>(ch - next.channels.begin());
      }
    }
  const bool same_channels = next.channels == c.interpretation.channels;
  c.interpretation = std::move(next);
  if (!same_channels)
    for (auto& [_, p] : c.peers) p.listening = -1;  // numbered afresh
}

bool CallService::named_interpreter(const Call& c, const std::string& member) {
  for (const auto& b : c.interpretation.booths)
    if (std::count(b.interpreters.begin(), b.interpreters.end(), member)) return true;
  return false;
}

// A listener gets one slot for the channel it chooses; a named interpreter
// one per channel (to monitor a partner, or relay from another booth).
std::vector<std::uint32_t> CallService::slots_for(const Call& c, const Peer& p) const {
  const auto& channels = c.interpretation.channels;
  if (channels.empty()) return {};
  if (!named_interpreter(c, p.who.admitted.member)) return {0};
  std::vector<std::uint32_t> out;
  for (std::uint32_t i = 0; i < channels.size(); ++i) out.push_back(1 + i);
  return out;
}

// Each channel's source: the channel track of its booth's live interpreter
// when they are in the call with one.
void CallService::apply_channels(Call& c) {
  std::array<std::pair<media::ParticipantId, std::uint32_t>, media::kMaxChannels> sources{};
  for (const auto& b : c.interpretation.booths) {
    if (b.live.empty() || b.into < 0) continue;
    for (const auto& [pid, p] : c.peers) {
      if (p.who.admitted.member != b.live) continue;
      for (const auto& t : p.tracks)
        if (t.channel) sources[static_cast<std::size_t>(b.into)] = {pid, t.id};
    }
  }
  media::Call* mc = c.media.get();
  workers_[c.worker].worker->post([mc, sources] {
    for (std::size_t i = 0; i < sources.size(); ++i) mc->set_channel_source(i, sources[i].first, sources[i].second);
  });
}

Json CallService::interpretation_json(const Call& c) const {
  const auto& in = c.interpretation;
  auto lang = [&](int i) { return i < 0 ? Json(nullptr) : Json(in.channels[static_cast<std::size_t>(i)]); };
  auto present = [&](const std::string& member) -> const Peer* {
    for (const auto& [_, p] : c.peers)
      if (p.who.admitted.member == member) return &p;
    return nullptr;
  };
  Json channels = Json::array();
  for (std::size_t i = 0; i < in.channels.size(); ++i) {
    Json ch = {{"language", in.channels[i]}, {"live", nullptr}, {"booth", nullptr}};
    for (const auto& b : in.booths)
      if (b.into == static_cast<int>(i) && !b.live.empty()) {
        ch["live"] = b.live;
        ch["booth"] = Json::array({b.pair[0], b.pair[1]});
      }
    channels.push_back(std::move(ch));
  }
  Json booths = Json::array();
  for (const auto& b : in.booths) {
    Json interpreters = Json::array();
    for (const auto& m : b.interpreters) {
      const Peer* p = present(m);
      bool channel = p && std::any_of(p->tracks.begin(), p->tracks.end(), [](const Track& t) { return t.channel; });
      interpreters.push_back({{"member", m}, {"present", p != nullptr}, {"channel", channel}});
    }
    booths.push_back({{"pair", Json::array({b.pair[0], b.pair[1]})},
                      {"interpreters", std::move(interpreters)},
                      {"live", b.live.empty() ? Json(nullptr) : Json(b.live)},
                      {"into", lang(b.into)}});
  }
  Json listening = Json::object();
  for (const auto& [_, p] : c.peers) listening[p.who.admitted.member] = lang(p.listening);
  return {{"channels", std::move(channels)}, {"booths", std::move(booths)}, {"listening", std::move(listening)}};
}

void CallService::announce_interpretation(Call& c) {
  Json msg = interpretation_json(c);
  msg["type"] = "call.interpretation";
  msg["meeting"] = c.meeting;
  auto out = outgoing(msg, "call.interpretation/" + c.meeting);
  for (auto& [_, p] : c.peers) p.sink(out);
}

Status CallService::interpret(ConnectionId conn, const std::string& meeting, const std::array<std::string, 2>& pair,
                              const std::string& into, bool on_air) {
  Call* c = find(meeting);
  Peer* p = c ? find_peer(*c, conn) : nullptr;
  if (!p) return make_error("not_in_call", "you are not in this meeting's call");
  auto& in = c->interpretation;
  const std::string& me = p->who.admitted.member;
  auto booth = std::find_if(in.booths.begin(), in.booths.end(), [&](const Booth& b) {
    return (b.pair[0] == pair[0] && b.pair[1] == pair[1]) || (b.pair[0] == pair[1] && b.pair[1] == pair[0]);
  });
  if (booth == in.booths.end() || !std::count(booth->interpreters.begin(), booth->interpreters.end(), me))
    return make_error("not_interpreter", "the signed terms do not name you as an interpreter for " + pair[0] + "–" +
                                             pair[1]);
  if (into != pair[0] && into != pair[1])
    return make_error("invalid_field", "\"into\" must be one of the booth's two languages");
  auto ch = std::find(in.channels.begin(), in.channels.end(), into);
  const int channel = static_cast<int>(ch - in.channels.begin());
  if (!on_air) {
    if (booth->live == me) {
      booth->live.clear();
      booth->into = -1;
    }
  } else {
    if (std::none_of(p->tracks.begin(), p->tracks.end(), [](const Track& t) { return t.channel; }))
      return make_error("no_channel_track", "join with a channel track (channel_mid) to interpret");
    // A channel has one voice: another booth live into it (with its
    // interpreter in the call) goes off air first.
    for (const auto& b : in.booths) {
      if (&b == &*booth || b.into != channel || b.live.empty()) continue;
      for (const auto& [_, o] : c->peers)
        if (o.who.admitted.member == b.live)
          return make_error("channel_busy", "the " + b.pair[0] + "–" + b.pair[1] + " booth is live into " + into +
                                                "; it must go off air first");
    }
    // One microphone: live here means off air in any other booth, and the
    // partner live in this booth hands over.
    for (auto& b : in.booths)
      if (b.live == me) {
        b.live.clear();
        b.into = -1;
      }
    booth->live = me;
    booth->into = channel;
  }
  apply_channels(*c);
  announce_interpretation(*c);
  return ok_status();
}

Status CallService::listen(ConnectionId conn, const std::string& meeting, const std::optional<std::string>& language) {
  Call* c = find(meeting);
  Peer* p = c ? find_peer(*c, conn) : nullptr;
  if (!p) return make_error("not_in_call", "you are not in this meeting's call");
  int channel = -1;
  if (language) {
    const auto& channels = c->interpretation.channels;
    auto ch = std::find(channels.begin(), channels.end(), *language);
    if (ch == channels.end())
      return make_error("no_such_channel", "no booth of the signed terms interprets into " + language->substr(0, 35));
    channel = static_cast<int>(ch - channels.begin());
  }
  p->listening = channel;
  // The slot exists once the client has accepted it; until then the choice
  // waits in `listening` for subscribe_agreed().
  if (p->subscribed.count({0, 0})) {
    media::Call* mc = c->media.get();
    workers_[c->worker].worker->post([mc, pid = p->id, channel] { mc->set_slot_channel(pid, 0, channel); });
  }
  announce_interpretation(*c);
  return ok_status();
}

std::optional<Json> CallService::describe(const std::string& meeting) const {
  auto it = calls_.find(meeting);
  if (it == calls_.end()) return std::nullopt;
  const Call& c = it->second;
  Json participants = Json::array();
  for (const auto& [_, p] : c.peers) {
    Json received = Json::object();
    for (std::size_t i = 0; i < c.interpretation.channels.size(); ++i)
      received[c.interpretation.channels[i]] = p.received->packets[i].load(std::memory_order_relaxed);
    const auto& in = c.interpretation;
    participants.push_back({{"member", p.who.admitted.member},
                            {"interpreter", named_interpreter(c, p.who.admitted.member)},
                            {"listening", p.listening < 0 ? Json(nullptr) : Json(in.channels[static_cast<std::size_t>(p.listening)])},
                            {"received", std::move(received)}});
  }
  Json out = interpretation_json(c);
  out["meeting"] = meeting;
  out["epoch"] = c.epoch;
  out["participants"] = std::move(participants);
  return out;
}

Json CallService::payload_samples() const {
  Json list = Json::array();
  for (const auto& w : workers_) {
    if (!w.sampler) continue;
    for (const auto& s : w.sampler->snapshot()) {
      static constexpr const char* kFormats[] = {"unknown", "opus", "vp8", "vp9", "h264"};
      list.push_back({{"kind", s.kind == media::StreamKind::video ? "video" : "audio"},
                      {"format", kFormats[static_cast<int>(s.format)]},
                      {"size", s.size},
                      {"head", hex_encode(std::span<const std::uint8_t>(s.head.data(), s.head_size))}});
    }
  }
  return {{"enabled", config_.sample_payloads}, {"samples", list}};
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
      {"parley_media_nack_misses_total", "NACKed packets no longer in the retransmission cache", &media::WorkerStats::nack_misses},
      {"parley_media_nacks_sent_total", "NACKs the server sent to publishers for gaps in what they sent", &media::WorkerStats::nacks_sent},
      {"parley_media_rtx_received_total", "RTX packets (RFC 4588) received from publishers", &media::WorkerStats::rtx_received},
      {"parley_media_layer_switches_total", "Simulcast layer switches made for subscribers (at keyframes)", &media::WorkerStats::layer_switches},
      {"parley_media_twcc_feedback_sent_total", "Transport-wide congestion feedback packets sent", &media::WorkerStats::twcc_feedback_sent},
      {"parley_media_joins_refused_total", "New participants refused because the worker was saturated (media_saturated)", &media::WorkerStats::joins_refused},
      {"parley_media_layer_caps_total", "Subscriber video tracks capped to a lower simulcast layer by the worker's pressure", &media::WorkerStats::layer_caps},
      {"parley_media_video_paused_total", "Subscribers whose video the saturated worker paused (audio goes on)", &media::WorkerStats::video_paused},
      {"parley_media_video_resumed_total", "Subscribers whose paused video resumed", &media::WorkerStats::video_resumed},
      {"parley_media_channel_forwarded_total", "RTP packets sent in interpretation channel slots (also in rtp_forwarded)", &media::WorkerStats::channel_forwarded},
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
  out += "# HELP parley_media_worker_load Busy fraction of a media worker's loop over the last second "
         "(not blocked waiting for packets)\n# TYPE parley_media_worker_load gauge\n";
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    char value[32];
    std::snprintf(value, sizeof value, "%.3f", workers_[i].worker->stats().load.load(std::memory_order_relaxed));
    out += "parley_media_worker_load{worker=\"" + std::to_string(i) + "\"} " + value + "\n";
  }
  out += "# HELP parley_media_worker_pressure Pressure level of a media worker: 0 normal, 1 high (video one "
         "layer down), 2 saturated (lowest layers, new joins refused, video shed)\n"
         "# TYPE parley_media_worker_pressure gauge\n";
  for (std::size_t i = 0; i < workers_.size(); ++i)
    out += "parley_media_worker_pressure{worker=\"" + std::to_string(i) + "\"} " +
           std::to_string(workers_[i].worker->stats().pressure.load(std::memory_order_relaxed)) + "\n";
  out += "# HELP parley_media_video_paused_subscribers Subscribers whose video a media worker has paused now\n"
         "# TYPE parley_media_video_paused_subscribers gauge\n";
  for (std::size_t i = 0; i < workers_.size(); ++i)
    out += "parley_media_video_paused_subscribers{worker=\"" + std::to_string(i) + "\"} " +
           std::to_string(workers_[i].worker->stats().paused_subscribers.load(std::memory_order_relaxed)) + "\n";
  return out;
}

}  // namespace parley::call
