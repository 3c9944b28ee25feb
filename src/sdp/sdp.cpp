#include "sdp/sdp.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <utility>

namespace parley::sdp {

// ---------------------------------------------------------------------------
// Small text helpers
// ---------------------------------------------------------------------------

namespace {

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  return lower(c) - 'a' + 10;
}

// RFC 8866 §9: token-char = %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 /
// %x41-5A / %x5E-7E.
bool is_token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == 0x21 || (u >= 0x23 && u <= 0x27) || u == 0x2A || u == 0x2B || u == 0x2D ||
         u == 0x2E || (u >= 0x30 && u <= 0x39) || (u >= 0x41 && u <= 0x5A) ||
         (u >= 0x5E && u <= 0x7E);
}

// RFC 8839 §5.4: ice-char = ALPHA / DIGIT / "+" / "/".
bool is_ice_char(char c) {
  return is_alpha(c) || is_digit(c) || c == '+' || c == '/';
}

bool all_of(std::string_view s, bool (*pred)(char)) {
  return std::all_of(s.begin(), s.end(), pred);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits at the first occurrence of `sep`: {before, after}; after is empty and
// found is false when sep is absent.
struct Split {
  std::string_view head;
  std::string_view tail;
  bool found;
};
Split split_once(std::string_view s, char sep) {
  const auto at = s.find(sep);
  if (at == std::string_view::npos) return {s, {}, false};
  return {s.substr(0, at), s.substr(at + 1), true};
}

// Fields separated by one or more spaces (RFC 8866 uses single SPs; peers
// that pad with more are tolerated). Calls f(field) for each; stops early
// when f returns false.
template <class F>
void for_each_field(std::string_view s, F&& f) {
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    if (i >= s.size()) break;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (!f(s.substr(i, j - i))) return;
    i = j;
  }
}

std::size_t count_fields(std::string_view s) {
  std::size_t n = 0;
  for_each_field(s, [&](std::string_view) {
    ++n;
    return true;
  });
  return n;
}

// Up to N fields; returns how many there were in total (may exceed N).
template <std::size_t N>
std::size_t take_fields(std::string_view s, std::array<std::string_view, N>& out) {
  std::size_t n = 0;
  for_each_field(s, [&](std::string_view f) {
    if (n < N) out[n] = f;
    ++n;
    return true;
  });
  return n;
}

// Strict unsigned decimal: digits only, no sign, at most `max`.
template <class T>
std::optional<T> parse_uint(std::string_view s, std::uint64_t max) {
  if (s.empty() || s.size() > 20 || !all_of(s, is_digit)) return std::nullopt;
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v > max) return std::nullopt;
  return static_cast<T>(v);
}

std::optional<std::uint8_t> parse_pt(std::string_view s) {
  return parse_uint<std::uint8_t>(s, 127);
}

std::string quoted(std::string_view s) {
  // Messages quote peer text; keep them short and printable.
  std::string out = "\"";
  for (char c : s.substr(0, 64)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7F) ? c : '?';
  }
  if (s.size() > 64) out += "...";
  out += '"';
  return out;
}

Error fail(const char* code, std::size_t line, std::string message) {
  return make_error(code, "line " + std::to_string(line) + ": " + std::move(message));
}

// ---------------------------------------------------------------------------
// Framing (RFC 8866 §5): one pass that allocates nothing
// ---------------------------------------------------------------------------

// Walks lines. A line ends at LF; a CR directly before that LF belongs to the
// line end. The last line may lack its line end.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}
  bool next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    const auto lf = text_.find('\n', pos_);
    if (lf == std::string_view::npos) {
      line = text_.substr(pos_);
      pos_ = text_.size();
    } else {
      line = text_.substr(pos_, lf - pos_);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      pos_ = lf + 1;
    }
    ++number_;
    return true;
  }
  std::size_t number() const { return number_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t number_ = 0;
};

struct Framing {
  std::size_t media_sections = 0;
};

Expected<Framing> check_framing(std::string_view text, const Limits& limits) {
  if (text.size() > limits.max_bytes) {
    return make_error("sdp_too_large", "session description of " + std::to_string(text.size()) +
                                           " bytes exceeds the limit of " +
                                           std::to_string(limits.max_bytes));
  }
  if (text.empty()) return make_error("sdp_empty", "session description is empty");
  Framing f;
  std::size_t attributes = 0;
  LineReader reader(text);
  std::string_view line;
  while (reader.next(line)) {
    const auto n = reader.number();
    if (n > limits.max_lines) {
      return make_error("sdp_too_many_lines", "more than " + std::to_string(limits.max_lines) +
                                                  " lines in the session description");
    }
    if (line.size() > limits.max_line_length) {
      return fail("sdp_line_too_long", n,
                  std::to_string(line.size()) + " bytes exceeds the line limit of " +
                      std::to_string(limits.max_line_length));
    }
    if (line.empty()) return fail("sdp_bad_line", n, "empty line");
    for (char c : line) {
      if (c == '\r') return fail("sdp_bad_line", n, "CR not followed by LF (RFC 8866 §5)");
      if (c == '\0') return fail("sdp_bad_line", n, "NUL byte");
    }
    if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') {
      return fail("sdp_bad_line", n, "expected <type>=<value>, got " + quoted(line));
    }
    if (line[0] == 'm') {
      if (++f.media_sections > limits.max_media_sections) {
        return fail("sdp_too_many_media", n,
                    "more than " + std::to_string(limits.max_media_sections) + " m= sections");
      }
      attributes = 0;
    } else if (line[0] == 'a') {
      if (++attributes > limits.max_attributes) {
        return fail(
            "sdp_too_many_attributes", n,
            "more than " + std::to_string(limits.max_attributes) + " attributes in one section");
      }
    }
  }
  return f;
}

// ---------------------------------------------------------------------------
// Attribute values
// ---------------------------------------------------------------------------

std::optional<Direction> direction_from(std::string_view name) {
  if (name == "sendrecv") return Direction::sendrecv;
  if (name == "sendonly") return Direction::sendonly;
  if (name == "recvonly") return Direction::recvonly;
  if (name == "inactive") return Direction::inactive;
  return std::nullopt;
}

// RFC 8122 §5: the digest size each known hash function must produce.
std::size_t digest_size(std::string_view algorithm) {
  if (algorithm == "sha-1") return 20;
  if (algorithm == "sha-224") return 28;
  if (algorithm == "sha-256") return 32;
  if (algorithm == "sha-384") return 48;
  if (algorithm == "sha-512") return 64;
  if (algorithm == "md5" || algorithm == "md2") return 16;
  return 0;  // unknown: any length up to 64
}

Expected<Fingerprint> parse_fingerprint(std::string_view value, std::size_t n) {
  std::array<std::string_view, 2> f;
  if (take_fields(value, f) != 2 || !is_token(f[0])) {
    return fail("sdp_bad_fingerprint", n, "expected a=fingerprint:<hash-func> <XX:XX:...>");
  }
  Fingerprint fp;
  for (char c : f[0]) fp.algorithm += lower(c);
  // RFC 8122 §5: fingerprint = 2UHEX *(":" 2UHEX). Lowercase hex is tolerated.
  const auto text = f[1];
  if (text.size() % 3 != 2 || text.size() > 64 * 3 - 1) {
    return fail("sdp_bad_fingerprint", n, "fingerprint " + quoted(text) + " is not XX:XX:...");
  }
  fp.bytes.reserve((text.size() + 1) / 3);
  for (std::size_t i = 0; i < text.size(); i += 3) {
    if (!is_hex(text[i]) || !is_hex(text[i + 1]) || (i + 2 < text.size() && text[i + 2] != ':')) {
      return fail("sdp_bad_fingerprint", n, "fingerprint " + quoted(text) + " is not XX:XX:...");
    }
    fp.bytes.push_back(static_cast<std::uint8_t>(hex_value(text[i]) * 16 + hex_value(text[i + 1])));
  }
  const auto want = digest_size(fp.algorithm);
  if (want != 0 && fp.bytes.size() != want) {
    return fail("sdp_bad_fingerprint", n,
                fp.algorithm + " fingerprint has " + std::to_string(fp.bytes.size()) +
                    " bytes, expected " + std::to_string(want));
  }
  return fp;
}

Expected<SetupRole> parse_setup(std::string_view value, std::size_t n) {
  if (value == "active") return SetupRole::active;
  if (value == "passive") return SetupRole::passive;
  if (value == "actpass") return SetupRole::actpass;
  if (value == "holdconn") return SetupRole::holdconn;
  return fail("sdp_bad_setup", n,
              "a=setup must be active, passive, actpass or holdconn, got " + quoted(value));
}

Expected<std::vector<std::string>> parse_ice_options(std::string_view value, std::size_t n) {
  std::vector<std::string> out;
  bool ok = true;
  out.reserve(count_fields(value));
  for_each_field(value, [&](std::string_view f) {
    if (!is_token(f)) ok = false;
    out.emplace_back(f);
    return ok;
  });
  if (!ok || out.empty()) return fail("sdp_bad_ice_options", n, "a=ice-options needs tokens");
  return out;
}

Expected<ExtMap> parse_extmap(std::string_view value, std::size_t n) {
  // RFC 8285 §7: a=extmap:<value>["/"<direction>] <URI> <extensionattributes>
  const auto [head, rest, has_rest] = split_once(value, ' ');
  const auto [id_text, dir_text, has_dir] = split_once(head, '/');
  ExtMap e;
  const auto id = parse_uint<std::uint16_t>(id_text, 255);
  if (!id || *id == 0) {
    return fail("sdp_bad_extmap", n, "extension id " + quoted(id_text) + " is not 1-255");
  }
  e.id = *id;
  if (has_dir) {
    e.direction = direction_from(dir_text);
    if (!e.direction) return fail("sdp_bad_extmap", n, "bad direction " + quoted(dir_text));
  }
  const auto [uri, attrs, has_attrs] = split_once(trim(rest), ' ');
  if (!has_rest || !is_uri(uri)) {
    return fail("sdp_bad_extmap", n, "expected a=extmap:<id> <uri>");
  }
  e.uri = std::string(uri);
  e.attributes = std::string(trim(attrs));
  return e;
}

void add_fmtp_params(PayloadType& p, std::string_view text) {
  while (!text.empty()) {
    const auto [piece, rest, more] = split_once(text, ';');
    const auto item = trim(piece);
    if (!item.empty()) {
      const auto [k, v, has_v] = split_once(item, '=');
      p.fmtp_params.push_back({std::string(trim(k)), std::string(trim(v))});
    }
    if (!more) break;
    text = rest;
  }
}

Expected<Rid> parse_rid(std::string_view value, std::size_t n) {
  // RFC 8851 §10: a=rid:<rid-id> SP <send|recv> [SP <pt=..;params>]
  const auto [id_text, rest1, has_rest1] = split_once(value, ' ');
  const auto [dir, params, has_params] = split_once(trim(rest1), ' ');
  if (!is_rid_id(id_text)) return fail("sdp_bad_rid", n, "bad rid-id " + quoted(id_text));
  Rid r;
  r.id = std::string(id_text);
  if (dir == "send") {
    r.direction = RidDirection::send;
  } else if (dir == "recv") {
    r.direction = RidDirection::recv;
  } else {
    return fail("sdp_bad_rid", n, "rid direction must be send or recv, got " + quoted(dir));
  }
  auto rest = trim(params);
  if (has_params && rest.empty()) return fail("sdp_bad_rid", n, "trailing space after direction");
  bool first = true;
  std::string others;
  while (!rest.empty()) {
    const auto [piece, tail, more] = split_once(rest, ';');
    const auto item = trim(piece);
    if (item.empty()) return fail("sdp_bad_rid", n, "empty rid restriction");
    if (first && item.substr(0, 3) == "pt=") {
      auto list = item.substr(3);
      while (true) {
        const auto [pt_text, pt_rest, pt_more] = split_once(list, ',');
        const auto pt = parse_pt(pt_text);
        if (!pt) return fail("sdp_bad_rid", n, "bad payload type " + quoted(pt_text) + " in pt=");
        if (std::find(r.payload_types.begin(), r.payload_types.end(), *pt) ==
            r.payload_types.end()) {
          r.payload_types.push_back(*pt);
        }
        if (!pt_more) break;
        list = pt_rest;
      }
    } else {
      const auto key = split_once(item, '=').head;
      const bool key_ok = !key.empty() && all_of(key, [](char c) {
        return is_alpha(c) || is_digit(c) || c == '-';
      });
      if (!key_ok) return fail("sdp_bad_rid", n, "bad rid restriction " + quoted(item));
      if (!others.empty()) others += ';';
      others += item;
    }
    first = false;
    if (!more) break;
    rest = tail;
  }
  r.restrictions = std::move(others);
  return r;
}

Expected<std::vector<SimulcastStream>> parse_simulcast_list(std::string_view list, std::size_t n) {
  // RFC 8853 §5.1: sc-str-list = sc-alt-list *(";" sc-alt-list);
  // sc-alt-list = sc-id *("," sc-id); sc-id = ["~"] rid-id.
  std::vector<SimulcastStream> streams;
  while (true) {
    const auto [alt, rest, more] = split_once(list, ';');
    SimulcastStream stream;
    auto ids = alt;
    while (true) {
      const auto [id, id_rest, id_more] = split_once(ids, ',');
      SimulcastId sid;
      auto rid = id;
      if (!rid.empty() && rid.front() == '~') {
        sid.paused = true;
        rid.remove_prefix(1);
      }
      if (!is_rid_id(rid)) return fail("sdp_bad_simulcast", n, "bad rid-id " + quoted(id));
      sid.rid = std::string(rid);
      stream.push_back(std::move(sid));
      if (!id_more) break;
      ids = id_rest;
    }
    streams.push_back(std::move(stream));
    if (!more) break;
    list = rest;
  }
  return streams;
}

Expected<Simulcast> parse_simulcast(std::string_view value, std::size_t n) {
  std::array<std::string_view, 5> f;
  const auto count = take_fields(value, f);
  if (count != 2 && count != 4) {
    return fail("sdp_bad_simulcast", n,
                "expected a=simulcast:<send|recv> <list> [<recv|send> <list>]");
  }
  Simulcast sc;
  bool seen_send = false, seen_recv = false;
  for (std::size_t i = 0; i < count; i += 2) {
    auto list = parse_simulcast_list(f[i + 1], n);
    if (!list) return list.error();
    if (f[i] == "send" && !seen_send) {
      seen_send = true;
      sc.send = std::move(*list);
    } else if (f[i] == "recv" && !seen_recv) {
      seen_recv = true;
      sc.recv = std::move(*list);
    } else {
      return fail("sdp_bad_simulcast", n,
                  "direction " + quoted(f[i]) + " must be send or recv, once");
    }
  }
  return sc;
}

// ---------------------------------------------------------------------------
// The parser proper
// ---------------------------------------------------------------------------

class Parser {
 public:
  explicit Parser(const Limits& limits) : limits_(limits) {}

  Expected<SessionDescription> run(std::string_view text) {
    auto framing = check_framing(text, limits_);
    if (!framing) return framing.error();
    desc_.media.reserve(framing->media_sections);

    LineReader reader(text);
    std::string_view line;
    while (reader.next(line)) {
      n_ = reader.number();
      const char type = line[0];
      const auto value = line.substr(2);
      Status st = ok_status();
      if (n_ == 1) {
        st = type == 'v' ? version(value) : bad_order("the first line must be v=0");
      } else if (n_ == 2) {
        st = type == 'o' ? origin(value) : bad_order("the second line must be o=");
      } else if (n_ == 3) {
        if (type != 's') {
          st = bad_order("the third line must be s=");
        } else {
          desc_.session_name = std::string(value);
        }
      } else if (type == 'm') {
        st = media_line(value);
      } else if (type == 'a') {
        st = cur_ ? media_attribute(value) : session_attribute(value);
      } else if (type == 't') {
        st = cur_ ? bad_order("t= belongs to the session part") : timing(value);
      } else if (type == 'c' || type == 'b' || type == 'i' || type == 'k') {
        // Allowed at both levels; not used by the media server.
      } else if (type == 'u' || type == 'e' || type == 'p' || type == 'r' || type == 'z') {
        if (cur_) st = bad_order(std::string(1, type) + "= belongs to the session part");
      } else if (type == 'v' || type == 'o' || type == 's') {
        st = bad_order(std::string(1, type) + "= may appear only once, at the top");
      } else {
        // RFC 8866 §5: a description with a type letter the parser does not
        // understand is ignored or rejected as a whole. Rejected here.
        st = fail("sdp_bad_line", n_, "unknown line type " + quoted(line.substr(0, 1)));
      }
      if (!st) return st.error();
    }
    if (n_ < 3) return fail("sdp_bad_line", n_, "a description needs v=, o= and s= lines");
    if (!has_timing_) return make_error("sdp_bad_timing", "missing t= line");
    if (auto st = finish_media(); !st) return st.error();
    if (auto st = check_groups(); !st) return st.error();
    return std::move(desc_);
  }

 private:
  Status bad_order(std::string message) { return fail("sdp_bad_line", n_, std::move(message)); }

  Status version(std::string_view value) {
    if (value != "0") return fail("sdp_bad_version", n_, "only v=0 exists, got " + quoted(value));
    return ok_status();
  }

  Status origin(std::string_view value) {
    // RFC 8866 §5.2: o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>
    std::array<std::string_view, 6> f;
    if (take_fields(value, f) != 6) {
      return fail("sdp_bad_origin", n_, "o= needs six fields, got " + quoted(value));
    }
    if (f[1].empty() || f[1].size() > 32 || !all_of(f[1], is_digit)) {
      return fail("sdp_bad_origin", n_, "sess-id " + quoted(f[1]) + " is not a number");
    }
    const auto version = parse_uint<std::uint64_t>(f[2], std::numeric_limits<std::uint64_t>::max());
    if (!version) {
      return fail("sdp_bad_origin", n_, "sess-version " + quoted(f[2]) + " is not a 64-bit number");
    }
    desc_.origin = Origin{std::string(f[0]), std::string(f[1]), *version,
                          std::string(f[3]), std::string(f[4]), std::string(f[5])};
    return ok_status();
  }

  Status timing(std::string_view value) {
    std::array<std::string_view, 2> f;
    const auto max = std::numeric_limits<std::uint64_t>::max();
    if (take_fields(value, f) != 2 || !parse_uint<std::uint64_t>(f[0], max) ||
        !parse_uint<std::uint64_t>(f[1], max)) {
      return fail("sdp_bad_timing", n_, "expected t=<start> <stop>, got " + quoted(value));
    }
    has_timing_ = true;
    return ok_status();
  }

  Status media_line(std::string_view value) {
    if (!has_timing_) return fail("sdp_bad_timing", n_, "missing t= line before the first m=");
    if (auto st = finish_media(); !st) return st;
    // RFC 8866 §5.14: m=<media> <port>[/<number of ports>] <proto> <fmt> ...
    const auto fields = count_fields(value);
    if (fields < 4) return fail("sdp_bad_media", n_, "m= needs media, port, proto and formats");
    if (fields - 3 > limits_.max_payload_types) {
      return fail("sdp_too_many_payload_types", n_,
                  std::to_string(fields - 3) + " formats exceed the limit of " +
                      std::to_string(limits_.max_payload_types));
    }
    MediaSection m;
    std::size_t i = 0;
    std::string error;
    bool duplicate_pt = false;
    for_each_field(value, [&](std::string_view f) {
      if (i == 0) {
        if (!is_token(f)) error = "media " + quoted(f) + " is not a token";
        m.media = std::string(f);
      } else if (i == 1) {
        const auto [port_text, count_text, has_count] = split_once(f, '/');
        const auto port = parse_uint<std::uint16_t>(port_text, 65535);
        if (!port || (has_count && !parse_uint<std::uint16_t>(count_text, 65535))) {
          error = "port " + quoted(f) + " is not 0-65535";
        } else {
          m.port = *port;
        }
      } else if (i == 2) {
        if (!is_proto(f)) error = "proto " + quoted(f) + " is not token/token";
        m.proto = std::string(f);
        m.formats.reserve(fields - 3);
        if (m.is_rtp()) m.payload_types.reserve(fields - 3);
      } else {
        if (!is_token(f)) error = "format " + quoted(f) + " is not a token";
        m.formats.emplace_back(f);
        if (error.empty() && m.is_rtp()) {
          const auto pt = parse_pt(f);
          if (!pt) {
            error = "RTP payload type " + quoted(f) + " is not 0-127";
          } else if (m.find_payload_type(*pt)) {
            error = "payload type " + std::to_string(*pt) + " listed twice";
            duplicate_pt = true;
          } else {
            PayloadType p;
            p.pt = *pt;
            m.payload_types.push_back(std::move(p));
          }
        }
      }
      ++i;
      return error.empty();
    });
    if (!error.empty()) {
      return fail(duplicate_pt ? "sdp_duplicate_payload_type" : "sdp_bad_media", n_,
                  std::move(error));
    }
    if (m.media == "audio") {
      m.kind = MediaKind::audio;
    } else if (m.media == "video") {
      m.kind = MediaKind::video;
    } else if (m.media == "application") {
      m.kind = MediaKind::application;
    }
    desc_.media.push_back(std::move(m));
    cur_ = &desc_.media.back();
    wildcard_feedback_.clear();
    return ok_status();
  }

  // Applies what could only be resolved once the whole section was read.
  Status finish_media() {
    if (!cur_) return ok_status();
    for (const auto& fb : wildcard_feedback_) {
      for (auto& p : cur_->payload_types) p.feedback.push_back(fb);
    }
    wildcard_feedback_.clear();
    return ok_status();
  }

  Status duplicate(std::string_view name) {
    return fail("sdp_duplicate_attribute", n_, "a=" + std::string(name) + " given twice");
  }

  Status no_value(std::string_view name, std::string_view value, bool has_value) {
    if (has_value) {
      return fail("sdp_bad_line", n_,
                  "a=" + std::string(name) + " takes no value, got " + quoted(value));
    }
    return ok_status();
  }

  Status ice_credential(std::optional<std::string>& slot, std::string_view name,
                        std::string_view value, bool pwd) {
    if (slot) return duplicate(name);
    if (pwd ? !is_ice_pwd(value) : !is_ice_ufrag(value)) {
      return fail("sdp_bad_ice_credentials", n_,
                  std::string(name) + (pwd ? " must be 22-256" : " must be 4-256") +
                      " characters of A-Z a-z 0-9 + / (RFC 8839 §5.4), got " + quoted(value));
    }
    slot = std::string(value);
    return ok_status();
  }

  Status extmap(std::vector<ExtMap>& list, std::string_view value) {
    auto e = parse_extmap(value, n_);
    if (!e) return e.error();
    for (const auto& x : list) {
      if (x.id == e->id) {
        return fail("sdp_duplicate_attribute", n_,
                    "extension id " + std::to_string(e->id) + " used twice");
      }
    }
    list.push_back(std::move(*e));
    return ok_status();
  }

  Status session_attribute(std::string_view text) {
    const auto [name, value, has_value] = split_once(text, ':');
    if (!is_token(name)) return fail("sdp_bad_line", n_, "bad attribute name " + quoted(name));
    if (name == "group") {
      // RFC 5888 §5: a=group:<semantics> *(SP <identification-tag>)
      Group g;
      bool ok = true;
      std::size_t i = 0;
      g.mids.reserve(count_fields(value));
      for_each_field(value, [&](std::string_view f) {
        if (!is_token(f)) {
          ok = false;
        } else if (i++ == 0) {
          g.semantics = std::string(f);
        } else if (std::find(g.mids.begin(), g.mids.end(), f) != g.mids.end()) {
          ok = false;
        } else {
          g.mids.emplace_back(f);
        }
        return ok;
      });
      if (!ok || g.semantics.empty()) {
        return fail("sdp_bad_group", n_,
                    "expected a=group:<semantics> <mid> ..., with distinct mids");
      }
      desc_.groups.push_back(std::move(g));
    } else if (name == "msid-semantic") {
      desc_.msid_semantic = std::string(trim(value));
    } else if (name == "ice-lite") {
      if (auto st = no_value(name, value, has_value); !st) return st;
      desc_.ice_lite = true;
    } else if (name == "ice-ufrag") {
      return ice_credential(desc_.ice_ufrag, name, value, false);
    } else if (name == "ice-pwd") {
      return ice_credential(desc_.ice_pwd, name, value, true);
    } else if (name == "ice-options") {
      if (!desc_.ice_options.empty()) return duplicate(name);
      auto opts = parse_ice_options(value, n_);
      if (!opts) return opts.error();
      desc_.ice_options = std::move(*opts);
    } else if (name == "fingerprint") {
      auto fp = parse_fingerprint(value, n_);
      if (!fp) return fp.error();
      desc_.fingerprints.push_back(std::move(*fp));
    } else if (name == "setup") {
      if (desc_.setup) return duplicate(name);
      auto role = parse_setup(value, n_);
      if (!role) return role.error();
      desc_.setup = *role;
    } else if (name == "extmap") {
      return extmap(desc_.extmaps, value);
    } else if (name == "extmap-allow-mixed") {
      if (auto st = no_value(name, value, has_value); !st) return st;
      desc_.extmap_allow_mixed = true;
    } else if (name == "end-of-candidates") {
      if (auto st = no_value(name, value, has_value); !st) return st;
      desc_.end_of_candidates = true;
    } else if (const auto dir = direction_from(name)) {
      if (auto st = no_value(name, value, has_value); !st) return st;
      if (desc_.direction) return duplicate("<direction>");
      desc_.direction = dir;
    }
    // Anything else is not used by the media server and is ignored.
    return ok_status();
  }

  PayloadType* payload_type(std::uint8_t pt) {
    for (auto& p : cur_->payload_types) {
      if (p.pt == pt) return &p;
    }
    return nullptr;
  }

  Status rtpmap(std::string_view value) {
    // RFC 8866 §6.6: a=rtpmap:<payload type> <encoding name>/<clock rate>[/<params>]
    const auto [pt_text, rest, has_rest] = split_once(value, ' ');
    const auto pt = parse_pt(pt_text);
    const auto [name, rate_rest, has_rate] = split_once(trim(rest), '/');
    const auto [rate_text, chan_text, has_chan] = split_once(rate_rest, '/');
    if (!pt || !has_rate || name.empty() || !is_token(name)) {
      return fail("sdp_bad_rtpmap", n_,
                  "expected a=rtpmap:<pt> <name>/<clock rate>, got " + quoted(value));
    }
    const auto rate = parse_uint<std::uint32_t>(rate_text, 0xFFFFFFFFu);
    if (!rate || *rate == 0)
      return fail("sdp_bad_rtpmap", n_, "bad clock rate " + quoted(rate_text));
    std::optional<std::uint32_t> channels = 0;
    if (has_chan) {
      channels = parse_uint<std::uint32_t>(chan_text, 255);
      if (!channels || *channels == 0) {
        return fail("sdp_bad_rtpmap", n_, "bad encoding parameters " + quoted(chan_text));
      }
    }
    auto* p = payload_type(*pt);
    // An rtpmap for a format not on the m= line describes nothing: ignored.
    if (!p) return ok_status();
    if (p->rtpmap) return duplicate("rtpmap:" + std::to_string(*pt));
    p->rtpmap = RtpMap{std::string(name), *rate, *channels};
    return ok_status();
  }

  Status fmtp(std::string_view value) {
    // RFC 8866 §6.15: a=fmtp:<format> <format specific parameters>
    const auto [fmt, params, has_params] = split_once(value, ' ');
    const auto pt = parse_pt(fmt);
    if (!pt) return fail("sdp_bad_fmtp", n_, "format " + quoted(fmt) + " is not a payload type");
    auto* p = payload_type(*pt);
    if (!p) return ok_status();
    if (p->fmtp) return duplicate("fmtp:" + std::to_string(*pt));
    const auto text = trim(params);
    p->fmtp = std::string(text);
    add_fmtp_params(*p, text);
    return ok_status();
  }

  Status rtcp_fb(std::string_view value) {
    // RFC 4585 §4.2: a=rtcp-fb:<pt or *> <type> [<parameter>]
    const auto [fmt, rest, has_rest] = split_once(value, ' ');
    const auto [type, param, has_param] = split_once(trim(rest), ' ');
    if (!has_rest || type.empty() || !is_token(type)) {
      return fail("sdp_bad_rtcp_fb", n_, "expected a=rtcp-fb:<pt> <type> [<parameter>]");
    }
    RtcpFeedback fb{std::string(type), std::string(trim(param))};
    if (fmt == "*") {
      wildcard_feedback_.push_back(std::move(fb));
      return ok_status();
    }
    const auto pt = parse_pt(fmt);
    if (!pt) return fail("sdp_bad_rtcp_fb", n_, "format " + quoted(fmt) + " is not a payload type");
    if (auto* p = payload_type(*pt)) p->feedback.push_back(std::move(fb));
    return ok_status();
  }

  Status ssrc(std::string_view value) {
    // RFC 5576 §4.1: a=ssrc:<ssrc-id> <attribute>[:<value>]
    const auto [id_text, rest, has_rest] = split_once(value, ' ');
    const auto id = parse_uint<std::uint32_t>(id_text, 0xFFFFFFFFu);
    const auto [attr, attr_value, has_attr_value] = split_once(trim(rest), ':');
    if (!id || !has_rest || !is_token(attr)) {
      return fail("sdp_bad_ssrc", n_,
                  "expected a=ssrc:<ssrc> <attribute>[:<value>], got " + quoted(value));
    }
    SsrcInfo* info = nullptr;
    for (auto& s : cur_->ssrcs) {
      if (s.ssrc == *id) info = &s;
    }
    if (!info) {
      cur_->ssrcs.push_back(SsrcInfo{*id, {}, {}, {}});
      info = &cur_->ssrcs.back();
    }
    if (attr == "cname") {
      if (attr_value.empty()) return fail("sdp_bad_ssrc", n_, "empty cname");
      if (info->cname.empty()) info->cname = std::string(attr_value);
    } else if (attr == "msid") {
      const auto [stream, track, has_track] = split_once(trim(attr_value), ' ');
      if (!is_msid_id(stream) || (has_track && !is_msid_id(trim(track)))) {
        return fail("sdp_bad_ssrc", n_, "bad msid " + quoted(attr_value));
      }
      if (info->msid_stream.empty()) {
        info->msid_stream = std::string(stream);
        info->msid_track = std::string(trim(track));
      }
    }
    return ok_status();
  }

  Status ssrc_group(std::string_view value) {
    // RFC 5576 §4.2: a=ssrc-group:<semantics> <ssrc-id> ...
    SsrcGroup g;
    bool ok = true;
    std::size_t i = 0;
    g.ssrcs.reserve(count_fields(value));
    for_each_field(value, [&](std::string_view f) {
      if (i++ == 0) {
        ok = is_token(f);
        g.semantics = std::string(f);
      } else {
        const auto id = parse_uint<std::uint32_t>(f, 0xFFFFFFFFu);
        ok = id.has_value();
        if (ok) g.ssrcs.push_back(*id);
      }
      return ok;
    });
    if (!ok || g.ssrcs.empty()) {
      return fail("sdp_bad_ssrc_group", n_,
                  "expected a=ssrc-group:<semantics> <ssrc> ..., got " + quoted(value));
    }
    // RFC 4588 §8.2 / RFC 5576 §4.2: FID pairs an original and its repair stream.
    if (g.semantics == "FID" && g.ssrcs.size() != 2) {
      return fail("sdp_bad_ssrc_group", n_, "a=ssrc-group:FID needs exactly two SSRCs");
    }
    cur_->ssrc_groups.push_back(std::move(g));
    return ok_status();
  }

  Status msid(std::string_view value) {
    // RFC 8830 §2: a=msid:<msid-id> [SP <msid-appdata>]
    std::array<std::string_view, 2> f;
    const auto count = take_fields(value, f);
    if (count < 1 || count > 2 || !is_msid_id(f[0]) || (count == 2 && !is_msid_id(f[1]))) {
      return fail("sdp_bad_msid", n_,
                  "expected a=msid:<stream id> [<track id>], got " + quoted(value));
    }
    cur_->msids.push_back(Msid{std::string(f[0]), count == 2 ? std::string(f[1]) : std::string()});
    return ok_status();
  }

  Status media_attribute(std::string_view text) {
    const auto [name, value, has_value] = split_once(text, ':');
    if (!is_token(name)) return fail("sdp_bad_line", n_, "bad attribute name " + quoted(name));
    auto& m = *cur_;
    if (name == "mid") {
      if (m.mid) return duplicate(name);
      // RFC 5888 §4: identification-tag = token. 64 is this parser's bound.
      if (!is_token(value) || value.size() > 64) {
        return fail("sdp_bad_mid", n_,
                    "mid " + quoted(value) + " is not a token of 1-64 characters");
      }
      for (const auto& other : desc_.media) {
        if (other.mid && *other.mid == value) {
          return fail("sdp_duplicate_mid", n_, "mid " + quoted(value) + " used by two m= sections");
        }
      }
      m.mid = std::string(value);
    } else if (const auto dir = direction_from(name)) {
      if (auto st = no_value(name, value, has_value); !st) return st;
      if (m.direction) return duplicate("<direction>");
      m.direction = dir;
    } else if (name == "rtpmap") {
      if (m.is_rtp()) return rtpmap(value);
    } else if (name == "fmtp") {
      if (m.is_rtp()) return fmtp(value);
    } else if (name == "rtcp-fb") {
      if (m.is_rtp()) return rtcp_fb(value);
    } else if (name == "ice-ufrag") {
      return ice_credential(m.ice_ufrag, name, value, false);
    } else if (name == "ice-pwd") {
      return ice_credential(m.ice_pwd, name, value, true);
    } else if (name == "ice-options") {
      if (!m.ice_options.empty()) return duplicate(name);
      auto opts = parse_ice_options(value, n_);
      if (!opts) return opts.error();
      m.ice_options = std::move(*opts);
    } else if (name == "candidate") {
      // RFC 8839 §5.1; kept raw: an ICE-lite server never checks the
      // client's candidates, it learns the address from its requests.
      if (trim(value).empty()) return fail("sdp_bad_candidate", n_, "empty candidate");
      m.candidates.emplace_back(value);
    } else if (name == "end-of-candidates") {
      if (auto st = no_value(name, value, has_value); !st) return st;
      m.end_of_candidates = true;
    } else if (name == "fingerprint") {
      auto fp = parse_fingerprint(value, n_);
      if (!fp) return fp.error();
      m.fingerprints.push_back(std::move(*fp));
    } else if (name == "setup") {
      if (m.setup) return duplicate(name);
      auto role = parse_setup(value, n_);
      if (!role) return role.error();
      m.setup = *role;
    } else if (name == "rtcp-mux") {
      if (auto st = no_value(name, value, has_value); !st) return st;
      m.rtcp_mux = true;
    } else if (name == "rtcp-mux-only") {
      if (auto st = no_value(name, value, has_value); !st) return st;
      m.rtcp_mux_only = true;
    } else if (name == "rtcp-rsize") {
      if (auto st = no_value(name, value, has_value); !st) return st;
      m.rtcp_rsize = true;
    } else if (name == "bundle-only") {
      if (auto st = no_value(name, value, has_value); !st) return st;
      m.bundle_only = true;
    } else if (name == "extmap") {
      return extmap(m.extmaps, value);
    } else if (name == "ssrc") {
      return ssrc(value);
    } else if (name == "ssrc-group") {
      return ssrc_group(value);
    } else if (name == "msid") {
      return msid(value);
    } else if (name == "rid") {
      auto r = parse_rid(value, n_);
      if (!r) return r.error();
      if (m.find_rid(r->id))
        return fail("sdp_duplicate_attribute", n_, "rid " + quoted(r->id) + " given twice");
      m.rids.push_back(std::move(*r));
    } else if (name == "simulcast") {
      if (m.simulcast) return duplicate(name);
      auto sc = parse_simulcast(value, n_);
      if (!sc) return sc.error();
      m.simulcast = std::move(*sc);
    }
    // Anything else is not used by the media server and is ignored.
    return ok_status();
  }

  Status check_groups() {
    // RFC 5888 §5: every identification-tag names an m= section; RFC 8843
    // §7.1.1 (RFC 9143): an m= section belongs to at most one BUNDLE group.
    std::vector<std::string_view> bundled;
    for (const auto& g : desc_.groups) {
      for (const auto& mid : g.mids) {
        if (!desc_.find_mid(mid)) {
          return make_error("sdp_bad_group", "a=group:" + g.semantics + " names mid " +
                                                 quoted(mid) + " but no m= section has it");
        }
        if (g.semantics != "BUNDLE") continue;
        if (std::find(bundled.begin(), bundled.end(), mid) != bundled.end()) {
          return make_error("sdp_bad_group", "mid " + quoted(mid) + " is in two BUNDLE groups");
        }
        bundled.push_back(mid);
      }
    }
    return ok_status();
  }

  const Limits& limits_;
  SessionDescription desc_;
  MediaSection* cur_ = nullptr;  // points into desc_.media (reserved up front)
  std::vector<RtcpFeedback> wildcard_feedback_;
  std::size_t n_ = 0;
  bool has_timing_ = false;
};

}  // namespace

// ---------------------------------------------------------------------------
// Public helpers
// ---------------------------------------------------------------------------

std::string_view to_string(MediaKind kind) {
  switch (kind) {
    case MediaKind::audio:
      return "audio";
    case MediaKind::video:
      return "video";
    case MediaKind::application:
      return "application";
    case MediaKind::other:
      break;
  }
  return "other";
}

std::string_view to_string(Direction direction) {
  switch (direction) {
    case Direction::sendrecv:
      return "sendrecv";
    case Direction::sendonly:
      return "sendonly";
    case Direction::recvonly:
      return "recvonly";
    case Direction::inactive:
      break;
  }
  return "inactive";
}

std::string_view to_string(SetupRole role) {
  switch (role) {
    case SetupRole::active:
      return "active";
    case SetupRole::passive:
      return "passive";
    case SetupRole::actpass:
      return "actpass";
    case SetupRole::holdconn:
      break;
  }
  return "holdconn";
}

Direction reverse(Direction direction) {
  switch (direction) {
    case Direction::sendonly:
      return Direction::recvonly;
    case Direction::recvonly:
      return Direction::sendonly;
    default:
      return direction;
  }
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool is_token(std::string_view s) {
  return !s.empty() && all_of(s, is_token_char);
}

bool is_uri(std::string_view s) {
  // RFC 3986 characters are all visible ASCII; this checks only that much.
  return !s.empty() && all_of(s, [](char c) { return c > 0x20 && c < 0x7F; });
}

bool is_proto(std::string_view s) {
  // RFC 8866 §9: proto = token *("/" token).
  std::size_t start = 0;
  while (true) {
    const auto end = std::min(s.find('/', start), s.size());
    if (!is_token(s.substr(start, end - start))) return false;
    if (end == s.size()) return true;
    start = end + 1;
  }
}

bool is_ice_ufrag(std::string_view s) {
  return s.size() >= 4 && s.size() <= 256 && all_of(s, is_ice_char);
}

bool is_ice_pwd(std::string_view s) {
  return s.size() >= 22 && s.size() <= 256 && all_of(s, is_ice_char);
}

bool is_rid_id(std::string_view s) {
  // RFC 8851 §10: rid-id = 1*(alpha-numeric / "-" / "_"); 255 is the RTCP
  // SDES item limit (RFC 8852 §3.1).
  return !s.empty() && s.size() <= 255 &&
         all_of(s, [](char c) { return is_alpha(c) || is_digit(c) || c == '-' || c == '_'; });
}

bool is_msid_id(std::string_view s) {
  return s.size() <= 64 && is_token(s);
}

std::optional<std::string_view> PayloadType::param(std::string_view key) const {
  for (const auto& p : fmtp_params) {
    if (iequals(p.key, key)) return std::string_view(p.value);
  }
  return std::nullopt;
}

bool PayloadType::has_feedback(std::string_view type, std::string_view parameter) const {
  for (const auto& fb : feedback) {
    if (fb.type == type && fb.parameter == parameter) return true;
  }
  return false;
}

bool MediaSection::is_rtp() const {
  // RFC 8866 §5.14: RTP/AVP, RTP/SAVPF, UDP/TLS/RTP/SAVPF, TCP/DTLS/RTP/SAVPF...
  return proto.rfind("RTP/", 0) == 0 || proto.find("/RTP/") != std::string::npos;
}

const PayloadType* MediaSection::find_payload_type(std::uint8_t pt) const {
  for (const auto& p : payload_types) {
    if (p.pt == pt) return &p;
  }
  return nullptr;
}

const SsrcInfo* MediaSection::find_ssrc(std::uint32_t ssrc) const {
  for (const auto& s : ssrcs) {
    if (s.ssrc == ssrc) return &s;
  }
  return nullptr;
}

const Rid* MediaSection::find_rid(std::string_view id) const {
  for (const auto& r : rids) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

const Group* SessionDescription::bundle_group() const {
  for (const auto& g : groups) {
    if (g.semantics == "BUNDLE") return &g;
  }
  return nullptr;
}

const MediaSection* SessionDescription::find_mid(std::string_view mid) const {
  for (const auto& m : media) {
    if (m.mid && *m.mid == mid) return &m;
  }
  return nullptr;
}

std::optional<std::string> SessionDescription::effective_ice_ufrag(const MediaSection& m) const {
  return m.ice_ufrag ? m.ice_ufrag : ice_ufrag;
}

std::optional<std::string> SessionDescription::effective_ice_pwd(const MediaSection& m) const {
  return m.ice_pwd ? m.ice_pwd : ice_pwd;
}

const std::vector<Fingerprint>& SessionDescription::effective_fingerprints(
    const MediaSection& m) const {
  return m.fingerprints.empty() ? fingerprints : m.fingerprints;
}

std::optional<SetupRole> SessionDescription::effective_setup(const MediaSection& m) const {
  return m.setup ? m.setup : setup;
}

Direction SessionDescription::effective_direction(const MediaSection& m) const {
  if (m.direction) return *m.direction;
  return direction.value_or(Direction::sendrecv);
}

Expected<SessionDescription> parse(std::string_view text, const Limits& limits) {
  Parser parser(limits);
  return parser.run(text);
}

}  // namespace parley::sdp
