// Fuzz target for interpretation routing in media::Call (docs/media.md
// §Interpretation): any sequence of channel sources, slots added, removed
// and re-pointed, subscriptions, participants leaving and coming back, and
// RTP packets from channel and floor tracks. Slots move between tracks'
// outbound lists and a parking list on every change; under ASan a dangling
// outbound, a slot lost or duplicated, or a packet read out of bounds
// shows. After every operation every slot added (and not removed with its
// listener) must exist exactly once.
//
// One worker for the whole run (a socket and a thread); each input runs on
// its thread, as the control plane's posted tasks do.

#include <array>
#include <cstdint>
#include <cstdlib>
#include <future>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "media/call.h"
#include "media/worker.h"

namespace {

using namespace parley::media;

struct Bytes {
  std::span<const std::uint8_t> d;
  std::size_t i = 0;
  bool more() const { return i < d.size(); }
  std::uint8_t next() { return i < d.size() ? d[i++] : 0; }
  std::uint16_t next16() { return static_cast<std::uint16_t>(next() << 8 | next()); }
};

Worker& worker() {
  static std::unique_ptr<Worker> w = [] {
    auto ctx = DtlsContext::create();
    if (!ctx) std::abort();
    auto started = Worker::start(WorkerConfig{}, *ctx);
    if (!started) std::abort();
    return std::move(*started);
  }();
  return *w;
}

constexpr ParticipantId kPeople = 4;
constexpr std::uint32_t kChannelTrack = 7, kFloorTrack = 1;
std::uint32_t channel_ssrc(ParticipantId p) { return 0xC0000000u + static_cast<std::uint32_t>(p); }
std::uint32_t floor_ssrc(ParticipantId p) { return 0xF0000000u + static_cast<std::uint32_t>(p); }

TrackSpec audio_track(ParticipantId p, bool channel) {
  TrackSpec t;
  t.id = channel ? kChannelTrack : kFloorTrack;
  t.mid = channel ? "7" : "1";
  t.kind = StreamKind::audio;
  t.clock_rate = 48000;
  t.layers = {{"", channel ? channel_ssrc(p) : floor_ssrc(p), 0}};
  t.formats[111] = PayloadFormat::opus;
  t.formats[100] = PayloadFormat::opus;
  t.channel = channel;
  return t;
}

void run(Bytes in) {
  Worker& w = worker();
  Call call(w);
  std::array<Transport*, kPeople + 1> transport{};  // by participant
  std::set<std::pair<ParticipantId, std::uint32_t>> slots;  // what should exist
  unsigned joins = 0;
  auto join = [&](ParticipantId p) {
    const std::string u = "u" + std::to_string(p) + "x" + std::to_string(joins++);
    auto t = w.add_transport({u, "password-password-password", "r", "00", DtlsSession::Role::server});
    if (!t) std::abort();
    transport[p] = *t;
    call.add_participant(p, *t, {0, 1, 0, 0, 0});
    call.publish(p, audio_track(p, false));
    if (p % 2 == 0) call.publish(p, audio_track(p, true));  // interpreters: 2 and 4
  };
  for (ParticipantId p = 1; p <= kPeople; ++p) join(p);
  auto counters = std::make_shared<ChannelCounters>();
  std::uint16_t seq = 1;
  std::uint32_t ts = 0;
  while (in.more()) {
    const std::uint8_t op = in.next() % 8;
    const ParticipantId p = 1 + in.next() % kPeople;
    const std::uint8_t a = in.next(), b = in.next();
    switch (op) {
      case 0:
        call.set_channel_source(a % (kMaxChannels + 1), b % 3 ? p : 0, b % 5 ? kChannelTrack : kFloorTrack);
        break;
      case 1: {
        OutboundSpec spec;
        spec.ssrc = 0xD0000000u + a;
        spec.mid = std::string(b % 20, 'm');
        spec.audio_level_extension = b % 15;
        FormatPayloadTypes formats{};
        formats.fill(kNoPayloadType);
        formats[static_cast<std::size_t>(PayloadFormat::opus)] = 109;
        call.add_slot(p, a % 4, spec, formats, counters);
        if (transport[p]) slots.insert({p, a % 4});
        break;
      }
      case 2:
        call.remove_slot(p, a % 4);
        slots.erase({p, a % 4});
        break;
      case 3: call.set_slot_channel(p, a % 4, static_cast<int>(b % (kMaxChannels + 2)) - 1); break;
      case 4:
        if (Transport* t = call.remove_participant(p)) w.remove_transport(t->id());
        transport[p] = nullptr;
        std::erase_if(slots, [p](const auto& s) { return s.first == p; });
        if (a % 2) join(p);
        break;
      case 5: {
        OutboundSpec spec;
        spec.ssrc = 0xE0000000u + a;
        spec.map[111] = 111;
        const ParticipantId publisher = 1 + b % kPeople;
        call.subscribe(p, publisher, b % 3 ? kFloorTrack : kChannelTrack, spec);
        break;
      }
      case 6: call.unsubscribe(p, 1 + b % kPeople, b % 2 ? kFloorTrack : kChannelTrack); break;
      case 7: {
        // An RTP packet from p's channel or floor track, with a fuzzed
        // payload length and an audio level extension (RFC 8285).
        Packet* packet = w.pool().acquire();
        if (!packet) break;
        const std::uint32_t ssrc = a % 2 ? channel_ssrc(p) : floor_ssrc(p);
        std::uint8_t* d = packet->data;
        const std::uint16_t s = static_cast<std::uint16_t>(seq + (b % 4 == 0 ? in.next16() : 1));
        seq = s;
        ts += 960;
        const std::uint8_t header[] = {0x90, static_cast<std::uint8_t>(b % 2 ? 111 : 100), std::uint8_t(s >> 8),
                                       std::uint8_t(s), std::uint8_t(ts >> 24), std::uint8_t(ts >> 16),
                                       std::uint8_t(ts >> 8), std::uint8_t(ts), std::uint8_t(ssrc >> 24),
                                       std::uint8_t(ssrc >> 16), std::uint8_t(ssrc >> 8), std::uint8_t(ssrc),
                                       0xBE, 0xDE, 0x00, 0x01, 0x10, std::uint8_t(0x80 | (a & 0x7F)), 0, 0};
        std::size_t n = sizeof header;
        std::copy(std::begin(header), std::end(header), d);
        const std::size_t payload = in.next() % 64;
        for (std::size_t k = 0; k < payload; ++k) d[n++] = in.next();
        packet->size = n;
        // From p's transport, as the worker finds it by source address.
        if (transport[p]) call.on_media(*transport[p], *packet, false);
        w.pool().release(packet);
        break;
      }
    }
    if (call.slot_count() != slots.size()) std::abort();  // a slot lost or made twice
  }
  (void)call.stats();
  for (ParticipantId p = 1; p <= kPeople; ++p)
    if (Transport* t = call.remove_participant(p)) w.remove_transport(t->id());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  Worker& w = worker();
  std::promise<void> done;
  w.post([&] {
    run(Bytes{std::span<const std::uint8_t>(data, size)});
    done.set_value();
  });
  done.get_future().get();
  return 0;
}
