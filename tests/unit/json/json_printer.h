#pragma once
// Lets GoogleTest print nlohmann::json values as JSON text. Without it gtest
// treats a json as a container of json and recurses without end on failure.

#include <nlohmann/json.hpp>
#include <ostream>

namespace nlohmann {
inline void PrintTo(const json& value, std::ostream* os) {
  *os << value.dump();
}
}  // namespace nlohmann
