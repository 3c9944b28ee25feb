#pragma once
// Errors that input can cause are values (Error inside Expected<T>), never
// exceptions. Each has a stable machine-readable code (listed in
// docs/api/errors.md); the HTTP status for a code is decided in exactly one
// place, server/errors.cpp.

#include <string>
#include <utility>
#include <variant>

namespace parley {

struct Error {
  std::string code;     // stable, snake_case, e.g. "stale_sequence"
  std::string message;  // for people; may change between versions
};

inline Error make_error(std::string code, std::string message) {
  return Error{std::move(code), std::move(message)};
}

// A value or an Error. Minimal stand-in for C++23 std::expected.
template <class T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Expected(Error error) : v_(std::move(error)) {}      // NOLINT: implicit by design
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Expected<Ok>;
inline Status ok_status() { return Ok{}; }

}  // namespace parley
