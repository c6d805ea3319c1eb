// Packages installed under the root, from its own dpkg database (not the machine's).
#pragma once

#include <optional>
#include <string>

#include "core/error.h"
#include "host/host.h"

namespace clawshield {

// The installed version of `package` in the root's dpkg database, or nullopt when it is not
// installed. ErrorCode::not_found when the root has no dpkg database; other errors when
// dpkg-query cannot run or fails otherwise — never "not installed" for a question unanswered.
Result<std::optional<std::string>> installed_version(const HostView& host,
                                                     const std::string& package);
// Whether `package` is installed (the same question, without the version).
Result<bool> package_installed(const HostView& host, const std::string& package);

}  // namespace clawshield
