#pragma once
// What waits to be written on one WebSocket (docs/protocol.md §Push): the
// messages in order, sharing their text with every other socket they go to.
// A state message replaces the earlier one of the same key still waiting,
// in its place in the order, so a slow reader gets the latest state without
// its queue growing with every change. A reader further behind than the
// limits is to be dropped, not buffered without end.

#include <cstddef>
#include <deque>

#include "call/call_service.h"

namespace parley::server {

class SendQueue {
 public:
  static constexpr std::size_t kMaxMessages = 1024;
  static constexpr std::size_t kMaxBytes = 16 << 20;

  // Queues `message`, or replaces a waiting one with its key. The front is
  // never replaced while `front_in_flight` (it is being written). False:
  // the reader is too far behind (nothing queued; drop the socket).
  bool push(const call::Outgoing& message, bool front_in_flight) {
    if (!message.replaces.empty()) {
      for (auto it = queue_.begin() + (front_in_flight && !queue_.empty() ? 1 : 0); it != queue_.end(); ++it) {
        if (it->replaces != message.replaces) continue;
        bytes_ = bytes_ - it->text->size() + message.text->size();
        it->text = message.text;
        ++replaced_;
        return true;
      }
    }
    if (queue_.size() >= kMaxMessages || bytes_ + message.text->size() > kMaxBytes) return false;
    queue_.push_back(message);
    bytes_ += message.text->size();
    return true;
  }
  bool empty() const { return queue_.empty(); }
  const call::Outgoing& front() const { return queue_.front(); }
  void pop() {
    bytes_ -= queue_.front().text->size();
    queue_.pop_front();
  }
  void clear() {
    queue_.clear();
    bytes_ = 0;
  }
  std::size_t size() const { return queue_.size(); }
  std::size_t bytes() const { return bytes_; }
  std::size_t replaced() const { return replaced_; }

 private:
  std::deque<call::Outgoing> queue_;
  std::size_t bytes_ = 0;
  std::size_t replaced_ = 0;
};

}  // namespace parley::server
