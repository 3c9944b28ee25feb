#pragma once
// Fixed-size packet buffers for one worker, allocated once when the worker
// starts and recycled: the forwarding path takes a buffer for every packet it
// receives or produces, and never touches the heap. When the pool is empty
// the packet is dropped and counted (load shedding), never queued without
// bound.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace parley::media {

// Room for an Ethernet-MTU datagram plus the SRTP tag and RTX header a
// forwarded packet may grow by; larger datagrams are truncated by the
// kernel (MSG_TRUNC) and dropped.
inline constexpr std::size_t kPacketCapacity = 1600;

class PacketPool;

// One buffer: `data` is kPacketCapacity bytes, `size` the bytes in use.
struct Packet {
  std::uint8_t* data = nullptr;
  std::size_t size = 0;
  std::uint32_t index = 0;  // position in the pool, for release
  std::span<std::uint8_t> bytes() const { return {data, size}; }
  std::span<std::uint8_t> room() const { return {data, kPacketCapacity}; }
};

class PacketPool {
 public:
  explicit PacketPool(std::size_t count);
  PacketPool(const PacketPool&) = delete;
  PacketPool& operator=(const PacketPool&) = delete;

  // A free buffer (size 0), or nullptr when all are in use.
  Packet* acquire();
  void release(Packet* p);

  std::size_t capacity() const { return packets_.size(); }
  std::size_t available() const { return free_.size(); }
  std::uint64_t exhausted() const { return exhausted_; }  // acquire() calls that found none

 private:
  std::unique_ptr<std::uint8_t[]> storage_;
  std::vector<Packet> packets_;
  std::vector<std::uint32_t> free_;  // a stack: the most recently used buffer is still in cache
  std::uint64_t exhausted_ = 0;
};

}  // namespace parley::media
