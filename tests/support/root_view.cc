// Runs a command as if a temp root's files were the system's: in a mount namespace of its own,
// the root's copies of the given paths are bind-mounted over the system paths, and the command
// runs in the given network namespace. So the seed's checklist commands (`ufw status`,
// `fail2ban-client status sshd`) can be run exactly as written against a test's root.
//   root_view NETNS ROOT PATH... -- COMMAND ARGS...
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
  int separator = 0;
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--") == 0) {
      separator = i;
      break;
    }
  if (argc < 5 || separator < 3 || separator + 1 >= argc) {
    std::fprintf(stderr, "usage: root_view NETNS ROOT PATH... -- COMMAND ARGS...\n");
    return 2;
  }
  const std::string netns = std::string("/run/netns/") + argv[1];
  const std::string root = argv[2];
  if (::unshare(CLONE_NEWNS) != 0 ||
      ::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    std::perror("root_view: mount namespace");
    return 2;
  }
  for (int i = 3; i < separator; ++i) {
    const std::string source = root + argv[i];
    if (::mount(source.c_str(), argv[i], nullptr, MS_BIND | MS_REC, nullptr) != 0) {
      std::fprintf(stderr, "root_view: bind %s on %s: %s\n", source.c_str(), argv[i],
                   std::strerror(errno));
      return 2;
    }
  }
  int fd = ::open(netns.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
    std::perror("root_view: network namespace");
    return 2;
  }
  ::execvp(argv[separator + 1], argv + separator + 1);
  std::perror("root_view: exec");
  return 127;
}
