#include "negotiation/admission.h"

#include <gtest/gtest.h>

#include "negotiation/fixture.h"

namespace parley::negotiation::test {
namespace {

using namespace std::chrono_literals;

class AdmissionTest : public NegotiationTest {
 protected:
  const CallWindow window{15min, 30min};
  Seconds start = *parse_utc("2026-02-01T15:00:00Z");
  Seconds end = start + 90min;  // full_terms(): 90 minutes

  const crypto::PublicKey& key_of(const std::string& id) { return keys.at(id).public_key(); }
  std::string admit(const std::string& id, Seconds now) {
    auto r = admit_to_call(state, id, key_of(id), now, window);
    return r ? "ok:" + r->role : r.error().code;
  }
  void announce() {
    ASSERT_NO_FATAL_FAILURE(agree_everything());
    ASSERT_EQ(code(sign("m-alice")), "ok");
    ASSERT_EQ(code(sign("m-bob")), "ok");
  }
};

TEST_F(AdmissionTest, OnlyAnAnnouncedMeetingOpensItsCall) {
  ASSERT_NO_FATAL_FAILURE(agree_everything());
  EXPECT_EQ(admit("m-alice", start), "call_not_open");  // agreed on nothing yet
  ASSERT_EQ(code(sign("m-alice")), "ok");
  EXPECT_EQ(admit("m-alice", start), "call_not_open");
  ASSERT_EQ(code(sign("m-bob")), "ok");
  EXPECT_EQ(admit("m-alice", start), "ok:negotiator");
  EXPECT_EQ(admit("m-ivan", start), "ok:interpreter");
}

TEST_F(AdmissionTest, TheWindowRunsFromTheLeadToTheGracePeriod) {
  ASSERT_NO_FATAL_FAILURE(announce());
  EXPECT_EQ(admit("m-bob", start - 15min - 1s), "call_not_yet");
  EXPECT_EQ(admit("m-bob", start - 15min), "ok:negotiator");
  EXPECT_EQ(admit("m-bob", end + 30min), "ok:negotiator");
  EXPECT_EQ(admit("m-bob", end + 30min + 1s), "call_over");
}

TEST_F(AdmissionTest, OnlyTheSignedRosterWithTheSignedKeys) {
  ASSERT_NO_FATAL_FAILURE(announce());
  EXPECT_EQ(admit("m-arthur", start), "not_on_roster");  // Alice's colleague, not on this roster
  auto other = crypto::SecretKey::generate();
  auto r = admit_to_call(state, "m-alice", other.public_key(), start, window);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "key_changed");
}

TEST_F(AdmissionTest, AWithdrawnMeetingHasNoCall) {
  ASSERT_NO_FATAL_FAILURE(announce());
  ASSERT_EQ(code(withdraw("m-bob", "Postponed.")), "ok");
  EXPECT_EQ(admit("m-alice", start), "call_not_open");
}

}  // namespace
}  // namespace parley::negotiation::test
