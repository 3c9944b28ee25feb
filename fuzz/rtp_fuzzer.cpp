// Fuzz target for src/rtp's RTP side: parse, walk the header extensions and
// read their values, rewrite the header on a copy, read the VP8 payload
// descriptor and rewrite it, and take the packet through RTX and back.
// Every accepted packet must keep its shape through each rewrite; anything
// else aborts.

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "rtp/rtp.h"
#include "rtp/sequence.h"
#include "rtp/vp8.h"

namespace {

using namespace parley::rtp;

void check(bool ok) {
  if (!ok) std::abort();
}

bool inside(std::span<const std::uint8_t> part, std::span<const std::uint8_t> whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void extensions(const RtpPacket& p) {
  std::size_t count = 0;
  for (const Extension& e : p.extensions()) {
    check(e.id != 0);
    check(inside(e.value, p.extension_block()));
    // The first element of each id is what find_extension returns.
    auto found = p.find_extension(e.id);
    check(found.has_value());
    check(found->data() <= e.value.data());
    (void)parse_transport_sequence_number(e.value);
    (void)parse_audio_level(e.value);
    if (auto mid = parse_mid(e.value)) check(mid->size() <= e.value.size());
    if (auto rid = parse_rid(e.value)) check(rid->size() <= e.value.size());
    ++count;
  }
  check(count <= p.extension_block().size());
}

void rewrite(const RtpPacket& p) {
  std::vector<std::uint8_t> copy(p.bytes().begin(), p.bytes().end());
  auto m = parse_rtp_mutable(copy);
  check(m.ok());
  m->set_sequence_number(static_cast<std::uint16_t>(p.sequence_number() + 1));
  m->set_timestamp(p.timestamp() + 90000);
  m->set_ssrc(~p.ssrc());
  m->set_marker(!p.marker());
  check(m->set_payload_type(static_cast<std::uint8_t>((p.payload_type() + 1) & 0x7F)).ok());
  check(!m->set_payload_type(200).ok());
  for (const Extension& e : p.extensions()) {
    // Same length: accepted, and only this element's bytes change.
    std::array<std::uint8_t, 256> value{};
    value.fill(0xA5);
    if (m->set_extension(e.id, std::span(value.data(), e.value.size())).ok()) {
      check(std::memcmp(m->find_extension(e.id)->data(), value.data(), e.value.size()) == 0);
    }
    // A different length is refused (the first element of an id is the one
    // rewritten, so compare with that one).
    const std::size_t first_size = m->find_extension(e.id)->size();
    check(!m->set_extension(e.id, std::span(value.data(), first_size + 1)).ok());
  }
  auto again = parse_rtp(copy);
  check(again.ok());
  check(again->sequence_number() == static_cast<std::uint16_t>(p.sequence_number() + 1));
  check(again->timestamp() == p.timestamp() + 90000);
  check(again->ssrc() == ~p.ssrc());
  check(again->marker() != p.marker());
  check(again->header_size() == p.header_size());
  check(again->payload().size() == p.payload().size());
  check(again->csrc_count() == p.csrc_count());
}

void vp8(const RtpPacket& p) {
  auto d = parse_vp8_descriptor(p.payload());
  if (!d) return;
  check(d->size < p.payload().size());
  (void)vp8_is_keyframe_start(*d, p.payload());
  std::vector<std::uint8_t> copy(p.payload().begin(), p.payload().end());
  const bool had_id = d->picture_id.has_value();
  check(rewrite_vp8_picture_id(copy, 0x1234).ok() == had_id);
  check(rewrite_vp8_tl0_pic_idx(copy, 0x56).ok() == d->tl0_pic_idx.has_value());
  auto after = parse_vp8_descriptor(copy);
  check(after.ok());
  check(after->size == d->size);
  if (had_id) check(*after->picture_id == (d->picture_id_15bit ? 0x1234 : 0x34));
  if (d->tl0_pic_idx) check(*after->tl0_pic_idx == 0x56);
}

void rtx(const RtpPacket& p) {
  if (auto osn = rtx_original_sequence_number(p)) {
    std::vector<std::uint8_t> out(p.bytes().size());
    auto n = unwrap_rtx(p, out, 96, 1);
    check(n.ok());
    auto restored = parse_rtp(std::span(out.data(), *n));
    check(restored.ok());
    check(restored->sequence_number() == *osn);
    check(restored->payload().size() + 2 == p.payload().size());
  }
  std::vector<std::uint8_t> out(p.bytes().size() + 2);
  auto n = build_rtx(p, out, 97, 2, 3);
  check(n.ok());
  auto wrapped = parse_rtp(std::span(out.data(), *n));
  check(wrapped.ok());
  check(!wrapped->has_padding());
  check(*rtx_original_sequence_number(*wrapped) == p.sequence_number());
  std::vector<std::uint8_t> back(*n);
  auto m = unwrap_rtx(*wrapped, back, p.payload_type(), p.ssrc());
  check(m.ok());
  // The original without its padding.
  check(*m == p.header_size() + p.payload().size());
  check(std::memcmp(back.data() + 1, p.bytes().data() + 1, *m - 1) == 0);
  check((back[0] | 0x20) == (p.bytes()[0] | 0x20));
  // And in place, in a buffer with room for the OSN.
  std::vector<std::uint8_t> buf(p.bytes().begin(), p.bytes().end());
  buf.resize(buf.size() + 2);
  auto q = parse_rtp(std::span(buf.data(), p.bytes().size()));
  check(q.ok());
  auto in_place = build_rtx(*q, buf, 97, 2, 3);
  check(in_place.ok() && *in_place == *n);
  check(std::memcmp(buf.data(), out.data(), *n) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  auto p = parse_rtp(input);
  if (!p) {
    check(!p.error().code.empty());
    return 0;
  }
  check(p->header_size() + p->padding_size() <= size);
  check(inside(p->payload(), input));
  extensions(*p);
  rewrite(*p);
  vp8(*p);
  rtx(*p);
  SequenceUnwrapper u;
  const std::int64_t first = u.unwrap(p->sequence_number());
  check(u.unwrap(static_cast<std::uint16_t>(p->sequence_number() + 1)) == first + 1);
  return 0;
}
