#pragma once
// How busy a media worker is, and what it does about it (docs/media.md
// §Behaviour at the limit). Owned by the worker (one per worker, touched
// only on its thread); the calls on the worker consult it when they choose
// layers, and the worker publishes its load and level in WorkerStats.
//
// The load is the wall-clock fraction of the last second the worker's loop
// spent outside epoll_wait: work, or waiting for a CPU it could not get (a
// worker starved by other threads or a CPU quota counts as busy, which is
// what matters to the packets queued behind it). From the load a pressure
// level with hysteresis:
//
//   normal    → high       at load ≥ high mark (max_load − 0.15)
//   any       → saturated  at load ≥ max_load
//   saturated → high       below max_load − 0.05
//   high      → normal     below high mark − 0.05
//
// High caps every subscriber's video one simulcast layer down, saturated to
// the lowest layer; a new participant is refused on a saturated worker.
// When the worker stays saturated and no subscriber's video can go lower,
// video (never audio) is paused for subscribers, most recently joined
// first, and resumed, last paused first, once the load is back below the
// high mark. The pieces here hold no clock and no socket, so that each rule
// is tested alone (tests/unit/media/pressure_test.cpp).

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace parley::media {

enum class Pressure : std::uint8_t { normal = 0, high = 1, saturated = 2 };
const char* pressure_name(Pressure p);

struct PressureConfig {
  double max_load = 0.85;    // saturated at or above this load
  double high_band = 0.15;   // high from max_load − high_band
  double hysteresis = 0.05;  // a level is left this far below where it was entered
  double high_mark() const { return max_load > high_band ? max_load - high_band : 0.0; }
};

// The busy fraction over the last second, from samples of (busy, wall)
// time taken every 100 ms: a sliding window, so a change shows fully after
// one second and a stall of one sample does not swing it.
class LoadMeter {
 public:
  static constexpr std::size_t kSamples = 10;
  void add(std::chrono::nanoseconds busy, std::chrono::nanoseconds wall);
  double load() const;  // 0 to 1

 private:
  struct Sample {
    std::int64_t busy_ns = 0, wall_ns = 0;
  };
  std::array<Sample, kSamples> ring_{};
  std::size_t next_ = 0;
};

class PressureGovernor {
 public:
  // Each participant on the worker gets a key when it joins; later joins
  // have larger keys (the shedding order).
  using Key = std::uint64_t;
  // Decisions are taken this often (the calls' layer interval).
  static constexpr std::chrono::milliseconds kStepInterval{500};
  // Steps the worker stays saturated with nothing left to lower before
  // video is paused, and between two rounds of pausing: one load window,
  // so that each round is judged on the load it left.
  static constexpr int kShedAfterSteps = 2;
  // ... or this many while some subscriber still waits for the keyframe of
  // a lower layer (a publisher that never sends one must not stall it).
  static constexpr int kShedAnywayAfterSteps = 6;
  // Steps below the high mark before one paused subscriber resumes.
  static constexpr int kResumeAfterSteps = 2;

  explicit PressureGovernor(PressureConfig config = {}) : config_(config) {}

  // A new load: the level follows it with hysteresis. Returns the level.
  Pressure update(double load);
  Pressure level() const { return level_; }
  double load() const { return load_; }
  const PressureConfig& config() const { return config_; }

  Key enroll();
  void withdraw(Key key);
  // From each call's layer choice, for each of its subscribers: whether it
  // would now receive any video, and whether any of that video could still
  // go to a lower layer (it receives a layer above its lowest).
  void report(Key key, bool receives_video, bool lowerable);
  bool video_paused(Key key) const;

  // Every kStepInterval: pauses or resumes video. What changed is counted
  // by the caller; `generation()` rises with every change of level or of a
  // paused set, so that calls know to choose layers again.
  struct StepResult {
    std::size_t paused = 0, resumed = 0;
  };
  StepResult step();
  std::uint64_t generation() const { return generation_; }
  std::size_t paused_count() const { return paused_order_.size(); }

 private:
  struct Entry {
    bool receives_video = false;
    bool lowerable = false;
    bool paused = false;
  };
  PressureConfig config_;
  Pressure level_ = Pressure::normal;
  double load_ = 0;
  Key next_key_ = 1;
  std::map<Key, Entry> entries_;   // by join order
  std::vector<Key> paused_order_;  // a stack: the last paused resumes first
  int saturated_steps_ = 0;        // consecutive saturated steps since the last pause
  int settled_steps_ = 0;          // ... of which the last ones with nothing left to lower
  int calm_steps_ = 0;             // consecutive normal steps since the last resume
  std::uint64_t generation_ = 0;
};

}  // namespace parley::media
