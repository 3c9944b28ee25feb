#include "store/sqlite_store.h"

#include <sqlite3.h>

#include <nlohmann/json.hpp>

namespace parley::store {
namespace {

// Each entry moves the schema from version i to i+1. Never edit a released
// entry: add a new one.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE parties(
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  time_zone TEXT NOT NULL,
  created_at TEXT NOT NULL);
CREATE TABLE members(
  id TEXT PRIMARY KEY,
  party TEXT NOT NULL REFERENCES parties(id),
  name TEXT NOT NULL,
  roles TEXT NOT NULL,
  public_key TEXT NOT NULL UNIQUE,
  enrolled_at TEXT NOT NULL);
CREATE TABLE invitations(
  code_hash TEXT PRIMARY KEY,
  party TEXT NOT NULL REFERENCES parties(id),
  name TEXT NOT NULL,
  roles TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_by TEXT REFERENCES members(id));
CREATE TABLE acts(
  meeting TEXT NOT NULL,
  seq INTEGER NOT NULL CHECK (seq >= 1),
  envelope TEXT NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY (meeting, seq)) WITHOUT ROWID;
)sql",
    // 2: the record of the talks (docs/record.md): the server's settings (its
    // log key) and the parties' cosignatures of checkpoints.
    R"sql(
CREATE TABLE settings(
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE cosignatures(
  meeting TEXT NOT NULL,
  size INTEGER NOT NULL CHECK (size >= 1),
  member TEXT NOT NULL REFERENCES members(id),
  line TEXT NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY (meeting, size, member)) WITHOUT ROWID;
)sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

std::string roles_json(const std::vector<negotiation::Role>& roles) {
  nlohmann::json j = nlohmann::json::array();
  for (auto r : roles) j.push_back(negotiation::role_name(r));
  return j.dump();
}

std::vector<negotiation::Role> parse_roles(const std::string& text) {
  std::vector<negotiation::Role> out;
  for (const auto& r : nlohmann::json::parse(text))
    if (auto role = negotiation::parse_role(r.get<std::string>())) out.push_back(*role);
  return out;
}

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind_null(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  int step() { return sqlite3_step(stmt_); }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string text(int col) const {
    auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col))
             : std::string();
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

Seconds parse_time(const std::string& s) { return parse_utc(s).value_or(Seconds{}); }

class SqliteStore final : public Store {
 public:
  SqliteStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteStore() override { sqlite3_close_v2(db_); }

  std::string describe() const override { return "sqlite:" + path_; }

  Status exec(const char* sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string m = msg ? msg : sqlite3_errmsg(db_);
      sqlite3_free(msg);
      return make_error("store_unavailable", "sqlite: " + m);
    }
    return ok_status();
  }

  Status migrate() {
    Statement v(db_, "PRAGMA user_version");
    if (!v.ok() || v.step() != SQLITE_ROW) return fail();
    auto version = v.integer(0);
    if (version > kSchemaVersion)
      return make_error("store_unavailable", "database schema " + std::to_string(version) +
                                                 " is newer than this parleyd (" +
                                                 std::to_string(kSchemaVersion) + ")");
    for (auto i = version; i < kSchemaVersion; ++i) {
      if (auto s = exec("BEGIN IMMEDIATE"); !s) return s;
      auto s = exec(kMigrations[i]);
      if (s) s = exec(("PRAGMA user_version = " + std::to_string(i + 1)).c_str());
      if (!s) {
        (void)exec("ROLLBACK");
        return s;
      }
      if (auto c = exec("COMMIT"); !c) return c;
    }
    return ok_status();
  }

  Expected<Snapshot> load() override {
    Snapshot snap;
    {
      Statement q(db_, "SELECT id, name, time_zone, created_at FROM parties ORDER BY created_at, id");
      if (!q.ok()) return fail();
      while (q.step() == SQLITE_ROW)
        snap.parties.push_back({q.text(0), q.text(1), q.text(2), parse_time(q.text(3))});
    }
    {
      Statement q(db_,
                  "SELECT id, party, name, roles, public_key, enrolled_at FROM members ORDER BY id");
      if (!q.ok()) return fail();
      while (q.step() == SQLITE_ROW) {
        MemberRow row;
        row.member.id = q.text(0);
        row.member.party = q.text(1);
        row.member.name = q.text(2);
        row.member.roles = parse_roles(q.text(3));
        auto key = crypto::parse_public_key(q.text(4));
        if (!key) return make_error("store_corrupt", "member " + row.member.id + " has a bad key");
        row.member.key = *key;
        row.enrolled_at = parse_time(q.text(5));
        snap.members.push_back(std::move(row));
      }
    }
    {
      Statement q(db_,
                  "SELECT code_hash, party, name, roles, created_at, expires_at, used_by "
                  "FROM invitations");
      if (!q.ok()) return fail();
      while (q.step() == SQLITE_ROW) {
        InvitationRow row{q.text(0), q.text(1), q.text(2), parse_roles(q.text(3)),
                          parse_time(q.text(4)), parse_time(q.text(5)), std::nullopt};
        if (!q.is_null(6)) row.used_by = q.text(6);
        snap.invitations.push_back(std::move(row));
      }
    }
    {
      Statement q(db_, "SELECT meeting, seq, envelope, received_at FROM acts ORDER BY meeting, seq");
      if (!q.ok()) return fail();
      while (q.step() == SQLITE_ROW)
        snap.acts.push_back({q.text(0), q.integer(1), q.text(2), parse_time(q.text(3))});
    }
    {
      Statement q(db_, "SELECT name, value FROM settings ORDER BY name");
      if (!q.ok()) return fail();
      while (q.step() == SQLITE_ROW) snap.settings.push_back({q.text(0), q.text(1)});
    }
    {
      Statement q(db_,
                  "SELECT meeting, size, member, line, received_at FROM cosignatures "
                  "ORDER BY meeting, size, member");
      if (!q.ok()) return fail();
      while (q.step() == SQLITE_ROW)
        snap.cosignatures.push_back(
            {q.text(0), q.integer(1), q.text(2), q.text(3), parse_time(q.text(4))});
    }
    return snap;
  }

  Status commit(std::span<const Mutation> mutations) override {
    if (auto s = exec("BEGIN IMMEDIATE"); !s) return s;
    for (const auto& m : mutations) {
      if (auto s = std::visit([this](const auto& row) { return write(row); }, m); !s) {
        (void)exec("ROLLBACK");
        return s;
      }
    }
    return exec("COMMIT");  // synchronous=FULL: durable when this returns
  }

 private:
  Error fail() const { return make_error("store_unavailable", std::string("sqlite: ") + sqlite3_errmsg(db_)); }

  Status step_done(Statement& s) {
    if (!s.ok() || s.step() != SQLITE_DONE) return fail();
    return ok_status();
  }

  Status write(const PartyRow& r) {
    Statement s(db_, "INSERT INTO parties(id, name, time_zone, created_at) VALUES (?,?,?,?)");
    s.bind(1, r.id).bind(2, r.name).bind(3, r.time_zone).bind(4, format_utc(r.created_at));
    return step_done(s);
  }
  Status write(const InvitationRow& r) {
    Statement s(db_,
                "INSERT INTO invitations(code_hash, party, name, roles, created_at, expires_at) "
                "VALUES (?,?,?,?,?,?)");
    s.bind(1, r.code_hash).bind(2, r.party).bind(3, r.name).bind(4, roles_json(r.roles));
    s.bind(5, format_utc(r.created_at)).bind(6, format_utc(r.expires_at));
    return step_done(s);
  }
  Status write(const Enrollment& e) {
    const auto& m = e.member.member;
    Statement ins(db_,
                  "INSERT INTO members(id, party, name, roles, public_key, enrolled_at) "
                  "VALUES (?,?,?,?,?,?)");
    ins.bind(1, m.id).bind(2, m.party).bind(3, m.name).bind(4, roles_json(m.roles));
    ins.bind(5, base64url_encode(m.key)).bind(6, format_utc(e.member.enrolled_at));
    if (auto s = step_done(ins); !s) return s;
    Statement use(db_, "UPDATE invitations SET used_by = ? WHERE code_hash = ? AND used_by IS NULL");
    use.bind(1, m.id).bind(2, e.code_hash);
    if (auto s = step_done(use); !s) return s;
    if (sqlite3_changes(db_) != 1) return make_error("conflict", "invitation already used");
    return ok_status();
  }
  Status write(const ActRow& r) {
    // The log has no gaps: act n goes in only after act n-1, whatever happened
    // to an earlier transaction (the service validated n on top of n-1).
    Statement s(db_,
                "INSERT INTO acts(meeting, seq, envelope, received_at) SELECT ?1, ?2, ?3, ?4 "
                "WHERE ?2 = 1 OR EXISTS (SELECT 1 FROM acts WHERE meeting = ?1 AND seq = ?2 - 1)");
    s.bind(1, r.meeting).bind(2, r.seq).bind(3, r.envelope).bind(4, format_utc(r.received_at));
    if (auto st = step_done(s); !st) return st;
    if (sqlite3_changes(db_) != 1)
      return make_error("store_unavailable", "act " + std::to_string(r.seq) + " of " + r.meeting +
                                                 " follows an act that was not stored");
    return ok_status();
  }

  Status write(const SettingRow& r) {
    // A plain INSERT: settings are written once (a second log key would
    // orphan every checkpoint signed with the first).
    Statement s(db_, "INSERT INTO settings(name, value) VALUES (?,?)");
    s.bind(1, r.name).bind(2, r.value);
    if (!s.ok()) return fail();
    const int rc = s.step();
    if (rc == SQLITE_CONSTRAINT) return make_error("conflict", "setting " + r.name + " is already stored");
    if (rc != SQLITE_DONE) return fail();
    return ok_status();
  }
  Status write(const CosignatureRow& r) {
    // Only a size the log has: the act at `size` must be stored already. A
    // member cosigning the same size again replaces their line.
    Statement s(db_,
                "INSERT INTO cosignatures(meeting, size, member, line, received_at) "
                "SELECT ?1, ?2, ?3, ?4, ?5 "
                "WHERE EXISTS (SELECT 1 FROM acts WHERE meeting = ?1 AND seq = ?2) "
                "ON CONFLICT(meeting, size, member) DO UPDATE SET line = excluded.line, "
                "received_at = excluded.received_at");
    s.bind(1, r.meeting).bind(2, r.size).bind(3, r.member).bind(4, r.line);
    s.bind(5, format_utc(r.received_at));
    if (auto st = step_done(s); !st) return st;
    if (sqlite3_changes(db_) != 1)
      return make_error("store_unavailable", "cosignature of " + r.meeting + " at size " +
                                                 std::to_string(r.size) + " names no stored act");
    return ok_status();
  }

  sqlite3* db_;  // Allocated by this.
  std::string path_;
};

}  // namespace

Expected<std::unique_ptr<Store>> open_sqlite(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return make_error("store_unavailable", "cannot open " + file.string() + ": " + msg);
  }
  auto store = std::make_unique<SqliteStore>(db, file.string());
  // WAL + synchronous=FULL: every COMMIT is fsynced to the WAL before it
  // returns, so an acknowledged write survives kill -9 and power loss.
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                             "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000"}) {
    if (auto s = store->exec(pragma); !s) return s.error();
  }
  if (auto s = store->migrate(); !s) return s.error();
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace parley::store
