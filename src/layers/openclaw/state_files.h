// OpenClaw's secrets on disk, as its own auditor lists them (fs.credentials_dir,
// fs.auth_profiles, fs.sessions_store): the OAuth/pairing folder, each agent's auth-profile
// store and session index. They must be the app user's and closed to group and others;
// `apply` tightens them on a descriptor, the way `openclaw security audit --fix` would.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "host/filesystem.h"
#include "policy/policy.h"

namespace clawshield {

struct StateTarget {
  std::string path;
  UntrustedKind kind;
  unsigned mode;  // what apply sets: 0700 for folders, 0600 for files
};

// The targets that exist under the app's state dir. Folders are listed without following
// links; an agent folder whose name is not a plain name is skipped. An unreadable folder is an
// error, never "nothing there".
Result<std::vector<StateTarget>> state_targets(const Filesystem& fs, const AppPolicy& app);

}  // namespace clawshield
