#pragma once
// The control plane of calls (docs/media.md, docs/protocol.md §Calls): runs
// on the service thread, beside the negotiation. It admits members (the
// caller passes what negotiation::admit_to_call() decided), negotiates SDP
// with each participant, places each call on one media worker, and tells
// that worker — only by posting — which transports exist and who receives
// which stream. Workers report back by posting to the service thread.
//
// One RTCPeerConnection per participant: the client offers first (what it
// publishes); the server answers, then sends its own offers whenever the
// streams it forwards to that client change, one at a time, and applies the
// client's answers.

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "json/canonical.h"
#include "media/call.h"
#include "media/worker.h"
#include "negotiation/admission.h"
#include "sdp/negotiate.h"

namespace parley::call {

struct CallConfig {
  std::size_t workers = 0;             // 0: one per core
  std::string bind_address = "127.0.0.1";
  std::string public_address;          // the host candidate; default: bind_address
  std::uint16_t base_port = 0;         // worker i binds base_port + i; 0: any free port
  std::size_t max_participants = 50;   // per call
  std::size_t max_streams = 4;         // published per participant
  std::size_t pool_packets = 8192;     // per worker
  std::size_t max_packet = 1500;       // larger datagrams are dropped (bytes, at most media::kPacketCapacity)
  std::size_t cache_packets = 512;     // retransmission cache per video layer
  bool sample_payloads = false;        // media::PayloadSampler per worker
  // A worker at or above this load is saturated: new participants are
  // refused there (media_saturated) and its video shed (docs/media.md
  // §Behaviour at the limit).
  double max_load = 0.85;
  // A member who left a meeting's call this recently is let back in even
  // when its worker is saturated: a reload or a dropped network, not a
  // newcomer.
  std::chrono::milliseconds rejoin_grace{60'000};
};

using ConnectionId = std::uint64_t;

// One message for participants' WebSockets, serialized once however many
// sockets it goes to. A state message (the participant list, the active
// speaker) names what it `replaces`: it takes the place of an earlier one
// with the same key still waiting in a slow reader's queue, so that a
// reader who falls behind gets the latest state, not every one in between
// (docs/protocol.md §Calls). Without this, every join in a call of n would
// queue n lists of n participants: O(n³) bytes for a press pool.
struct Outgoing {
  std::shared_ptr<const std::string> text;
  std::string replaces;  // empty: an event, always delivered
};
Outgoing outgoing(const json::Json& message, std::string replaces = {});
// Sends one message to a participant's WebSocket.
using Sink = std::function<void(const Outgoing&)>;

struct Joiner {
  negotiation::Admitted admitted;
  std::string name;
  // A named interpreter's channel track: the mid of an audio section of the
  // offer (docs/protocol.md §Interpretation); empty: none.
  std::string channel_mid;
};

class CallService {
 public:
  using Post = std::function<void(std::function<void()>)>;

  // `post` runs a task on the service thread (the one that calls every
  // method below).
  static Expected<std::unique_ptr<CallService>> start(CallConfig config, Post post);
  ~CallService();  // workers stop after every call state is gone

  // Answers with {"type":"call.joined",...} and later "call.offer" and
  // "call.participants" messages through `sink`, or returns an error (nothing
  // created). A new meeting's call is placed on the least loaded worker; a
  // newcomer to a call whose worker is saturated is refused with
  // media_saturated, a member returning within `rejoin_grace` is not.
  Status join(ConnectionId conn, const std::string& meeting, const Joiner& who, std::string_view offer, Sink sink);
  Status answer(ConnectionId conn, const std::string& meeting, std::string_view sdp);
  // ICE restart asked by the client (its connection dropped): the server's
  // next call.offer carries new ice-ufrag/ice-pwd (at once, or after the
  // answer to the offer outstanding); when the client answers it with its
  // own new credentials, the transport takes them and keeps its DTLS and
  // SRTP state. Errors: not_in_call, not_connected (the transport is still
  // being set up). docs/protocol.md §Calls.
  Status restart(ConnectionId conn, const std::string& meeting);
  void leave(ConnectionId conn, const std::string& meeting);
  // {"views":[{"member","width","height"}…]}: the size in device pixels at
  // which the participant shows each other member's video (0 × 0: hidden),
  // from which the media server chooses simulcast layers.
  Status view(ConnectionId conn, const std::string& meeting, const json::Json& views);
  // Relays an end-to-end key message (docs/e2ee-keys.md) unread: to the
  // participant `to` (a member id) or, when empty, to every other one.
  Status relay(ConnectionId conn, const std::string& meeting, const std::string& to, const json::Json& payload);
  static constexpr std::size_t kMaxRelayBytes = 16 * 1024;
  // Interpretation (docs/protocol.md §Interpretation). A named interpreter
  // of the booth `pair` goes live into `into` (one of the pair) or off air;
  // going live while the booth's other interpreter is live is a hand-over.
  // Errors: not_in_call, not_interpreter, no_channel_track, channel_busy,
  // invalid_field.
  Status interpret(ConnectionId conn, const std::string& meeting, const std::array<std::string, 2>& pair,
                   const std::string& into, bool on_air);
  // What the participant hears besides the floor: a channel's language, or
  // none. Errors: not_in_call, no_such_channel.
  Status listen(ConnectionId conn, const std::string& meeting, const std::optional<std::string>& language);
  // The call's interpretation state with the server's own counts of the
  // channel packets each participant was sent, or nullopt when the meeting
  // has no call running (GET /api/v1/meetings/{id}/call).
  std::optional<json::Json> describe(const std::string& meeting) const;
  void disconnected(ConnectionId conn);  // leaves every call of the connection

  // For /metrics and the load report.
  struct WorkerLoad {
    std::uint16_t port;
    std::size_t calls;
    const media::WorkerStats* stats;
  };
  std::vector<WorkerLoad> load() const;
  // The media plane's counters in Prometheus text format, per worker.
  std::string metrics_text() const;
  // The payloads last forwarded (with --media-sample-payloads): their first
  // bytes, to check that the server forwards only what it cannot read.
  json::Json payload_samples() const;
  std::size_t calls() const { return calls_.size(); }
  // Test seam: worker `worker` judges its pressure from `load` instead of
  // its measured load (media::Worker::set_load_for_test).
  void set_worker_load_for_test(std::size_t worker, std::optional<double> load);

 private:
  // One simulcast layer a client publishes: by rid, or by SSRC (with its
  // RTX SSRC from the FID group) when the offer has no rids.
  struct Layer {
    std::string rid;
    std::uint32_t ssrc = 0;
    std::uint32_t rtx_ssrc = 0;
  };
  struct Track {
    std::uint32_t id = 0;  // the index of its section in the client's offer
    sdp::MediaKind kind = sdp::MediaKind::audio;
    std::string mid;                          // in the publisher's session
    std::vector<sdp::NegotiatedCodec> codecs;  // as agreed with the publisher
    std::vector<Layer> layers;
    bool channel = false;  // the interpreter's channel track: never sent as the floor's
  };
  // Keys of `sent` with publisher 0 are the participant's channel slots
  // (participant ids start at 1): slot 0 a listener's chosen channel, slot
  // 1 + c an interpreter's section for channel c.
  using TrackKey = std::pair<media::ParticipantId, std::uint32_t>;  // publisher, track id
  // A section the server sends a track in, with the SSRCs it chose for
  // this subscriber (the media server rewrites to them).
  struct SentTrack {
    std::string mid;
    std::uint32_t ssrc = 0;
    std::uint32_t rtx_ssrc = 0;
  };
  struct Peer {
    ConnectionId conn = 0;
    media::ParticipantId id = 0;
    Joiner who;
    Sink sink;
    media::TransportId transport = 0;
    sdp::LocalDescription local;        // agreed (or offered, while offer_pending)
    sdp::LocalDescription offered;
    bool offer_pending = false;
    bool renegotiate = false;
    bool ice_restart = false;                  // the next offer carries new ICE credentials
    std::vector<Track> tracks;                 // what it publishes
    std::map<TrackKey, SentTrack> sent;        // what the agreed session sends it
    std::map<TrackKey, SentTrack> offered_sent;  // the same, as in the pending offer
    std::set<TrackKey> subscribed;             // what the worker was told to send it
    std::map<std::string, std::pair<std::uint16_t, std::uint16_t>> views;  // member → tile size (call.view)
    std::string state = "connecting";
    int listening = -1;  // the channel it chose (call.listen); -1: the floor only
    std::shared_ptr<media::ChannelCounters> received = std::make_shared<media::ChannelCounters>();
  };
  // Interpreters named for the same pair of languages, in either order.
  struct Booth {
    std::array<std::string, 2> pair;
    std::vector<std::string> interpreters;  // member ids, in the terms' order
    std::string live;                       // member id; empty: nobody
    int into = -1;                          // the channel `live` speaks into
  };
  struct Interpretation {
    std::vector<std::string> channels;  // the languages booths cover, in the terms' order
    std::vector<Booth> booths;
  };
  struct Call {
    std::string meeting;
    std::size_t worker = 0;
    std::unique_ptr<media::Call> media;  // lives on the worker; touched only there
    std::map<media::ParticipantId, Peer> peers;
    // Rises on every join and leave: clients rotate their keys on it
    // (docs/e2ee-keys.md §Epochs).
    std::uint64_t epoch = 0;  // see next_epoch()
    Interpretation interpretation;
  };
  struct Worker {
    // Before the worker: destroyed after its thread has stopped writing to it.
    std::unique_ptr<media::PayloadSampler> sampler;  // with sample_payloads
    std::unique_ptr<media::Worker> worker;
    std::size_t calls = 0;
  };

  CallService() = default;
  // Epochs only rise for a meeting, also across calls (the last participant
  // leaving ends a call) and restarts: a new call starts above both the last
  // epoch this process gave and the clock in seconds. Clients refuse epochs
  // that go back, and a reused epoch would let old signed key messages count.
  std::uint64_t first_epoch(const std::string& meeting) const;
  std::map<std::string, std::uint64_t> last_epoch_;
  Call* find(const std::string& meeting) { auto it = calls_.find(meeting); return it == calls_.end() ? nullptr : &it->second; }
  Peer* find_peer(Call& c, ConnectionId conn);
  void offer(Call& c, Peer& p);
  void subscribe_agreed(Call& c, Peer& p);
  void remove(Call& c, media::ParticipantId id);
  void announce_participants(Call& c);
  // Interpretation: the booths and channels of the terms (kept across
  // joins; a change of terms keeps the live state of booths that remain),
  // whether a member is named, the slots a participant receives, and the
  // worker told which channel track feeds each channel.
  static void configure_interpretation(Call& c, const negotiation::Admitted& a);
  static bool named_interpreter(const Call& c, const std::string& member);
  std::vector<std::uint32_t> slots_for(const Call& c, const Peer& p) const;
  void apply_channels(Call& c);
  void announce_interpretation(Call& c);
  json::Json interpretation_json(const Call& c) const;
  json::Json participant_json(const Peer& p) const;
  void on_transport_state(media::Transport& t, std::size_t worker);
  // The worker for a new call: not saturated, the lowest load (in steps of
  // 5%), then the fewest participants (one transport each, counted here so that joins not
  // yet carried out by the worker count too), then the fewest calls.
  std::size_t least_loaded_worker() const;
  bool saturated(std::size_t worker) const;
  void forget_departures(std::chrono::steady_clock::time_point now);
  void apply_ice_restart(Call& c, Peer& p, const std::string& remote_ufrag);

  CallConfig config_;
  Post post_;
  std::shared_ptr<media::DtlsContext> dtls_;
  std::vector<std::uint8_t> fingerprint_bytes_;
  std::vector<Worker> workers_;
  std::map<std::string, Call> calls_;
  // meeting → member → when they last left its call (within rejoin_grace).
  std::map<std::string, std::map<std::string, std::chrono::steady_clock::time_point>> departed_;
  media::ParticipantId next_participant_ = 1;
  sdp::Capabilities caps_;
};

}  // namespace parley::call
