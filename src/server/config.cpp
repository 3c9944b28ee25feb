#include "server/config.h"

#include <CLI/CLI.hpp>
#include <set>
#include <toml++/toml.h>

#include "server/http_server.h"

namespace parley::server {

bool Config::use_tls() const { return tls_force || !is_loopback_address(listen); }

namespace {

// Every key the file may hold; anything else is refused, so that a typo does
// not silently leave a default in place.
Status apply_toml(Config& c, const std::filesystem::path& file) {
  toml::table t;
  try {
    t = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    return make_error("bad_config", file.string() + ": " + std::string(e.description()) + " at line " +
                                        std::to_string(e.source().begin.line));
  }
  static const std::map<std::string, std::vector<std::string>> kKnown = {
      {"server", {"listen", "port", "public_url", "max_body_bytes"}},
      {"tls", {"cert", "key", "force"}},
      {"storage", {"data_dir"}},
      {"web", {"root"}},
      {"auth", {"session_ttl_minutes", "max_clock_skew_seconds"}},
      {"admin", {"remote"}},
      {"log", {"level"}},
      {"media", {"workers", "address", "public_address", "port", "max_packet", "cache_packets", "sample_payloads",
                 "max_load"}},
      {"call", {"lead_minutes", "grace_minutes", "max_participants", "max_tracks"}}};
  for (const auto& [section, node] : t) {
    std::string s(section.str());
    auto known = kKnown.find(s);
    if (known == kKnown.end() || !node.is_table())
      return make_error("bad_config", file.string() + ": unknown section [" + s + "]");
    for (const auto& [key, _] : *node.as_table())
      if (std::find(known->second.begin(), known->second.end(), std::string(key.str())) == known->second.end())
        return make_error("bad_config", file.string() + ": unknown key " + s + "." + std::string(key.str()));
  }
  // A key of the wrong type is an error, not a silent default.
  std::string type_error;
  auto typed = [&](const char* sec, const char* key, auto& out, const char* type_name) {
    using T = std::remove_reference_t<decltype(out)>;
    auto node = t[sec][key];
    if (!node) return;
    using Read = std::conditional_t<std::is_same_v<T, bool>, bool,
                                    std::conditional_t<std::is_integral_v<T>, std::int64_t, std::string>>;
    auto v = node.template value_exact<Read>();
    if (!v) {
      if (type_error.empty()) type_error = std::string(sec) + "." + key + " must be " + type_name;
      return;
    }
    out = static_cast<T>(*v);
  };
  auto str = [&](const char* sec, const char* key, std::string& out) { typed(sec, key, out, "a string"); };
  auto num = [&](const char* sec, const char* key, auto& out) { typed(sec, key, out, "an integer"); };
  auto boolean = [&](const char* sec, const char* key, bool& out) { typed(sec, key, out, "true or false"); };
  // A fraction: 0.85, or 1 written as an integer.
  auto fraction = [&](const char* sec, const char* key, double& out) {
    auto node = t[sec][key];
    if (!node) return;
    if (auto v = node.value_exact<double>()) out = *v;
    else if (auto i = node.value_exact<std::int64_t>()) out = static_cast<double>(*i);
    else if (type_error.empty()) type_error = std::string(sec) + "." + key + " must be a number";
  };
  str("server", "listen", c.listen);
  num("server", "port", c.port);
  str("server", "public_url", c.public_url);
  num("server", "max_body_bytes", c.max_body_bytes);
  std::string path;
  if (str("tls", "cert", path); !path.empty()) c.tls_cert = path;
  path.clear();
  if (str("tls", "key", path); !path.empty()) c.tls_key = path;
  boolean("tls", "force", c.tls_force);
  path.clear();
  if (str("storage", "data_dir", path); !path.empty()) c.data_dir = path;
  path.clear();
  if (str("web", "root", path); !path.empty()) c.web_root = path;
  num("auth", "session_ttl_minutes", c.session_ttl_minutes);
  num("auth", "max_clock_skew_seconds", c.max_clock_skew_seconds);
  boolean("admin", "remote", c.admin_remote);
  str("log", "level", c.log_level);
  num("media", "workers", c.media_workers);
  str("media", "address", c.media_address);
  str("media", "public_address", c.media_public_address);
  num("media", "port", c.media_port);
  num("media", "max_packet", c.media_max_packet);
  num("media", "cache_packets", c.media_cache_packets);
  boolean("media", "sample_payloads", c.media_sample_payloads);
  fraction("media", "max_load", c.media_max_load);
  num("call", "lead_minutes", c.call_lead_minutes);
  num("call", "grace_minutes", c.call_grace_minutes);
  num("call", "max_participants", c.call_max_participants);
  num("call", "max_tracks", c.call_max_tracks);
  if (!type_error.empty()) return make_error("bad_config", file.string() + ": " + type_error);
  return ok_status();
}

}  // namespace

std::filesystem::path default_web_root() { return PARLEY_DEFAULT_WEB_ROOT; }

Expected<Config> parse_config(int argc, char** argv) {
  CLI::App app{
      "parleyd: the Parley server. Two delegations negotiate a meeting's terms as signed acts;\n"
      "nothing about a meeting is public until both have signed. Serves the JSON API under\n"
      "/api/v1, the live WebSocket, the public announcements and the local admin API.\n"
      "Settings come from defaults, then --config FILE (TOML), then flags: flags win.",
      "parleyd"};
  Config flags;
  std::filesystem::path config_file;
  app.add_option("-c,--config", config_file, "TOML configuration file (see docs/operations.md)")
      ->check(CLI::ExistingFile);
  auto* o_listen = app.add_option("--listen", flags.listen,
                                  "Address to listen on. Loopback (the default, 127.0.0.1) serves plain "
                                  "HTTP; any other address serves HTTPS");
  auto* o_port = app.add_option("-p,--port", flags.port, "TCP port (0 picks a free port; default 8080)")
                     ->check(CLI::Range(0, 65535));
  auto* o_url = app.add_option("--public-url", flags.public_url,
                               "Base URL used in the Atom feed and calendar links (default: from --listen)");
  auto* o_body = app.add_option("--max-body-bytes", flags.max_body_bytes,
                                "Largest request body accepted; larger ones get 413 (default 1048576)")
                     ->check(CLI::Range(1024, 64 << 20));
  auto* o_data = app.add_option("-d,--data-dir", flags.data_dir,
                                "Directory for the SQLite database, the admin credential and generated "
                                "TLS files (default ./parley-data; created if missing)");
  auto* o_web = app.add_option("--web-root", flags.web_root,
                               "Folder of the web app's pages and scripts (default: the project's web/)");
  auto* o_cert = app.add_option("--tls-cert", flags.tls_cert, "PEM certificate chain for HTTPS");
  auto* o_key = app.add_option("--tls-key", flags.tls_key, "PEM private key for HTTPS");
  auto* o_force = app.add_flag("--tls", flags.tls_force,
                               "Serve HTTPS even on loopback (a self-signed certificate is generated in "
                               "the data directory when none is configured)");
  auto* o_ttl = app.add_option("--session-ttl-minutes", flags.session_ttl_minutes,
                               "Lifetime of a sign-in session (default 60; clients sign in again with their key)")
                    ->check(CLI::Range(1, 7 * 24 * 60));
  auto* o_skew = app.add_option("--max-clock-skew-seconds", flags.max_clock_skew_seconds,
                                "How far an act's signed time may be from the server's clock (default 600)")
                     ->check(CLI::Range(5, 24 * 3600));
  auto* o_admin = app.add_flag("--admin-remote", flags.admin_remote,
                               "Serve the admin API beyond loopback (off by default)");
  auto* o_log = app.add_option("--log-level", flags.log_level, "trace, debug, info, warn or error (default info)")
                    ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  app.add_flag("--print-routes", flags.print_routes, "Print every HTTP route served and exit");
  auto* o_mworkers = app.add_option("--media-workers", flags.media_workers,
                                    "Media worker threads, each with its own UDP port (default: one per core)");
  auto* o_maddr = app.add_option("--media-address", flags.media_address,
                                 "IP address the media workers bind (default: the --listen address)");
  auto* o_mpublic = app.add_option("--media-public-address", flags.media_public_address,
                                   "IP address given to clients as the media candidate (default: --media-address)");
  auto* o_mport = app.add_option("--media-port", flags.media_port,
                                 "UDP port of the first media worker; worker i uses PORT+i (default 0: any free ports)");
  auto* o_lead = app.add_option("--call-lead-minutes", flags.call_lead_minutes,
                                "A call opens this many minutes before the agreed start (default 15)");
  auto* o_grace = app.add_option("--call-grace-minutes", flags.call_grace_minutes,
                                 "A call stays open this many minutes after the agreed end (default 30)");
  auto* o_maxp = app.add_option("--call-max-participants", flags.call_max_participants,
                                "Participants per call (default 50)");
  auto* o_maxt = app.add_option("--call-max-tracks", flags.call_max_tracks,
                                "Tracks (audio or video sections) one participant may publish (default 4)");
  auto* o_mpacket = app.add_option("--media-max-packet", flags.media_max_packet,
                                   "Largest UDP datagram a media worker accepts, in bytes (default 1500, at most 1600)");
  auto* o_mcache = app.add_option("--media-cache-packets", flags.media_cache_packets,
                                  "Packets kept per video layer to answer NACKs (default 512; 0: none)");
  auto* o_msample = app.add_flag("--media-sample-payloads", flags.media_sample_payloads,
                                 "Keep the first bytes of recent forwarded payloads for GET /admin/v1/media/samples "
                                 "(to check end-to-end encryption; off by default)");
  auto* o_mload = app.add_option("--media-max-load", flags.media_max_load,
                                 "Load (busy fraction of a media worker's loop over a second) at which the worker "
                                 "is saturated: new participants are refused there, video goes to the lowest "
                                 "simulcast layer and then pauses; one layer down from 0.15 below it "
                                 "(default 0.85, 0.2 to 1)");
  app.set_version_flag("--version", "parleyd 0.1.0");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return make_error("exit", app.help());
  } catch (const CLI::CallForVersion&) {
    return make_error("exit", "parleyd 0.1.0\n");
  } catch (const CLI::ParseError& e) {
    return make_error("bad_config", e.what());
  }

  Config c;
  if (!config_file.empty())
    if (auto s = apply_toml(c, config_file); !s) return s.error();
  if (o_listen->count()) c.listen = flags.listen;
  if (o_port->count()) c.port = flags.port;
  if (o_url->count()) c.public_url = flags.public_url;
  if (o_body->count()) c.max_body_bytes = flags.max_body_bytes;
  if (o_data->count()) c.data_dir = flags.data_dir;
  if (o_web->count()) c.web_root = flags.web_root;
  if (o_cert->count()) c.tls_cert = flags.tls_cert;
  if (o_key->count()) c.tls_key = flags.tls_key;
  if (o_force->count()) c.tls_force = flags.tls_force;
  if (o_ttl->count()) c.session_ttl_minutes = flags.session_ttl_minutes;
  if (o_skew->count()) c.max_clock_skew_seconds = flags.max_clock_skew_seconds;
  if (o_admin->count()) c.admin_remote = flags.admin_remote;
  if (o_log->count()) c.log_level = flags.log_level;
  if (o_mworkers->count()) c.media_workers = flags.media_workers;
  if (o_maddr->count()) c.media_address = flags.media_address;
  if (o_mpublic->count()) c.media_public_address = flags.media_public_address;
  if (o_mport->count()) c.media_port = flags.media_port;
  if (o_lead->count()) c.call_lead_minutes = flags.call_lead_minutes;
  if (o_grace->count()) c.call_grace_minutes = flags.call_grace_minutes;
  if (o_maxp->count()) c.call_max_participants = flags.call_max_participants;
  if (o_maxt->count()) c.call_max_tracks = flags.call_max_tracks;
  if (o_mpacket->count()) c.media_max_packet = flags.media_max_packet;
  if (o_mcache->count()) c.media_cache_packets = flags.media_cache_packets;
  if (o_msample->count()) c.media_sample_payloads = flags.media_sample_payloads;
  if (o_mload->count()) c.media_max_load = flags.media_max_load;
  c.print_routes = flags.print_routes;
  // The same ranges as the flags, whichever source set the value.
  if (c.port < 0 || c.port > 65535) return make_error("bad_config", "port must be 0 to 65535");
  if (c.max_body_bytes < 1024 || c.max_body_bytes > (64u << 20))
    return make_error("bad_config", "max_body_bytes must be 1024 to 67108864");
  if (c.session_ttl_minutes < 1 || c.session_ttl_minutes > 7 * 24 * 60)
    return make_error("bad_config", "session_ttl_minutes must be 1 to 10080");
  if (c.max_clock_skew_seconds < 5 || c.max_clock_skew_seconds > 24 * 3600)
    return make_error("bad_config", "max_clock_skew_seconds must be 5 to 86400");
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
  if (!kLevels.count(c.log_level)) return make_error("bad_config", "log level must be trace, debug, info, warn or error");
  if (c.listen.empty()) return make_error("bad_config", "listen address is empty");
  if (c.media_workers < 0 || c.media_workers > 256) return make_error("bad_config", "media_workers must be 0 to 256");
  if (c.media_port < 0 || c.media_port > 65535) return make_error("bad_config", "media port must be 0 to 65535");
  if (c.call_lead_minutes < 0 || c.call_lead_minutes > 24 * 60)
    return make_error("bad_config", "call_lead_minutes must be 0 to 1440");
  if (c.call_grace_minutes < 0 || c.call_grace_minutes > 24 * 60)
    return make_error("bad_config", "call_grace_minutes must be 0 to 1440");
  if (c.call_max_participants < 2 || c.call_max_participants > 1000)
    return make_error("bad_config", "call_max_participants must be 2 to 1000");
  if (c.call_max_tracks < 1 || c.call_max_tracks > 16) return make_error("bad_config", "call_max_tracks must be 1 to 16");
  if (c.media_max_packet < 200 || c.media_max_packet > 1600)
    return make_error("bad_config", "media_max_packet must be 200 to 1600 bytes");
  if (c.media_cache_packets < 0 || c.media_cache_packets > 8192)
    return make_error("bad_config", "media_cache_packets must be 0 to 8192");
  if (!(c.media_max_load >= 0.2 && c.media_max_load <= 1.0))  // NaN fails too
    return make_error("bad_config", "media_max_load must be 0.2 to 1");
  if (c.tls_cert.empty() != c.tls_key.empty())
    return make_error("bad_config", "--tls-cert and --tls-key go together");
  return c;
}

}  // namespace parley::server
