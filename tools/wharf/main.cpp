// The wharf CLI's composition root: the process's streams and environment go in here, and
// nothing below reads them directly.

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <iostream>

#include "cli/cli.h"

int main(int argc, char** argv) {
  // A closed pipe (wharf ps | head) must end us quietly, not kill us mid-write with SIGPIPE
  // semantics the streams cannot report; writes to the daemon use MSG_NOSIGNAL anyway.
  std::signal(SIGPIPE, SIG_IGN);
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv + 1, argv + argc);
  int rc = wharf::cli::runCli(args, std::cout, std::cerr, std::getenv("WHARF_HOST"), 0,
                              ::isatty(STDOUT_FILENO) == 1);
  std::cout.flush();
  std::cerr.flush();
  return rc;
}
