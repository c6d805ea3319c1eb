// The user and group databases of a root (its /etc/passwd and /etc/group), read directly so
// that `--root` inspects that root's accounts rather than the machine's (getpwnam would not).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "host/filesystem.h"

namespace clawshield {

struct UserEntry {
  std::string name;
  uid_t uid;
  gid_t gid;
  std::string home;
  std::string shell;
};

struct GroupEntry {
  std::string name;
  gid_t gid;
  std::vector<std::string> members;
};

class Accounts {
 public:
  // Reads /etc/passwd and /etc/group of `fs`. Fails (never "no users") when either is
  // unreadable or malformed.
  static Result<Accounts> load(const Filesystem& fs);

  const UserEntry* user(const std::string& name) const;
  const GroupEntry* group(const std::string& name) const;
  const GroupEntry* group_by_gid(gid_t gid) const;
  // Names of every group `user` belongs to: its primary group and supplementary ones.
  std::vector<std::string> groups_of(const UserEntry& user) const;
  // uid/gid for owner and group names; error when either does not exist.
  Result<Ownership> resolve(const std::string& owner, const std::string& group) const;
  // Users whose uid is 0.
  std::vector<std::string> root_equivalent_users() const;
  // Every uid in passwd and every gid in group, sorted.
  std::vector<uint64_t> uids() const;
  std::vector<uint64_t> gids() const;
  // Users whose home directory is `home` (as written in passwd).
  std::vector<const UserEntry*> users_with_home(const std::string& home) const;

 private:
  std::map<std::string, UserEntry> m_users;
  std::map<std::string, GroupEntry> m_groups;
};

// What shadow's tools (useradd, usermod) left in the root's /etc when they were killed:
// `NAME.lock` files whose process is gone (or that hold no PID; shadow then refuses to run
// until they are removed) and `NAME+` temp copies, for passwd, shadow, group and gshadow.
// ErrorCode::refused, naming the file, when a lock belongs to a process that still runs.
Result<std::vector<std::string>> stale_account_locks(const Filesystem& fs);

}  // namespace clawshield
