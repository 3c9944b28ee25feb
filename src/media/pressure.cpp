#include "media/pressure.h"

#include <algorithm>

namespace parley::media {

const char* pressure_name(Pressure p) {
  switch (p) {
    case Pressure::normal:
      return "normal";
    case Pressure::high:
      return "high";
    case Pressure::saturated:
      return "saturated";
  }
  return "normal";
}

void LoadMeter::add(std::chrono::nanoseconds busy, std::chrono::nanoseconds wall) {
  ring_[next_] =
      Sample{std::max<std::int64_t>(0, busy.count()), std::max<std::int64_t>(0, wall.count())};
  next_ = (next_ + 1) % kSamples;
}

double LoadMeter::load() const {
  std::int64_t busy = 0, wall = 0;
  for (const auto& s : ring_) {
    busy += s.busy_ns;
    wall += s.wall_ns;
  }
  if (wall <= 0) return 0;
  // A wake's busy time is counted in the sample that ends after it, so a
  // sample may hold a little more than its own wall time.
  return std::clamp(static_cast<double>(busy) / static_cast<double>(wall), 0.0, 1.0);
}

Pressure PressureGovernor::update(double load) {
  load_ = load;
  const double high = config_.high_mark(), max = config_.max_load, h = config_.hysteresis;
  Pressure next = level_;
  if (load >= max) {
    next = Pressure::saturated;
  } else {
    switch (level_) {
      case Pressure::normal:
        next = load >= high ? Pressure::high : Pressure::normal;
        break;
      case Pressure::high:
        next = load < high - h ? Pressure::normal : Pressure::high;
        break;
      case Pressure::saturated:
        next = load < high - h  ? Pressure::normal
               : load < max - h ? Pressure::high
                                : Pressure::saturated;
        break;
    }
  }
  if (next != level_) {
    level_ = next;
    ++generation_;
  }
  return level_;
}

PressureGovernor::Key PressureGovernor::enroll() {
  Key k = next_key_++;
  entries_.emplace(k, Entry{});
  return k;
}

void PressureGovernor::withdraw(Key key) {
  entries_.erase(key);
  std::erase(paused_order_, key);
}

void PressureGovernor::report(Key key, bool receives_video, bool lowerable) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  it->second.receives_video = receives_video;
  it->second.lowerable = lowerable;
}

bool PressureGovernor::video_paused(Key key) const {
  auto it = entries_.find(key);
  return it != entries_.end() && it->second.paused;
}

PressureGovernor::StepResult PressureGovernor::step() {
  StepResult r;
  if (level_ == Pressure::saturated) {
    calm_steps_ = 0;
    std::size_t active = 0;
    bool lowerable = false;
    for (const auto& [_, e] : entries_)
      if (e.receives_video && !e.paused) {
        ++active;
        lowerable = lowerable || e.lowerable;
      }
    ++saturated_steps_;
    settled_steps_ = lowerable ? 0 : settled_steps_ + 1;
    if (active > 0 &&
        (settled_steps_ >= kShedAfterSteps || saturated_steps_ >= kShedAnywayAfterSteps)) {
      // A quarter (at least one) of those still receiving video, the most
      // recently joined first: a multiplicative step, since how far the
      // load is beyond the limit cannot be seen once it is saturated.
      const std::size_t n = std::max<std::size_t>(1, active / 4);
      for (auto it = entries_.rbegin(); it != entries_.rend() && r.paused < n; ++it) {
        if (!it->second.receives_video || it->second.paused) continue;
        it->second.paused = true;
        paused_order_.push_back(it->first);
        ++r.paused;
      }
      saturated_steps_ = 0;
      settled_steps_ = 0;
    }
  } else if (level_ == Pressure::normal) {
    saturated_steps_ = settled_steps_ = 0;
    if (paused_order_.empty()) {
      calm_steps_ = 0;
    } else if (++calm_steps_ >= kResumeAfterSteps) {
      // One at a time: resuming everyone at once would bring back the load
      // that was shed, and with it the overload.
      const Key k = paused_order_.back();
      paused_order_.pop_back();
      if (auto it = entries_.find(k); it != entries_.end()) it->second.paused = false;
      ++r.resumed;
      calm_steps_ = 0;
    }
  } else {
    // High: neither more pausing nor resuming.
    saturated_steps_ = settled_steps_ = calm_steps_ = 0;
  }
  if (r.paused || r.resumed) ++generation_;
  return r;
}

}  // namespace parley::media
