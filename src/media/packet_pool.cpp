#include "media/packet_pool.h"

#include <cassert>

namespace parley::media {

PacketPool::PacketPool(std::size_t count)
    : storage_(new std::uint8_t[count * kPacketCapacity]), packets_(count) {
  free_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    packets_[i].data = storage_.get() + i * kPacketCapacity;
    packets_[i].index = static_cast<std::uint32_t>(i);
  }
  for (std::size_t i = count; i > 0; --i) free_.push_back(static_cast<std::uint32_t>(i - 1));
}

Packet* PacketPool::acquire() {
  if (free_.empty()) {
    ++exhausted_;
    return nullptr;
  }
  Packet* p = &packets_[free_.back()];
  free_.pop_back();
  p->size = 0;
  return p;
}

void PacketPool::release(Packet* p) {
  assert(p && p->index < packets_.size() && &packets_[p->index] == p);
  // free_ was reserved for every buffer: push_back never reallocates.
  free_.push_back(p->index);
}

}  // namespace parley::media
