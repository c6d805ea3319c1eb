// Layer 3, daemon side — /etc/docker/daemon.json. Merge, never clobber: the admin's keys stay,
// ours are set, and the result is rendered from a parsed document, so it is always valid JSON
// (a broken daemon.json stops Docker from starting). An existing file that does not parse is
// reported with its line and column and left alone. Docker before 27 refuses "ip6tables"
// unless experimental features are on, so for those versions "experimental" is set with it
// (policy docker.experimental_for_ip6tables). Docker is restarted only when the file changed.
#include "layers/docker/docker_layer.h"

#include <nlohmann/json.hpp>

#include "core/bounded_json.h"
#include "core/text.h"
#include "host/accounts.h"
#include "host/docker_detect.h"
#include "host/packages.h"
#include "layers/docker/checks.h"

#include <yaml-cpp/yaml.h>
#include <algorithm>

namespace clawshield {
namespace {

using nlohmann::json;

// A compose file; one in the app user's home is the app user's to replace, so it is read
// without following links or blocking.
Result<std::string> read_compose(const HostView& host, const std::string& file,
                                 const std::string& home) {
  if (!file.starts_with(home + "/"))
    return host.fs.read(file);
  CS_TRY(UntrustedFile opened,
         host.fs.open_untrusted(file, trusted_parent_of(file, home), UntrustedKind::regular));
  return opened.read();
}

// The keys the policy sets, as Docker spells them.
json policy_keys(const DockerPolicy& policy, int docker_major) {
  json keys = {{"ip", policy.default_bind_ip},
               {"userland-proxy", policy.userland_proxy},
               {"no-new-privileges", policy.no_new_privileges},
               {"live-restore", policy.live_restore},
               {"iptables", policy.iptables},
               {"ip6tables", policy.ip6tables}};
  if (policy.ip6tables && policy.experimental_for_ip6tables && docker_major > 0 &&
      docker_major < 27)
    keys["experimental"] = true;
  return keys;
}

}  // namespace

void DockerLayer::audit_group_and_compose(const Context& context,
                                          std::vector<Finding>& findings) const {
  const HostView& host = context.host;
  const DockerPolicy& policy = context.policy.docker;
  // The docker group: every member can start a privileged container, i.e. is root.
  auto accounts = Accounts::load(host.fs);
  if (!accounts) {
    findings.push_back(
        make_finding(checks::k_docker_group_members, Status::unknown, accounts.error().message));
  } else if (const GroupEntry* group = accounts->group("docker"); !group) {
    findings.push_back(
        make_finding(checks::k_docker_group_members, Status::pass, "no docker group"));
  } else {
    std::vector<std::string> members = group->members;
    std::vector<std::string> extra;
    bool app_kept = false;
    for (const auto& member : members) {
      if (std::ranges::find(policy.group_members, member) != policy.group_members.end())
        continue;
      // The app user's membership is kept for OpenClaw's Docker sandboxes (app.sandbox:
      // system-docker) and judged by app_user.not_in_forbidden_groups: a warning, not a pass.
      if (member == context.policy.app.user &&
          context.policy.app.sandbox == AppSandbox::system_docker)
        app_kept = true;
      else
        extra.push_back(member);
    }
    std::string evidence =
        !extra.empty() ? "root-equivalent members not allowed by the policy: " + join(extra, ", ")
                       : "members: " + (members.empty() ? std::string("none") : join(members, ","));
    if (app_kept)
      evidence += "; " + context.policy.app.user +
                  " kept for app.sandbox system-docker (root-equivalent; app.sandbox: rootless "
                  "removes the need)";
    findings.push_back(make_finding(checks::k_docker_group_members,
                                    !extra.empty() ? Status::fail
                                    : app_kept     ? Status::warn
                                                   : Status::pass,
                                    evidence));
  }

  // Compose files (OpenClaw's), audited before they run.
  if (policy.compose_files.empty())
    return;
  std::vector<std::string> problems, unreadable;
  for (const auto& file : policy.compose_files) {
    auto text = read_compose(host, file, context.policy.app.home);
    if (!text) {
      unreadable.push_back(text.error().message);
      continue;
    }
    YAML::Node document;
    try {
      document = YAML::Load(*text);
    } catch (const YAML::Exception& e) {
      unreadable.push_back(host.fs.host_path(file) + ":" + std::to_string(e.mark.line + 1) + ":" +
                           std::to_string(e.mark.column + 1) + ": " + e.msg);
      continue;
    }
    const YAML::Node services = document["services"];
    if (!services || !services.IsMap())
      continue;
    for (const auto& service : services) {
      const std::string name = service.first.as<std::string>("?");
      const YAML::Node body = service.second;
      if (!body.IsMap())
        continue;
      if (!body["user"] || body["user"].as<std::string>("").empty() ||
          body["user"].as<std::string>("") == "root" ||
          body["user"].as<std::string>("").starts_with("0"))
        problems.push_back(file + ": " + name + " has no non-root user:");
      const YAML::Node ports = body["ports"];
      if (!ports || !ports.IsSequence())
        continue;
      for (const auto& port : ports) {
        std::string text_port, host_ip;
        if (port.IsScalar()) {
          text_port = port.as<std::string>();
          // "8080:80", "127.0.0.1:8080:80", "[::1]:8080:80", "80"
          size_t colons = static_cast<size_t>(std::ranges::count(text_port, ':'));
          if (text_port.starts_with("["))
            host_ip = text_port.substr(1, text_port.find(']') - 1);
          else if (colons >= 2)
            host_ip = text_port.substr(0, text_port.find(':'));
          else if (colons == 0)
            continue;  // container port only: not published on a fixed host port
        } else if (port.IsMap()) {
          text_port =
              port["published"].as<std::string>("") + ":" + port["target"].as<std::string>("");
          host_ip = port["host_ip"].as<std::string>("");
        }
        if (!(host_ip.starts_with("127.") || host_ip == "::1"))
          problems.push_back(file + ": " + name + " publishes " + text_port +
                             " without a loopback address");
      }
    }
  }
  Status status = !unreadable.empty() ? Status::unknown
                  : problems.empty()  ? Status::pass
                                      : Status::fail;
  findings.push_back(make_finding(
      checks::k_docker_compose, status,
      !unreadable.empty() ? join(unreadable, "; ")
      : problems.empty()  ? std::to_string(policy.compose_files.size()) + " file(s) clean"
                          : join(problems, "; ")));
}

Result<std::string> merge_daemon_json(const std::string& existing, const DockerPolicy& policy,
                                      int docker_major, const std::string& file) {
  json document = json::object();
  if (!trim(existing).empty()) {
    // Bounded: a number no double holds or nesting thousands deep is refused with its place,
    // before the parser spends memory on it.
    auto parsed = parse_json_bounded(existing, file, JsonComments::rejected);
    if (!parsed)
      return fail(ErrorCode::bad_input, parsed.error().message +
                                            "; left untouched (Docker would not start with it "
                                            "either)");
    document = std::move(*parsed);
    if (!document.is_object())
      return fail(ErrorCode::bad_input, file + ":1:1: not a JSON object; left untouched");
  }
  const json keys = policy_keys(policy, docker_major);
  for (auto it = keys.begin(); it != keys.end(); ++it) document[it.key()] = *it;
  // Log rotation: our limits, the admin's other log options kept.
  if (!document.contains("log-driver"))
    document["log-driver"] = "json-file";
  json& options = document["log-opts"];
  if (!options.is_object())
    options = json::object();
  options["max-size"] = policy.log_max_size;
  options["max-file"] = std::to_string(policy.log_max_file);
  return document.dump(2) + "\n";
}

Result<std::vector<Action>> DockerLayer::desired(const Context& context) const {
  const HostView& host = context.host;
  std::vector<Action> actions;
  DockerInstall install = detect_docker(host);
  if (!install.installed)
    return actions;  // nothing to harden; verify says unknown
  auto current = host.fs.read(k_daemon_json);
  if (!current && current.error().code != ErrorCode::not_found)
    return std::unexpected(current.error());
  CS_TRY(std::string merged, merge_daemon_json(current.value_or(""), context.policy.docker,
                                               install.major, host.fs.host_path(k_daemon_json)));
  actions.push_back(EnsureDirectory{"/etc/docker", FileSpec{0755, "root", "root"}});
  actions.push_back(WriteFile{k_daemon_json, merged, FileSpec{0644, "root", "root"}, std::nullopt});
  if (!current || *current != merged)
    // Rollback restarts it again once daemon.json is what it was (or gone), so the running
    // daemon's settings are those of the file again.
    actions.push_back(RunCommand{"systemctl restart docker (daemon.json changed)",
                                 Command({"systemctl", "restart", "docker.service"}),
                                 Requirement::systemd,
                                 {},
                                 {},
                                 {Command({"systemctl", "try-restart", "docker.service"})}});
  return actions;
}

std::vector<std::string> DockerLayer::notes(const Context& context) const {
  DockerInstall install = detect_docker(context.host);
  if (!install.installed)
    return {install.evidence + ": the Docker layer has nothing to do"};
  if (context.policy.docker.ip6tables && context.policy.docker.experimental_for_ip6tables &&
      install.major > 0 && install.major < 27)
    return {install.evidence + " needs \"experimental\": true for \"ip6tables\"; it is set too"};
  return {};
}

std::vector<Finding> DockerLayer::verify(const Context& context) const {
  const HostView& host = context.host;
  std::vector<Finding> findings;
  DockerInstall install = detect_docker(host);
  if (!install.installed) {
    findings.push_back(
        make_finding(checks::k_docker_daemon_config, Status::unknown, install.evidence));
    return findings;
  }
  audit_group_and_compose(context, findings);
  auto current = host.fs.read(k_daemon_json);
  if (!current) {
    findings.push_back(
        make_finding(checks::k_docker_daemon_config,
                     current.error().code == ErrorCode::not_found ? Status::fail : Status::unknown,
                     current.error().message));
    return findings;
  }
  auto parsed =
      parse_json_bounded(*current, host.fs.host_path(k_daemon_json), JsonComments::rejected);
  if (!parsed || !parsed->is_object()) {
    findings.push_back(
        make_finding(checks::k_docker_daemon_config, Status::fail,
                     (parsed ? host.fs.host_path(k_daemon_json) + " is not a JSON object"
                             : parsed.error().message) +
                         ": Docker will not start"));
    return findings;
  }
  const json& document = *parsed;
  std::vector<std::string> wrong;
  const json keys = policy_keys(context.policy.docker, install.major);
  for (auto it = keys.begin(); it != keys.end(); ++it)
    if (!document.contains(it.key()) || document.at(it.key()) != *it)
      wrong.push_back(it.key() + "=" +
                      (document.contains(it.key()) ? dump_json(document.at(it.key())) : "(unset)") +
                      ", want " + it->dump());
  const json options = document.contains("log-opts") ? document.at("log-opts") : json::object();
  if (!options.is_object() || !options.contains("max-size"))
    wrong.push_back("log-opts.max-size unset (container logs grow without bound)");
  findings.push_back(
      make_finding(checks::k_docker_daemon_config, wrong.empty() ? Status::pass : Status::fail,
                   wrong.empty() ? "ip " + context.policy.docker.default_bind_ip +
                                       ", no userland-proxy, no-new-privileges, live-restore, "
                                       "iptables and ip6tables, log limits (" +
                                       install.evidence + ")"
                                 : join(wrong, "; ")));
  return findings;
}

}  // namespace clawshield
