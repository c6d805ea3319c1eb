// Finding OpenClaw's credential files below the state dir. Everything here is in the app
// user's home, so every folder is opened with open_untrusted (no links, no escape) and listed
// by descriptor; the names found are used only as single path components.
#include "layers/openclaw/state_files.h"

#include <algorithm>

namespace clawshield {
namespace {

bool plain_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos;
}

// Names in the folder at `path`; an empty list when it does not exist.
Result<std::vector<std::string>> names_in(const Filesystem& fs, const std::string& path,
                                          const std::string& home) {
  auto dir = fs.open_untrusted(path, home, UntrustedKind::directory);
  if (!dir && dir.error().code == ErrorCode::not_found)
    return std::vector<std::string>{};
  if (!dir)
    return std::unexpected(dir.error());
  return list_names_at(dir->descriptor(), fs.host_path(path));
}

}  // namespace

Result<std::vector<StateTarget>> state_targets(const Filesystem& fs, const AppPolicy& app) {
  std::vector<StateTarget> targets;
  const std::string& state = app.state_dir;
  CS_TRY(std::vector<std::string> top, names_in(fs, state, app.home));
  if (std::ranges::find(top, "credentials") != top.end())
    targets.push_back({state + "/credentials", UntrustedKind::directory, 0700});
  if (std::ranges::find(top, "agents") == top.end())
    return targets;
  CS_TRY(std::vector<std::string> agents, names_in(fs, state + "/agents", app.home));
  for (const auto& agent : agents) {
    if (!plain_name(agent))
      continue;
    const std::string base = state + "/agents/" + agent;
    CS_TRY(std::vector<std::string> inside, names_in(fs, base, app.home));
    if (std::ranges::find(inside, "agent") != inside.end()) {
      CS_TRY(std::vector<std::string> files, names_in(fs, base + "/agent", app.home));
      for (const auto& file : files)
        if (plain_name(file) && file.starts_with("auth-profiles"))
          targets.push_back({base + "/agent/" + file, UntrustedKind::regular, 0600});
    }
    if (std::ranges::find(inside, "sessions") != inside.end()) {
      CS_TRY(std::vector<std::string> files, names_in(fs, base + "/sessions", app.home));
      if (std::ranges::find(files, "sessions.json") != files.end())
        targets.push_back({base + "/sessions/sessions.json", UntrustedKind::regular, 0600});
    }
  }
  return targets;
}

}  // namespace clawshield
