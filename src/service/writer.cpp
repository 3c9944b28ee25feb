#include "service/writer.h"

#include <chrono>

namespace parley::service {

Writer::Writer(store::Store& store, Post post, metrics::Registry& metrics, std::size_t max_batch)
    : store_(store), post_(std::move(post)), metrics_(metrics), max_batch_(max_batch),
      thread_([this] { run(); }) {
  metrics_.describe("parley_store_commit_seconds", "histogram",
                    "Time to commit one group of writes durably (fsync included)");
  metrics_.describe("parley_store_commit_requests", "counter",
                    "Requests whose writes were committed, by outcome");
  metrics_.describe("parley_store_commits_total", "counter", "Durable transactions, by outcome");
}

Writer::~Writer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void Writer::submit(std::vector<store::Mutation> mutations, std::function<void(Status)> done) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back({std::move(mutations), std::move(done)});
  }
  cv_.notify_one();
}

void Writer::run() {
  std::vector<Item> batch;
  std::vector<store::Mutation> flat;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    flat.clear();
    for (auto& item : batch)
      for (auto& m : item.mutations) flat.push_back(std::move(m));
    auto t0 = std::chrono::steady_clock::now();
    Status status = store_.commit(flat);
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
    const char* outcome = status ? "ok" : "error";
    metrics_.observe("parley_store_commit_seconds", {}, took.count());
    metrics_.inc("parley_store_commits_total", {{"outcome", outcome}});
    metrics_.inc("parley_store_commit_requests", {{"outcome", outcome}},
                 static_cast<double>(batch.size()));
    for (auto& item : batch)
      post_([done = std::move(item.done), status] { done(status); });
    batch.clear();
  }
}

}  // namespace parley::service
