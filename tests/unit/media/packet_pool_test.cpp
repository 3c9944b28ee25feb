#include "media/packet_pool.h"

#include <gtest/gtest.h>

#include <set>

namespace parley::media {
namespace {

TEST(PacketPool, HandsOutEveryBufferOnceThenNothing) {
  PacketPool pool(4);
  std::set<std::uint8_t*> seen;
  std::vector<Packet*> taken;
  for (int i = 0; i < 4; ++i) {
    Packet* p = pool.acquire();
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->size, 0u);
    EXPECT_TRUE(seen.insert(p->data).second);
    taken.push_back(p);
  }
  EXPECT_EQ(pool.acquire(), nullptr);
  EXPECT_EQ(pool.exhausted(), 1u);
  EXPECT_EQ(pool.available(), 0u);
  // Buffers do not overlap: each has its full capacity.
  for (auto* p : taken) std::fill(p->data, p->data + kPacketCapacity, std::uint8_t(p->index));
  for (auto* p : taken) EXPECT_EQ(p->data[kPacketCapacity - 1], p->index);
}

TEST(PacketPool, ReleasedBufferComesBackFirstAndEmpty) {
  PacketPool pool(3);
  Packet* a = pool.acquire();
  Packet* b = pool.acquire();
  b->size = 100;
  pool.release(b);
  Packet* c = pool.acquire();
  EXPECT_EQ(c, b);  // last released, still warm in cache
  EXPECT_EQ(c->size, 0u);
  pool.release(a);
  pool.release(c);
  EXPECT_EQ(pool.available(), 3u);
}

}  // namespace
}  // namespace parley::media
