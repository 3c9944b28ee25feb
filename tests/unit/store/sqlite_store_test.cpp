// The SQLite store's schema migrations and the record's rows (settings,
// cosignatures): a database made by an earlier parleyd opens, keeps its rows
// and gains the new tables; the new rows are stored atomically and durably.

#include "store/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "crypto/identity_key.h"

namespace parley::store {
namespace {

Seconds at(int s) {
  return Seconds{std::chrono::seconds{s}};
}

// Schema 1 as the first released parleyd made it (sqlite_store.cpp, migration 0).
constexpr const char* kSchema1 = R"sql(
CREATE TABLE parties(id TEXT PRIMARY KEY, name TEXT NOT NULL, time_zone TEXT NOT NULL,
  created_at TEXT NOT NULL);
CREATE TABLE members(id TEXT PRIMARY KEY, party TEXT NOT NULL REFERENCES parties(id),
  name TEXT NOT NULL, roles TEXT NOT NULL, public_key TEXT NOT NULL UNIQUE, enrolled_at TEXT NOT NULL);
CREATE TABLE invitations(code_hash TEXT PRIMARY KEY, party TEXT NOT NULL REFERENCES parties(id),
  name TEXT NOT NULL, roles TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL,
  used_by TEXT REFERENCES members(id));
CREATE TABLE acts(meeting TEXT NOT NULL, seq INTEGER NOT NULL CHECK (seq >= 1),
  envelope TEXT NOT NULL, received_at TEXT NOT NULL, PRIMARY KEY (meeting, seq)) WITHOUT ROWID;
PRAGMA user_version = 1;
)sql";

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::init();
    std::string tmpl = (std::filesystem::temp_directory_path() / "parley-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    file_ = dir_ / "parley.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void exec_raw(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file_.c_str(), &db), SQLITE_OK);
    char* msg = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
    std::string error = msg ? msg : "";
    sqlite3_free(msg);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << error;
  }

  int user_version() {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(file_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr);
    int v = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return v;
  }

  // A schema-1 database with one party, one member and two acts of a meeting.
  void make_schema1_database() {
    key_ = base64url_encode(crypto::SecretKey::generate().public_key());
    exec_raw(std::string(kSchema1) +
             "INSERT INTO parties VALUES ('east', 'East', 'Europe/Moscow', '2026-01-01T00:00:00Z');"
             "INSERT INTO members VALUES ('mbr_1', 'east', 'Irina', '[\"negotiator\"]', '" +
             key_ +
             "', '2026-01-01T00:00:00Z');"
             "INSERT INTO acts VALUES ('mtg_00000001', 1, '{\"a\":1}', '2026-01-02T00:00:00Z');"
             "INSERT INTO acts VALUES ('mtg_00000001', 2, '{\"a\":2}', '2026-01-02T00:00:01Z');");
  }

  std::filesystem::path dir_;
  std::filesystem::path file_;
  std::string key_;
};

TEST_F(SqliteStoreTest, MigratesASchema1DatabaseAndKeepsItsRows) {
  make_schema1_database();
  auto store = open_sqlite(file_);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ(user_version(), kSchemaVersion);
  auto snap = (*store)->load();
  ASSERT_TRUE(snap) << snap.error().message;
  ASSERT_EQ(snap->parties.size(), 1u);
  ASSERT_EQ(snap->members.size(), 1u);
  EXPECT_EQ(base64url_encode(snap->members[0].member.key), key_);
  ASSERT_EQ(snap->acts.size(), 2u);
  EXPECT_EQ(snap->acts[1].envelope, "{\"a\":2}");
  EXPECT_TRUE(snap->settings.empty());
  EXPECT_TRUE(snap->cosignatures.empty());
}

TEST_F(SqliteStoreTest, SettingsAndCosignaturesAreStoredAndReloaded) {
  make_schema1_database();
  {
    auto store = open_sqlite(file_);
    ASSERT_TRUE(store) << store.error().message;
    std::vector<Mutation> m{
        SettingRow{"log_key", "c2VlZA"},
        CosignatureRow{"mtg_00000001", 2, "mbr_1", "\xE2\x80\x94 x/member/mbr_1 AAAA", at(60)}};
    ASSERT_TRUE((*store)->commit(m));
    // The same member cosigning the same size again replaces the line.
    std::vector<Mutation> again{CosignatureRow{"mtg_00000001", 2, "mbr_1", "line 2", at(61)}};
    ASSERT_TRUE((*store)->commit(again));
  }
  auto store = open_sqlite(file_);  // a new connection: what is on disk
  ASSERT_TRUE(store);
  auto snap = (*store)->load();
  ASSERT_TRUE(snap);
  ASSERT_EQ(snap->settings.size(), 1u);
  EXPECT_EQ(snap->settings[0].name, "log_key");
  EXPECT_EQ(snap->settings[0].value, "c2VlZA");
  ASSERT_EQ(snap->cosignatures.size(), 1u);
  const auto& c = snap->cosignatures[0];
  EXPECT_EQ(c.meeting, "mtg_00000001");
  EXPECT_EQ(c.size, 2);
  EXPECT_EQ(c.member, "mbr_1");
  EXPECT_EQ(c.line, "line 2");
  EXPECT_EQ(c.received_at, at(61));
}

TEST_F(SqliteStoreTest, RefusesACosignatureOfASizeTheLogDoesNotHaveAndStoresNothing) {
  make_schema1_database();
  auto store = open_sqlite(file_);
  ASSERT_TRUE(store);
  std::vector<Mutation> m{SettingRow{"log_key", "c2VlZA"},
                          CosignatureRow{"mtg_00000001", 3, "mbr_1", "line", at(60)}};
  auto s = (*store)->commit(m);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "store_unavailable");
  std::vector<Mutation> unknown_member{CosignatureRow{"mtg_00000001", 1, "mbr_2", "line", at(60)}};
  EXPECT_FALSE((*store)->commit(unknown_member));  // foreign key
  auto snap = (*store)->load();
  ASSERT_TRUE(snap);
  EXPECT_TRUE(snap->settings.empty());  // the whole transaction was rolled back
  EXPECT_TRUE(snap->cosignatures.empty());
}

TEST_F(SqliteStoreTest, ASettingIsWrittenOnce) {
  auto store = open_sqlite(file_);  // a new database: every migration at once
  ASSERT_TRUE(store);
  EXPECT_EQ(user_version(), kSchemaVersion);
  std::vector<Mutation> first{SettingRow{"log_key", "one"}};
  ASSERT_TRUE((*store)->commit(first));
  std::vector<Mutation> second{SettingRow{"log_key", "two"}};
  auto s = (*store)->commit(second);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "conflict");
  auto snap = (*store)->load();
  ASSERT_TRUE(snap);
  ASSERT_EQ(snap->settings.size(), 1u);
  EXPECT_EQ(snap->settings[0].value, "one");
}

TEST_F(SqliteStoreTest, RefusesADatabaseNewerThanThisBinary) {
  exec_raw("PRAGMA user_version = " + std::to_string(kSchemaVersion + 1) + ";");
  auto store = open_sqlite(file_);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, "store_unavailable");
}

}  // namespace
}  // namespace parley::store
