// Decides which live actions may run on this host. Kept in one place so every layer reports a
// skipped action with the same words instead of pretending it ran.
#include "host/host.h"

#include <fstream>
#include <sstream>

namespace clawshield {

std::optional<std::string> Host::skip_reason(Requirement requirement) const {
  if (requirement == Requirement::none)
    return std::nullopt;
  if (liveness == Liveness::offline)
    return "offline";
  if (requirement == Requirement::network)
    return own_network ? std::nullopt
                       : std::optional<std::string>("--root is not the running system (name its "
                                                    "network namespace with --netns)");
  if (!fs.is_system_root())
    return "--root is not the running system";
  if (requirement == Requirement::systemd && !systemd_running)
    return "systemd not running";
  return std::nullopt;
}

Result<std::string> read_kernel_file(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return fail(ErrorCode::not_found, "cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool detect_systemd(const Filesystem& fs) {
  if (!fs.is_system_root())
    return false;
  auto st = fs.stat("/run/systemd/system");
  return st && *st && (*st)->type == FileType::directory;
}

}  // namespace clawshield
