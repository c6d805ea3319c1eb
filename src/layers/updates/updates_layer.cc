// Layer 8 — unattended-upgrades. Two apt.conf.d files: Debian's usual 20auto-upgrades (turn the
// periodic jobs on) and our own, ordered after Debian's 50unattended-upgrades, which clears its
// origin lists and allows security origins only, with automatic reboots off. verify does not
// grep our files: it asks apt-config for the effective configuration under the root, so a
// later file that turns reboots back on is caught. apt-config is pointed at the root through
// an APT_CONFIG file that lives only in memory (nothing is written for a check).
#include "layers/updates/updates_layer.h"

#include <algorithm>

#include "core/text.h"
#include "host/packages.h"
#include "layers/updates/checks.h"

namespace clawshield {
namespace {

bool is_security_origin(const std::string& text) {
  return to_lower(text).find("security") != std::string::npos;
}

bool periodic_on(const std::string& value) {
  return !value.empty() && value != "0" && value != "false" && value != "never";
}

std::string last_value(const std::multimap<std::string, std::string>& config,
                       const std::string& key) {
  auto [begin, end] = config.equal_range(key);
  return begin == end ? std::string() : std::prev(end)->second;
}

std::vector<std::string> list_values(const std::multimap<std::string, std::string>& config,
                                     const std::string& key) {
  std::vector<std::string> values;
  auto [begin, end] = config.equal_range(key + "::");
  for (auto it = begin; it != end; ++it) values.push_back(it->second);
  return values;
}

}  // namespace

std::string render_periodic(const Policy& policy) {
  auto flag = [](bool on) { return on ? "\"1\"" : "\"0\""; };
  return std::string("// Managed by clawshield: `clawshield apply` rewrites this file.\n") +
         "APT::Periodic::Update-Package-Lists " + flag(policy.updates.update_package_lists) +
         ";\n" + "APT::Periodic::Unattended-Upgrade " + flag(policy.updates.unattended_upgrade) +
         ";\n";
}

std::string render_unattended(const Policy& policy) {
  std::string out =
      "// Managed by clawshield: `clawshield apply` rewrites this file.\n"
      "// Read after Debian's 50unattended-upgrades: replaces its origin lists with the policy's\n"
      "// (security only by default) and keeps automatic reboots off.\n"
      "#clear Unattended-Upgrade::Allowed-Origins;\n"
      "#clear Unattended-Upgrade::Origins-Pattern;\n"
      "Unattended-Upgrade::Origins-Pattern {\n";
  for (const auto& pattern : policy.updates.origins_pattern) out += "  \"" + pattern + "\";\n";
  out += "};\n";
  out += std::string("Unattended-Upgrade::Automatic-Reboot \"") +
         (policy.updates.automatic_reboot ? "true" : "false") + "\";\n";
  return out;
}

Result<std::multimap<std::string, std::string>> apt_config(const HostView& host) {
  Command command{{"apt-config", "dump"}};
  if (!host.fs.is_system_root()) {
    // Read before the parts directory, this sets where apt finds etc/apt.
    command.inline_files.push_back({"APT_CONFIG", "Dir \"" + host.fs.root() + "/\";\n"});
  }
  CS_TRY(CommandResult result, host.runner.run(command));
  if (!result.ok())
    return fail(ErrorCode::command_failed, describe_failure(command, result));
  std::multimap<std::string, std::string> config;
  for (const auto& line : split_lines(result.out)) {
    // Key "value";
    size_t space = line.find(" \"");
    if (space == std::string::npos || !line.ends_with("\";"))
      continue;
    config.emplace(line.substr(0, space), line.substr(space + 2, line.size() - space - 4));
  }
  return config;
}

Result<std::vector<Action>> UpdatesLayer::desired(const Context& context) const {
  std::vector<Action> actions;
  auto installed = package_installed(context.host, "unattended-upgrades");
  if (installed && !*installed) {
    Command install{
        {"apt-get", "install", "--yes", "--no-install-recommends", "unattended-upgrades"}};
    install.env.push_back({"DEBIAN_FRONTEND", "noninteractive"});
    install.timeout = std::chrono::minutes(10);
    actions.push_back(
        RunCommand{"install unattended-upgrades", install, Requirement::live_system, {}, {}});
  }
  for (const char* dir : {"/etc/apt", "/etc/apt/apt.conf.d"})
    actions.push_back(EnsureDirectory{dir, FileSpec{0755, "root", "root"}});
  actions.push_back(WriteFile{k_periodic_path, render_periodic(context.policy),
                              FileSpec{0644, "root", "root"}, std::nullopt});
  actions.push_back(WriteFile{k_unattended_path, render_unattended(context.policy),
                              FileSpec{0644, "root", "root"}, std::nullopt});
  return actions;
}

std::vector<Finding> UpdatesLayer::verify(const Context& context) const {
  const UpdatesPolicy& want = context.policy.updates;
  const HostView& host = context.host;
  std::vector<Finding> findings;

  auto installed = package_installed(host, "unattended-upgrades");
  findings.push_back(make_finding(checks::k_updates_package_installed,
                                  !installed   ? Status::unknown
                                  : *installed ? Status::pass
                                               : Status::fail,
                                  !installed   ? installed.error().message
                                  : *installed ? "dpkg: unattended-upgrades installed"
                                               : "dpkg: unattended-upgrades not installed"));

  auto config = apt_config(host);
  if (!config) {
    for (const Check* check :
         {&checks::k_updates_periodic_update, &checks::k_updates_periodic_unattended,
          &checks::k_updates_security_only, &checks::k_updates_automatic_reboot})
      findings.push_back(make_finding(*check, Status::unknown, config.error().message,
                                      SummaryOverride{"apt configuration"}));
  } else {
    auto periodic = [&](const Check& check, const char* key, bool wanted) {
      std::string value = last_value(*config, key);
      bool on = periodic_on(value);
      findings.push_back(make_finding(
          check, on == wanted ? Status::pass : Status::fail,
          std::string(key) + " = " + (value.empty() ? "(unset)" : "\"" + value + "\"")));
    };
    periodic(checks::k_updates_periodic_update, "APT::Periodic::Update-Package-Lists",
             want.update_package_lists);
    periodic(checks::k_updates_periodic_unattended, "APT::Periodic::Unattended-Upgrade",
             want.unattended_upgrade);

    auto origins = list_values(*config, "Unattended-Upgrade::Origins-Pattern");
    auto allowed = list_values(*config, "Unattended-Upgrade::Allowed-Origins");
    origins.insert(origins.end(), allowed.begin(), allowed.end());
    std::vector<std::string> other;
    for (const auto& origin : origins)
      if (!is_security_origin(origin) &&
          std::ranges::find(want.origins_pattern, origin) == want.origins_pattern.end())
        other.push_back(origin);
    Status origin_status = origins.empty() ? Status::fail
                           : other.empty() ? Status::pass
                                           : Status::warn;
    findings.push_back(
        make_finding(checks::k_updates_security_only, origin_status,
                     origins.empty() ? "no origins configured: nothing would be upgraded"
                     : other.empty() ? std::to_string(origins.size()) + " security origins"
                                     : "non-security origins: " + join(other, "; ")));

    std::string reboot = last_value(*config, "Unattended-Upgrade::Automatic-Reboot");
    bool reboot_on = reboot == "true" || reboot == "1" || reboot == "yes";
    findings.push_back(make_finding(
        checks::k_updates_automatic_reboot,
        reboot_on == want.automatic_reboot ? Status::pass : Status::fail,
        "Unattended-Upgrade::Automatic-Reboot = " +
            (reboot.empty() ? std::string("(unset: false)") : "\"" + reboot + "\""),
        SummaryOverride{want.automatic_reboot ? "automatic reboot on" : "automatic reboot off"}));
  }

  // A pending reboot is a warning: patched code is not running yet.
  auto flag = host.fs.stat("/var/run/reboot-required");
  if (!flag) {
    findings.push_back(
        make_finding(checks::k_updates_reboot_pending, Status::unknown, flag.error().message));
  } else if (!*flag) {
    findings.push_back(make_finding(checks::k_updates_reboot_pending, Status::pass,
                                    "no /var/run/reboot-required"));
  } else {
    auto packages = host.fs.read("/var/run/reboot-required.pkgs");
    std::string names = packages ? *packages : "";
    std::ranges::replace(names, '\n', ' ');
    std::string list = join(split_words(names), ", ");
    findings.push_back(
        make_finding(checks::k_updates_reboot_pending, Status::warn,
                     "/var/run/reboot-required present" +
                         (list.empty() ? std::string() : " (packages: " + list + ")")));
  }
  return findings;
}

}  // namespace clawshield
