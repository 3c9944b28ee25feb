#pragma once
// parleyd's configuration: defaults, then a TOML file, then flags (flags win).
// docs/operations.md lists every option; `parleyd --help` explains them.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace parley::server {

// The project's web/ folder, where the build found it.
std::filesystem::path default_web_root();

struct Config {
  std::string listen = "127.0.0.1";
  int port = 8080;
  std::string public_url;  // default: derived from listen and port
  std::size_t max_body_bytes = 1 << 20;
  std::filesystem::path data_dir = "parley-data";
  std::filesystem::path web_root = default_web_root();  // the web app's files
  std::filesystem::path tls_cert;
  std::filesystem::path tls_key;
  bool tls_force = false;  // TLS even on loopback
  int session_ttl_minutes = 60;
  int max_clock_skew_seconds = 600;
  bool admin_remote = false;
  std::string log_level = "info";
  // Media plane (docs/media.md).
  int media_workers = 0;              // 0: one per core
  std::string media_address;          // UDP bind address; default: listen
  std::string media_public_address;   // the address put in SDP; default: media_address
  int media_port = 0;                 // worker i binds media_port + i; 0: any free ports
  int call_lead_minutes = 15;         // the call opens this long before the start
  int call_grace_minutes = 30;        // and closes this long after the end
  int call_max_participants = 50;
  int call_max_tracks = 4;            // published per participant
  int media_max_packet = 1500;        // bytes; larger datagrams are dropped and counted
  int media_cache_packets = 512;      // retransmission cache per video layer (0: no cache)
  bool media_sample_payloads = false; // keep the first bytes of recent forwarded payloads (tests, audits)
  double media_max_load = 0.85;       // a worker this busy is saturated (docs/media.md §Behaviour at the limit)
  bool print_routes = false;
  bool use_tls() const;
};

// Parses argv. Returns the config, or an Error whose code is "exit" with the
// text to print (for --help and --version, exit status 0) or "bad_config".
Expected<Config> parse_config(int argc, char** argv);

}  // namespace parley::server
