#include "media/worker.h"

#include <pthread.h>

#include "stun/demux.h"
#include "stun/stun.h"

namespace parley::media {

namespace {

constexpr std::size_t kMaxQueued = 1024;  // flush early past this many outgoing packets

}  // namespace

Expected<std::unique_ptr<Worker>> Worker::start(WorkerConfig config, std::shared_ptr<DtlsContext> dtls) {
  std::unique_ptr<Worker> w(new Worker());
  w->config_ = std::move(config);
  w->dtls_ = std::move(dtls);
  auto loop = Loop::create();
  if (!loop) return loop.error();
  w->loop_ = std::move(*loop);
  auto sock = UdpSocket::bind(w->config_.address, w->config_.port);
  if (!sock) return sock.error();
  w->port_ = sock->port();
  w->socket_.emplace(std::move(*sock));
  w->pool_ = std::make_unique<PacketPool>(w->config_.pool_packets);
  w->out_.reserve(kMaxQueued);
  w->outgoing_.reserve(UdpSocket::kBatch);
  if (auto s = w->loop_->watch(w->socket_->fd(), [wp = w.get()] { wp->on_readable(); }); !s) return s.error();
  // DTLS retransmissions and consent expiry: a coarse tick is enough.
  w->loop_->every(std::chrono::milliseconds(50), [wp = w.get()] { wp->tick(); });
  w->governor_ = PressureGovernor(w->config_.pressure);
  w->last_measure_ = w->last_step_ = std::chrono::steady_clock::now();
  w->loop_->every(std::chrono::milliseconds(100), [wp = w.get()] { wp->measure(); });
  w->thread_ = std::thread([wp = w.get()] { wp->loop_->run(); });
  // Named for ps, top and the benchmark, which reads its CPU time.
  pthread_setname_np(w->thread_.native_handle(), "parley-media");
  return w;
}

Worker::~Worker() {
  if (thread_.joinable()) {
    // Transports (DTLS, SRTP) are freed on the worker's own thread, then the
    // loop stops: the close order of docs/media.md.
    loop_->post([this] {
      by_username_.clear();
      by_endpoint_.clear();
      transports_.clear();
    });
    loop_->stop();
    thread_.join();
  }
}

void Worker::set_handlers(MediaHandler media, StateHandler state) {
  on_media_ = std::move(media);
  on_state_ = std::move(state);
}

Expected<Transport*> Worker::add_transport(TransportParams params) {
  if (transports_.size() >= config_.max_transports)
    return make_error("media_full", "this media worker carries its maximum of transports");
  auto dtls = DtlsSession::create(dtls_, params.dtls_role, params.remote_fingerprint);
  if (!dtls) return dtls.error();
  TransportId id = next_id_++;
  auto t = std::make_unique<Transport>(id, std::move(params), std::move(*dtls));
  auto username = t->expected_username();
  if (by_username_.count(username)) return make_error("media_conflict", "ICE credentials already in use");
  Transport* raw = t.get();
  by_username_[username] = raw;
  transports_[id] = std::move(t);
  stats_.transports.store(transports_.size(), std::memory_order_relaxed);
  return raw;
}

void Worker::remove_transport(TransportId id) {
  auto it = transports_.find(id);
  if (it == transports_.end()) return;
  Transport& t = *it->second;
  by_username_.erase(t.expected_username());
  if (t.bound()) {
    auto b = by_endpoint_.find(*t.bound());
    if (b != by_endpoint_.end() && b->second == &t) by_endpoint_.erase(b);
  }
  // Packets queued for it still hold its address by value: they go out.
  transports_.erase(it);
  stats_.transports.store(transports_.size(), std::memory_order_relaxed);
}

Status Worker::restart_ice(TransportId id, std::string local_ufrag, std::string local_pwd,
                           std::string remote_ufrag) {
  Transport* t = find(id);
  if (!t) return make_error("media_unknown_transport", "no such transport on this worker");
  const std::string old_username = t->expected_username();
  const std::string username = local_ufrag + ":" + remote_ufrag;
  if (username != old_username && by_username_.count(username))
    return make_error("media_conflict", "ICE credentials already in use");
  if (!t->restart_ice(std::move(local_ufrag), std::move(local_pwd), std::move(remote_ufrag)))
    return make_error("media_restart_failed", "the DTLS association failed; there is nothing to restart");
  by_username_.erase(old_username);
  by_username_[t->expected_username()] = t;
  return ok_status();
}

Transport* Worker::find(TransportId id) {
  auto it = transports_.find(id);
  return it == transports_.end() ? nullptr : it->second.get();
}

void Worker::changed(Transport& t) {
  if (on_state_) on_state_(t);
}

void Worker::on_readable() {
  std::array<Datagram, UdpSocket::kBatch> batch;
  // Drain what is waiting, a batch at a time, then send what the batch
  // produced; bounded so that a flood cannot starve timers and posted tasks:
  // at most 8 batches, and none begun after 10 ms of wall time — a worker
  // short of CPU (past its limit) takes far longer per batch, and its
  // timers (the load measure and the decisions taken on it) must still run.
  const auto began = std::chrono::steady_clock::now();
  for (int round = 0; round < 8; ++round) {
    if (round > 0 && std::chrono::steady_clock::now() - began > std::chrono::milliseconds(10)) break;
    std::size_t n = socket_->receive(*pool_, batch);
    if (n == 0) {
      if (pool_->available() == 0) stats_.pool_exhausted.fetch_add(1, std::memory_order_relaxed);
      break;
    }
    for (std::size_t i = 0; i < n; ++i) {
      Datagram& d = batch[i];
      stats_.datagrams_in.fetch_add(1, std::memory_order_relaxed);
      stats_.bytes_in.fetch_add(d.packet->size, std::memory_order_relaxed);
      if (d.truncated || d.packet->size > config_.max_datagram)
        stats_.truncated_dropped.fetch_add(1, std::memory_order_relaxed);
      else handle(d);
      pool_->release(d.packet);
    }
    flush();
    if (n < UdpSocket::kBatch) break;
  }
}

void Worker::handle(Datagram& d) {
  auto bytes = d.packet->bytes();
  switch (stun::classify(bytes)) {
    case stun::PacketKind::kStun: return handle_stun(d);
    case stun::PacketKind::kDtls:
    case stun::PacketKind::kRtp:
    case stun::PacketKind::kRtcp: return handle_bound(d, bytes[0]);
    default: stats_.unknown_kind_dropped.fetch_add(1, std::memory_order_relaxed);
  }
}

// RFC 8445 §7.3: an ICE-lite agent answers binding requests whose USERNAME
// names one of its transports and whose MESSAGE-INTEGRITY verifies with
// that transport's password, and takes the source as the peer's address.
// Everything else is dropped without an answer and counted.
void Worker::handle_stun(Datagram& d) {
  auto msg = stun::parse(d.packet->bytes());
  if (!msg || !msg->is_binding_request() || !msg->has_fingerprint() || !stun::verify_fingerprint(*msg)) {
    stats_.stun_malformed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  auto username = msg->username();
  auto it = username ? by_username_.find(std::string(*username)) : by_username_.end();
  if (it == by_username_.end()) {
    stats_.stun_unknown_username.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  Transport& t = *it->second;
  if (!stun::verify_integrity(*msg, t.params().local_pwd)) {
    stats_.stun_bad_integrity.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  auto now = std::chrono::steady_clock::now();
  // The first check ever, or the first with the credentials of an ICE
  // restart, is reported: the state may have changed (revived, connected).
  const bool report = !t.bound() || t.restarting();
  if (!t.bound() || !(*t.bound() == d.from)) {
    if (t.bound()) by_endpoint_.erase(*t.bound());
    // Another transport bound to this address loses it: the address moved.
    by_endpoint_[d.from] = &t;
    t.bind(d.from, now);
  } else {
    t.touch(now);
  }
  if (report) changed(t);
  auto mapped = stun::SocketAddress::from_sockaddr(d.from.addr);
  if (!mapped) return;
  std::uint8_t reply[512];
  auto n = stun::build_binding_success(*msg, *mapped, t.params().local_pwd, reply);
  if (n) queue_plain(d.from, {reply, *n});
}

void Worker::handle_bound(Datagram& d, std::uint8_t first) {
  auto it = by_endpoint_.find(d.from);
  if (it == by_endpoint_.end()) {
    stats_.unbound_dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  Transport& t = *it->second;
  if (first >= 20 && first <= 63) {
    auto before = t.dtls().state();
    t.dtls().on_datagram(d.packet->bytes(), [this, &t](std::span<const std::uint8_t> out) {
      queue_plain(*t.bound(), out);
    });
    if (t.dtls().state() != before) {
      t.dtls_progressed();
      if (t.state() == Transport::State::failed) stats_.dtls_failed.fetch_add(1, std::memory_order_relaxed);
      changed(t);
    }
    return;
  }
  if (t.state() != Transport::State::connected) {
    stats_.unbound_dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  bool rtcp = stun::classify(d.packet->bytes()) == stun::PacketKind::kRtcp;
  auto plain = rtcp ? t.srtp_in()->unprotect_rtcp(d.packet->room(), d.packet->size)
                    : t.srtp_in()->unprotect_rtp(d.packet->room(), d.packet->size);
  if (!plain) {
    ++t.unprotect_failures;
    stats_.srtp_unprotect_failed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  d.packet->size = *plain;
  ++t.packets_in;
  t.bytes_in += *plain;
  if (on_media_) on_media_(t, *d.packet, rtcp);
}

void Worker::queue_plain(const Endpoint& to, std::span<const std::uint8_t> bytes) {
  Packet* p = pool_->acquire();
  if (!p || bytes.size() > kPacketCapacity) {
    if (p) pool_->release(p);
    stats_.send_dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  std::copy(bytes.begin(), bytes.end(), p->data);
  p->size = bytes.size();
  if (out_.size() >= kMaxQueued) flush();
  out_.push_back(Queued{p, to});
}

void Worker::queue(Transport& to, Packet* p) {
  if (out_.size() >= kMaxQueued) flush();
  out_.push_back(Queued{p, *to.bound()});
  ++to.packets_out;
  to.bytes_out += p->size;
}

void Worker::send_rtp(Transport& to, Packet* p) { send_protected(to, p, false); }
void Worker::send_rtp(Transport& to, Packet* p, Srtp::StreamMemo& memo) { send_protected(to, p, false, &memo); }
void Worker::send_rtcp(Transport& to, Packet* p) { send_protected(to, p, true); }

void Worker::send_protected(Transport& to, Packet* p, bool rtcp, Srtp::StreamMemo* memo) {
  if (to.state() != Transport::State::connected) {
    stats_.send_dropped.fetch_add(1, std::memory_order_relaxed);
    pool_->release(p);
    return;
  }
  auto n = rtcp ? to.srtp_out()->protect_rtcp(p->room(), p->size)
           : memo ? to.srtp_out()->protect_rtp(p->room(), p->size, *memo)
                  : to.srtp_out()->protect_rtp(p->room(), p->size);
  if (!n) {
    stats_.send_dropped.fetch_add(1, std::memory_order_relaxed);
    pool_->release(p);
    return;
  }
  p->size = *n;
  queue(to, p);
}

void Worker::flush() {
  std::size_t i = 0;
  while (i < out_.size()) {
    outgoing_.clear();
    std::size_t end = std::min(out_.size(), i + UdpSocket::kBatch);
    for (std::size_t j = i; j < end; ++j)
      outgoing_.push_back(Outgoing{out_[j].packet->data, out_[j].packet->size, &out_[j].to});
    std::size_t sent = socket_->send(outgoing_);
    for (std::size_t j = 0; j < sent; ++j) {
      stats_.datagrams_out.fetch_add(1, std::memory_order_relaxed);
      stats_.bytes_out.fetch_add(outgoing_[j].size, std::memory_order_relaxed);
    }
    if (sent < outgoing_.size()) {
      // The kernel's send buffer is full: drop the rest of this flush.
      stats_.send_dropped.fetch_add(out_.size() - i - sent, std::memory_order_relaxed);
      break;
    }
    i = end;
  }
  for (auto& q : out_) pool_->release(q.packet);
  out_.clear();
}

// Every 100 ms: the busy time since the last sample into the one-second
// window, the level from it; every PressureGovernor::kStepInterval the
// governor's decisions (docs/media.md §Behaviour at the limit).
void Worker::measure() {
  const auto now = std::chrono::steady_clock::now();
  const auto busy = loop_->busy();
  meter_.add(busy - last_busy_, now - last_measure_);
  last_busy_ = busy;
  last_measure_ = now;
  const double load = load_override_ ? *load_override_ : meter_.load();
  const Pressure level = governor_.update(load);
  // By the clock, not by counting samples: a worker past its limit runs its
  // timers late, and its decisions must not slow down with them.
  if (now - last_step_ >= PressureGovernor::kStepInterval) {
    last_step_ = now;
    auto r = governor_.step();
    if (r.paused) stats_.video_paused.fetch_add(r.paused, std::memory_order_relaxed);
    if (r.resumed) stats_.video_resumed.fetch_add(r.resumed, std::memory_order_relaxed);
    stats_.paused_subscribers.store(governor_.paused_count(), std::memory_order_relaxed);
  }
  stats_.load.store(load, std::memory_order_relaxed);
  stats_.pressure.store(static_cast<std::uint64_t>(level), std::memory_order_relaxed);
}

void Worker::tick() {
  auto now = std::chrono::steady_clock::now();
  for (auto& [_, t] : transports_) {
    if (t->state() == Transport::State::connecting && t->bound()) {
      t->dtls().on_timer([this, tp = t.get()](std::span<const std::uint8_t> out) { queue_plain(*tp->bound(), out); });
      if (t->dtls().state() == DtlsSession::State::failed) {
        t->dtls_progressed();
        stats_.dtls_failed.fetch_add(1, std::memory_order_relaxed);
        changed(*t);
      }
    }
    // RFC 7675: consent lapses without checks from the peer.
    if (t->bound() && (t->state() == Transport::State::connecting || t->state() == Transport::State::connected) &&
        now - t->last_check() > config_.consent_timeout) {
      t->fail("the peer stopped answering (no ICE consent)");
      changed(*t);
    }
  }
  flush();
}

}  // namespace parley::media
