#pragma once
// Group commit. Requests hand their mutations to the writer; one thread takes
// everything queued, commits it in one transaction (one fsync), then reports
// each request's outcome back on the service's thread through `post`.
// Under load many requests share one fsync; alone, a request waits for just
// its own. Outcomes are reported in submission order.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "metrics/registry.h"
#include "store/store.h"

namespace parley::service {

using Post = std::function<void(std::function<void()>)>;

class Writer {
 public:
  // `store` and `metrics` are not owned and outlive the writer.
  Writer(store::Store& store, Post post, metrics::Registry& metrics, std::size_t max_batch);
  ~Writer();  // drains the queue, then joins
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Thread-safe. `done` runs through `post`, after the commit.
  void submit(std::vector<store::Mutation> mutations, std::function<void(Status)> done);

 private:
  struct Item {
    std::vector<store::Mutation> mutations;
    std::function<void(Status)> done;
  };
  void run();

  store::Store& store_;
  Post post_;
  metrics::Registry& metrics_;
  std::size_t max_batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace parley::service
