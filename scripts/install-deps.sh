#!/usr/bin/env bash
# Installs every Debian 12 package Parley needs to build, run and test.
#   scripts/install-deps.sh          build and run (make demo)
#   scripts/install-deps.sh --test   also the browser tests: Debian's Chromium,
#                                    Node.js if absent, and the npm packages
#                                    pinned in package-lock.json (npm ci); the
#                                    interop peers; Janus for the benchmarks
# Idempotent: packages already present are skipped. Runs apt-get as root,
# through sudo otherwise. Nothing is downloaded at build time.
set -euo pipefail
cd "$(dirname "$0")/.."
with_tests=0
if [ "${1:-}" = "--test" ]; then with_tests=1; fi

packages=(
  # build
  build-essential cmake ninja-build pkg-config ccache
  clang-14 libclang-rt-14-dev
  libboost-dev libssl-dev zlib1g-dev libsodium-dev libsqlite3-dev sqlite3
  # The reference our own SRTP is tested and benchmarked against (unit_media,
  # srtp_bench); parleyd does not link it. Configuring with tests or
  # benchmarks (the default) needs it.
  libsrtp2-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  libhowardhinnant-date-dev tzdata
  libgtest-dev libgmock-dev libbenchmark-dev
  # process-level tests
  python3 curl procps
)
if [ $with_tests -eq 1 ]; then
  # Browser tests: Debian's Chromium, driven by playwright-core (never
  # Playwright's own browser download). util-linux gives unshare, iproute2 ip.
  packages+=(chromium chromium-driver fonts-dejavu-core util-linux iproute2)
  # A WebRTC peer we did not write, for interoperability tests of the media server.
  packages+=(python3-aiortc python3-websockets)
  # Random packet loss inside the tests' own network namespaces.
  packages+=(iptables)
  # The media server compare_bench measures parleyd against (Janus 1.1.2, its
  # VideoRoom plugin), and its smoke test bench_janus_smoke.
  packages+=(janus)
  # Node.js 20 or later is on these machines; Debian's nodejs only if none is.
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then packages+=(nodejs npm); fi
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ $with_tests -eq 1 ]; then
  # Exactly the versions in package-lock.json; skipped when already there.
  stamp=node_modules/.parley-lock.sha256
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "install-deps: npm ci (package-lock.json)"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$want" > "$stamp"
  fi
fi
