#pragma once
// CPU-time measurement shared by the micro-benchmarks (sframe_bench,
// srtp_bench, tlog_bench): rates per CPU-second of this thread, so that other load on a
// shared machine slows the wall clock but not the figure.

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace parley::bench {

inline double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Runs `op` `batch` times per clock reading until `seconds` of CPU time have
// passed (after `batch / 4` warm-up calls); returns operations per
// CPU-second. Aborts if an operation fails.
inline double rate(double seconds, const std::function<bool()>& op, int batch) {
  for (int i = 0; i < std::max(1, batch / 4); ++i)
    if (!op()) std::abort();
  std::size_t done = 0;
  const double start = cpu_seconds();
  double now = start;
  while (now - start < seconds) {
    for (int i = 0; i < batch; ++i)
      if (!op()) {
        std::fprintf(stderr, "operation failed\n");
        std::abort();
      }
    done += static_cast<std::size_t>(batch);
    now = cpu_seconds();
  }
  return static_cast<double>(done) / (now - start);
}

// The one-minute load average, printed beside the figures.
inline double load_average() {
  double l = 0;
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &l) != 1) l = 0;
    std::fclose(f);
  }
  return l;
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// A comma-separated list of positive integers ("80,1200"); false when
// empty or when an item is not one.
template <class T>
bool parse_list(const std::string& text, std::vector<T>& out) {
  out.clear();
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v == 0) return false;
    out.push_back(static_cast<T>(v));
  }
  return !out.empty();
}

// The options every CPU-rate benchmark takes: --seconds S (each
// measurement, > 0) and --rounds R (measurements whose median is shown,
// > 0). 1: `arg` was one of them and `value` is good; -1: it was, and
// `value` is not; 0: `arg` is another option.
inline int parse_rate_option(const std::string& arg, const std::string& value, double& seconds, int& rounds) {
  if (arg == "--seconds") {
    seconds = std::atof(value.c_str());
    return seconds > 0 ? 1 : -1;
  }
  if (arg == "--rounds") {
    rounds = std::atoi(value.c_str());
    return rounds > 0 ? 1 : -1;
  }
  return 0;
}

}  // namespace parley::bench
