#pragma once
// A worker's event loop: epoll over its sockets, an eventfd through which
// other threads post tasks, and a timerfd for periodic work. Share-nothing:
// everything registered with a loop is touched only on the loop's thread;
// post() is the one thread-safe way in (docs/media.md §Threads).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "common/error.h"

namespace parley::media {

class Loop {
 public:
  static Expected<std::unique_ptr<Loop>> create();
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // Runs on the calling thread until stop(). Tasks posted before stop() run
  // before run() returns.
  void run();
  void stop();                           // any thread
  void post(std::function<void()> task);  // any thread; runs on the loop thread, in order

  // Loop thread only. `on_readable` runs when fd has data (level-triggered).
  Status watch(int fd, std::function<void()> on_readable);
  void unwatch(int fd);
  // Loop thread only. Runs `tick` every `period` (first run one period from now).
  using TimerId = std::uint64_t;
  TimerId every(std::chrono::milliseconds period, std::function<void()> tick);
  void cancel(TimerId id);

  // Tasks posted and not yet run (for the load report).
  std::size_t pending() const;

  // Loop thread only. Wall-clock time spent outside epoll_wait since run()
  // began, the current wake included: handling events, or waiting for a
  // CPU while not blocked (docs/media.md §Behaviour at the limit). Two
  // CLOCK_MONOTONIC reads per wake.
  std::chrono::nanoseconds busy() const;

 private:
  Loop(int epoll_fd, int wake_fd, int timer_fd);
  void drain_posted();
  void fire_timers();
  void rearm_timer();

  int epoll_fd_;
  int wake_fd_;
  int timer_fd_;
  bool stopping_ = false;  // loop thread only
  // Loop thread only: busy time of the wakes that ended, and when the
  // current one began.
  std::chrono::nanoseconds busy_{0};
  std::chrono::steady_clock::time_point woke_ = std::chrono::steady_clock::now();
  mutable std::mutex mu_;
  std::vector<std::function<void()>> posted_;  // guarded by mu_
  bool stop_requested_ = false;                // guarded by mu_
  // Callbacks are held by shared_ptr so that one may unwatch or cancel
  // itself while it runs; copying the pointer allocates nothing.
  using Callback = std::shared_ptr<std::function<void()>>;
  std::unordered_map<int, Callback> watched_;
  struct Timer {
    std::chrono::steady_clock::time_point due;
    std::chrono::milliseconds period;
    Callback tick;
  };
  std::unordered_map<TimerId, Timer> timers_;
  TimerId next_timer_ = 1;
};

}  // namespace parley::media
