// One way to ask the root's dpkg database about a package, for every layer that needs to know
// (unattended-upgrades, Docker): dpkg-query pointed at <root>/var/lib/dpkg.
#include "host/packages.h"

#include "core/text.h"

namespace clawshield {

Result<std::optional<std::string>> installed_version(const HostView& host,
                                                     const std::string& package) {
  CS_TRY(auto status, host.fs.stat("/var/lib/dpkg/status"));
  if (!status)
    return fail(ErrorCode::not_found, "no dpkg database at " + host.fs.host_path("/var/lib/dpkg"));
  Command command({"dpkg-query", "--admindir=" + host.fs.host_path("/var/lib/dpkg"), "--show",
                   "--showformat=${db:Status-Abbrev} ${Version}", package});
  CS_TRY(CommandResult result, host.runner.run(command));
  if (!result.ok()) {
    if (result.err.find("no packages found") != std::string::npos)
      return std::optional<std::string>{};
    return fail(ErrorCode::command_failed, describe_failure(command, result));
  }
  auto words = split_words(std::string(trim(result.out)));
  if (words.size() == 2 && words[0] == "ii")
    return std::optional<std::string>(words[1]);
  return std::optional<std::string>{};  // known to dpkg, but removed or half-installed
}

Result<bool> package_installed(const HostView& host, const std::string& package) {
  CS_TRY(auto version, installed_version(host, package));
  return version.has_value();
}

}  // namespace clawshield
