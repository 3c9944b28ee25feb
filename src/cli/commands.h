#pragma once
// `parley`, the command-line client. Exit codes: 0 done; 1 refused or failed
// (the message says why); 2 bad usage; 3 conflict: the meeting changed first
// (the current state is printed); 4 an exported log does not verify.

namespace parley::cli {
int run(int argc, char** argv);
}
