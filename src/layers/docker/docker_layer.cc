// Layer 3, daemon side — /etc/docker/daemon.json. Merge, never clobber: the admin's keys stay,
// ours are set, and the result is rendered from a parsed document, so it is always valid JSON
// (a broken daemon.json stops Docker from starting). An existing file that does not parse is
// reported with its line and column and left alone. Docker before 27 refuses "ip6tables"
// unless experimental features are on, so for those versions "experimental" is set with it
// (policy docker.experimental_for_ip6tables). Docker is restarted only when the file changed.
#include "layers/docker/docker_layer.h"

#include <nlohmann/json.hpp>

#include <charconv>

#include "core/text.h"

namespace clawshield {
namespace {

using nlohmann::json;

int major_version(std::string version) {
  if (size_t colon = version.find(':'); colon != std::string::npos)
    version = version.substr(colon + 1);  // epoch
  int major = 0;
  std::from_chars(version.data(), version.data() + version.size(), major);
  return major;
}

// The keys the policy sets, as Docker spells them.
json policy_keys(const DockerPolicy& policy, int docker_major) {
  json keys = {{"ip", policy.default_bind_ip},
               {"userland-proxy", policy.userland_proxy},
               {"no-new-privileges", policy.no_new_privileges},
               {"live-restore", policy.live_restore},
               {"iptables", policy.iptables},
               {"ip6tables", policy.ip6tables}};
  if (policy.ip6tables && policy.experimental_for_ip6tables && docker_major > 0 && docker_major < 27)
    keys["experimental"] = true;
  return keys;
}

}  // namespace

DockerInstall detect_docker(Host& host) {
  DockerInstall install;
  auto status = host.fs.stat("/var/lib/dpkg/status");
  if (status && *status) {
    for (const char* package : {"docker-ce", "docker.io", "moby-engine"}) {
      auto result = host.runner.run(Command({"dpkg-query", "--admindir=" + host.fs.host_path("/var/lib/dpkg"),
                                             "--show", "--showformat=${db:Status-Abbrev} ${Version}", package}));
      if (!result) {
        install.evidence = "cannot tell whether Docker is installed: " + result.error().message;
        return install;
      }
      if (!result->ok())
        continue;
      auto words = split_words(std::string(trim(result->out)));
      if (words.size() == 2 && words[0] == "ii") {
        install = {true, major_version(words[1]), package + std::string(" ") + words[1]};
        return install;
      }
    }
  }
  for (const char* binary : {"/usr/bin/dockerd", "/usr/sbin/dockerd", "/usr/local/bin/dockerd"}) {
    auto st = host.fs.stat(binary);
    if (st && *st) {
      install = {true, 0, std::string(binary) + " (version unknown)"};
      return install;
    }
  }
  install.evidence = "Docker is not installed (no docker-ce, docker.io or moby-engine package, no dockerd)";
  return install;
}

Result<std::string> merge_daemon_json(const std::string& existing, const DockerPolicy& policy,
                                      int docker_major, const std::string& file) {
  json document = json::object();
  if (!trim(existing).empty()) {
    // nlohmann::json reports where a parse failed only through its exception: caught here, at
    // the library's boundary.
    try {
      document = json::parse(existing);
    } catch (const json::parse_error& e) {
      // Byte offset -> line:column.
      size_t line = 1, column = 1;
      for (size_t i = 0; i + 1 < e.byte && i < existing.size(); ++i) {
        if (existing[i] == '\n') {
          ++line;
          column = 1;
        } else {
          ++column;
        }
      }
      return fail(ErrorCode::bad_input, file + ":" + std::to_string(line) + ":" + std::to_string(column) +
                                            ": not valid JSON; left untouched (Docker would not start "
                                            "with it either): " + e.what());
    }
    if (!document.is_object())
      return fail(ErrorCode::bad_input, file + ":1:1: not a JSON object; left untouched");
  }
  const json keys = policy_keys(policy, docker_major);
  for (auto it = keys.begin(); it != keys.end(); ++it)
    document[it.key()] = *it;
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
  Host& host = context.host;
  std::vector<Action> actions;
  DockerInstall install = detect_docker(host);
  if (!install.installed)
    return actions;  // nothing to harden; verify says unknown
  auto current = host.fs.read(k_daemon_json);
  if (!current && current.error().code != ErrorCode::not_found)
    return std::unexpected(current.error());
  CS_TRY(std::string merged, merge_daemon_json(current.value_or(""), context.policy.docker, install.major,
                                               host.fs.host_path(k_daemon_json)));
  actions.push_back(EnsureDirectory{"/etc/docker", FileSpec{0755, "root", "root"}});
  actions.push_back(WriteFile{k_daemon_json, merged, FileSpec{0644, "root", "root"}, std::nullopt});
  if (!current || *current != merged)
    actions.push_back(RunCommand{"systemctl restart docker (daemon.json changed)",
                                 Command({"systemctl", "restart", "docker.service"}), Requirement::systemd, {}, {}});
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
  Host& host = context.host;
  std::vector<Finding> findings;
  DockerInstall install = detect_docker(host);
  if (!install.installed) {
    findings.push_back(make_finding(*this, "daemon_config", Status::unknown, "daemon.json hardened",
                                    install.evidence));
    return findings;
  }
  auto current = host.fs.read(k_daemon_json);
  if (!current) {
    findings.push_back(make_finding(*this, "daemon_config",
                                    current.error().code == ErrorCode::not_found ? Status::fail : Status::unknown,
                                    "daemon.json hardened", current.error().message));
    return findings;
  }
  json document = json::parse(*current, nullptr, false);
  if (document.is_discarded() || !document.is_object()) {
    findings.push_back(make_finding(*this, "daemon_config", Status::fail, "daemon.json hardened",
                                    host.fs.host_path(k_daemon_json) + " is not valid JSON: Docker will not start"));
    return findings;
  }
  std::vector<std::string> wrong;
  const json keys = policy_keys(context.policy.docker, install.major);
  for (auto it = keys.begin(); it != keys.end(); ++it)
    if (!document.contains(it.key()) || document[it.key()] != *it)
      wrong.push_back(it.key() + "=" + (document.contains(it.key()) ? document[it.key()].dump() : "(unset)") +
                      ", want " + it->dump());
  const json options = document.contains("log-opts") ? document["log-opts"] : json::object();
  if (!options.is_object() || !options.contains("max-size"))
    wrong.push_back("log-opts.max-size unset (container logs grow without bound)");
  findings.push_back(make_finding(*this, "daemon_config", wrong.empty() ? Status::pass : Status::fail,
                                  "daemon.json hardened",
                                  wrong.empty() ? "ip " + context.policy.docker.default_bind_ip +
                                                      ", no userland-proxy, no-new-privileges, live-restore, "
                                                      "iptables and ip6tables, log limits (" + install.evidence + ")"
                                                : join(wrong, "; ")));
  return findings;
}

}  // namespace clawshield
