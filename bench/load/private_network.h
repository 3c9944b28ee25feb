#pragma once
// The benchmark's own network: a network namespace made for this process
// alone (unshare(CLONE_NEWNET)), so that every packet of a run stays on a
// loopback that no other program shares, and a veth pair with a private
// address on one end. Janus skips loopback interfaces when it gathers ICE
// candidates (docs/performance.md, ../shared/TESTING-NOTES.md); the veth
// address is the one it is told to use (ice_enforce_list), and traffic to
// it is still delivered locally.
//
// The namespace has no name and no mount: it ends when the last process in
// it (this one and the servers it started) exits, however that happens, so
// nothing is left behind on the machine. Must be called before the process
// starts any thread, since unshare() moves only the calling thread and
// threads created after it.

#include <string>

#include "common/error.h"

namespace parley::load {

struct PrivateNetwork {
  std::string interface;  // the veth end that carries `address`
  std::string address;    // e.g. "127.0.0.2", a /32
};

// Errors: "netns_unavailable" when the kernel refuses a new network
// namespace (not root, or no CLONE_NEWNET), "setup" when `ip` fails.
Expected<PrivateNetwork> enter_private_network(const std::string& address = "127.0.0.2");

}  // namespace parley::load
