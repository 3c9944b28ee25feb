#include "load/raw_forwarder.h"

#include <openssl/rand.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "stun/demux.h"

namespace parley::load {

KeyPair random_keys(media::SrtpProfile profile) {
  KeyPair k;
  for (media::SrtpKeys* keys : {&k.client, &k.forwarder}) {
    keys->profile = profile;
    keys->key_len = 16;
    keys->salt_len = profile == media::SrtpProfile::aead_aes_128_gcm ? 12 : 14;
  }
  RAND_bytes(k.client.local.data(), static_cast<int>(k.client.local.size()));
  RAND_bytes(k.client.remote.data(), static_cast<int>(k.client.remote.size()));
  k.forwarder.local = k.client.remote;
  k.forwarder.remote = k.client.local;
  return k;
}

Expected<std::unique_ptr<RawForwarder>> RawForwarder::create(const std::string& address) {
  auto sock = media::UdpSocket::bind(address, 0);
  if (!sock) return sock.error();
  auto ep = media::Endpoint::parse(address, sock->port());
  if (!ep) return ep.error();
  return std::unique_ptr<RawForwarder>(new RawForwarder(std::move(*sock), *ep));
}

RawForwarder::~RawForwarder() {
  stop();
}

Status RawForwarder::add_peer(const media::Endpoint& address, const media::SrtpKeys& keys,
                              Role role) {
  if (thread_.joinable()) return make_error("load", "peers are added before start()");
  Peer p;
  p.address = address;
  p.role = role;
  auto in = media::Srtp::create(keys, media::Srtp::Direction::inbound);
  if (!in) return in.error();
  auto out = media::Srtp::create(keys, media::Srtp::Direction::outbound);
  if (!out) return out.error();
  p.in = std::move(*in);
  p.out = std::move(*out);
  by_address_[address] = peers_.size();
  peers_.push_back(std::move(p));
  return ok_status();
}

Status RawForwarder::start(int cpu) {
  for (std::size_t i = 0; i < peers_.size(); ++i) {
    if (!peers_[i].role.publisher) continue;
    for (std::size_t j = 0; j < peers_.size(); ++j)
      if (j != i && peers_[j].role.subscriber && peers_[j].role.meeting == peers_[i].role.meeting)
        peers_[i].targets.push_back(j);
    max_targets_ = std::max(max_targets_, peers_[i].targets.size());
  }
  // As a media worker: a pool sized for a full batch fanned out to everyone.
  pool_ = std::make_unique<media::PacketPool>(
      std::max<std::size_t>(8192, media::UdpSocket::kBatch * (max_targets_ + 2)));
  out_.reserve(media::UdpSocket::kBatch * (max_targets_ + 1));
  outgoing_.reserve(media::UdpSocket::kBatch);
  stop_ = false;
  thread_ = std::thread([this, cpu] {
    if (cpu >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpu, &set);
      pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    }
    run();
  });
  has_cpu_clock_ = pthread_getcpuclockid(thread_.native_handle(), &cpu_clock_) == 0;
  return ok_status();
}

void RawForwarder::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

double RawForwarder::cpu_seconds() const {
  timespec ts{};
  if (!has_cpu_clock_ || clock_gettime(cpu_clock_, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void RawForwarder::run() {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  epoll_ctl(ep, EPOLL_CTL_ADD, socket_.fd(), &ev);
  std::array<epoll_event, 4> events{};
  while (!stop_.load(std::memory_order_relaxed)) {
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    if (n > 0) on_readable();
  }
  close(ep);
}

// The worker's drain loop (media/worker.cpp on_readable), minus the SFU.
void RawForwarder::on_readable() {
  std::array<media::Datagram, media::UdpSocket::kBatch> batch;
  for (int round = 0; round < 8; ++round) {
    std::size_t n = socket_.receive(*pool_, batch);
    if (n == 0) break;
    for (std::size_t i = 0; i < n; ++i) {
      media::Packet* p = batch[i].packet;
      auto it = by_address_.find(batch[i].from);
      const auto kind = stun::classify(p->bytes());
      if (it != by_address_.end() && !batch[i].truncated) {
        Peer& from = peers_[it->second];
        if (kind == stun::PacketKind::kRtp) {
          auto len = from.in->unprotect_rtp(p->room(), p->size);
          if (len && from.role.publisher) {
            for (std::size_t s : from.targets) {
              Peer& to = peers_[s];
              media::Packet* copy = pool_->acquire();
              if (!copy) {
                dropped_.fetch_add(1, std::memory_order_relaxed);
                continue;
              }
              std::memcpy(copy->data, p->data, *len);
              auto out = to.out->protect_rtp(copy->room(), *len);
              if (!out) {
                pool_->release(copy);
                dropped_.fetch_add(1, std::memory_order_relaxed);
                continue;
              }
              copy->size = *out;
              out_.push_back({copy, &to.address});
            }
          }
        } else if (kind == stun::PacketKind::kRtcp) {
          (void)from.in->unprotect_rtcp(p->room(), p->size);
        }
      }
      pool_->release(p);
    }
    flush();
    if (n < media::UdpSocket::kBatch) break;
  }
}

void RawForwarder::flush() {
  std::size_t i = 0;
  std::uint64_t sent_total = 0;
  while (i < out_.size()) {
    outgoing_.clear();
    std::size_t end = std::min(out_.size(), i + media::UdpSocket::kBatch);
    for (std::size_t j = i; j < end; ++j)
      outgoing_.push_back({out_[j].packet->data, out_[j].packet->size, out_[j].to});
    std::size_t sent = socket_.send(outgoing_);
    sent_total += sent;
    if (sent < outgoing_.size()) {
      dropped_.fetch_add(out_.size() - i - sent, std::memory_order_relaxed);
      break;
    }
    i = end;
  }
  forwarded_.fetch_add(sent_total, std::memory_order_relaxed);
  for (auto& q : out_) pool_->release(q.packet);
  out_.clear();
}

}  // namespace parley::load
