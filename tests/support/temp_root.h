// Test support: temporary roots seeded like a minimal Debian system, tree snapshots to compare
// a root before and after, and running the real clawshield binary.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "host/runner.h"

namespace clawshield::testing {

// A temporary directory removed (with everything in it) when the object dies.
class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

// Writes `content` to `root` + `path`, creating parents, with `mode`.
void write_file(const std::string& root, const std::string& path, const std::string& content,
                unsigned mode = 0644);
std::string read_file(const std::string& root, const std::string& path);

// Seeds `root` with account files (root, daemon, a docker group), a dpkg database in which
// unattended-upgrades is installed, and /etc/apt.
void seed_minimal_root(const std::string& root);

// Adds `package` at `version` to the root's dpkg database as installed (e.g. docker.io).
void add_installed_package(const std::string& root, const std::string& package,
                           const std::string& version);

struct TreeEntry {
  char type;  // 'f' file, 'd' directory, 'l' symlink
  unsigned mode;
  uid_t uid;
  gid_t gid;
  std::string content;  // file content or link target
  bool operator==(const TreeEntry&) const = default;
};
using Tree = std::map<std::string, TreeEntry>;

// Every path under `root` except those under `exclude` (relative, e.g. "var/lib/clawshield").
Tree snapshot(const std::string& root, const std::string& exclude = "var/lib/clawshield");
// Human-readable list of differences between two snapshots ("" when equal).
std::string tree_difference(const Tree& before, const Tree& after);

// Runs the built clawshield with `args`, with `env` added; SSH_CONNECTION, SUDO_USER and
// SUDO_UID are emptied unless `env` sets them, so a test never depends on how it was started.
CommandResult run_clawshield(const std::vector<std::string>& args,
                             const std::vector<std::pair<std::string, std::string>>& env = {});

bool running_as_root();

// What a reboot does to the commit-confirmed watchdog of the temp root `root` (the process
// whose command line is `clawshield firewall-revert ... ROOT ...`): kills it and waits up to
// 5 s for it to go. Returns how many died.
int kill_watchdogs(const std::string& root);

}  // namespace clawshield::testing

#define SKIP_UNLESS_ROOT()                         \
  do {                                             \
    if (!::clawshield::testing::running_as_root()) \
      GTEST_SKIP() << "needs root";                \
  } while (false)
