// Decides which live actions may run on this host. Kept in one place so every layer reports a
// skipped action with the same words instead of pretending it ran.
#include "host/host.h"

namespace clawshield {

std::optional<std::string> Host::skip_reason(Requirement requirement) const {
  if (requirement == Requirement::none)
    return std::nullopt;
  if (liveness == Liveness::offline)
    return "offline";
  if (!fs.is_system_root())
    return "--root is not the running system";
  if (requirement == Requirement::systemd && !systemd_running)
    return "systemd not running";
  return std::nullopt;
}

bool detect_systemd(const Filesystem& fs) {
  if (!fs.is_system_root())
    return false;
  auto st = fs.stat("/run/systemd/system");
  return st && *st && (*st)->type == FileType::directory;
}

}  // namespace clawshield
