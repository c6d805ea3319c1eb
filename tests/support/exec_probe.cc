// Stands in for a program (journalctl, systemctl) that starts a pager: it tries to exec
// /bin/true the way a pager would be started. Exit 0: the exec worked, so a pager's "!sh"
// would have given a shell. Exit 42: the exec was refused, so nothing can be spawned.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

int main() {
  char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
  ::execv("/bin/true", argv);
  std::fprintf(stderr, "exec_probe: exec refused: %s\n", std::strerror(errno));
  return 42;
}
