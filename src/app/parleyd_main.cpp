// parleyd: wiring only. Order of construction is the reverse of destruction:
// the server stops first, then the service (whose writer drains every queued
// commit), then the store.

#include <fcntl.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "crypto/identity_key.h"
#include "server/config.h"
#include "server/http_server.h"
#include "server/tls.h"
#include "store/sqlite_store.h"

using namespace parley;

namespace {

int fail(const std::string& what) {
  spdlog::error("event=startup_failed reason=\"{}\"", what);
  std::fprintf(stderr, "parleyd: %s\n", what.c_str());
  return 1;
}

// The data directory must exist (or be creatable), be writable, and belong
// to this parleyd alone: a second server on the same database would break
// the service's assumption that it holds every meeting's tip in memory.
Expected<int> prepare_data_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error("data_dir", "cannot create data directory " + dir.string() + ": " + ec.message());
  auto probe = dir / ".write-probe";
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || ::write(fd, "ok", 2) != 2 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    return make_error("data_dir", "data directory " + dir.string() + " is not writable");
  }
  ::close(fd);
  ::unlink(probe.c_str());
  int lock = ::open((dir / "parleyd.lock").c_str(), O_RDWR | O_CREAT, 0600);
  if (lock < 0 || ::flock(lock, LOCK_EX | LOCK_NB) != 0)
    return make_error("data_dir", "data directory " + dir.string() + " is in use by another parleyd");
  return lock;  // held until exit
}

Expected<std::string> admin_token(const std::filesystem::path& dir) {
  auto path = dir / "admin.token";
  if (std::ifstream in{path}) {
    std::string token;
    std::getline(in, token);
    if (token.size() == 64) return token;
    return make_error("data_dir", path.string() + " is not a parleyd admin token");
  }
  std::string token = crypto::random_hex(32);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  std::string line = token + "\n";
  if (fd < 0 || ::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()) ||
      ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    return make_error("data_dir", "cannot write " + path.string());
  }
  ::close(fd);
  return token;
}

}  // namespace

int main(int argc, char** argv) {
  auto cfg = server::parse_config(argc, argv);
  if (!cfg) {
    if (cfg.error().code == "exit") {
      std::cout << cfg.error().message;
      return 0;
    }
    std::fprintf(stderr, "parleyd: %s\nRun parleyd --help for the options.\n", cfg.error().message.c_str());
    return 2;
  }
  crypto::init();
  metrics::Registry metrics;
  server::EventLoop loop;

  if (cfg->print_routes) {
    service::Service svc(nullptr, nullptr, metrics, {});
    server::Router router(svc, metrics, {});
    for (const auto& r : router.routes()) std::cout << r << "\n";
    return 0;
  }

  auto logger = spdlog::stderr_logger_st("parleyd");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l %v", spdlog::pattern_time_type::utc);
  spdlog::set_level(spdlog::level::from_str(cfg->log_level));
  spdlog::flush_on(spdlog::level::info);

  auto lock = prepare_data_dir(cfg->data_dir);
  if (!lock) return fail(lock.error().message);
  auto token = admin_token(cfg->data_dir);
  if (!token) return fail(token.error().message);
  auto store = store::open_sqlite(cfg->data_dir / "parley.db");
  if (!store) return fail(store.error().message);
  std::string store_name = (*store)->describe();

  service::Config scfg;
  scfg.session_ttl = std::chrono::minutes(cfg->session_ttl_minutes);
  scfg.max_clock_skew = std::chrono::seconds(cfg->max_clock_skew_seconds);
  service::Service svc(std::move(*store), [&loop](std::function<void()> f) { loop.post(std::move(f)); },
                       metrics, scfg);
  if (auto s = svc.start(); !s) return fail(s.error().message);

  server::ListenConfig lc;
  lc.address = cfg->listen;
  lc.port = static_cast<std::uint16_t>(cfg->port);
  lc.max_body = cfg->max_body_bytes;
  lc.tls = cfg->use_tls();
  if (lc.tls) {
    if (cfg->tls_cert.empty()) {
      auto files = server::ensure_self_signed(cfg->data_dir, cfg->listen);
      if (!files) return fail(files.error().message);
      lc.cert_file = files->cert;
      lc.key_file = files->key;
    } else {
      lc.cert_file = cfg->tls_cert;
      lc.key_file = cfg->tls_key;
    }
    auto fp = server::certificate_fingerprint(lc.cert_file);
    if (!fp) return fail(fp.error().message);
    spdlog::info("event=tls cert=\"{}\" sha256_fingerprint={}", lc.cert_file.string(), *fp);
  }
  auto web = server::StaticFiles::load(cfg->web_root);
  if (!web) return fail(web.error().message);
  spdlog::info("event=web root=\"{}\" files={}", cfg->web_root.string(), web->size());
  call::CallConfig cc;
  cc.workers = static_cast<std::size_t>(cfg->media_workers);
  cc.bind_address = cfg->media_address.empty() ? (cfg->listen == "localhost" ? "127.0.0.1" : cfg->listen)
                                               : cfg->media_address;
  cc.public_address = cfg->media_public_address;
  cc.base_port = static_cast<std::uint16_t>(cfg->media_port);
  cc.max_participants = static_cast<std::size_t>(cfg->call_max_participants);
  cc.max_streams = static_cast<std::size_t>(cfg->call_max_tracks);
  cc.max_packet = static_cast<std::size_t>(cfg->media_max_packet);
  cc.cache_packets = static_cast<std::size_t>(cfg->media_cache_packets);
  cc.sample_payloads = cfg->media_sample_payloads;
  cc.max_load = cfg->media_max_load;
  auto calls = call::CallService::start(cc, [&loop](std::function<void()> f) { loop.post(std::move(f)); });
  if (!calls) return fail(calls.error().message);
  for (const auto& w : (*calls)->load()) spdlog::info("event=media_worker address={} port={}", cc.bind_address, w.port);
  server::RouterConfig rc{*token, cfg->admin_remote, cfg->max_body_bytes, &*web, calls->get(),
                          negotiation::CallWindow{std::chrono::minutes(cfg->call_lead_minutes),
                                                  std::chrono::minutes(cfg->call_grace_minutes)}};
  server::Router router(svc, metrics, rc);
  auto http = server::HttpServer::bind(loop, router, lc);
  if (!http) return fail(http.error().message);
  std::string scheme = lc.tls ? "https" : "http";
  std::string host = cfg->listen.find(':') != std::string::npos ? "[" + cfg->listen + "]" : cfg->listen;
  std::string url = scheme + "://" + host + ":" + std::to_string((*http)->port());
  svc.set_public_url(cfg->public_url.empty() ? url : cfg->public_url);
  spdlog::info("event=listening url={} store=\"{}\" admin_token_file=\"{}\"", url, store_name,
               (cfg->data_dir / "admin.token").string());
  (*http)->run();
  http->reset();  // the acceptor goes before the loop
  loop.close();   // sessions end while the router and service still exist
  spdlog::info("event=exit");
  return 0;
}
