#include "media/loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace parley::media {

namespace {

constexpr int kMaxEvents = 64;

Error sys_error(const char* what) {
  return make_error("media_system", std::string(what) + ": " + std::strerror(errno));
}

}  // namespace

Expected<std::unique_ptr<Loop>> Loop::create() {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return sys_error("epoll_create1");
  int wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake < 0) {
    auto e = sys_error("eventfd");
    close(ep);
    return e;
  }
  int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (timer < 0) {
    auto e = sys_error("timerfd_create");
    close(ep);
    close(wake);
    return e;
  }
  std::unique_ptr<Loop> loop(new Loop(ep, wake, timer));
  for (int fd : {wake, timer}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) return sys_error("epoll_ctl");
  }
  return loop;
}

Loop::Loop(int epoll_fd, int wake_fd, int timer_fd) : epoll_fd_(epoll_fd), wake_fd_(wake_fd), timer_fd_(timer_fd) {}

Loop::~Loop() {
  close(timer_fd_);
  close(wake_fd_);
  close(epoll_fd_);
}

void Loop::post(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    posted_.push_back(std::move(task));
  }
  std::uint64_t one = 1;
  // A full counter (2^64-2 pending wakes) cannot happen; a failed write
  // still leaves the task queued for the next wake.
  [[maybe_unused]] auto n = write(wake_fd_, &one, sizeof one);
}

void Loop::stop() {
  {
    std::lock_guard lock(mu_);
    stop_requested_ = true;
  }
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = write(wake_fd_, &one, sizeof one);
}

std::size_t Loop::pending() const {
  std::lock_guard lock(mu_);
  return posted_.size();
}

void Loop::drain_posted() {
  std::uint64_t count;
  [[maybe_unused]] auto n = read(wake_fd_, &count, sizeof count);
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard lock(mu_);
    tasks.swap(posted_);
    if (stop_requested_) stopping_ = true;
  }
  for (auto& t : tasks) t();
}

Status Loop::watch(int fd, std::function<void()> on_readable) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) return sys_error("epoll_ctl add");
  watched_[fd] = std::make_shared<std::function<void()>>(std::move(on_readable));
  return ok_status();
}

void Loop::unwatch(int fd) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  watched_.erase(fd);
}

Loop::TimerId Loop::every(std::chrono::milliseconds period, std::function<void()> tick) {
  if (period.count() < 1) period = std::chrono::milliseconds(1);
  TimerId id = next_timer_++;
  timers_[id] = Timer{std::chrono::steady_clock::now() + period, period,
                      std::make_shared<std::function<void()>>(std::move(tick))};
  rearm_timer();
  return id;
}

void Loop::cancel(TimerId id) {
  timers_.erase(id);
  rearm_timer();
}

// One timerfd for all timers, set to the earliest due time.
void Loop::rearm_timer() {
  itimerspec spec{};
  if (!timers_.empty()) {
    auto due = timers_.begin()->second.due;
    for (const auto& [_, t] : timers_) due = std::min(due, t.due);
    auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(due - std::chrono::steady_clock::now());
    if (wait.count() < 1000) wait = std::chrono::nanoseconds(1000);  // zero would disarm it
    spec.it_value.tv_sec = static_cast<time_t>(wait.count() / 1'000'000'000);
    spec.it_value.tv_nsec = static_cast<long>(wait.count() % 1'000'000'000);
  }
  timerfd_settime(timer_fd_, 0, &spec, nullptr);
}

void Loop::fire_timers() {
  std::uint64_t expirations;
  [[maybe_unused]] auto n = read(timer_fd_, &expirations, sizeof expirations);
  auto now = std::chrono::steady_clock::now();
  std::vector<TimerId> due;
  for (const auto& [id, t] : timers_)
    if (t.due <= now) due.push_back(id);
  for (TimerId id : due) {
    auto it = timers_.find(id);
    if (it == timers_.end()) continue;  // cancelled by an earlier tick
    // Next due time from the schedule, not from now, so ticks do not drift;
    // after a stall skip the missed ones rather than firing a burst.
    it->second.due += it->second.period;
    if (it->second.due <= now) it->second.due = now + it->second.period;
    Callback tick = it->second.tick;  // the tick may cancel its own timer
    (*tick)();
  }
  rearm_timer();
}

std::chrono::nanoseconds Loop::busy() const { return busy_ + (std::chrono::steady_clock::now() - woke_); }

void Loop::run() {
  epoll_event events[kMaxEvents];
  woke_ = std::chrono::steady_clock::now();
  while (!stopping_) {
    // steady_clock is CLOCK_MONOTONIC (vDSO: no system call). A thread
    // preempted while handling events counts as busy; once blocked in
    // epoll_wait it does not, whatever keeps it from running after.
    busy_ += std::chrono::steady_clock::now() - woke_;
    int n = epoll_wait(epoll_fd_, events, kMaxEvents, -1);
    woke_ = std::chrono::steady_clock::now();
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // the epoll fd itself failed: nothing more can be served
    }
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == wake_fd_) {
        drain_posted();
      } else if (fd == timer_fd_) {
        fire_timers();
      } else if (auto it = watched_.find(fd); it != watched_.end()) {
        Callback cb = it->second;  // the callback may unwatch its own fd
        (*cb)();
      }
    }
  }
  // Tasks posted before stop() still run (they may release resources).
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard lock(mu_);
    tasks.swap(posted_);
  }
  for (auto& t : tasks) t();
}

}  // namespace parley::media
