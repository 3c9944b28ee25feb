#pragma once
// The embedded SQLite store: WAL journal, synchronous=FULL (a commit is on
// disk before commit() returns), schema migrations tracked in user_version.
// Not thread-safe: one thread at a time (the service's writer thread).

#include <filesystem>

#include "store/store.h"

namespace parley::store {

// Opens (creating if needed) <dir>/parley.db and migrates it to the current
// schema. Errors: "store_unavailable" with SQLite's message.
Expected<std::unique_ptr<Store>> open_sqlite(const std::filesystem::path& file);

inline constexpr int kSchemaVersion = 2;

}  // namespace parley::store
