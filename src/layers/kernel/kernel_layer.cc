// Why a kernel layer: a firewall sits on a network stack whose own settings decide whether
// redirects can reroute traffic, spoofed sources get through, or a SYN flood fills the
// backlog; and a host that runs other people's containers wants kernel pointers, dmesg and
// ptrace out of reach. Docker needs IP forwarding on, so the router-side settings are the
// ones judged. Settings are of two scopes: the network namespace's (net.ipv4/6, read in the
// host's namespace, so `--netns` works) and the machine's (kernel.*, fs.*, only on the live
// root). Values come from /proc/sys; one that cannot be read is unknown, never fine. In a
// container (nspawn, LXC, Docker, a container VPS) the machine's settings are the host's, and
// the network's too where /proc/sys/net is read-only: they are left out of the file and the
// apply (a `sysctl -w` there fails with "permission denied" and would roll the apply back),
// and verify reports them unknown with the reason, neither pass nor fail.
#include "layers/kernel/kernel_layer.h"

#include <algorithm>
#include <map>

#include "core/text.h"
#include "host/docker_detect.h"
#include "layers/kernel/checks.h"

namespace clawshield {
namespace {

std::string proc_path(const std::string& name) {
  std::string path = "/proc/sys/" + name;
  std::replace(path.begin() + 10, path.end(), '.', '/');
  return path;
}

bool exempt(const Policy& policy, const std::string& name) {
  return std::ranges::find(policy.kernel.exempt, name) != policy.kernel.exempt.end();
}

// Why the running values of `scope` cannot be seen here, or nullopt.
std::optional<std::string> unseen(const HostView& host, SysctlScope scope) {
  if (scope == SysctlScope::network && !host.own_network)
    return "network settings not read: --root is not the running system (use --netns)";
  if (scope == SysctlScope::machine && !host.fs.is_system_root())
    return "machine-wide settings belong to the running system, not to --root";
  return std::nullopt;
}

Result<std::string> live_value(const std::string& name) {
  CS_TRY(std::string text, read_kernel_file(proc_path(name)));
  return std::string(trim(text));
}

}  // namespace

Result<SysctlOwners> sysctl_owners(const HostView& host) {
  SysctlOwners owners;
  CS_TRY(std::optional<std::string> container, detect_container(host.fs));
  if (!container)
    return owners;
  owners.machine = "set by the container's host (" + *container + ")";
  // /proc/sys/net as this process sees it is the root's only on the running system.
  if (host.fs.is_system_root() && host.own_network) {
    CS_TRY(bool read_only, kernel_folder_read_only("/proc/sys/net"));
    if (read_only)
      owners.network =
          "set by the container's host (" + *container + "; /proc/sys/net is read-only here)";
  }
  return owners;
}

std::string render_sysctl(const Policy& policy, const SysctlOwners& owners) {
  std::string out =
      "# Managed by clawshield: `clawshield apply` rewrites this file.\n"
      "# Kernel settings for a Docker host (forwarding stays as Docker sets it).\n";
  for (SysctlScope scope : {SysctlScope::network, SysctlScope::machine})
    if (const auto& why = owners.held(scope))
      out += std::string("# Not listed: the ") +
             (scope == SysctlScope::network ? "network" : "machine-wide") + " settings, " + *why +
             ".\n";
  for (const auto& setting : kernel_settings())
    if (!exempt(policy, setting.name) && !owners.held(setting.scope))
      out += setting.name + " = " + setting.value + "\n";
  return out;
}

Result<std::vector<Action>> KernelLayer::desired(const Context& context) const {
  std::vector<Action> actions;
  if (!context.policy.kernel.manage)
    return actions;
  CS_TRY(SysctlOwners owners, sysctl_owners(context.host));
  actions.push_back(
      WriteFile{k_sysctl_path, render_sysctl(context.policy, owners), {}, std::nullopt});
  // The running kernel: only what differs, per scope (each needs its own right to change), and
  // only the scopes that are this host's to set.
  for (SysctlScope scope : {SysctlScope::network, SysctlScope::machine}) {
    if (unseen(context.host, scope) || owners.held(scope))
      continue;
    std::vector<std::string> argv = {"sysctl", "-q", "-w"};
    for (const auto& setting : kernel_settings()) {
      if (setting.scope != scope || exempt(context.policy, setting.name))
        continue;
      auto value = live_value(setting.name);
      if (value && std::ranges::find(setting.accepted, *value) == setting.accepted.end())
        argv.push_back(setting.name + "=" + setting.value);
    }
    if (argv.size() > 3)
      actions.push_back(RunCommand{
          scope == SysctlScope::network ? "set network sysctls" : "set machine-wide sysctls",
          Command(argv),
          scope == SysctlScope::network ? Requirement::network : Requirement::live_system,
          {},
          {}});
  }
  return actions;
}

std::vector<Finding> KernelLayer::verify(const Context& context) const {
  const HostView& host = context.host;
  std::vector<Finding> findings;
  const Result<SysctlOwners> owners = sysctl_owners(host);
  // Each check: the settings that belong to it (each names its check), judged together, in
  // the catalog's order.
  std::map<std::string, std::vector<const SysctlSetting*>> settings_of;
  for (const auto& setting : kernel_settings())
    settings_of["kernel." + setting.check].push_back(&setting);
  for (const Check* check : checks::k_kernel_sysctl) {
    std::vector<std::string> wrong, unknown, exempted, seen, held;
    bool severe = false;
    for (const SysctlSetting* setting : settings_of[std::string(check->id)]) {
      if (exempt(context.policy, setting->name)) {
        exempted.push_back(setting->name);
        continue;
      }
      if (!owners) {
        unknown.push_back(owners.error().message);
        continue;
      }
      // The host's: unknown with the reason, and the value it has now where it can be read.
      if (const auto& why = owners->held(setting->scope)) {
        unknown.push_back(*why);
        if (!unseen(host, setting->scope))
          if (auto value = live_value(setting->name))
            held.push_back(setting->name + "=" + *value);
        continue;
      }
      if (auto why = unseen(host, setting->scope)) {
        unknown.push_back(*why);
        continue;
      }
      auto value = live_value(setting->name);
      if (!value) {
        unknown.push_back(value.error().message);
        continue;
      }
      seen.push_back(setting->name + "=" + *value);
      if (std::ranges::find(setting->accepted, *value) == setting->accepted.end()) {
        wrong.push_back(setting->name + "=" + *value + " (want " + join(setting->accepted, " or ") +
                        ")");
        severe = severe || setting->severity == SysctlSeverity::fail;
      }
    }
    std::sort(unknown.begin(), unknown.end());
    unknown.erase(std::unique(unknown.begin(), unknown.end()), unknown.end());
    Status status = !wrong.empty()     ? (severe ? Status::fail : Status::warn)
                    : !unknown.empty() ? Status::unknown
                                       : Status::pass;
    std::string evidence =
        !wrong.empty()     ? join(wrong, "; ")
        : !unknown.empty() ? join(unknown, "; ") + (held.empty() ? "" : ": now " + join(held, ", "))
        : seen.empty()     ? "all exempted by the policy"
                           : join(seen, ", ");
    if (!exempted.empty())
      evidence += " (exempt: " + join(exempted, ", ") + ")";
    findings.push_back(make_finding(*check, status, evidence));
  }

  // Forwarding: on where Docker runs (its containers route through the host), else either way.
  if (auto why = unseen(host, SysctlScope::network)) {
    findings.push_back(make_finding(checks::k_kernel_forwarding, Status::unknown, *why));
  } else {
    auto v4 = live_value("net.ipv4.ip_forward");
    const bool has_docker = detect_docker(host).installed;
    if (!v4)
      findings.push_back(
          make_finding(checks::k_kernel_forwarding, Status::unknown, v4.error().message));
    else
      findings.push_back(make_finding(
          checks::k_kernel_forwarding, has_docker && *v4 != "1" ? Status::warn : Status::pass,
          "net.ipv4.ip_forward=" + *v4 +
              (has_docker ? (*v4 == "1" ? " (Docker installed: on, as it must be; the forward "
                                          "chain decides what is routed)"
                                        : " (Docker installed: containers cannot reach out)")
                          : " (Docker not installed)")));
  }

  // The settings survive a reboot only through the sysctl.d file.
  if (context.policy.kernel.manage) {
    auto text = host.fs.read(k_sysctl_path);
    Status status = !owners                                                   ? Status::unknown
                    : !text && text.error().code != ErrorCode::not_found      ? Status::unknown
                    : text && *text == render_sysctl(context.policy, *owners) ? Status::pass
                                                                              : Status::fail;
    findings.push_back(
        make_finding(checks::k_kernel_persisted, status,
                     !owners                     ? owners.error().message
                     : status == Status::unknown ? text.error().message
                     : status == Status::pass    ? std::string(k_sysctl_path)
                     : text ? std::string(k_sysctl_path) + " differs from the policy's render"
                            : std::string(k_sysctl_path) + " is missing"));
  }
  return findings;
}

}  // namespace clawshield
