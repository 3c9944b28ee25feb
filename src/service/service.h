#pragma once
// The negotiation service: parties, members, invitations, sign-in sessions
// and meetings, with the rules of src/negotiation applied to every act.
//
// Threading: every public method runs on one thread, the service thread (the
// server's I/O thread); nothing here locks. Durable writes go to the Writer's
// thread and come back through `post`. The service keeps all state in memory,
// loaded from the store at start: validation needs the current tip of each
// meeting, and reads are served from memory. Reads show only durable state;
// acts waiting for their commit are visible to validation but not to readers.
//
// Embargo: a meeting is visible only to members of its two parties; for
// anyone else every method answers "not_found", exactly as for an unknown id.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "crypto/identity_key.h"
#include "metrics/registry.h"
#include "negotiation/admission.h"
#include "negotiation/log_verifier.h"
#include "service/writer.h"
#include "store/store.h"
#include "tlog/merkle_tree.h"

namespace parley::service {

using Json = json::Json;
using Reply = std::function<void(Expected<Json>)>;
using Member = negotiation::Member;

struct Config {
  std::chrono::seconds session_ttl{std::chrono::hours(1)};
  std::chrono::seconds challenge_ttl{std::chrono::minutes(2)};
  std::chrono::seconds max_clock_skew{std::chrono::minutes(10)};
  std::size_t max_batch = 1024;
  std::size_t max_challenges = 100000;
  std::string public_url = "http://127.0.0.1:8080";
};

class Service {
 public:
  // `metrics` is not owned and outlives the service.
  Service(std::unique_ptr<store::Store> store, Post post, metrics::Registry& metrics, Config cfg,
          NowFn now = now_seconds);
  ~Service();

  // Loads everything from the store and starts the writer.
  Status start();

  // --- administration (the caller checked the local admin credential)
  void create_party(const Json& body, Reply done);
  void create_invitation(const std::string& party, const Json& body, Reply done);
  Json admin_parties() const;

  // --- enrollment and sign-in
  void enroll(const Json& body, Reply done);
  Expected<Json> challenge(const Json& body);
  Expected<Json> sign_in(const Json& body);
  // The member behind a session token, if the token is valid and current.
  std::optional<Member> authenticate(std::string_view token) const;

  // --- reads for an authenticated member
  Json me(const Member& m) const;
  Json parties() const;
  Expected<Json> party_members(const Member& m, std::string_view party) const;
  Json meetings(const Member& m) const;
  Expected<Json> meeting(const Member& m, std::string_view id) const;
  // True when the meeting exists and `m` may see it (cheap: no view is built).
  bool can_see(const Member& m, std::string_view id) const { return visible(m, id) != nullptr; }
  // Whether `m` may enter the meeting's call now (negotiation/admission.h);
  // a meeting the member cannot see is "not_found", as everywhere.
  Expected<negotiation::Admitted> admit_to_call(const Member& m, std::string_view id,
                                                const negotiation::CallWindow& window) const;
  Expected<Json> export_log(const Member& m, std::string_view id) const;

  // --- writes: one signed act
  void submit_act(const Member& m, const Json& envelope, Reply done);

  // --- the record of the talks (docs/record.md §Checkpoints of a meeting,
  // §Routes): the server's checkpoint of the durable log, with the
  // cosignatures it holds for that size, and a consistency proof from `from`
  // (1 to the log's size) when given.
  Expected<Json> checkpoint(const Member& m, std::string_view id,
                            std::optional<std::int64_t> from) const;
  // {"checkpoint": note}: the member's cosignature line in a note of one of
  // this meeting's checkpoints, stored durably before the answer.
  void cosign(const Member& m, std::string_view id, const Json& body, Reply done);
  // parley.record/1 and parley.excerpt/1 (§The exported record, §Excerpts).
  Expected<Json> record(const Member& m, std::string_view id) const;
  Expected<Json> excerpt(const Member& m, std::string_view id, std::string_view hash) const;

  // --- public side: announced meetings only
  Json announcements() const;
  std::string atom_feed() const;
  Expected<std::string> icalendar(std::string_view id) const;
  // The published readouts (and their corrections) and countersigned joint
  // statements of an announced meeting, each with its excerpt.
  Expected<Json> publications(std::string_view id) const;
  // The excerpt of one of them (what the announcements page links to verify).
  Expected<Json> publication_excerpt(std::string_view id, std::string_view hash) const;

  // --- push: `listener` gets {"type":"act",...} for each durable act and
  // {"type":"cosignature",...} for each durable cosignature
  using Listener = std::function<void(const Json&)>;
  Expected<std::uint64_t> subscribe(const Member& m, std::string_view meeting, Listener listener);
  void unsubscribe(std::uint64_t id);

  const Config& config() const { return cfg_; }
  void set_public_url(std::string url) { cfg_.public_url = std::move(url); }

 private:
  struct MeetingRecord {
    std::vector<negotiation::SignedAct> acts;  // durable first, then pending
    std::vector<Seconds> received;
    negotiation::MeetingState tip;      // after every act, pending included
    negotiation::MeetingState durable;  // after the first durable_len acts
    std::size_t durable_len = 0;
    // The Merkle tree of the durable acts: leaf i is the canonical JSON of
    // envelope i (docs/record.md §Entries).
    tlog::MerkleTree tree;
    // Durable cosignature lines ("— <key name> <base64>", no newline) by
    // checkpoint size, then member id.
    std::map<std::int64_t, std::map<std::string, std::string>> cosignatures;
  };
  struct Invitation {
    store::InvitationRow row;
    bool reserved = false;  // an enrollment with it is being committed
  };
  struct Session {
    std::string member;
    Seconds expires;
  };
  struct Challenge {
    std::string member;
    Seconds expires;
  };

  const MeetingRecord* visible(const Member& m, std::string_view id) const;
  // `history`: include every parameter's past proposals (GET of one meeting);
  // without it the view is the current state only, cheap enough to return
  // after every act.
  Json meeting_view(const MeetingRecord& r, bool history = true) const;
  Json party_json(const std::string& id) const;
  Status check_predecessor(const negotiation::MeetingState& m, const negotiation::SignedAct& a) const;
  void refuse(const Error& e, std::string_view kind);
  void commit_act(const std::string& meeting, std::size_t index, Status status);
  void publish(const std::string& meeting, const negotiation::SignedAct& act,
               const MeetingRecord& r);
  void notify(const std::string& meeting, const MeetingRecord& r, const Json& event);

  // The record (service/record.cpp).
  Status check_predecessor_status(const negotiation::MeetingState& tip,
                                  const negotiation::SignedAct& a) const;
  Status load_cosignatures(std::vector<store::CosignatureRow>& rows);
  Status load_log_key(const std::vector<store::SettingRow>& settings);
  Expected<std::string> origin(std::string_view id) const;
  // The cosignature lines held for `size` whose key name is of the current
  // origin, by member id.
  std::map<std::string, std::string> cosigners_at(const MeetingRecord& r, const std::string& origin,
                                                  std::int64_t size) const;
  // The server's signed checkpoint of the first `size` acts, followed by the
  // cosignature lines held for that size.
  Expected<std::string> checkpoint_note(const MeetingRecord& r, const std::string& origin,
                                        std::int64_t size) const;
  std::set<std::string> cosigning_parties(const MeetingRecord& r, const std::string& origin,
                                          std::int64_t size) const;
  bool is_final(const MeetingRecord& r, const std::string& origin) const;
  // The checkpoint size an excerpt of acts below `min_size` is proved
  // against: the largest size of at least `min_size` that both parties
  // cosigned, else the largest that one party cosigned, else the log's size.
  std::int64_t excerpt_size(const MeetingRecord& r, const std::string& origin,
                            std::int64_t min_size) const;
  Expected<Json> excerpt_of(const MeetingRecord& r, std::vector<std::size_t> indices) const;
  Json record_view(const MeetingRecord& r) const;
  Json predecessor_assurances(const MeetingRecord& r, const std::string& predecessor) const;

  std::unique_ptr<store::Store> store_;  // Allocated by the caller, owned here.
  Post post_;
  metrics::Registry& metrics_;
  Config cfg_;
  NowFn now_;

  std::map<std::string, store::PartyRow, std::less<>> parties_;
  std::set<std::string, std::less<>> pending_parties_;
  negotiation::MapDirectory directory_;
  std::set<std::string> keys_in_use_;
  std::map<std::string, Invitation, std::less<>> invitations_;  // by code hash
  std::map<std::string, MeetingRecord, std::less<>> meetings_;
  std::unordered_map<std::string, Session> sessions_;      // by token hash
  std::unordered_map<std::string, Challenge> challenges_;  // by challenge
  struct Subscription {
    std::string meeting;
    std::string party;
    Listener listener;
  };
  std::map<std::uint64_t, Subscription> subscriptions_;
  std::uint64_t next_subscription_ = 1;
  // The log key: signs every meeting's checkpoints (docs/record.md). Made on
  // the first start and kept in the store; empty until start().
  std::optional<crypto::SecretKey> log_key_;

  std::unique_ptr<Writer> writer_;  // last: destroyed first, draining pending commits
};

}  // namespace parley::service
