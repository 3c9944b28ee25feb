// negotiation_bench: how many signed acts per second a real parleyd commits
// durably, at several client concurrencies, next to the raw durable-commit
// rate of SQLite on the same disk (one row per fsync'd transaction).
//
// The ratio between the two is the point: group commit lets many requests
// share one fsync, so with enough concurrent clients parleyd should commit at
// least half as many acts per second as a bare one-row-per-transaction loop,
// and may commit more. bench/README.md explains how to run it.
//
// Everything is started and torn down here: a temporary directory under
// /tmp (or --tmp-dir) holds parleyd's data dir, its log and the raw SQLite
// database, so both measurements hit the same filesystem.

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <latch>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "client/http_client.h"
#include "common/encoding.h"
#include "common/time.h"
#include "crypto/identity_key.h"
#include "negotiation/act.h"

namespace fs = std::filesystem;
using parley::Error;
using parley::Expected;
using parley::make_error;
using parley::Status;
using parley::client::HttpClient;
using parley::json::Json;
using SteadyClock = std::chrono::steady_clock;

namespace {

// The two titles every propose alternates between, so each one changes the
// value (an unchanged value is refused as "unchanged_value").
constexpr const char* kTitles[2] = {"Benchmark talks, round A", "Benchmark talks, round B"};
constexpr std::size_t kRawEnvelopeBytes = 600;

// ---------------------------------------------------------------- options

struct Options {
  fs::path parleyd;
  fs::path tmp_root = "/tmp";
  int seconds = 5;
  std::vector<int> levels = {1, 16, 64};
  std::string json_path;
};

void usage(std::ostream& out) {
  out << "usage: negotiation_bench [--parleyd PATH] [--seconds N] [--levels 1,16,64] [--json FILE]\n"
         "                         [--tmp-dir DIR]\n"
         "  --parleyd PATH  parleyd binary (default: ../src/app/parleyd next to this binary)\n"
         "  --seconds N     seconds per concurrency level and for the raw SQLite rate (default 5)\n"
         "  --levels LIST   comma-separated client counts (default 1,16,64)\n"
         "  --json FILE     also write the results as JSON\n"
         "  --tmp-dir DIR   where the temporary data dir goes (default /tmp)\n";
}

std::optional<int> parse_positive(const std::string& s) {
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || v < 1 || v > 100000) return std::nullopt;
  return static_cast<int>(v);
}

fs::path default_parleyd() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "parleyd";
  return (self.parent_path() / ".." / "src" / "app" / "parleyd").lexically_normal();
}

Expected<Options> parse_args(int argc, char** argv) {
  Options o;
  o.parleyd = default_parleyd();
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    if (arg == "--help" || arg == "-h") return make_error("help", "");
    auto v = value();
    if (!v) return make_error("usage", arg + " needs a value");
    if (arg == "--parleyd") {
      o.parleyd = *v;
    } else if (arg == "--tmp-dir") {
      o.tmp_root = *v;
    } else if (arg == "--json") {
      o.json_path = *v;
    } else if (arg == "--seconds") {
      auto n = parse_positive(*v);
      if (!n) return make_error("usage", "--seconds takes a positive integer");
      o.seconds = *n;
    } else if (arg == "--levels") {
      o.levels.clear();
      std::stringstream ss(*v);
      std::string item;
      while (std::getline(ss, item, ',')) {
        auto n = parse_positive(item);
        if (!n || *n > 1000) return make_error("usage", "--levels takes client counts from 1 to 1000, e.g. 1,16,64");
        o.levels.push_back(*n);
      }
      if (o.levels.empty()) return make_error("usage", "--levels is empty");
    } else {
      return make_error("usage", "unknown option " + arg);
    }
  }
  return o;
}

// ---------------------------------------------------------------- helpers

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string tail(const std::string& text, std::size_t max_bytes) {
  return text.size() <= max_bytes ? text : "..." + text.substr(text.size() - max_bytes);
}

// Parses a body without exceptions; a discarded value means "not JSON".
Json parse_body(const std::string& body) { return Json::parse(body, nullptr, false); }

std::optional<std::string> string_field(const Json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<std::int64_t> int_field(const Json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

std::string describe(const Expected<parley::client::Response>& r) {
  if (!r) return r.error().code + ": " + r.error().message;
  std::string body = r->body;
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
  return "HTTP " + std::to_string(r->status) + " " + tail(body, 300);
}

double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(q * static_cast<double>(sorted.size()));
  return sorted[std::min(rank, sorted.size() - 1)];
}

// ---------------------------------------------------------------- temp dir + parleyd

// Owns the temporary directory tree; removes it on destruction.
class TempRoot {
 public:
  static Expected<TempRoot> create(const fs::path& parent) {
    std::string templ = (parent / "parley-bench-XXXXXX").string();
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data()))
      return make_error("io_error", "mkdtemp in " + parent.string() + ": " + std::strerror(errno));
    return TempRoot(fs::path(buf.data()));
  }
  TempRoot(TempRoot&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  TempRoot(const TempRoot&) = delete;
  TempRoot& operator=(const TempRoot&) = delete;
  TempRoot& operator=(TempRoot&&) = delete;
  ~TempRoot() {
    if (path_.empty()) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  explicit TempRoot(fs::path p) : path_(std::move(p)) {}
  fs::path path_;
};

// A parleyd child process; SIGTERM and reaped on destruction.
class Parleyd {
 public:
  // Forks before any thread of ours exists, so the child can exec safely.
  static Expected<std::unique_ptr<Parleyd>> start(const fs::path& binary, const fs::path& data_dir,
                                                  const fs::path& log_path) {
    if (::access(binary.c_str(), X_OK) != 0)
      return make_error("setup", "cannot execute parleyd at " + binary.string() + " (use --parleyd)");
    int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (log_fd < 0) return make_error("io_error", "cannot open " + log_path.string());
    std::string bin = binary.string(), dir = data_dir.string();
    pid_t pid = ::fork();
    if (pid < 0) {
      ::close(log_fd);
      return make_error("setup", std::string("fork: ") + std::strerror(errno));
    }
    if (pid == 0) {
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
      const char* args[] = {bin.c_str(), "--data-dir", dir.c_str(), "--port", "0", nullptr};
      ::execv(bin.c_str(), const_cast<char* const*>(args));
      std::fprintf(stderr, "exec %s: %s\n", bin.c_str(), std::strerror(errno));
      ::_exit(127);
    }
    ::close(log_fd);
    auto p = std::unique_ptr<Parleyd>(new Parleyd(pid, log_path));
    if (auto s = p->await_url(); !s) return s.error();
    return p;
  }
  ~Parleyd() { (void)stop(); }
  Parleyd(const Parleyd&) = delete;
  Parleyd& operator=(const Parleyd&) = delete;

  const std::string& url() const { return url_; }
  std::string log() const { return read_text(log_path_); }

  // User + system CPU seconds the server has used so far (/proc/PID/stat).
  double cpu_seconds() const {
    std::string stat = read_text("/proc/" + std::to_string(pid_) + "/stat");
    auto paren = stat.rfind(')');  // the command name may contain spaces
    if (paren == std::string::npos) return 0;
    std::stringstream ss(stat.substr(paren + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && ss >> field; ++i) {
      if (i == 14) utime = std::strtod(field.c_str(), nullptr);
      if (i == 15) stime = std::strtod(field.c_str(), nullptr);
    }
    return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }

  // SIGTERM, then up to 30 s for a clean exit (it drains the commit queue),
  // then SIGKILL. Returns the exit status as waitpid reports it.
  int stop() {
    if (pid_ <= 0) return exit_status_;
    ::kill(pid_, SIGTERM);
    auto deadline = SteadyClock::now() + std::chrono::seconds(30);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (SteadyClock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
    exit_status_ = status;
    return status;
  }

 private:
  Parleyd(pid_t pid, fs::path log_path) : pid_(pid), log_path_(std::move(log_path)) {}

  // parleyd logs `event=listening url=http://127.0.0.1:PORT` once bound.
  Status await_url() {
    constexpr std::string_view kMarker = "event=listening url=";
    auto deadline = SteadyClock::now() + std::chrono::seconds(30);
    while (SteadyClock::now() < deadline) {
      std::string text = log();
      if (auto at = text.rfind(kMarker); at != std::string::npos) {
        auto begin = at + kMarker.size();
        auto end = text.find_first_of(" \t\r\n", begin);
        url_ = text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
        if (end != std::string::npos) return parley::ok_status();  // the whole line is there
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exit_status_ = status;
        return make_error("setup", "parleyd exited during start-up:\n" + tail(text, 2000));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return make_error("setup", "parleyd did not report its URL within 30 s:\n" + tail(log(), 2000));
  }

  pid_t pid_;
  int exit_status_ = 0;
  fs::path log_path_;
  std::string url_;
};

// ---------------------------------------------------------------- setup through the API

// One enrolled negotiator of party east with its own meeting. The meeting
// position (length, head) follows the server's last answer.
struct Negotiator {
  explicit Negotiator(parley::crypto::SecretKey k) : key(std::move(k)) {}
  parley::crypto::SecretKey key;
  std::string id;
  std::string token;
  std::string meeting;
  std::int64_t length = 0;
  std::string head;
  std::uint64_t proposals = 0;  // picks the next title
};

// Requests during setup: any answer other than `expect` is fatal.
Expected<Json> call(HttpClient& http, const std::string& method, const std::string& target, const Json& body,
                    const std::string& bearer, int expect) {
  auto res = http.request(method, target, body.is_null() ? std::string() : body.dump(), bearer);
  if (!res || res->status != expect)
    return make_error("setup", method + " " + target + " failed: " + describe(res));
  Json j = parse_body(res->body);
  if (j.is_discarded()) return make_error("setup", method + " " + target + ": response is not JSON");
  return j;
}

Status adopt_view(Negotiator& n, const Json& view) {
  auto length = int_field(view, "length");
  auto head = string_field(view, "head");
  if (!length || !head) return make_error("bad_response", "meeting view without length/head");
  n.length = *length;
  n.head = *head;
  return parley::ok_status();
}

Expected<Negotiator> enroll_negotiator(HttpClient& http, const std::string& admin_token, int index) {
  char name[64];
  std::snprintf(name, sizeof name, "Bench Negotiator %03d", index);
  auto inv = call(http, "POST", "/admin/v1/parties/east/invitations",
                  Json{{"name", name}, {"roles", Json::array({"negotiator"})}}, admin_token, 201);
  if (!inv) return inv.error();
  auto code = string_field(*inv, "code");
  if (!code) return make_error("setup", "invitation without a code");

  Negotiator n(parley::crypto::SecretKey::generate());
  std::string pk = parley::base64url_encode(n.key.public_key());
  Json proof_doc = {{"type", "parley.enroll/1"}, {"code", *code}, {"public_key", pk}};
  auto proof = n.key.sign(parley::as_bytes(parley::negotiation::signing_bytes(proof_doc)));
  auto enrolled = call(http, "POST", "/api/v1/enroll",
                       Json{{"code", *code}, {"public_key", pk}, {"proof", parley::base64url_encode(proof)}}, "",
                       201);
  if (!enrolled) return enrolled.error();
  auto id = string_field(*enrolled, "id");
  if (!id) return make_error("setup", "enrollment answer without an id");
  n.id = *id;

  // Challenge–response sign-in, as the CLI does it (cli/session.cpp).
  auto ch = call(http, "POST", "/api/v1/auth/challenge", Json{{"member", n.id}}, "", 200);
  if (!ch) return ch.error();
  auto challenge = string_field(*ch, "challenge");
  if (!challenge) return make_error("setup", "challenge answer without a challenge");
  Json doc = {{"type", "parley.signin/1"}, {"member", n.id}, {"challenge", *challenge}};
  auto sig = n.key.sign(parley::as_bytes(parley::negotiation::signing_bytes(doc)));
  auto session = call(http, "POST", "/api/v1/auth/session",
                      Json{{"member", n.id}, {"challenge", *challenge}, {"signature", parley::base64url_encode(sig)}},
                      "", 201);
  if (!session) return session.error();
  auto token = string_field(*session, "token");
  if (!token) return make_error("setup", "sign-in answer without a token");
  n.token = *token;

  // Its own meeting, so that clients never race each other for a position.
  char meeting[64];
  std::snprintf(meeting, sizeof meeting, "bench-meeting-%03d", index);
  n.meeting = meeting;
  parley::negotiation::Act a;
  a.meeting = n.meeting;
  a.base = 0;
  a.kind = parley::negotiation::Kind::create;
  a.body = Json{{"counterparty", "west"}, {"proposals", {{"title", std::string("Benchmark meeting ") + name}}}};
  a.author = n.id;
  a.at = parley::now_seconds();
  auto view = call(http, "POST", "/api/v1/meetings", parley::negotiation::sign_act(a, n.key).envelope(), n.token, 201);
  if (!view) return view.error();
  if (auto s = adopt_view(n, *view); !s) return s.error();
  return n;
}

Expected<std::vector<Negotiator>> set_up(const std::string& url, const fs::path& data_dir, int count) {
  std::string admin_token = read_text(data_dir / "admin.token");
  while (!admin_token.empty() && (admin_token.back() == '\n' || admin_token.back() == '\r')) admin_token.pop_back();
  if (admin_token.empty()) return make_error("setup", "no admin token in " + (data_dir / "admin.token").string());
  auto http = HttpClient::create(url);
  if (!http) return http.error();
  for (const auto& [id, name, zone] : {std::tuple{"east", "Eastern Delegation", "Europe/Moscow"},
                                       std::tuple{"west", "Western Delegation", "America/New_York"}}) {
    auto r = call(**http, "POST", "/admin/v1/parties", Json{{"id", id}, {"name", name}, {"time_zone", zone}},
                  admin_token, 201);
    if (!r) return r.error();
  }
  std::vector<Negotiator> out;
  out.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    auto n = enroll_negotiator(**http, admin_token, i + 1);
    if (!n) return n.error();
    out.push_back(std::move(*n));
  }
  return out;
}

// User + system CPU seconds this process (the clients) has used so far.
double own_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

// ---------------------------------------------------------------- server-side counters

// What parleyd's /metrics says about its writer: how many durable
// transactions, how many requests they carried, and the time spent in them.
struct WriterCounters {
  double commits = 0;
  double requests = 0;
  double commit_seconds = 0;
};

double metric(const std::string& text, const std::string& series) {
  std::size_t at = 0;
  while ((at = text.find(series + " ", at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') return std::strtod(text.c_str() + at + series.size() + 1, nullptr);
    at += series.size();
  }
  return 0;
}

WriterCounters writer_counters(HttpClient& http) {
  auto res = http.request("GET", "/metrics");
  if (!res || res->status != 200) return {};
  return {metric(res->body, "parley_store_commits_total{outcome=\"ok\"}"),
          metric(res->body, "parley_store_commit_requests{outcome=\"ok\"}"),
          metric(res->body, "parley_store_commit_seconds_sum")};
}

// ---------------------------------------------------------------- the measured loop

struct LevelResult {
  int clients = 0;
  double seconds = 0;
  std::uint64_t acts = 0;
  std::uint64_t errors = 0;
  double acts_per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double mean_response_bytes = 0;
  std::string first_error;
  // Diagnostics: where the time went.
  double server_cpu = 0;      // parleyd CPU seconds / wall seconds (1.0 = one core)
  double client_cpu = 0;      // the same for this process's client threads
  double acts_per_fsync = 0;  // requests per durable transaction
  double writer_busy = 0;     // share of the wall time spent inside commits
};

struct WorkerOutput {
  std::uint64_t acts = 0;
  std::uint64_t errors = 0;
  std::uint64_t response_bytes = 0;
  std::vector<double> latencies_ms;  // successful requests only
  std::string first_error;
  SteadyClock::time_point finished;
};

// After a refusal, take the meeting's position from the 409's "current", or
// ask for it, so that one error does not turn every later request stale.
void resync(HttpClient& http, Negotiator& n, const Json& error_body) {
  if (error_body.is_object() && error_body.contains("current") && adopt_view(n, error_body["current"])) return;
  auto res = http.request("GET", "/api/v1/meetings/" + n.meeting, {}, n.token);
  if (res && res->status == 200) (void)adopt_view(n, parse_body(res->body));
}

// Phases of one level: every worker connects, then the clock starts for all.
struct StartLine {
  std::latch connected;
  std::latch go{1};
  SteadyClock::time_point deadline;  // written before `go` opens, read after
  explicit StartLine(int workers) : connected(workers) {}
};

void propose_loop(Negotiator& n, const std::string& url, StartLine& line, WorkerOutput& out) {
  auto http = HttpClient::create(url);
  line.connected.count_down();
  line.go.wait();
  if (!http) {
    out.errors = 1;
    out.first_error = http.error().code + ": " + http.error().message;
    out.finished = SteadyClock::now();
    return;
  }
  const std::string target = "/api/v1/meetings/" + n.meeting + "/acts";
  while (SteadyClock::now() < line.deadline) {
    parley::negotiation::Act a;
    a.meeting = n.meeting;
    a.base = n.length;
    a.prev = n.head;
    a.kind = parley::negotiation::Kind::propose;
    a.body = Json{{"param", "title"}, {"value", kTitles[n.proposals % 2]}};
    a.author = n.id;
    a.at = parley::now_seconds();
    std::string body = parley::negotiation::sign_act(a, n.key).envelope().dump();

    auto t0 = SteadyClock::now();
    auto res = (*http)->request("POST", target, body, n.token);
    std::chrono::duration<double, std::milli> took = SteadyClock::now() - t0;

    Json view = res ? parse_body(res->body) : Json(nullptr);
    if (res && res->status == 201 && adopt_view(n, view)) {
      ++out.acts;
      ++n.proposals;
      out.response_bytes += res->body.size();
      out.latencies_ms.push_back(took.count());
      continue;
    }
    if (out.errors++ == 0) out.first_error = n.meeting + ": " + describe(res);
    resync(**http, n, view);
  }
  out.finished = SteadyClock::now();
}

LevelResult run_level(std::vector<Negotiator>& negotiators, const Parleyd& server, HttpClient& probe, int clients,
                      int seconds) {
  const std::string& url = server.url();
  std::vector<WorkerOutput> outputs(static_cast<std::size_t>(clients));
  StartLine line(clients);
  std::vector<std::thread> threads;
  threads.reserve(outputs.size());
  for (std::size_t i = 0; i < outputs.size(); ++i)
    threads.emplace_back([&, i] { propose_loop(negotiators[i], url, line, outputs[i]); });
  line.connected.wait();
  WriterCounters before = writer_counters(probe);
  double cpu_before = server.cpu_seconds();
  double own_before = own_cpu_seconds();
  auto start = SteadyClock::now();
  line.deadline = start + std::chrono::seconds(seconds);
  line.go.count_down();
  for (auto& t : threads) t.join();
  double cpu_after = server.cpu_seconds();
  double own_after = own_cpu_seconds();
  WriterCounters after = writer_counters(probe);

  LevelResult r;
  r.clients = clients;
  std::vector<double> all;
  std::uint64_t bytes = 0;
  SteadyClock::time_point last = start;
  for (auto& o : outputs) {
    r.acts += o.acts;
    r.errors += o.errors;
    bytes += o.response_bytes;
    if (r.first_error.empty()) r.first_error = o.first_error;
    all.insert(all.end(), o.latencies_ms.begin(), o.latencies_ms.end());
    last = std::max(last, o.finished);
  }
  std::sort(all.begin(), all.end());
  r.seconds = std::chrono::duration<double>(last - start).count();
  r.acts_per_s = r.seconds > 0 ? static_cast<double>(r.acts) / r.seconds : 0;
  r.p50_ms = percentile(all, 0.50);
  r.p99_ms = percentile(all, 0.99);
  r.mean_response_bytes = r.acts ? static_cast<double>(bytes) / static_cast<double>(r.acts) : 0;
  if (r.seconds > 0) {
    r.server_cpu = (cpu_after - cpu_before) / r.seconds;
    r.client_cpu = (own_after - own_before) / r.seconds;
    r.writer_busy = (after.commit_seconds - before.commit_seconds) / r.seconds;
  }
  if (after.commits > before.commits)
    r.acts_per_fsync = (after.requests - before.requests) / (after.commits - before.commits);
  return r;
}

// ---------------------------------------------------------------- raw SQLite

struct RawResult {
  std::uint64_t commits = 0;
  double seconds = 0;
  double commits_per_s = 0;
  std::size_t envelope_bytes = 0;
};

// A real signed propose act, its title padded so the envelope is ~600 bytes.
std::string sample_envelope() {
  auto key = parley::crypto::SecretKey::generate();
  parley::negotiation::Act a;
  a.meeting = "bench-meeting-raw";
  a.base = 1;
  a.prev = std::string(64, 'a');
  a.kind = parley::negotiation::Kind::propose;
  a.author = "m_" + std::string(24, 'b');
  a.at = parley::now_seconds();
  a.body = Json{{"param", "title"}, {"value", std::string(kTitles[0])}};
  std::string env = parley::json::canonicalize(parley::negotiation::sign_act(a, key).envelope());
  if (env.size() < kRawEnvelopeBytes) {
    a.body["value"] = std::string(kTitles[0]) + " " + std::string(kRawEnvelopeBytes - env.size() - 1, 'x');
    env = parley::json::canonicalize(parley::negotiation::sign_act(a, key).envelope());
  }
  return env;
}

class Db {
 public:
  explicit Db(const fs::path& p) { open_rc_ = sqlite3_open_v2(p.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr); }
  ~Db() { sqlite3_close(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  sqlite3* get() const { return db_; }
  Status check(int rc, const char* what) const {
    if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return parley::ok_status();
    return make_error("sqlite", std::string(what) + ": " + sqlite3_errmsg(db_));
  }
  Status opened() const { return check(open_rc_, "open"); }
  Status exec(const char* sql) const { return check(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr), sql); }

 private:
  sqlite3* db_ = nullptr;
  int open_rc_ = SQLITE_OK;
};

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  sqlite3_stmt* get() const { return s_; }
  int run() {
    int rc = sqlite3_step(s_);
    sqlite3_reset(s_);
    return rc;
  }

 private:
  sqlite3_stmt* s_ = nullptr;
};

// One row per transaction, one thread, the store's pragmas and schema shape:
// the rate at which this disk makes single writes durable.
Expected<RawResult> raw_commit_rate(const fs::path& dir, int seconds) {
  RawResult r;
  std::string envelope = sample_envelope();
  r.envelope_bytes = envelope.size();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return make_error("io_error", "cannot create " + dir.string());
  Db db(dir / "raw.db");
  if (auto s = db.opened(); !s) return s.error();
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
                          "PRAGMA busy_timeout=5000",
                          "CREATE TABLE acts(meeting TEXT NOT NULL, seq INTEGER NOT NULL CHECK (seq >= 1), "
                          "envelope TEXT NOT NULL, received_at TEXT NOT NULL, "
                          "PRIMARY KEY (meeting, seq)) WITHOUT ROWID"})
    if (auto s = db.exec(sql); !s) return s.error();
  {
    Stmt mode(db.get(), "PRAGMA journal_mode");
    if (sqlite3_step(mode.get()) != SQLITE_ROW ||
        std::string(reinterpret_cast<const char*>(sqlite3_column_text(mode.get(), 0))) != "wal")
      return make_error("sqlite", "the raw database did not switch to WAL");
  }
  Stmt begin(db.get(), "BEGIN IMMEDIATE");
  Stmt commit(db.get(), "COMMIT");
  Stmt insert(db.get(), "INSERT INTO acts(meeting, seq, envelope, received_at) VALUES (?,?,?,?)");
  if (!begin.get() || !commit.get() || !insert.get()) return make_error("sqlite", sqlite3_errmsg(db.get()));
  const std::string meeting = "bench-meeting-raw";
  auto start = SteadyClock::now();
  auto deadline = start + std::chrono::seconds(seconds);
  std::int64_t seq = 0;
  while (SteadyClock::now() < deadline) {
    std::string received = parley::format_utc(parley::now_seconds());
    if (auto s = db.check(begin.run(), "BEGIN"); !s) return s.error();
    sqlite3_bind_text(insert.get(), 1, meeting.data(), static_cast<int>(meeting.size()), SQLITE_STATIC);
    sqlite3_bind_int64(insert.get(), 2, ++seq);
    sqlite3_bind_text(insert.get(), 3, envelope.data(), static_cast<int>(envelope.size()), SQLITE_STATIC);
    sqlite3_bind_text(insert.get(), 4, received.data(), static_cast<int>(received.size()), SQLITE_STATIC);
    if (auto s = db.check(insert.run(), "INSERT"); !s) return s.error();
    if (auto s = db.check(commit.run(), "COMMIT"); !s) return s.error();
    ++r.commits;
  }
  r.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  r.commits_per_s = static_cast<double>(r.commits) / r.seconds;
  return r;
}

// ---------------------------------------------------------------- report

void print_report(const std::vector<LevelResult>& levels, const RawResult& raw, std::ostream& out) {
  char line[256];
  out << "\n";
  std::snprintf(line, sizeof line, "%7s %10s %9s %9s %8s %7s   | %8s %10s %8s %8s %8s\n", "clients", "acts/s",
                "p50 ms", "p99 ms", "errors", "x raw", "resp B", "acts/fsync", "wr busy", "srv CPU", "cli CPU");
  out << line;
  for (const auto& l : levels) {
    std::snprintf(line, sizeof line, "%7d %10.1f %9.2f %9.2f %8llu %7.2f   | %8.0f %10.2f %7.0f%% %7.0f%% %7.0f%%\n",
                  l.clients, l.acts_per_s, l.p50_ms, l.p99_ms, static_cast<unsigned long long>(l.errors),
                  raw.commits_per_s > 0 ? l.acts_per_s / raw.commits_per_s : 0.0, l.mean_response_bytes,
                  l.acts_per_fsync, 100 * l.writer_busy, 100 * l.server_cpu, 100 * l.client_cpu);
    out << line;
  }
  std::snprintf(line, sizeof line,
                "raw SQLite (WAL, synchronous=FULL, 1 row of %zu B per transaction, 1 thread): %.1f commits/s "
                "(%llu in %.1f s)\n",
                raw.envelope_bytes, raw.commits_per_s, static_cast<unsigned long long>(raw.commits), raw.seconds);
  out << line;
  out << "(right of |, diagnostics: mean response size; requests per durable transaction; share of wall time\n"
         " parleyd's writer spent committing; CPU of parleyd and of this process, 100% = one core, of "
      << std::thread::hardware_concurrency() << ")\n";
  for (const auto& l : levels)
    if (!l.first_error.empty()) out << "first error at " << l.clients << " clients: " << l.first_error << "\n";
}

std::optional<bool> target_met(const std::vector<LevelResult>& levels, const RawResult& raw) {
  for (const auto& l : levels)
    if (l.clients == 64) return l.acts_per_s >= 0.5 * raw.commits_per_s;
  return std::nullopt;
}

Json results_json(const Options& o, const std::vector<LevelResult>& levels, const RawResult& raw) {
  Json lv = Json::array();
  for (const auto& l : levels)
    lv.push_back({{"clients", l.clients},
                  {"seconds", l.seconds},
                  {"acts", l.acts},
                  {"acts_per_s", l.acts_per_s},
                  {"p50_ms", l.p50_ms},
                  {"p99_ms", l.p99_ms},
                  {"errors", l.errors},
                  {"first_error", l.first_error},
                  {"ratio_to_raw", raw.commits_per_s > 0 ? l.acts_per_s / raw.commits_per_s : 0.0},
                  {"mean_response_bytes", l.mean_response_bytes},
                  {"server_cpu_cores", l.server_cpu},
                  {"client_cpu_cores", l.client_cpu},
                  {"acts_per_fsync", l.acts_per_fsync},
                  {"writer_busy", l.writer_busy}});
  auto met = target_met(levels, raw);
  return Json{{"seconds_per_level", o.seconds},
              {"levels", lv},
              {"raw", {{"commits", raw.commits}, {"seconds", raw.seconds}, {"commits_per_s", raw.commits_per_s},
                       {"envelope_bytes", raw.envelope_bytes}}},
              {"target", {{"rule", "acts/s at 64 clients >= 0.5 x raw commits/s"},
                          {"met", met ? Json(*met) : Json(nullptr)}}}};
}

// Other work on the host steals CPU from parleyd and the clients and makes
// every figure noisy; say so next to the results.
std::string host_load_note() {
  double load1 = 0;
  std::ifstream("/proc/loadavg") >> load1;
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  char line[160];
  std::snprintf(line, sizeof line, "host load average %.2f on %u cores%s", load1, cores,
                load1 > 0.5 * cores ? " (busy: other work competes for CPU, figures are noisy)" : "");
  return line;
}

int run(const Options& o) {
  parley::crypto::init();
  const std::string load_before = host_load_note();
  if (::access(o.parleyd.c_str(), X_OK) != 0) {
    std::cerr << "negotiation_bench: cannot execute parleyd at " << o.parleyd.string() << " (use --parleyd)\n";
    return 1;
  }
  auto root = TempRoot::create(o.tmp_root);
  if (!root) {
    std::cerr << "negotiation_bench: " << root.error().message << "\n";
    return 1;
  }
  const fs::path data_dir = root->path() / "data";
  const fs::path raw_dir = root->path() / "raw";
  std::cout << "temp dir " << root->path().string() << "; parleyd " << o.parleyd.string() << "\n";

  // The raw rate first, while nothing else uses the disk or the CPUs.
  std::cout << "raw SQLite commit rate for " << o.seconds << " s...\n" << std::flush;
  auto raw = raw_commit_rate(raw_dir, o.seconds);
  if (!raw) {
    std::cerr << "negotiation_bench: raw SQLite: " << raw.error().message << "\n";
    return 1;
  }

  auto server = Parleyd::start(o.parleyd, data_dir, root->path() / "parleyd.log");
  if (!server) {
    std::cerr << "negotiation_bench: " << server.error().message << "\n";
    return 1;
  }
  std::cout << "parleyd at " << (*server)->url() << "\n";
  int most = *std::max_element(o.levels.begin(), o.levels.end());
  auto t0 = SteadyClock::now();
  auto negotiators = set_up((*server)->url(), data_dir, most);
  if (!negotiators) {
    std::cerr << "negotiation_bench: setup failed: " << negotiators.error().message << "\nparleyd log:\n"
              << tail((*server)->log(), 2000) << "\n";
    return 1;
  }
  std::cout << "set up " << most << " negotiators with their meetings in "
            << std::chrono::duration<double>(SteadyClock::now() - t0).count() << " s\n";

  auto probe = HttpClient::create((*server)->url());
  if (!probe) {
    std::cerr << "negotiation_bench: " << probe.error().message << "\n";
    return 1;
  }
  std::vector<LevelResult> levels;
  for (int c : o.levels) {
    std::cout << c << " clients for " << o.seconds << " s...\n" << std::flush;
    levels.push_back(run_level(*negotiators, **server, **probe, c, o.seconds));
  }
  int status = (*server)->stop();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    std::cerr << "negotiation_bench: warning: parleyd did not exit cleanly on SIGTERM (status " << status
              << ")\n";

  print_report(levels, *raw, std::cout);
  std::cout << "before: " << load_before << "; after: " << host_load_note() << "\n";
  auto met = target_met(levels, *raw);
  std::cout << "target: acts/s at 64 clients >= 0.5 x raw: "
            << (met ? (*met ? "MET" : "NOT MET") : "n/a (64 is not among --levels)") << "\n";
  if (!o.json_path.empty()) {
    std::ofstream out(o.json_path);
    out << results_json(o, levels, *raw).dump(2) << "\n";
    if (!out) {
      std::cerr << "negotiation_bench: cannot write " << o.json_path << "\n";
      return 1;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto opts = parse_args(argc, argv);
  if (!opts) {
    if (opts.error().code == "help") {
      usage(std::cout);
      return 0;
    }
    std::cerr << "negotiation_bench: " << opts.error().message << "\n";
    usage(std::cerr);
    return 2;
  }
  // Writes to a connection parleyd closed must not kill the benchmark.
  ::signal(SIGPIPE, SIG_IGN);
  return run(*opts);
}
