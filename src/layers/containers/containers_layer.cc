// Layer 4 — the running containers, audited through the Engine API (GET /containers/json,
// then /containers/{id}/json for each). Each kind of fault is its own check, failing with the
// containers' names and the evidence; a socket that cannot be reached makes every check
// unknown, never pass.
#include "layers/containers/containers_layer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "core/bounded_json.h"
#include "core/text.h"
#include "host/docker_api.h"
#include "layers/docker/docker_layer.h"
#include "layers/rootless_docker/rootless_docker_layer.h"

namespace clawshield {
namespace {

using nlohmann::json;

struct Check {
  const char* id;
  const char* summary;
  std::vector<std::string> failures;
  std::vector<std::string> warnings;
};

std::string name_of(const json& container) {
  std::string name = container.value("Name", container.value("Id", "?"));
  return name.starts_with("/") ? name.substr(1) : name;
}

bool loopback(const std::string& address) {
  return address.starts_with("127.") || address == "::1";
}

bool is_docker_socket(const std::string& path) {
  return path.ends_with("/docker.sock") || path == "/var/run/docker.sock" ||
         path == "/run/docker.sock";
}

}  // namespace

std::vector<Finding> ContainersLayer::verify(const Context& context) const {
  Host& host = context.host;
  const DockerPolicy& policy = context.policy.docker;
  std::vector<Check> checks = {
      {"published_ports", "published ports bound to loopback only", {}, {}},
      {"root_user", "containers run as a non-root user", {}, {}},
      {"privileged", "no privileged containers", {}, {}},
      {"host_network", "no container on the host's network", {}, {}},
      {"host_namespaces", "no container in the host's PID or IPC namespace", {}, {}},
      {"docker_socket", "the Docker socket is not mounted into containers", {}, {}},
      {"capabilities", "no added capabilities", {}, {}},
      {"no_new_privileges", "no-new-privileges for every container", {}, {}},
  };
  std::vector<Finding> findings;
  auto unknown_all = [&](const std::string& why) {
    for (const auto& check : checks)
      findings.push_back(make_finding(*this, check.id, Status::unknown, check.summary, why));
    return findings;
  };
  DockerInstall install = detect_docker(host);
  auto check = [&](const char* id) -> Check& {
    return *std::ranges::find_if(checks,
                                 [&](const Check& c) { return std::string_view(c.id) == id; });
  };

  // The daemons whose containers count: the system's, and the app user's rootless one (its
  // socket held by a descriptor opened without following links: the folder is the user's).
  struct Daemon {
    std::string label;   // "" for the system daemon, "rootless:" before the other's names
    std::string socket;  // what to connect to
    std::string config;  // its daemon.json, for the no-new-privileges default
  };
  std::vector<Daemon> daemons = {{"", host.docker_socket, k_daemon_json}};
  std::optional<UntrustedFile> rootless_socket;
  // A daemon that should run but cannot be asked: its containers are not "none" (a fault found
  // on another daemon still fails).
  std::optional<std::string> unasked;
  if (host.fs.is_system_root() && rootless_docker_wanted(host, context.policy)) {
    const RootlessDocker rootless = rootless_docker(context.policy.app);
    auto opened = host.fs.open_untrusted(rootless.socket, parent_path(rootless.runtime_dir),
                                         UntrustedKind::socket);
    if (!opened)
      unasked = "the rootless daemon of " + context.policy.app.user +
                " cannot be asked: " + opened.error().message;
    else {
      rootless_socket.emplace(std::move(*opened));
      daemons.push_back(
          {"rootless:", "/proc/self/fd/" + std::to_string(rootless_socket->descriptor()),
           rootless.config_file});
    }
  }

  size_t counted = 0;
  std::vector<std::string> sources;
  for (const Daemon& daemon : daemons) {
    CurlDockerApi api(daemon.socket);
    auto listed = api.get("/containers/json");
    if (!listed) {
      // No system daemon where the rootless one serves the sandboxes is no fault.
      if (daemon.label.empty() && context.policy.app.sandbox == AppSandbox::rootless &&
          install.installed && listed.error().code == ErrorCode::not_found)
        continue;
      if (!daemon.label.empty()) {
        unasked = "the rootless daemon of " + context.policy.app.user +
                  " cannot be asked: " + listed.error().message;
        continue;
      }
      if (!install.installed)
        return unknown_all(install.evidence);
      return unknown_all(listed.error().message);
    }
    json containers = json::parse(*listed, nullptr, false);
    if (containers.is_discarded() || !containers.is_array())
      return unknown_all("Docker API: /containers/json is not a JSON array");
    counted += containers.size();
    sources.push_back(daemon.label.empty() ? host.docker_socket
                                           : "the rootless daemon of " + context.policy.app.user);

    // The daemon's no-new-privileges default counts for every container.
    bool daemon_nnp = false;
    if (auto config = host.fs.read(daemon.config)) {
      // Host text: bounded, and a non-boolean value is not "on".
      auto document = parse_json_bounded(*config, daemon.config, JsonComments::rejected);
      if (document && document->is_object()) {
        auto nnp = document->find("no-new-privileges");
        daemon_nnp = nnp != document->end() && nnp->is_boolean() && nnp->get<bool>();
      }
    }
    for (const auto& summary : containers) {
      auto details_text = api.get("/containers/" + summary.value("Id", std::string()) + "/json");
      if (!details_text)
        return unknown_all(details_text.error().message);
      json c = json::parse(*details_text, nullptr, false);
      if (c.is_discarded() || !c.is_object())
        return unknown_all("Docker API: unreadable container details");
      const std::string name = daemon.label + name_of(c);
      const json config = c.value("Config", json::object());
      const json hostconfig = c.value("HostConfig", json::object());
      const std::string image = config.value("Image", std::string());

      // Published ports: what is bound (NetworkSettings.Ports), and what was asked for with an
      // explicit wildcard address (HostConfig.PortBindings) even if Docker could not bind it
      // (e.g. "[::]" while IPv6 is off) — it would be bound once it could.
      std::set<std::string> exposed;
      auto note_binding = [&](const std::string& container_port, const json& binding,
                              bool declared) {
        const std::string ip = binding.value("HostIp", std::string());
        const std::string port = binding.value("HostPort", std::string());
        if (loopback(ip) || (declared && ip.empty()))
          return;  // an empty declared address takes the daemon's "ip" (loopback by layer 3)
        int number = std::atoi(port.c_str());
        if (std::ranges::find(policy.public_ports, number) != policy.public_ports.end())
          return;
        exposed.insert(name + " publishes " + container_port + " on " +
                       (ip.empty()                          ? std::string("*")
                        : ip.find(':') != std::string::npos ? "[" + ip + "]"
                                                            : ip) +
                       ":" + port);
      };
      for (const auto& [source, declared] :
           {std::pair{c.value("NetworkSettings", json::object()).value("Ports", json::object()),
                      false},
            std::pair{hostconfig.value("PortBindings", json::object()), true}}) {
        if (!source.is_object())
          continue;
        for (auto it = source.begin(); it != source.end(); ++it)
          if (it->is_array())
            for (const auto& binding : *it) note_binding(it.key(), binding, declared);
      }
      for (const auto& line : exposed) check("published_ports").failures.push_back(line);
      // User.
      const std::string user = config.value("User", std::string());
      std::string user_name = user.substr(0, user.find(':'));
      if (user_name.empty() || user_name == "0" || user_name == "root") {
        std::string what =
            name + " (" + image + ") runs as " + (user.empty() ? "root (no User)" : user);
        if (std::ranges::find(policy.root_image_exemptions, image) !=
            policy.root_image_exemptions.end())
          check("root_user").warnings.push_back(what + ", exempted by the policy");
        else if (!daemon.label.empty())
          // Root of a rootless daemon's user namespace: the app user outside, not root.
          check("root_user")
              .warnings.push_back(what + " (" + context.policy.app.user +
                                  " outside its rootless user namespace)");
        else
          check("root_user").failures.push_back(what);
      }
      if (hostconfig.value("Privileged", false))
        check("privileged").failures.push_back(name + " is privileged");
      if (hostconfig.value("NetworkMode", std::string()) == "host")
        check("host_network").failures.push_back(name + " uses --net=host");
      for (const char* mode : {"PidMode", "IpcMode"})
        if (hostconfig.value(mode, std::string()) == "host")
          check("host_namespaces").failures.push_back(name + " " + mode + "=host");
      for (const auto& mount : c.value("Mounts", json::array()))
        if (is_docker_socket(mount.value("Source", std::string())) ||
            mount.value("Source", std::string()) == host.docker_socket)
          check("docker_socket")
              .failures.push_back(name + " mounts " + mount.value("Source", std::string()));
      const json added = hostconfig.value("CapAdd", json::array());
      if (added.is_array() && !added.empty())
        check("capabilities").failures.push_back(name + " adds " + added.dump());
      bool nnp = daemon_nnp;
      const json options = hostconfig.value("SecurityOpt", json::array());
      if (options.is_array())
        for (const auto& option : options)
          if (option.is_string() && option.get<std::string>().starts_with("no-new-privileges") &&
              option.get<std::string>() != "no-new-privileges:false")
            nnp = true;
      if (!nnp)
        check("no_new_privileges").warnings.push_back(name + " lacks no-new-privileges");
    }
  }
  const std::string count =
      std::to_string(counted) + " running container(s) via " + join(sources, " and ");
  for (const auto& c : checks) {
    Status status = !c.failures.empty()   ? Status::fail
                    : unasked             ? Status::unknown
                    : !c.warnings.empty() ? Status::warn
                                          : Status::pass;
    std::vector<std::string> evidence = c.failures;
    evidence.insert(evidence.end(), c.warnings.begin(), c.warnings.end());
    if (unasked)
      evidence.push_back(*unasked);
    findings.push_back(make_finding(*this, c.id, status, c.summary,
                                    evidence.empty() ? count : join(evidence, "; ")));
  }
  return findings;
}

}  // namespace clawshield
