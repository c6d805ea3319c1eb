// Layer 4 — the running containers, audited through the Engine API (GET /containers/json,
// then /containers/{id}/json for each). Each kind of fault is its own check, failing with the
// containers' names and the evidence; a socket that cannot be reached makes every check
// unknown, never pass.
#include "layers/containers/containers_layer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <set>
#include <tuple>

#include "core/bounded_json.h"
#include "core/parse.h"
#include "core/text.h"
#include "host/accounts.h"
#include "host/docker_api.h"
#include "host/docker_detect.h"
#include "layers/containers/checks.h"
#include "layers/docker/docker_layer.h"
#include "layers/rootless_docker/rootless_docker_layer.h"

namespace clawshield {
namespace {

using nlohmann::json;

// What the containers showed for one check.
struct Tally {
  const Check* check;
  std::vector<std::string> failures;
  std::vector<std::string> warnings;
};

// A daemon's answer read by type: a member of another type than Docker sends (the rootless
// daemon is the app user's to fake) reads as absent, never throws.
const json& member(const json& object, const char* key) {
  static const json absent;
  if (!object.is_object())
    return absent;
  auto it = object.find(key);
  return it == object.end() ? absent : *it;
}
std::string text_of(const json& object, const char* key) {
  const json& value = member(object, key);
  return value.is_string() ? value.get<std::string>() : std::string();
}
bool flag_of(const json& object, const char* key) {
  const json& value = member(object, key);
  return value.is_boolean() && value.get<bool>();
}

// Where a container's details differ in shape from what Docker sends for a field judged here
// (a number where Docker puts an object, a string for a flag), or "" when they do not: such
// an answer is not read as "absent, so fine".
std::string shape_fault(const json& c) {
  enum class Kind { object, array, text, flag };
  static const std::vector<std::tuple<const char*, const char*, Kind>> fields = {
      {nullptr, "Name", Kind::text},
      {nullptr, "Config", Kind::object},
      {nullptr, "HostConfig", Kind::object},
      {nullptr, "NetworkSettings", Kind::object},
      {nullptr, "Mounts", Kind::array},
      {"Config", "User", Kind::text},
      {"Config", "Image", Kind::text},
      {"HostConfig", "Privileged", Kind::flag},
      {"HostConfig", "NetworkMode", Kind::text},
      {"HostConfig", "PidMode", Kind::text},
      {"HostConfig", "IpcMode", Kind::text},
      {"HostConfig", "CapAdd", Kind::array},
      {"HostConfig", "SecurityOpt", Kind::array},
      {"HostConfig", "PortBindings", Kind::object},
      {"NetworkSettings", "Ports", Kind::object},
  };
  for (const auto& [parent, key, kind] : fields) {
    const json& value = member(parent ? member(c, parent) : c, key);
    if (value.is_null())
      continue;  // absent, or null as Docker sends for an empty list
    const bool right = kind == Kind::object  ? value.is_object()
                       : kind == Kind::array ? value.is_array()
                       : kind == Kind::text  ? value.is_string()
                                             : value.is_boolean();
    if (!right)
      return std::string(parent ? std::string(parent) + "." : "") + key + " is " +
             value.type_name();
  }
  return "";
}

// Bounds on what one daemon may cost a verify: containers listed, and time for all requests.
constexpr size_t k_max_containers = 1000;
constexpr auto k_daemon_budget = std::chrono::seconds(60);

// An Engine API answer, parsed with the host-text bounds (depth, size).
Result<json> get_json(DockerApi& api, const std::string& path) {
  CS_TRY(std::string body, api.get(path));
  return parse_json_bounded(body, "Docker API " + path, JsonComments::rejected);
}

// A container id as Docker makes them (hex); anything else would be pasted into a URL.
bool valid_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 && std::ranges::all_of(id, [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c));
  });
}

std::string name_of(const json& container) {
  std::string name = text_of(container, "Name");
  if (name.empty())
    name = text_of(container, "Id");
  if (name.empty())
    name = "?";
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
  const HostView& host = context.host;
  const DockerPolicy& policy = context.policy.docker;
  std::vector<Tally> tallies = {
      {&checks::k_containers_published_ports, {}, {}},
      {&checks::k_containers_root_user, {}, {}},
      {&checks::k_containers_privileged, {}, {}},
      {&checks::k_containers_host_network, {}, {}},
      {&checks::k_containers_host_namespaces, {}, {}},
      {&checks::k_containers_docker_socket, {}, {}},
      {&checks::k_containers_capabilities, {}, {}},
      {&checks::k_containers_no_new_privileges, {}, {}},
  };
  std::vector<Finding> findings;
  auto unknown_all = [&](const std::string& why) {
    for (const auto& tally : tallies)
      findings.push_back(make_finding(*tally.check, Status::unknown, why));
    return findings;
  };
  DockerInstall install = detect_docker(host);
  auto check = [&](const Check& wanted) -> Tally& {
    return *std::ranges::find(tallies, &wanted, &Tally::check);
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
    const auto accounts = Accounts::load(host.fs);
    const UserEntry* user = accounts ? accounts->user(context.policy.app.user) : nullptr;
    if (!opened)
      unasked = "the rootless daemon of " + context.policy.app.user +
                " cannot be asked: " + opened.error().message;
    else if (!user || opened->stat().uid != user->uid)
      // Not the user's socket (a name in the user's folder): not a daemon to believe.
      unasked = "the rootless daemon of " + context.policy.app.user +
                " cannot be asked: " + rootless.socket + " belongs to uid " +
                std::to_string(opened->stat().uid) + ", not to " + context.policy.app.user;
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
    const bool rootless = !daemon.label.empty();
    const std::string daemon_name =
        rootless ? "the rootless daemon of " + context.policy.app.user : host.docker_socket;
    CurlDockerApi api(daemon.socket);
    auto listed = get_json(api, "/containers/json");
    if (!listed && listed.error().code == ErrorCode::not_found && !rootless &&
        context.policy.app.sandbox == AppSandbox::rootless && install.installed)
      continue;  // no system daemon where the rootless one serves the sandboxes: no fault
    // What this daemon could not answer. The system daemon, asked first, leaves nothing
    // judged; the rootless one (the app user's, asked second) may not wipe out what the system
    // daemon's containers showed: its faults make the checks unknown at worst, never pass.
    auto give_up = [&](const std::string& why) {
      if (rootless)
        unasked = daemon_name + " cannot be asked: " + why;
      return rootless;
    };
    if (!listed) {
      if (give_up(listed.error().message))
        continue;
      return unknown_all(install.installed ? listed.error().message : install.evidence);
    }
    if (!listed->is_array() || listed->size() > k_max_containers) {
      if (give_up("/containers/json is " +
                  std::string(listed->is_array() ? "longer than " + std::to_string(k_max_containers)
                                                 : "not a JSON array")))
        continue;
      return unknown_all("Docker API: /containers/json is not a JSON array of at most " +
                         std::to_string(k_max_containers));
    }
    const auto deadline = host.clock.now() + k_daemon_budget;

    // The daemon's no-new-privileges default counts for every container.
    bool daemon_nnp = false;
    if (auto config = host.fs.read(daemon.config)) {
      // Host text: bounded, and a non-boolean value is not "on".
      auto document = parse_json_bounded(*config, daemon.config, JsonComments::rejected);
      if (document)
        daemon_nnp = flag_of(*document, "no-new-privileges");
    }
    std::optional<std::string> fault;
    std::vector<json> details;
    for (const auto& summary : *listed) {
      const std::string id = text_of(summary, "Id");
      if (!valid_id(id)) {
        fault = "a container id that is not Docker's: " + dump_json(member(summary, "Id"));
        break;
      }
      if (host.clock.now() > deadline) {
        fault = "no answer for every container within " + std::to_string(k_daemon_budget.count()) +
                " s";
        break;
      }
      auto c = get_json(api, "/containers/" + id + "/json");
      if (!c || !c->is_object()) {
        fault = c ? "unreadable container details" : c.error().message;
        break;
      }
      if (std::string odd = shape_fault(*c); !odd.empty()) {
        fault = "container " + id + ": details not of Docker's shape (" + odd + ")";
        break;
      }
      details.push_back(std::move(*c));
    }
    if (fault) {
      if (give_up(*fault))
        continue;
      return unknown_all(*fault);
    }
    counted += details.size();
    sources.push_back(daemon_name);
    for (const json& c : details) {
      const std::string name = daemon.label + name_of(c);
      const json& config = member(c, "Config");
      const json& hostconfig = member(c, "HostConfig");
      const std::string image = text_of(config, "Image");

      // Published ports: what is bound (NetworkSettings.Ports), and what was asked for with an
      // explicit wildcard address (HostConfig.PortBindings) even if Docker could not bind it
      // (e.g. "[::]" while IPv6 is off) — it would be bound once it could.
      std::set<std::string> exposed;
      auto note_binding = [&](const std::string& container_port, const json& binding,
                              bool declared) {
        const std::string ip = text_of(binding, "HostIp");
        const std::string port = text_of(binding, "HostPort");
        if (loopback(ip) || (declared && ip.empty()))
          return;  // an empty declared address takes the daemon's "ip" (loopback by layer 3)
        // The daemon's text: a port, or 0 (never an exemption) for anything else.
        const int number = parse_int(port, 1, 65535).value_or(0);
        if (std::ranges::find(policy.public_ports, number) != policy.public_ports.end())
          return;
        exposed.insert(name + " publishes " + container_port + " on " +
                       (ip.empty()                          ? std::string("*")
                        : ip.find(':') != std::string::npos ? "[" + ip + "]"
                                                            : ip) +
                       ":" + port);
      };
      for (const auto& [source, declared] :
           {std::pair<const json&, bool>{member(member(c, "NetworkSettings"), "Ports"), false},
            std::pair<const json&, bool>{member(hostconfig, "PortBindings"), true}}) {
        if (!source.is_object())
          continue;
        for (auto it = source.begin(); it != source.end(); ++it)
          if (it->is_array())
            for (const auto& binding : *it) note_binding(it.key(), binding, declared);
      }
      for (const auto& line : exposed)
        check(checks::k_containers_published_ports).failures.push_back(line);
      // User.
      const std::string user = text_of(config, "User");
      std::string user_name = user.substr(0, user.find(':'));
      if (user_name.empty() || user_name == "0" || user_name == "root") {
        std::string what =
            name + " (" + image + ") runs as " + (user.empty() ? "root (no User)" : user);
        if (std::ranges::find(policy.root_image_exemptions, image) !=
            policy.root_image_exemptions.end())
          check(checks::k_containers_root_user)
              .warnings.push_back(what + ", exempted by the policy");
        else if (rootless)
          // Root of a rootless daemon's user namespace: the app user outside, not root.
          check(checks::k_containers_root_user)
              .warnings.push_back(what + " (" + context.policy.app.user +
                                  " outside its rootless user namespace)");
        else
          check(checks::k_containers_root_user).failures.push_back(what);
      }
      if (flag_of(hostconfig, "Privileged"))
        check(checks::k_containers_privileged).failures.push_back(name + " is privileged");
      if (text_of(hostconfig, "NetworkMode") == "host")
        check(checks::k_containers_host_network).failures.push_back(name + " uses --net=host");
      for (const char* mode : {"PidMode", "IpcMode"})
        if (text_of(hostconfig, mode) == "host")
          check(checks::k_containers_host_namespaces)
              .failures.push_back(name + " " + mode + "=host");
      if (const json& mounts = member(c, "Mounts"); mounts.is_array())
        for (const auto& mount : mounts) {
          const std::string source = text_of(mount, "Source");
          if (is_docker_socket(source) || source == host.docker_socket)
            check(checks::k_containers_docker_socket)
                .failures.push_back(name + " mounts " + source);
        }
      const json& added = member(hostconfig, "CapAdd");
      if (added.is_array() && !added.empty())
        check(checks::k_containers_capabilities)
            .failures.push_back(name + " adds " + dump_json(added));
      bool nnp = daemon_nnp;
      if (const json& options = member(hostconfig, "SecurityOpt"); options.is_array())
        for (const auto& option : options)
          if (option.is_string() && option.get<std::string>().starts_with("no-new-privileges") &&
              option.get<std::string>() != "no-new-privileges:false")
            nnp = true;
      if (!nnp)
        check(checks::k_containers_no_new_privileges)
            .warnings.push_back(name + " lacks no-new-privileges");
    }
  }
  const std::string count =
      std::to_string(counted) + " running container(s) via " + join(sources, " and ");
  for (const auto& c : tallies) {
    Status status = !c.failures.empty()   ? Status::fail
                    : unasked             ? Status::unknown
                    : !c.warnings.empty() ? Status::warn
                                          : Status::pass;
    std::vector<std::string> evidence = c.failures;
    evidence.insert(evidence.end(), c.warnings.begin(), c.warnings.end());
    if (unasked)
      evidence.push_back(*unasked);
    findings.push_back(
        make_finding(*c.check, status, evidence.empty() ? count : join(evidence, "; ")));
  }
  return findings;
}

}  // namespace clawshield
