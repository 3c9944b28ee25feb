#pragma once
// Prometheus metrics (text exposition format 0.0.4). Counters and histograms
// keyed by name and a fixed label set. Thread-safe: the HTTP thread and the
// store's writer thread both record; contention is one short mutex hold.

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace parley::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Registry {
 public:
  void describe(const std::string& name, const std::string& type, const std::string& help);
  void inc(const std::string& name, const Labels& labels = {}, double by = 1);
  void set(const std::string& name, const Labels& labels, double value);
  // Histogram with fixed buckets (seconds): 100 µs to 10 s.
  void observe(const std::string& name, const Labels& labels, double seconds);
  std::string render() const;

 private:
  struct Histogram {
    std::vector<std::uint64_t> buckets;
    double sum = 0;
    std::uint64_t count = 0;
  };
  struct Family {
    std::string type, help;
    std::map<std::string, double> values;         // rendered labels -> value
    std::map<std::string, Histogram> histograms;  // rendered labels -> histogram
  };
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

}  // namespace parley::metrics
