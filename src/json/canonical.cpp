#include "json/canonical.h"

#include <charconv>
#include <stdexcept>

namespace parley::json {
namespace {

class Parser {
 public:
  Parser(std::string_view text, const ParseLimits& limits) : s_(text), limits_(limits) {}

  Expected<Json> run() {
    if (s_.size() > limits_.max_bytes)
      return make_error("payload_too_large", "JSON text exceeds the size limit");
    skip_ws();
    Json v;
    if (!value(v, 0)) return err_;
    skip_ws();
    if (pos_ != s_.size()) return fail("invalid_json", "trailing characters after the value");
    return v;
  }

 private:
  std::string_view s_;
  ParseLimits limits_;
  std::size_t pos_ = 0;
  Error err_;

  bool fail_b(std::string code, std::string msg) {
    err_ = make_error(std::move(code), msg + " at byte " + std::to_string(pos_));
    return false;
  }
  Error fail(std::string code, std::string msg) {
    fail_b(std::move(code), std::move(msg));
    return err_;
  }

  void skip_ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }
  bool eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool value(Json& out, std::size_t depth) {
    if (depth > limits_.max_depth) return fail_b("too_deep", "nesting exceeds the depth limit");
    if (pos_ >= s_.size()) return fail_b("invalid_json", "unexpected end of input");
    char c = s_[pos_];
    if (c == '{') return object(out, depth);
    if (c == '[') return array(out, depth);
    if (c == '"') {
      std::string str;
      if (!string(str)) return false;
      out = std::move(str);
      return true;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return number(out);
    if (literal("true")) {
      out = true;
      return true;
    }
    if (literal("false")) {
      out = false;
      return true;
    }
    if (literal("null")) {
      out = nullptr;
      return true;
    }
    return fail_b("invalid_json", "unexpected character");
  }

  bool object(Json& out, std::size_t depth) {
    ++pos_;  // '{'
    out = Json::object();
    skip_ws();
    if (eat('}')) return true;
    for (;;) {
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != '"') return fail_b("invalid_json", "expected a key");
      std::string key;
      if (!string(key)) return false;
      for (unsigned char ch : key)
        if (ch >= 0x80) return fail_b("non_ascii_key", "object keys must be ASCII");
      if (out.contains(key)) return fail_b("duplicate_key", "duplicate key \"" + key + "\"");
      skip_ws();
      if (!eat(':')) return fail_b("invalid_json", "expected ':'");
      skip_ws();
      Json member;
      if (!value(member, depth + 1)) return false;
      out.emplace(std::move(key), std::move(member));
      skip_ws();
      if (eat('}')) return true;
      if (!eat(',')) return fail_b("invalid_json", "expected ',' or '}'");
    }
  }

  bool array(Json& out, std::size_t depth) {
    ++pos_;  // '['
    out = Json::array();
    skip_ws();
    if (eat(']')) return true;
    for (;;) {
      skip_ws();
      Json item;
      if (!value(item, depth + 1)) return false;
      out.push_back(std::move(item));
      skip_ws();
      if (eat(']')) return true;
      if (!eat(',')) return fail_b("invalid_json", "expected ',' or ']'");
    }
  }

  bool number(Json& out) {
    std::size_t start = pos_;
    bool negative = eat('-');
    if (pos_ >= s_.size()) return fail_b("invalid_json", "bad number");
    if (s_[pos_] == '0') {
      ++pos_;
    } else if (s_[pos_] >= '1' && s_[pos_] <= '9') {
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    } else {
      return fail_b("invalid_json", "bad number");
    }
    if (pos_ < s_.size() && (s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E'))
      return fail_b("unsafe_number", "only integers are allowed");
    std::string_view digits = s_.substr(start, pos_ - start);
    if (digits.size() > 17) return fail_b("unsafe_number", "integer outside ±(2^53-1)");
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc() || p != digits.data() + digits.size() || v > kMaxSafeInteger ||
        v < -kMaxSafeInteger)
      return fail_b("unsafe_number", "integer outside ±(2^53-1)");
    if (negative && v == 0) return fail_b("unsafe_number", "negative zero");
    out = v;
    return true;
  }

  bool hex4(std::uint32_t& out) {
    if (pos_ + 4 > s_.size()) return fail_b("invalid_json", "short \\u escape");
    out = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_++];
      int d = (c >= '0' && c <= '9')   ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : -1;
      if (d < 0) return fail_b("invalid_json", "bad \\u escape");
      out = out * 16 + static_cast<std::uint32_t>(d);
    }
    return true;
  }

  static void put_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // One UTF-8 sequence, validated per RFC 3629 §4 (no overlongs, no
  // surrogates, nothing above U+10FFFF).
  bool utf8(std::string& out) {
    auto b0 = static_cast<unsigned char>(s_[pos_]);
    int len = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 0;
    if (len == 0 || b0 > 0xF4 || pos_ + len > s_.size())
      return fail_b("invalid_json", "invalid UTF-8");
    std::uint32_t cp = b0 & (0xFF >> (len + 1));
    for (int i = 1; i < len; ++i) {
      auto b = static_cast<unsigned char>(s_[pos_ + i]);
      if ((b & 0xC0) != 0x80) return fail_b("invalid_json", "invalid UTF-8");
      cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return fail_b("invalid_json", "invalid UTF-8");
    out.append(s_.substr(pos_, len));
    pos_ += len;
    return true;
  }

  bool string(std::string& out) {
    ++pos_;  // opening quote
    for (;;) {
      if (pos_ >= s_.size()) return fail_b("invalid_json", "unterminated string");
      auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return fail_b("invalid_json", "control character in string");
      if (c >= 0x80) {
        if (!utf8(out)) return false;
        continue;
      }
      if (c != '\\') {
        out += static_cast<char>(c);
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= s_.size()) return fail_b("invalid_json", "unterminated escape");
      char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return fail_b("invalid_json", "lone low surrogate");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            std::uint32_t lo;
            if (!(eat('\\') && eat('u')) || !hex4(lo) || lo < 0xDC00 || lo > 0xDFFF)
              return fail_b("invalid_json", "lone high surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          put_utf8(out, cp);
          break;
        }
        default:
          return fail_b("invalid_json", "bad escape");
      }
    }
  }
};

void write_string(std::string& out, const std::string& s) {
  // RFC 8785 §3.2.2.2: escape '"', '\\' and controls; \b \t \n \f \r by name,
  // other controls as \u00xx (lowercase hex); everything else verbatim.
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void write(std::string& out, const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: out += "null"; break;
    case Json::value_t::boolean: out += v.get<bool>() ? "true" : "false"; break;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: {
      // Within ±(2^53-1) ECMAScript's Number-to-String equals plain decimal.
      std::int64_t n = v.is_number_unsigned() ? static_cast<std::int64_t>(v.get<std::uint64_t>())
                                              : v.get<std::int64_t>();
      if (n > kMaxSafeInteger || n < -kMaxSafeInteger || (v.is_number_unsigned() &&
                                                           v.get<std::uint64_t>() > kMaxSafeInteger))
        throw std::logic_error("canonicalize: integer outside the safe range");
      out += std::to_string(n);
      break;
    }
    case Json::value_t::string: write_string(out, v.get_ref<const std::string&>()); break;
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v) {
        if (!first) out += ',';
        first = false;
        write(out, item);
      }
      out += ']';
      break;
    }
    case Json::value_t::object: {
      // nlohmann::json keeps object members in a std::map: sorted by bytes,
      // which for ASCII keys is RFC 8785's UTF-16 code unit order.
      out += '{';
      bool first = true;
      for (const auto& [key, item] : v.items()) {
        for (unsigned char ch : key)
          if (ch >= 0x80) throw std::logic_error("canonicalize: non-ASCII key");
        if (!first) out += ',';
        first = false;
        write_string(out, key);
        out += ':';
        write(out, item);
      }
      out += '}';
      break;
    }
    default:
      throw std::logic_error("canonicalize: value outside the safe subset");
  }
}

}  // namespace

Expected<Json> parse_strict(std::string_view text, const ParseLimits& limits) {
  return Parser(text, limits).run();
}

std::string canonicalize(const Json& value) {
  std::string out;
  write(out, value);
  return out;
}

}  // namespace parley::json
