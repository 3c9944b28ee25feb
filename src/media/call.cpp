#include "media/call.h"

#include <algorithm>
#include <cstring>

#include "rtp/vp8.h"

namespace parley::media {

namespace {

// The call's own count (tests read it) and the worker's (for /metrics).
void count(std::uint64_t& mine, std::atomic<std::uint64_t>& workers, std::uint64_t n = 1) {
  mine += n;
  workers.fetch_add(n, std::memory_order_relaxed);
}

void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
void put32(std::uint8_t* p, std::uint32_t v) {
  put16(p, static_cast<std::uint16_t>(v >> 16));
  put16(p + 2, static_cast<std::uint16_t>(v));
}

// Serial-number order (RFC 1982) for 16-bit sequence numbers.
bool newer(std::uint16_t a, std::uint16_t b) { return static_cast<std::int16_t>(a - b) > 0; }

// Room left in a packet buffer for the SRTP authentication tag.
constexpr std::size_t kMaxPlainSize = kPacketCapacity - 64;

}  // namespace

Call::Incoming Call::describe(const rtp::RtpPacket& rtp, PayloadFormat format, std::uint8_t audio_level_extension) {
  Incoming in{rtp, std::nullopt, std::nullopt, false, 0, std::nullopt, 0};
  if (audio_level_extension) in.audio_level = rtp.find_extension(audio_level_extension);
  if (format == PayloadFormat::vp8)
    if (auto d = rtp::parse_vp8_descriptor(rtp.payload())) {
      in.picture_id = d->picture_id;
      in.picture_id_15bit = d->picture_id_15bit;
      in.picture_id_offset = d->picture_id_offset;
      in.tl0 = d->tl0_pic_idx;
      in.tl0_offset = d->tl0_pic_idx_offset;
    }
  return in;
}

Call::~Call() {
  if (timer_) worker_.loop().cancel(timer_);
  for (const auto& [_, p] : participants_) worker_.pressure().withdraw(p.pressure_key);
}

void Call::add_participant(ParticipantId id, Transport* transport, ParticipantExtensions extensions) {
  Participant p;
  p.transport = transport;
  p.ext = extensions;
  p.estimate = BandwidthEstimate(limits_.initial_bandwidth_bps);
  if (auto old = participants_.find(id); old != participants_.end())
    worker_.pressure().withdraw(old->second.pressure_key);
  p.pressure_key = worker_.pressure().enroll();
  participants_[id] = std::move(p);
  transport->owner = this;
  // The call is made on the service thread; its timer starts here, on the
  // worker's, with its first participant.
  if (!timer_) timer_ = worker_.loop().every(std::chrono::milliseconds(100), [this] { tick(); });
}

void Call::tick() {
  send_transport_feedback();
  for (auto& [_, p] : participants_)
    for (auto& t : p.tracks)
      for (auto& o : t->outbounds) o.retransmit_budget = kRetransmitBudget;
  ++ticks_;
  if (ticks_ % 3 == 0) update_active_speaker();
  // The worker's pressure level or its paused set changed: choose again now
  // rather than at the next interval.
  if (ticks_ % 5 != 0 && worker_.pressure().generation() != pressure_generation_) choose_layers();
  if (ticks_ % 5 == 0) {
    // Each layer's rate over the last interval, smoothed.
    constexpr double kSeconds = std::chrono::duration<double>(kLayerInterval).count();
    for (auto& [_, p] : participants_)
      for (auto& t : p.tracks)
        for (auto& l : t->layers) {
          l.bitrate_bps = 0.5 * l.bitrate_bps + 0.5 * (static_cast<double>(l.bytes) * 8 / kSeconds);
          l.bytes = 0;
        }
    choose_layers();
  }
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
  for (auto& t : it->second.tracks)
    for (auto& l : t->layers) {
      routes_.erase(l.spec.ssrc);
      routes_.erase(l.spec.rtx_ssrc);
    }
  routes_.erase(0);
  for (auto& [_, p] : participants_)
    for (auto& t : p.tracks) std::erase_if(t->outbounds, [id](const Outbound& o) { return o.subscriber == id; });
  std::erase_if(parked_, [id](const Outbound& o) { return o.subscriber == id; });
  // Others' slots fed by its channel track wait in parked_, and its
  // channels have no source.
  for (auto& t : it->second.tracks)
    for (auto& o : t->outbounds)
      if (o.slot >= 0) {
        o.source = nullptr;
        o.current = -1;
        parked_.push_back(std::move(o));
      }
  for (auto& c : channels_)
    if (c.publisher == id) c = ChannelSource{};
  Transport* t = it->second.transport;
  t->owner = nullptr;
  worker_.pressure().withdraw(it->second.pressure_key);
  participants_.erase(it);
  if (active_speaker_ == id) active_speaker_ = 0;
  rebuild_receiving();
  return t;
}

void Call::publish(ParticipantId publisher, TrackSpec spec) {
  auto p = participants_.find(publisher);
  if (p == participants_.end() || spec.layers.empty() || spec.layers.size() > kMaxLayers) return;
  for (const auto& t : p->second.tracks)
    if (t->spec.id == spec.id) return;
  auto track = std::make_unique<Track>();
  track->publisher = publisher;
  for (std::size_t i = 0; i < spec.layers.size(); ++i) {
    Layer l;
    l.spec = spec.layers[i];
    // An SSRC another stream already has stays theirs (SSRCs are random
    // 32-bit values; a clash is rare): this layer learns or waits.
    if (l.spec.ssrc && routes_.count(l.spec.ssrc)) l.spec.ssrc = 0;
    if (l.spec.rtx_ssrc && routes_.count(l.spec.rtx_ssrc)) l.spec.rtx_ssrc = 0;
    if (l.spec.ssrc) routes_[l.spec.ssrc] = Route{track.get(), static_cast<std::uint8_t>(i), false};
    if (l.spec.rtx_ssrc) routes_[l.spec.rtx_ssrc] = Route{track.get(), static_cast<std::uint8_t>(i), true};
    if (spec.kind == StreamKind::video && limits_.cache_packets)
      l.cache = std::make_unique<RetransmissionCache>(limits_.cache_packets);
    track->layers.push_back(std::move(l));
  }
  track->spec = std::move(spec);
  p->second.tracks.push_back(std::move(track));
}

Call::Outbound Call::new_outbound(ParticipantId subscriber, Transport* to, OutboundSpec spec) {
  Outbound o;
  o.subscriber = subscriber;
  o.to = to;
  o.spec = std::move(spec);
  o.rtx_seq = static_cast<std::uint16_t>(o.spec.ssrc);  // RTX numbers start from the random SSRC's low bits
  return o;
}

void Call::subscribe(ParticipantId subscriber, ParticipantId publisher, std::uint32_t track_id, OutboundSpec spec) {
  auto pub = participants_.find(publisher);
  auto sub = participants_.find(subscriber);
  if (pub == participants_.end() || sub == participants_.end() || publisher == subscriber) return;
  if (spec.mid.size() > 16) spec.mid.clear();
  for (auto& t : pub->second.tracks) {
    if (t->spec.id != track_id) continue;
    auto o = std::find_if(t->outbounds.begin(), t->outbounds.end(),
                          [&](const Outbound& x) { return x.subscriber == subscriber && x.slot < 0; });
    if (o != t->outbounds.end()) {
      o->spec = std::move(spec);
    } else {
      Outbound fresh = new_outbound(subscriber, sub->second.transport, std::move(spec));
      if (t->spec.kind == StreamKind::video && limits_.cache_packets)
        fresh.history = std::make_unique<SentRecord[]>(limits_.cache_packets);
      else fresh.target = 0;  // audio has one layer
      t->outbounds.push_back(std::move(fresh));
    }
    rebuild_receiving();
    choose_layers();
    return;
  }
}

void Call::unsubscribe(ParticipantId subscriber, ParticipantId publisher, std::uint32_t track_id) {
  auto pub = participants_.find(publisher);
  if (pub == participants_.end()) return;
  for (auto& t : pub->second.tracks)
    if (t->spec.id == track_id)
      std::erase_if(t->outbounds, [subscriber](const Outbound& o) { return o.subscriber == subscriber && o.slot < 0; });
  rebuild_receiving();
}

void Call::set_view(ParticipantId subscriber, ParticipantId publisher, std::uint16_t width, std::uint16_t height) {
  auto pub = participants_.find(publisher);
  if (pub == participants_.end()) return;
  for (auto& t : pub->second.tracks)
    for (auto& o : t->outbounds)
      if (o.subscriber == subscriber && o.slot < 0) {
        o.spec.view_width = width;
        o.spec.view_height = height;
      }
  choose_layers();
}

int Call::current_layer(ParticipantId subscriber, ParticipantId publisher, std::uint32_t track_id) const {
  auto pub = participants_.find(publisher);
  if (pub == participants_.end()) return -1;
  for (const auto& t : pub->second.tracks)
    if (t->spec.id == track_id)
      for (const auto& o : t->outbounds)
        if (o.subscriber == subscriber && o.slot < 0) return o.current;
  return -1;
}

Call::Track* Call::find_track(ParticipantId publisher, std::uint32_t track) {
  auto p = participants_.find(publisher);
  if (p == participants_.end()) return nullptr;
  for (auto& t : p->second.tracks)
    if (t->spec.id == track) return t.get();
  return nullptr;
}

void Call::set_channel_source(std::size_t channel, ParticipantId publisher, std::uint32_t track) {
  if (channel >= kMaxChannels) return;
  channels_[channel] = ChannelSource{publisher, track};
  place_slots();
}

Call::Outbound* Call::find_slot(ParticipantId listener, std::uint32_t slot) {
  auto match = [&](const Outbound& o) { return o.subscriber == listener && o.slot == static_cast<int>(slot); };
  for (auto& o : parked_)
    if (match(o)) return &o;
  for (auto& [_, p] : participants_)
    for (auto& t : p.tracks)
      for (auto& o : t->outbounds)
        if (match(o)) return &o;
  return nullptr;
}

void Call::add_slot(ParticipantId listener, std::uint32_t slot, OutboundSpec spec, FormatPayloadTypes formats,
                    std::shared_ptr<ChannelCounters> counters) {
  auto sub = participants_.find(listener);
  if (sub == participants_.end() || slot > 0x7FFF) return;
  if (spec.mid.size() > 16) spec.mid.clear();
  spec.rtx_ssrc = 0;  // audio: no retransmission
  if (Outbound* o = find_slot(listener, slot)) {
    o->spec = std::move(spec);
    o->formats = formats;
    o->source = nullptr;  // payload types are mapped again at placing
    o->counters = std::move(counters);
  } else {
    Outbound fresh = new_outbound(listener, sub->second.transport, std::move(spec));
    fresh.slot = static_cast<int>(slot);
    fresh.formats = formats;
    fresh.counters = std::move(counters);
    parked_.push_back(std::move(fresh));
  }
  place_slots();
}

void Call::remove_slot(ParticipantId listener, std::uint32_t slot) {
  auto match = [&](const Outbound& o) { return o.subscriber == listener && o.slot == static_cast<int>(slot); };
  std::erase_if(parked_, match);
  for (auto& [_, p] : participants_)
    for (auto& t : p.tracks) std::erase_if(t->outbounds, match);
  rebuild_receiving();
}

std::size_t Call::slot_count() const {
  std::size_t n = parked_.size();
  for (const auto& [_, p] : participants_)
    for (const auto& t : p.tracks)
      n += static_cast<std::size_t>(std::count_if(t->outbounds.begin(), t->outbounds.end(),
                                                  [](const Outbound& o) { return o.slot >= 0; }));
  return n;
}

void Call::set_slot_channel(ParticipantId listener, std::uint32_t slot, int channel) {
  Outbound* o = find_slot(listener, slot);
  if (!o) return;
  o->channel = channel >= 0 && static_cast<std::size_t>(channel) < kMaxChannels ? channel : -1;
  place_slots();
}

// Slots move between tracks' outbounds only here, on the worker's thread
// between packets, so forward() never sees a list change under it. A slot
// whose source changed is switched like a subscriber moved to another
// simulcast layer: at the new source's next packet its sequence numbers and
// timestamps continue from the last ones it sent (forward()), so that the
// listener's jitter buffer sees one stream, paused at most.
void Call::place_slots() {
  std::vector<Outbound> slots = std::move(parked_);
  parked_.clear();
  for (auto& [_, p] : participants_)
    for (auto& t : p.tracks) {
      for (auto& o : t->outbounds)
        if (o.slot >= 0) slots.push_back(std::move(o));
      std::erase_if(t->outbounds, [](const Outbound& o) { return o.slot >= 0; });
    }
  for (auto& o : slots) {
    Track* source = nullptr;
    if (o.channel >= 0) {
      const auto& c = channels_[static_cast<std::size_t>(o.channel)];
      if (c.publisher && c.publisher != o.subscriber) source = find_track(c.publisher, c.track);
      if (source && (!source->spec.channel || source->spec.kind != StreamKind::audio)) source = nullptr;
    }
    if (!source) {
      o.current = -1;
      o.source = nullptr;
      parked_.push_back(std::move(o));
      continue;
    }
    if (o.source != source) {
      o.source = source;
      o.current = -1;  // the next packet of the source switches it
      o.target = 0;
      for (std::size_t pt = 0; pt < 128; ++pt) {
        auto f = static_cast<std::size_t>(source->spec.formats[pt]);
        o.spec.map[pt] = f && f < o.formats.size() ? o.formats[f] : kNoPayloadType;
      }
    }
    source->outbounds.push_back(std::move(o));
  }
  rebuild_receiving();
}

void Call::rebuild_receiving() {
  for (auto& [_, p] : participants_) p.receiving.clear();
  for (auto& [_, p] : participants_)
    for (auto& t : p.tracks)
      for (auto& o : t->outbounds)
        if (auto s = participants_.find(o.subscriber); s != participants_.end())
          s->second.receiving.push_back(Receiving{t.get(), &o});
}

Call::Receiving* Call::find_outbound(ParticipantId subscriber, std::uint32_t ssrc) {
  auto s = participants_.find(subscriber);
  if (s == participants_.end()) return nullptr;
  for (auto& r : s->second.receiving)
    if (r.out->spec.ssrc == ssrc) return &r;
  return nullptr;
}

// For each subscriber: the layer each video tile should get, within what
// the subscriber can receive. Every shown tile first gets the smallest
// layer that arrives (a picture for everyone before a sharper one for
// anyone); then tiles are raised one layer at a time, round robin, while
// the sum of measured layer rates stays within the estimate and no tile
// goes above what its size needs. A tile whose target differs from what it
// gets asks the publisher for a keyframe of the target layer; the switch
// happens when that keyframe arrives (forward()).
//
// Then the worker's pressure (docs/media.md §Behaviour at the limit): under
// high pressure every tile gets one layer below that choice, saturated the
// lowest layer; a subscriber whose video the worker paused gets none until
// it is resumed (the keyframe request above then brings it back). Audio is
// not chosen here and never capped.
void Call::choose_layers() {
  struct Choice {
    Receiving* r;
    std::vector<int> ranked;
    int cap = -1;  // position in `ranked`; -1: nothing to send
    int pos = -1;
  };
  auto cutoff = Clock::now() - kLayerTimeout;
  PressureGovernor& governor = worker_.pressure();
  const Pressure level = governor.level();
  pressure_generation_ = governor.generation();
  for (auto& [_, sub] : participants_) {
    std::vector<Choice> choices;
    double used = 0;
    for (auto& r : sub.receiving) {
      if (r.track->spec.kind != StreamKind::video) continue;
      std::array<LayerInfo, kMaxLayers> info{};
      for (std::size_t i = 0; i < r.track->layers.size(); ++i) {
        const auto& l = r.track->layers[i];
        info[i] = LayerInfo{l.seen && l.last_packet > cutoff, l.width, l.height, l.bitrate_bps};
      }
      std::span<const LayerInfo> layers(info.data(), r.track->layers.size());
      Choice c{&r, rank_layers(layers)};
      int wanted = layer_for_view(layers, r.out->spec.view_width, r.out->spec.view_height);
      for (std::size_t i = 0; i < c.ranked.size(); ++i)
        if (c.ranked[i] == wanted) c.cap = static_cast<int>(i);
      if (c.cap >= 0) {
        c.pos = 0;
        used += r.track->layers[static_cast<std::size_t>(c.ranked[0])].bitrate_bps;
      }
      choices.push_back(std::move(c));
    }
    for (bool raised = true; raised;) {
      raised = false;
      for (auto& c : choices) {
        if (c.pos < 0 || c.pos >= c.cap) continue;
        const auto& layers = c.r->track->layers;
        double step = layers[static_cast<std::size_t>(c.ranked[static_cast<std::size_t>(c.pos) + 1])].bitrate_bps -
                      layers[static_cast<std::size_t>(c.ranked[static_cast<std::size_t>(c.pos)])].bitrate_bps;
        if (used + step > sub.estimate.bps()) continue;
        used += step;
        ++c.pos;
        raised = true;
      }
    }
    const bool paused = governor.video_paused(sub.pressure_key);
    bool receives_video = false, lowerable = false;
    for (auto& c : choices) {
      Outbound& o = *c.r->out;
      if (c.pos < 0) {
        o.capped = 0;
        continue;
      }
      receives_video = true;
      const int own = c.pos;
      if (level == Pressure::saturated) c.pos = 0;
      else if (level == Pressure::high && c.pos > 0) --c.pos;
      if (own - c.pos > o.capped) count(stats_.layer_caps, worker_.counters().layer_caps);
      o.capped = own - c.pos;
      // Still on a higher layer than its lowest (its switch waits for a
      // keyframe): lowering layers may yet help.
      if (o.current >= 0 && o.current != c.ranked[0]) lowerable = true;
      if (paused) c.pos = -1;
    }
    governor.report(sub.pressure_key, receives_video, lowerable);
    for (auto& c : choices) {
      Outbound& o = *c.r->out;
      o.target = c.pos < 0 ? -1 : c.ranked[static_cast<std::size_t>(c.pos)];
      if (o.target < 0) o.current = -1;  // hidden, or nothing arrives: stop now
      else if (o.target != o.current) request_keyframe(*c.r->track, o.target);
    }
  }
}

void Call::on_media(Transport& from, Packet& packet, bool rtcp) {
  if (rtcp) on_rtcp(from, packet);
  else on_rtp(from, packet);
}

// RFC 8852: a simulcast layer announced only by rid names itself in the
// RTP stream id extension (its RTX stream in the repaired one); the MID
// extension (RFC 8843 §15) says which of the publisher's sections it is.
const Call::Route* Call::learn_ssrc(Participant& publisher, const rtp::RtpPacket& rtp) {
  const auto& ext = publisher.ext;
  std::optional<std::string_view> mid, rid;
  bool repaired = false;
  if (ext.mid)
    if (auto v = rtp.find_extension(ext.mid))
      if (auto m = rtp::parse_mid(*v)) mid = *m;
  if (ext.rid)
    if (auto v = rtp.find_extension(ext.rid))
      if (auto r = rtp::parse_rid(*v)) rid = *r;
  if (!rid && ext.repaired_rid)
    if (auto v = rtp.find_extension(ext.repaired_rid))
      if (auto r = rtp::parse_rid(*v)) {
        rid = *r;
        repaired = true;
      }
  if (!rid) {
    // No rid: a section that announced no SSRC, known by its MID alone.
    if (!mid) return nullptr;
    for (auto& t : publisher.tracks)
      if (t->spec.mid == *mid && t->layers.size() == 1 && t->layers[0].spec.rid.empty() && t->layers[0].spec.ssrc == 0) {
        t->layers[0].spec.ssrc = rtp.ssrc();
        auto& route = routes_[rtp.ssrc()];
        route = Route{t.get(), 0, false};
        return &route;
      }
    return nullptr;
  }
  for (auto& t : publisher.tracks) {
    if (mid && t->spec.mid != *mid) continue;
    for (std::size_t i = 0; i < t->layers.size(); ++i) {
      auto& l = t->layers[i];
      if (l.spec.rid.empty() || l.spec.rid != *rid) continue;
      std::uint32_t& known = repaired ? l.spec.rtx_ssrc : l.spec.ssrc;
      if (known) {
        // The publisher changed SSRC (a new encoder): its numbers start
        // afresh, so subscribers wait for its next keyframe and switch to it
        // as to a new layer, their own numbers running on.
        routes_.erase(known);
        if (!repaired) {
          l.seen = false;
          for (auto& o : t->outbounds)
            if (o.current == static_cast<int>(i)) o.current = -1;
        }
      }
      known = rtp.ssrc();
      auto& route = routes_[known];
      route = Route{t.get(), static_cast<std::uint8_t>(i), repaired};
      return &route;
    }
  }
  return nullptr;
}

void Call::on_rtp(Transport& from, Packet& packet) {
  auto rtp = rtp::parse_rtp(packet.bytes());
  if (!rtp) {
    count(stats_.rtp_malformed, worker_.counters().rtp_malformed);
    return;
  }
  const Route* route = nullptr;
  if (auto r = routes_.find(rtp->ssrc()); r != routes_.end()) route = &r->second;
  Participant* publisher = nullptr;
  if (route) {
    auto p = participants_.find(route->track->publisher);
    if (p != participants_.end() && p->second.transport == &from) publisher = &p->second;
  } else {
    for (auto& [_, p] : participants_)
      if (p.transport == &from) {
        publisher = &p;
        route = learn_ssrc(p, *rtp);
      }
  }
  if (!route || !publisher) {
    count(stats_.unknown_ssrc, worker_.counters().unknown_ssrc);  // not announced by its sender, or someone else's
    return;
  }
  auto now = Clock::now();
  if (auto& t = publisher->twcc; publisher->ext.transport_cc && t.count < Twcc::kMax) {
    if (auto ext = rtp->find_extension(publisher->ext.transport_cc))
      if (auto seq = rtp::parse_transport_sequence_number(*ext)) {
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
        t.arrivals[t.count++] = {t.unwrap.unwrap(*seq), us};
        t.media_ssrc = rtp->ssrc();
      }
  }
  Track& track = *route->track;
  Layer& layer = track.layers[route->layer];
  layer.bytes += packet.size;
  if (route->rtx) {
    count(stats_.rtx_received, worker_.counters().rtx_received);
    if (!unwrap_rtx(track, layer, packet, *rtp)) return;  // padding-only probe, or not an RTX format
    rtp = rtp::parse_rtp(packet.bytes());
    if (!rtp) return;
    // Already here (a late original, or a browser's padding made of old
    // packets): sent on once already.
    if (layer.cache && layer.cache->find(rtp->sequence_number())) return;
  } else {
    // A layer that starts (or resumes) arriving may be what a subscriber
    // waits for: choose now rather than at the next interval.
    bool was_active = layer.seen && now - layer.last_packet < kLayerTimeout;
    if (track.spec.kind == StreamKind::video) nack_gaps(*publisher, layer, rtp->sequence_number());
    layer.last_packet = now;
    layer.seen = true;
    if (!was_active && !track.outbounds.empty()) choose_layers();
  }
  if (rtp->payload().empty()) return;  // padding only: nothing for subscribers
  // The floor's active speaker: an interpreter's channel is not the floor.
  if (track.spec.kind == StreamKind::audio && !track.spec.channel && publisher->ext.audio_level)
    if (auto ext = rtp->find_extension(publisher->ext.audio_level))
      if (auto level = rtp::parse_audio_level(*ext))
        publisher->loudness = std::max(publisher->loudness, 0.8 * publisher->loudness + 0.2 * (127 - level->level));
  auto format = track.spec.formats[rtp->payload_type()];
  if (format == PayloadFormat::vp8)
    if (auto size = vp8_keyframe_size(rtp->payload())) std::tie(layer.width, layer.height) = *size;
  if (layer.cache) layer.cache->store(rtp->sequence_number(), packet.bytes());
  forward(track, route->layer, *rtp, now, route->rtx);
}

// RFC 4588 §4: an RTX packet carries the original sequence number (OSN)
// before the original payload. Rebuilt in place as the packet it repairs,
// it is then forwarded and cached like any other.
bool Call::unwrap_rtx(Track& track, Layer& layer, Packet& packet, const rtp::RtpPacket& rtx) {
  auto payload = rtx.payload();
  std::uint8_t media_pt = track.spec.rtx_media[rtx.payload_type()];
  if (payload.size() <= 2 || media_pt == kNoPayloadType || layer.spec.ssrc == 0) return false;
  auto osn = static_cast<std::uint16_t>(payload[0] << 8 | payload[1]);
  std::size_t header = static_cast<std::size_t>(payload.data() - packet.data);
  std::memmove(packet.data + header, packet.data + header + 2, payload.size() - 2);
  packet.size = header + payload.size() - 2;
  packet.data[0] &= static_cast<std::uint8_t>(~0x20);  // the padding, if any, is gone
  packet.data[1] = static_cast<std::uint8_t>((packet.data[1] & 0x80) | media_pt);
  put16(packet.data + 2, osn);
  put32(packet.data + 8, layer.spec.ssrc);
  return true;
}

// The server asks the publisher itself for what did not arrive (RFC 4585
// §6.2.1); retransmissions come back on RTX (or the original SSRC) and
// refill the cache from which subscribers' NACKs are answered.
void Call::nack_gaps(Participant& publisher, Layer& layer, std::uint16_t seq) {
  if (!layer.seen || layer.highest_seq == seq) {
    layer.highest_seq = seq;
    return;
  }
  if (!newer(seq, layer.highest_seq)) return;  // late or repaired
  auto gap = static_cast<std::uint16_t>(seq - layer.highest_seq - 1);
  std::uint16_t first = static_cast<std::uint16_t>(layer.highest_seq + 1);
  layer.highest_seq = seq;
  if (gap == 0 || gap > 64 || layer.spec.ssrc == 0) return;  // a longer gap is a keyframe's job
  std::array<std::uint16_t, 64> lost;
  for (std::uint16_t i = 0; i < gap; ++i) lost[i] = static_cast<std::uint16_t>(first + i);
  Packet* p = worker_.pool().acquire();
  if (!p) return;
  auto n = rtp::build_nack(p->room(), kServerSsrc, layer.spec.ssrc, std::span(lost.data(), gap));
  if (!n) {
    worker_.pool().release(p);
    return;
  }
  p->size = *n;
  count(stats_.nacks_sent, worker_.counters().nacks_sent);
  worker_.send_rtcp(*publisher.transport, p);
}

void Call::forward(Track& track, std::uint8_t layer, const rtp::RtpPacket& rtp, Clock::time_point now, bool repaired) {
  const auto format = track.spec.formats[rtp.payload_type()];
  const bool video = track.spec.kind == StreamKind::video;
  std::uint8_t level_ext = 0;
  if (!video)
    if (auto p = participants_.find(track.publisher); p != participants_.end()) level_ext = p->second.ext.audio_level;
  const Incoming in = describe(rtp, format, level_ext);
  const std::uint16_t seq = rtp.sequence_number();
  bool keyframe = false, keyframe_known = false, sampled = false;
  for (auto& o : track.outbounds) {
    if (o.target == layer && o.current != layer && !repaired) {
      if (video && !keyframe_known) {
        keyframe = is_keyframe_start(format, rtp.payload());
        keyframe_known = true;
      }
      if (!video || keyframe) {
        // Switch: the new layer's numbers continue from the last ones sent.
        if (o.started) {
          // Capped at a minute: after a long pause any step is as good.
          auto elapsed = std::min(60.0, std::chrono::duration<double>(now - o.last_sent).count());
          auto ticks = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(elapsed * track.spec.clock_rate));
          o.seq_delta = static_cast<std::uint16_t>(o.last_seq + 1 - seq);
          o.ts_delta = o.last_ts + ticks - rtp.timestamp();
          if (in.picture_id) o.pid_delta = static_cast<std::uint16_t>(o.last_pid + 1 - *in.picture_id);
          if (in.tl0) o.tl0_delta = static_cast<std::uint8_t>(o.last_tl0 + 1 - *in.tl0);
          count(stats_.layer_switches, worker_.counters().layer_switches);
        }
        o.started = true;
        o.base_seq = seq;
        o.highest_in = seq;
        o.current = layer;
      }
    }
    if (o.current != layer || newer(o.base_seq, seq)) continue;  // another layer, or from before the switch
    if (newer(seq, o.highest_in)) {
      o.highest_in = seq;
      if (static_cast<std::uint16_t>(seq - o.base_seq) > kReorderWindow) o.base_seq = static_cast<std::uint16_t>(seq - kReorderWindow);
    }
    SentRecord r{static_cast<std::uint16_t>(seq + o.seq_delta), seq, static_cast<std::int8_t>(layer), o.ts_delta,
                 o.pid_delta, o.tl0_delta};
    Packet* copy = worker_.pool().acquire();
    if (!copy) return;  // counted by the pool; the rest of the fan-out is dropped too
    copy->size = write_packet(*copy, o, in, r, false, 0);
    if (copy->size == 0) {
      worker_.pool().release(copy);
      continue;
    }
    if (newer(r.out_seq, o.last_seq) || o.packets == 0) {
      o.last_seq = r.out_seq;
      o.last_ts = rtp.timestamp() + r.ts_delta;
      if (in.picture_id) o.last_pid = static_cast<std::uint16_t>(*in.picture_id + r.pid_delta);
      if (in.tl0) o.last_tl0 = static_cast<std::uint8_t>(*in.tl0 + r.tl0_delta);
      o.last_sent = now;
    }
    if (o.history) o.history[r.out_seq % limits_.cache_packets] = r;
    ++o.packets;
    o.octets += static_cast<std::uint32_t>(rtp.payload().size());
    worker_.send_rtp(*o.to, copy, o.srtp_memo);
    count(stats_.rtp_forwarded, worker_.counters().rtp_forwarded);
    if (o.counters) {
      o.counters->packets[static_cast<std::size_t>(o.channel)].fetch_add(1, std::memory_order_relaxed);
      count(stats_.channel_forwarded, worker_.counters().channel_forwarded);
    }
    if (limits_.sampler && !sampled) {
      limits_.sampler->record(track.spec.kind, format, rtp.payload());
      sampled = true;
    }
  }
}

// The subscriber's header: its SSRC (or RTX SSRC), the rewritten numbers,
// its payload type, and only the extensions it negotiated and needs — its
// own MID (RFC 8843 §15) and the audio level — in the one-byte form (RFC
// 8285 §4.2). The publisher's other extensions (its transport-wide sequence
// numbers, rids) describe the publisher's hop and stop here.
std::size_t Call::write_packet(Packet& out, const Outbound& o, const Incoming& in, const SentRecord& r, bool rtx,
                               std::uint16_t rtx_seq) const {
  const auto& rtp = in.rtp;
  const std::uint8_t in_pt = rtp.payload_type();
  const std::uint8_t pt = rtx ? o.spec.rtx_map[in_pt] : o.spec.map[in_pt];
  if (pt == kNoPayloadType) return 0;
  const std::size_t csrcs = 4u * rtp.csrc_count();
  std::uint8_t ext[4 + 1 + 16 + 2 + 3];
  std::size_t ext_size = 0;
  if (o.spec.mid_extension && !o.spec.mid.empty()) {
    ext[4 + ext_size++] = static_cast<std::uint8_t>(o.spec.mid_extension << 4 | (o.spec.mid.size() - 1));
    std::memcpy(ext + 4 + ext_size, o.spec.mid.data(), o.spec.mid.size());
    ext_size += o.spec.mid.size();
  }
  if (o.spec.audio_level_extension && in.audio_level && !in.audio_level->empty()) {
    ext[4 + ext_size++] = static_cast<std::uint8_t>(o.spec.audio_level_extension << 4);
    ext[4 + ext_size++] = (*in.audio_level)[0];
  }
  while (ext_size % 4) ext[4 + ext_size++] = 0;
  const auto payload = rtp.payload();
  const std::size_t header = 12 + csrcs + (ext_size ? 4 + ext_size : 0);
  const std::size_t size = header + (rtx ? 2 : 0) + payload.size();
  if (size > kMaxPlainSize) return 0;
  std::uint8_t* p = out.data;
  p[0] = static_cast<std::uint8_t>(0x80 | (ext_size ? 0x10 : 0) | rtp.csrc_count());
  p[1] = static_cast<std::uint8_t>((rtp.marker() ? 0x80 : 0) | pt);
  put16(p + 2, rtx ? rtx_seq : r.out_seq);
  put32(p + 4, rtp.timestamp() + r.ts_delta);
  put32(p + 8, rtx ? o.spec.rtx_ssrc : o.spec.ssrc);
  std::memcpy(p + 12, rtp.bytes().data() + 12, csrcs);
  if (ext_size) {
    ext[0] = 0xBE;
    ext[1] = 0xDE;
    put16(ext + 2, static_cast<std::uint16_t>(ext_size / 4));
    std::memcpy(p + 12 + csrcs, ext, 4 + ext_size);
  }
  std::uint8_t* body = p + header;
  if (rtx) {
    put16(body, r.out_seq);
    body += 2;
  }
  std::memcpy(body, payload.data(), payload.size());
  if (in.picture_id) {
    auto pid = static_cast<std::uint16_t>(*in.picture_id + r.pid_delta);
    if (in.picture_id_15bit) put16(body + in.picture_id_offset, static_cast<std::uint16_t>(0x8000 | (pid & 0x7FFF)));
    else body[in.picture_id_offset] = static_cast<std::uint8_t>(pid & 0x7F);
  }
  if (in.tl0) body[in.tl0_offset] = static_cast<std::uint8_t>(*in.tl0 + r.tl0_delta);
  return size;
}

// RFC 4585 §6.2.1: the subscriber lists what it lost, by the numbers it
// was sent. Each is traced back to the layer packet it was and sent again
// from the cache: on the subscriber's RTX stream when it negotiated one
// (RFC 4588), else as it was. What the cache no longer holds is counted;
// the server's own NACKs to the publisher (nack_gaps) already asked for it.
void Call::on_nack(const rtp::RtcpPacket& pkt, ParticipantId from) {
  auto nack = rtp::parse_nack(pkt);
  if (!nack) return;
  Receiving* r = find_outbound(from, nack->media_ssrc());
  if (!r) return;
  Outbound& o = *r->out;
  Track& track = *r->track;
  std::uint8_t level_ext = 0;  // video: no audio level
  for (std::uint16_t seq : nack->lost()) {
    count(stats_.nacked_packets, worker_.counters().nacked_packets);
    if (o.retransmit_budget == 0) continue;  // more than a subscriber can have lost this tick
    const SentRecord* rec = o.history ? &o.history[seq % limits_.cache_packets] : nullptr;
    std::optional<std::span<const std::uint8_t>> held;
    if (rec && rec->out_seq == seq && rec->layer >= 0 && static_cast<std::size_t>(rec->layer) < track.layers.size())
      if (const auto& cache = track.layers[static_cast<std::size_t>(rec->layer)].cache) held = cache->find(rec->in_seq);
    if (!held) {
      count(stats_.nack_misses, worker_.counters().nack_misses);
      continue;
    }
    auto original = rtp::parse_rtp(*held);
    if (!original) continue;  // it parsed when it was stored
    const Incoming in = describe(*original, track.spec.formats[original->payload_type()], level_ext);
    bool rtx = o.spec.rtx_ssrc != 0 && o.spec.rtx_map[original->payload_type()] != kNoPayloadType;
    Packet* p = worker_.pool().acquire();
    if (!p) return;
    p->size = write_packet(*p, o, in, *rec, rtx, o.rtx_seq);
    if (p->size == 0) {
      worker_.pool().release(p);
      continue;
    }
    if (rtx) ++o.rtx_seq;
    --o.retransmit_budget;
    worker_.send_rtp(*o.to, p);
    count(stats_.retransmitted_from_cache, worker_.counters().retransmitted_from_cache);
  }
}

void Call::request_keyframe(Track& track, int layer_index) {
  if (layer_index < 0 || static_cast<std::size_t>(layer_index) >= track.layers.size()) return;
  Layer& layer = track.layers[static_cast<std::size_t>(layer_index)];
  auto now = Clock::now();
  if (now - layer.last_keyframe_request < kKeyframeInterval) {
    count(stats_.keyframe_requests_suppressed, worker_.counters().keyframe_requests_suppressed);
    return;
  }
  auto pub = participants_.find(track.publisher);
  if (pub == participants_.end() || layer.spec.ssrc == 0) return;
  Packet* p = worker_.pool().acquire();
  if (!p) return;
  auto n = rtp::build_pli(p->room(), kServerSsrc, layer.spec.ssrc);
  if (!n) {
    worker_.pool().release(p);
    return;
  }
  p->size = *n;
  layer.last_keyframe_request = now;
  count(stats_.keyframe_requests_sent, worker_.counters().keyframe_requests_sent);
  worker_.send_rtcp(*pub->second.transport, p);
}

// A publisher's sender report, for the subscribers now fed from that
// layer, restated in each one's numbers (RFC 3550 §6.4.1): their SSRC,
// the timestamp with their offset, their packet and octet counts. The NTP
// time is the publisher's, which is what lip sync needs.
void Call::on_sender_report(const rtp::RtcpPacket& pkt, Transport& from) {
  auto sr = rtp::parse_sender_report(pkt);
  if (!sr) return;
  auto route = routes_.find(sr->sender_ssrc());
  if (route == routes_.end() || route->second.rtx) return;
  Track& track = *route->second.track;
  auto pub = participants_.find(track.publisher);
  if (pub == participants_.end() || pub->second.transport != &from) return;
  Layer& layer = track.layers[route->second.layer];
  auto now = Clock::now();
  if (now - layer.last_sender_report < kSenderReportInterval) return;
  layer.last_sender_report = now;
  auto info = sr->sender_info();
  for (auto& o : track.outbounds) {
    if (o.current != route->second.layer) continue;
    Packet* p = worker_.pool().acquire();
    if (!p) return;
    rtp::SenderInfo mine{info.ntp_timestamp, info.rtp_timestamp + o.ts_delta, o.packets, o.octets};
    auto n = rtp::build_sender_report(p->room(), o.spec.ssrc, mine, {});
    if (!n) {
      worker_.pool().release(p);
      continue;
    }
    p->size = *n;
    worker_.send_rtcp(*o.to, p);
    count(stats_.rtcp_forwarded, worker_.counters().rtcp_forwarded);
  }
}

// Subscribers' keyframe requests go to the publisher of the layer they are
// moving to (or receive), rate-limited per layer; their NACKs are answered
// here; their receiver reports feed their bandwidth estimate. Publishers'
// sender reports go on to their subscribers.
void Call::on_rtcp(Transport& from, Packet& packet) {
  auto compound = rtp::parse_rtcp_compound(packet.bytes(), rtp::RtcpMode::kReducedSize);
  if (!compound) {
    count(stats_.rtcp_malformed, worker_.counters().rtcp_malformed);
    return;
  }
  ParticipantId sender = 0;
  for (auto& [id, p] : participants_)
    if (p.transport == &from) sender = id;
  if (sender == 0) return;
  double worst_loss = -1;
  auto report_blocks = [&](auto blocks) {
    for (const auto& b : blocks)
      if (Receiving* r = find_outbound(sender, b.ssrc); r && r->track->spec.kind == StreamKind::video)
        worst_loss = std::max(worst_loss, b.fraction_lost / 256.0);
  };
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
      if (Receiving* r = find_outbound(sender, media))
        request_keyframe(*r->track, r->out->target >= 0 ? r->out->target : r->out->current);
    } else if (pkt.type() == 205 && pkt.count() == 1) {
      on_nack(pkt, sender);
    } else if (pkt.type() == 200) {
      on_sender_report(pkt, from);
      if (auto sr = rtp::parse_sender_report(pkt)) report_blocks(sr->report_blocks());
    } else if (pkt.type() == 201) {
      if (auto rr = rtp::parse_receiver_report(pkt)) report_blocks(rr->report_blocks());
    }
  }
  if (worst_loss >= 0) participants_[sender].estimate.on_loss(worst_loss);
}

}  // namespace parley::media
