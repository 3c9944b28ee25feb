// parley: the command-line client. Everything is in src/cli.
#include "cli/commands.h"

int main(int argc, char** argv) { return parley::cli::run(argc, argv); }
