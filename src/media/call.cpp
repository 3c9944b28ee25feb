#include "media/call.h"

#include <algorithm>

#include "rtp/rtcp.h"
#include "rtp/rtp.h"

namespace parley::media {

namespace {

// The call's own count (tests read it) and the worker's (for /metrics).
void count(std::uint64_t& mine, std::atomic<std::uint64_t>& workers) {
  ++mine;
  workers.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

PayloadMap identity_payload_map() {
  PayloadMap m{};
  for (std::size_t i = 0; i < m.size(); ++i) m[i] = static_cast<std::uint8_t>(i);
  return m;
}

RetransmissionCache::RetransmissionCache() : slab_(new std::uint8_t[kSlots * kPacketCapacity]) {}

void RetransmissionCache::store(std::uint16_t seq, std::span<const std::uint8_t> packet) {
  if (packet.size() > kPacketCapacity) return;
  std::size_t i = seq % kSlots;
  std::copy(packet.begin(), packet.end(), slab_.get() + i * kPacketCapacity);
  slots_[i] = Slot{seq, static_cast<std::uint16_t>(packet.size())};
}

std::optional<std::span<const std::uint8_t>> RetransmissionCache::find(std::uint16_t seq) const {
  std::size_t i = seq % kSlots;
  if (slots_[i].size == 0 || slots_[i].seq != seq) return std::nullopt;
  return std::span<const std::uint8_t>(slab_.get() + i * kPacketCapacity, slots_[i].size);
}

Call::~Call() {
  if (feedback_timer_) worker_.loop().cancel(feedback_timer_);
}

void Call::add_participant(ParticipantId id, Transport* transport, std::uint8_t twcc_extension,
                           std::uint8_t audio_level_extension) {
  Participant p{transport, {}, {}};
  p.twcc.extension = twcc_extension;
  p.audio_level_extension = audio_level_extension;
  participants_[id] = std::move(p);
  transport->owner = this;
  // The call is made on the service thread; its timer starts here, on the
  // worker's, with its first participant.
  if (!feedback_timer_)
    feedback_timer_ = worker_.loop().every(std::chrono::milliseconds(100), [this] {
      send_transport_feedback();
      if (++ticks_ % 3 == 0) update_active_speaker();
    });
}

// The loudest participant whose smoothed level is above a floor (about
// -50 dBov: speech, not room noise) becomes the active speaker; a change is
// reported once. Levels decay between packets so that silence ends a turn.
void Call::update_active_speaker() {
  constexpr double kFloor = 127 - 50;
  ParticipantId loudest = 0;
  double best = kFloor;
  for (auto& [id, p] : participants_) {
    if (p.loudness > best) {
      best = p.loudness;
      loudest = id;
    }
    p.loudness *= 0.5;
  }
  if (loudest == 0 || loudest == active_speaker_) return;
  active_speaker_ = loudest;
  if (active_speaker_handler_) active_speaker_handler_(loudest);
}

void Call::send_transport_feedback() {
  std::array<rtp::TwccArrival, Twcc::kMax> list;
  for (auto& [_, p] : participants_) {
    auto& t = p.twcc;
    if (t.count == 0 || p.transport->state() != Transport::State::connected) continue;
    std::sort(t.arrivals.begin(), t.arrivals.begin() + static_cast<std::ptrdiff_t>(t.count));
    std::size_t n = 0;
    for (std::size_t i = 0; i < t.count; ++i) {
      if (n && t.arrivals[i].first == t.arrivals[i - 1].first) continue;  // a duplicate
      list[n++] = rtp::TwccArrival{static_cast<std::uint16_t>(t.arrivals[i].first), t.arrivals[i].second};
    }
    t.count = 0;
    std::size_t done = 0;
    while (done < n) {
      Packet* out = worker_.pool().acquire();
      if (!out) return;
      auto r = rtp::build_transport_feedback(out->room(), kServerSsrc, t.media_ssrc, t.feedback_count,
                                             std::span(list.data() + done, n - done));
      if (!r || r->consumed == 0) {
        worker_.pool().release(out);
        break;
      }
      out->size = r->size;
      ++t.feedback_count;
      done += r->consumed;
      count(stats_.twcc_feedback_sent, worker_.counters().twcc_feedback_sent);
      worker_.send_rtcp(*p.transport, out);
    }
  }
}

Transport* Call::remove_participant(ParticipantId id) {
  auto it = participants_.find(id);
  if (it == participants_.end()) return nullptr;
  for (auto ssrc : it->second.published) streams_.erase(ssrc);
  for (auto& [_, s] : streams_)
    std::erase_if(s.subscribers, [id](const Subscription& sub) { return sub.subscriber == id; });
  Transport* t = it->second.transport;
  t->owner = nullptr;
  participants_.erase(it);
  if (active_speaker_ == id) active_speaker_ = 0;
  return t;
}

void Call::publish(ParticipantId publisher, PublishedStream stream) {
  auto p = participants_.find(publisher);
  if (p == participants_.end()) return;
  // An SSRC another participant already publishes stays theirs: the later
  // claim is ignored (SSRCs are random 32-bit values; a clash is rare).
  auto [it, inserted] = streams_.try_emplace(stream.ssrc, Stream{publisher, stream.kind, {}, {}, nullptr});
  if (!inserted) return;
  p->second.published.push_back(stream.ssrc);
  if (stream.kind == StreamKind::video) it->second.cache = std::make_unique<RetransmissionCache>();
}

void Call::subscribe(ParticipantId subscriber, std::uint32_t ssrc, const PayloadMap& map) {
  auto s = streams_.find(ssrc);
  auto p = participants_.find(subscriber);
  if (s == streams_.end() || p == participants_.end() || s->second.publisher == subscriber) return;
  auto& subs = s->second.subscribers;
  auto existing = std::find_if(subs.begin(), subs.end(), [&](const Subscription& x) { return x.subscriber == subscriber; });
  if (existing != subs.end()) existing->map = map;
  else subs.push_back(Subscription{subscriber, p->second.transport, map});
  // A new receiver can decode only from a keyframe.
  if (s->second.kind == StreamKind::video) request_keyframe(ssrc, s->second);
}

void Call::unsubscribe(ParticipantId subscriber, std::uint32_t ssrc) {
  auto s = streams_.find(ssrc);
  if (s == streams_.end()) return;
  std::erase_if(s->second.subscribers, [subscriber](const Subscription& x) { return x.subscriber == subscriber; });
}

void Call::on_media(Transport& from, Packet& packet, bool rtcp) {
  if (rtcp) on_rtcp(from, packet);
  else on_rtp(from, packet);
}

void Call::on_rtp(Transport& from, Packet& packet) {
  auto rtp = rtp::parse_rtp(packet.bytes());
  if (!rtp) {
    count(stats_.rtp_malformed, worker_.counters().rtp_malformed);
    return;
  }
  auto s = streams_.find(rtp->ssrc());
  if (s == streams_.end() || participants_[s->second.publisher].transport != &from) {
    count(stats_.unknown_ssrc, worker_.counters().unknown_ssrc);  // not announced in the publisher's SDP, or someone else's
    return;
  }
  auto& publisher = participants_[s->second.publisher];
  if (auto& t = publisher.twcc; t.extension && t.count < Twcc::kMax) {
    if (auto ext = rtp->find_extension(t.extension))
      if (auto seq = rtp::parse_transport_sequence_number(*ext)) {
        auto now = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now().time_since_epoch()).count();
        t.arrivals[t.count++] = {t.unwrap.unwrap(*seq), now};
        t.media_ssrc = rtp->ssrc();
      }
  }
  if (publisher.audio_level_extension && s->second.kind == StreamKind::audio)
    if (auto ext = rtp->find_extension(publisher.audio_level_extension))
      if (auto level = rtp::parse_audio_level(*ext))
        publisher.loudness = std::max(publisher.loudness, 0.8 * publisher.loudness + 0.2 * (127 - level->level));
  const std::uint8_t pt = rtp->payload_type();
  if (s->second.cache) s->second.cache->store(rtp->sequence_number(), packet.bytes());
  for (auto& sub : s->second.subscribers) {
    std::uint8_t out_pt = sub.map[pt];
    if (out_pt == 0xFF) continue;
    Packet* copy = worker_.pool().acquire();
    if (!copy) return;  // counted by the pool; the rest of the fan-out is dropped too
    std::copy(packet.data, packet.data + packet.size, copy->data);
    copy->size = packet.size;
    if (out_pt != pt) copy->data[1] = static_cast<std::uint8_t>((copy->data[1] & 0x80) | out_pt);
    worker_.send_rtp(*sub.to, copy);
    count(stats_.rtp_forwarded, worker_.counters().rtp_forwarded);
  }
}

// RFC 4585 §6.2.1: the subscriber lists what it lost. What the cache still
// holds is sent again as it was (same SSRC and sequence number, payload
// type mapped; the SRTP contexts allow a repeated index). Only when some of
// it is gone is the NACK passed on to the publisher.
void Call::on_nack(Transport& from, const rtp::RtcpPacket& pkt) {
  auto nack = rtp::parse_nack(pkt);
  if (!nack) return;
  auto s = streams_.find(nack->media_ssrc());
  if (s == streams_.end()) return;
  auto sub = std::find_if(s->second.subscribers.begin(), s->second.subscribers.end(),
                          [&](const Subscription& x) { return x.to == &from; });
  if (sub == s->second.subscribers.end()) return;
  bool missing = false;
  for (std::uint16_t seq : nack->lost()) {
    count(stats_.nacked_packets, worker_.counters().nacked_packets);
    auto held = s->second.cache ? s->second.cache->find(seq) : std::nullopt;
    if (!held) {
      missing = true;
      continue;
    }
    std::uint8_t out_pt = sub->map[(*held)[1] & 0x7F];
    if (out_pt == 0xFF) continue;
    Packet* p = worker_.pool().acquire();
    if (!p) return;
    std::copy(held->begin(), held->end(), p->data);
    p->size = held->size();
    p->data[1] = static_cast<std::uint8_t>((p->data[1] & 0x80) | out_pt);
    worker_.send_rtp(from, p);
    count(stats_.retransmitted_from_cache, worker_.counters().retransmitted_from_cache);
  }
  if (!missing) return;
  auto pub = participants_.find(s->second.publisher);
  if (pub == participants_.end()) return;
  Packet* p = worker_.pool().acquire();
  if (!p) return;
  std::copy(pkt.bytes().begin(), pkt.bytes().end(), p->data);
  p->size = pkt.bytes().size();
  worker_.send_rtcp(*pub->second.transport, p);
  count(stats_.nacks_forwarded, worker_.counters().nacks_forwarded);
}

void Call::request_keyframe(std::uint32_t ssrc, Stream& s) {
  auto now = std::chrono::steady_clock::now();
  if (now - s.last_keyframe_request < kKeyframeInterval) {
    count(stats_.keyframe_requests_suppressed, worker_.counters().keyframe_requests_suppressed);
    return;
  }
  auto pub = participants_.find(s.publisher);
  if (pub == participants_.end()) return;
  Packet* p = worker_.pool().acquire();
  if (!p) return;
  auto n = rtp::build_pli(p->room(), kServerSsrc, ssrc);
  if (!n) {
    worker_.pool().release(p);
    return;
  }
  p->size = *n;
  s.last_keyframe_request = now;
  count(stats_.keyframe_requests_sent, worker_.counters().keyframe_requests_sent);
  worker_.send_rtcp(*pub->second.transport, p);
}

// Subscribers' keyframe requests go to the publisher, rate-limited per
// stream; their NACKs are passed on to the publisher, whose retransmissions
// come back as ordinary RTP (or RTX) and are forwarded like the rest.
// Publishers' sender reports go to their subscribers (lip sync).
void Call::on_rtcp(Transport& from, Packet& packet) {
  auto compound = rtp::parse_rtcp_compound(packet.bytes(), rtp::RtcpMode::kReducedSize);
  if (!compound) {
    count(stats_.rtcp_malformed, worker_.counters().rtcp_malformed);
    return;
  }
  for (const auto& pkt : *compound) {
    if (pkt.type() == 206 && (pkt.count() == 1 || pkt.count() == 4)) {
      std::uint32_t media = 0;
      if (pkt.count() == 1) {
        auto pli = rtp::parse_pli(pkt);
        if (!pli) continue;
        media = pli->media_ssrc;
      } else {
        auto fir = rtp::parse_fir(pkt);
        if (!fir || fir->entries().empty()) continue;
        media = fir->entries()[0].ssrc;
      }
      if (auto s = streams_.find(media); s != streams_.end()) request_keyframe(media, s->second);
    } else if (pkt.type() == 205 && pkt.count() == 1) {
      on_nack(from, pkt);
    } else if (pkt.type() == 200) {
      auto sr = rtp::parse_sender_report(pkt);
      if (!sr) continue;
      auto s = streams_.find(sr->sender_ssrc());
      if (s == streams_.end() || participants_[s->second.publisher].transport != &from) continue;
      for (auto& sub : s->second.subscribers) {
        Packet* p = worker_.pool().acquire();
        if (!p) break;
        std::copy(pkt.bytes().begin(), pkt.bytes().end(), p->data);
        p->size = pkt.bytes().size();
        worker_.send_rtcp(*sub.to, p);
        count(stats_.rtcp_forwarded, worker_.counters().rtcp_forwarded);
      }
    }
  }
}

}  // namespace parley::media
