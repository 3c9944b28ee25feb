#include "media/loop.h"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <thread>

namespace parley::media {
namespace {

TEST(Loop, PostedTasksRunInOrderOnTheLoopThread) {
  auto loop = Loop::create();
  ASSERT_TRUE(loop);
  std::vector<int> order;
  std::thread::id loop_thread;
  std::thread t([&] {
    loop_thread = std::this_thread::get_id();
    (*loop)->run();
  });
  std::vector<std::thread::id> ran_on;
  for (int i = 0; i < 100; ++i)
    (*loop)->post([&, i] {
      order.push_back(i);
      ran_on.push_back(std::this_thread::get_id());
    });
  (*loop)->stop();
  t.join();
  ASSERT_EQ(order.size(), 100u);  // posted before stop(): all ran
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
  for (auto id : ran_on) EXPECT_EQ(id, loop_thread);
}

TEST(Loop, TimersTickAndCanCancelThemselves) {
  auto loop = Loop::create();
  ASSERT_TRUE(loop);
  int ticks = 0;
  Loop& l = **loop;
  Loop::TimerId id = 0;
  l.post([&] {
    id = l.every(std::chrono::milliseconds(2), [&] {
      if (++ticks == 3) {
        l.cancel(id);
        l.stop();
      }
    });
  });
  l.run();
  EXPECT_EQ(ticks, 3);
}

TEST(Loop, WatchedFdWakesTheLoopAndMayUnwatchItself) {
  auto loop = Loop::create();
  ASSERT_TRUE(loop);
  Loop& l = **loop;
  int fd = eventfd(0, EFD_NONBLOCK);
  int woke = 0;
  ASSERT_TRUE(l.watch(fd, [&] {
    std::uint64_t v;
    ASSERT_EQ(read(fd, &v, sizeof v), 8);
    ++woke;
    l.unwatch(fd);
    l.stop();
  }));
  std::thread writer([fd] {
    std::uint64_t one = 1;
    ASSERT_EQ(write(fd, &one, sizeof one), 8);
  });
  l.run();
  writer.join();
  EXPECT_EQ(woke, 1);
  close(fd);
}

}  // namespace
}  // namespace parley::media
