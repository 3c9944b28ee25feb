// The WebSocket send queue: state messages replace their waiting
// predecessor in place, events are all delivered, a reader too far behind
// is refused.
#include "server/send_queue.h"

#include <gtest/gtest.h>

namespace parley::server {
namespace {

call::Outgoing text(std::string s, std::string replaces = {}) {
  return call::Outgoing{std::make_shared<const std::string>(std::move(s)), std::move(replaces)};
}

std::vector<std::string> drain(SendQueue& q) {
  std::vector<std::string> out;
  while (!q.empty()) {
    out.push_back(*q.front().text);
    q.pop();
  }
  return out;
}

TEST(SendQueue, EventsAreAllDeliveredInOrder) {
  SendQueue q;
  for (auto s : {"a", "b", "c"}) ASSERT_TRUE(q.push(text(s), false));
  EXPECT_EQ(drain(q), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(SendQueue, AStateMessageReplacesTheWaitingOneInItsPlace) {
  SendQueue q;
  ASSERT_TRUE(q.push(text("list 1", "call.participants/m"), false));
  ASSERT_TRUE(q.push(text("offer"), false));
  ASSERT_TRUE(q.push(text("speaker 1", "call.active_speaker/m"), false));
  ASSERT_TRUE(q.push(text("list 2", "call.participants/m"), false));
  ASSERT_TRUE(q.push(text("list 3 longer", "call.participants/m"), false));
  ASSERT_TRUE(q.push(text("other meeting", "call.participants/n"), false));
  EXPECT_EQ(q.size(), 4u);
  EXPECT_EQ(q.replaced(), 2u);
  EXPECT_EQ(q.bytes(), std::string("list 3 longer" "offer" "speaker 1" "other meeting").size());
  EXPECT_EQ(drain(q), (std::vector<std::string>{"list 3 longer", "offer", "speaker 1", "other meeting"}));
}

TEST(SendQueue, TheMessageBeingWrittenIsNotReplaced) {
  SendQueue q;
  ASSERT_TRUE(q.push(text("list 1", "call.participants/m"), false));
  ASSERT_TRUE(q.push(text("list 2", "call.participants/m"), true));  // list 1 is on the wire
  EXPECT_EQ(drain(q), (std::vector<std::string>{"list 1", "list 2"}));
}

TEST(SendQueue, OneTextIsSharedNotCopied) {
  SendQueue a, b;
  auto m = text(std::string(1000, 'x'));
  ASSERT_TRUE(a.push(m, false));
  ASSERT_TRUE(b.push(m, false));
  EXPECT_EQ(a.front().text.get(), b.front().text.get());
}

TEST(SendQueue, AReaderTooFarBehindIsRefusedAndNothingIsQueued) {
  SendQueue q;
  for (std::size_t i = 0; i < SendQueue::kMaxMessages; ++i) ASSERT_TRUE(q.push(text("e"), false));
  EXPECT_FALSE(q.push(text("one too many"), false));
  EXPECT_EQ(q.size(), SendQueue::kMaxMessages);

  SendQueue big;
  auto half = text(std::string(SendQueue::kMaxBytes / 2, 'x'));
  ASSERT_TRUE(big.push(half, false));
  ASSERT_TRUE(big.push(half, false));
  EXPECT_FALSE(big.push(text("x"), false));
  EXPECT_EQ(big.bytes(), SendQueue::kMaxBytes);
  // A state message that replaces a waiting one is still taken.
  SendQueue s;
  ASSERT_TRUE(s.push(text(std::string(SendQueue::kMaxBytes - 10, 'x')), false));
  ASSERT_TRUE(s.push(text("0123456789", "k"), false));
  EXPECT_TRUE(s.push(text("abcdefghij", "k"), false));
}

}  // namespace
}  // namespace parley::server
