// Layer 5, the sandboxes' side. OpenClaw starts its agents' sandboxes with the `docker` CLI,
// and the seed's setup gives the app user the system daemon through `docker` membership — root
// for whoever takes the app over (openclaw-ansible's open issue #32). Here the user gets a
// rootless Docker daemon of its own instead: rootlesskit maps the user's subordinate ids into a
// user namespace, the daemon is root there only, and its published ports are plain sockets of
// the user's on the host, under the firewall's input policy like any other. The daemon runs as a
// system unit with User= (root's file, not the user's; no user manager or lingering needed),
// its settings from a root-owned file, and the gateway finds it through DOCKER_HOST. verify
// proves it from the kernel's side as well as Docker's: the daemon's process runs as the user,
// its socket is the user's alone, the system daemon's socket is out of the user's reach, and no
// process of the user still carries the `docker` group it was taken out of.
#include "layers/rootless_docker/rootless_docker_layer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>
#include <set>
#include <sstream>

#include "core/bounded_json.h"
#include "core/parse.h"
#include "core/text.h"
#include "host/accounts.h"
#include "host/docker_api.h"
#include "host/docker_detect.h"
#include "host/packages.h"
#include "host/systemctl_show.h"
#include "layers/docker/docker_layer.h"
#include "layers/openclaw/gateway_service.h"
#include "layers/rootless_docker/checks.h"

namespace clawshield {
namespace {

using nlohmann::json;

const char* k_subuid = "/etc/subuid";
const char* k_subgid = "/etc/subgid";
// The user unit Docker's own rootless setup tool installs.
const char* k_user_docker_unit = "docker.service";
// Ids are 32-bit; (uid_t)-1 is "no id".
constexpr uint64_t k_id_limit = 0xffffffffull;

std::optional<uint64_t> parse_u64(std::string_view text) {
  auto value = parse_int(text, uint64_t{0}, std::numeric_limits<uint64_t>::max());
  return value ? std::optional(*value) : std::nullopt;
}

// The packages rootless mode needs beside the Docker package installed.
std::vector<std::string> rootless_packages(const std::string& docker_package) {
  if (docker_package == "docker-ce")
    return {"docker-ce-rootless-extras", "slirp4netns", "uidmap"};
  return {"rootlesskit", "slirp4netns", "uidmap"};
}

Result<std::vector<std::string>> missing_packages(const HostView& host,
                                                  const std::string& docker_package) {
  std::vector<std::string> missing;
  for (const auto& package : rootless_packages(docker_package)) {
    CS_TRY(bool installed, package_installed(host, package));
    if (!installed)
      missing.push_back(package);
  }
  return missing;
}

// Where ids for `path` (/etc/subuid or /etc/subgid) may come from on this root: login.defs'
// SUB_UID_MIN / SUB_GID_MIN (shadow's default 100000), every real uid or gid taken.
Result<SubordinateSpace> subordinate_space(const HostView& host, const Accounts& accounts,
                                           const std::string& path) {
  SubordinateSpace space;
  const std::string key = path == k_subuid ? "SUB_UID_MIN" : "SUB_GID_MIN";
  auto defs = host.fs.read("/etc/login.defs");
  if (!defs && defs.error().code != ErrorCode::not_found)
    return std::unexpected(defs.error());
  for (const auto& line : split_lines(defs.value_or(""))) {
    auto words = split_words(line);
    if (words.size() >= 2 && words[0] == key)
      if (auto value = parse_u64(words[1]); value && *value > 0 && *value < k_id_limit)
        space.first = *value;
  }
  space.taken = path == k_subuid ? accounts.uids() : accounts.gids();
  return space;
}

// The subordinate-id file with the user's range, or nullopt when it already holds one.
Result<std::optional<std::string>> subordinate_file(const HostView& host, const Accounts& accounts,
                                                    const std::string& path,
                                                    const std::string& user,
                                                    std::optional<uid_t> id) {
  auto text = host.fs.read(path);
  if (!text && text.error().code != ErrorCode::not_found)
    return std::unexpected(text.error());
  CS_TRY(SubordinateSpace space, subordinate_space(host, accounts, path));
  auto content = with_subordinate_range(text.value_or(""), user, id, k_subordinate_ids, space);
  if (!content)
    return fail(content.error().code, host.fs.host_path(path) + ": " + content.error().message);
  return content;
}

// The ids on a "Uid:" or "Gid:" line of /proc/PID/status (real, effective, saved, fs).
std::vector<uint64_t> status_ids(const std::string& status, std::string_view field) {
  std::vector<uint64_t> ids;
  for (const auto& line : split_lines(status)) {
    if (!line.starts_with(field))
      continue;
    for (const auto& word : split_words(line.substr(field.size())))
      if (auto id = parse_u64(word))
        ids.push_back(*id);
  }
  return ids;
}

// Why verify cannot look at the running system, or nullopt when it can.
std::optional<std::string> not_live(const HostView& host) {
  if (!host.fs.is_system_root())
    return "--root is not the running system";
  return host.skip_reason(Requirement::systemd);
}

Finding subordinate_finding(const HostView& host, const Accounts& accounts, const UserEntry* user,
                            const std::string& name) {
  std::vector<std::string> problems, seen;
  for (const char* path : {k_subuid, k_subgid}) {
    auto text = host.fs.read(path);
    auto space = subordinate_space(host, accounts, path);
    if ((!text && text.error().code != ErrorCode::not_found) || !space)
      return make_finding(checks::k_rootless_docker_subordinate_ids, Status::unknown,
                          !space ? space.error().message : text.error().message);
    uint64_t best = 0;
    for (const auto& range : parse_subordinate_ids(text.value_or(""))) {
      if (!range.belongs_to(name, user ? std::optional<uid_t>(user->uid) : std::nullopt))
        continue;
      // Every range of the user's is used (newuidmap maps them all): one that maps root or a
      // real account fails whatever else is there.
      if (std::string fault = subordinate_range_fault(range, *space); !fault.empty())
        problems.push_back(std::string(path) + ": " + range.owner + ":" +
                           std::to_string(range.start) + ":" + std::to_string(range.count) + " " +
                           fault);
      else
        best = std::max(best, range.count);
    }
    if (best < k_subordinate_ids)
      problems.push_back(std::string(path) + ": " +
                         (best == 0 ? "no sound range" : std::to_string(best) + " ids") + " for " +
                         name + ", want " + std::to_string(k_subordinate_ids));
    else
      seen.push_back(std::string(path) + " " + std::to_string(best));
  }
  return make_finding(checks::k_rootless_docker_subordinate_ids,
                      problems.empty() ? Status::pass : Status::fail,
                      problems.empty() ? join(seen, ", ") : join(problems, "; "));
}

// Whether `user` can open the socket at `path` (for connect(), write permission on the socket
// and search on every folder above it), judged from owners and modes; ACLs are not read.
std::string reachable_because(const Filesystem& fs, const std::string& path, const UserEntry& user,
                              const std::set<gid_t>& gids) {
  auto allowed = [&](const FileStat& st, unsigned owner_bit, unsigned group_bit,
                     unsigned other_bit) {
    if (st.uid == user.uid)
      return (st.mode & owner_bit) != 0;
    if (gids.contains(st.gid))
      return (st.mode & group_bit) != 0;
    return (st.mode & other_bit) != 0;
  };
  std::string folder = parent_path(path);
  while (true) {
    auto st = fs.stat(folder);
    if (!st || !*st || !allowed(**st, 0100, 0010, 0001))
      return "";  // a folder on the way the user cannot pass
    if (folder == "/")
      break;
    folder = parent_path(folder);
  }
  auto st = fs.stat(path);
  if (!st || !*st || !allowed(**st, 0200, 0020, 0002))
    return "";
  const FileStat& s = **st;
  if (s.uid == user.uid)
    return "owned by " + user.name;
  if (gids.contains(s.gid))
    return "mode " + format_mode(s.mode) + ", group gid " + std::to_string(s.gid) + " which " +
           user.name + " is in";
  return "mode " + format_mode(s.mode) + ": anyone may connect";
}

}  // namespace

RootlessDocker rootless_docker(const AppPolicy& app) {
  RootlessDocker docker;
  const std::string name = "docker-rootless-" + app.user;
  docker.unit = name + ".service";
  docker.unit_file = "/etc/systemd/system/" + docker.unit;
  docker.wants_link = "/etc/systemd/system/multi-user.target.wants/" + docker.unit;
  docker.config_file = "/etc/clawshield/" + name + ".json";
  docker.runtime_dir = "/run/" + name;
  docker.socket = docker.runtime_dir + "/docker.sock";
  return docker;
}

bool rootless_docker_wanted(const HostView& host, const Policy& policy) {
  return policy.app.sandbox == AppSandbox::rootless && detect_docker(host).installed;
}

std::vector<SubordinateRange> parse_subordinate_ids(std::string_view text) {
  std::vector<SubordinateRange> ranges;
  for (const auto& line : split_lines(std::string(text))) {
    auto fields = split(line, ':');
    if (fields.size() != 3 || fields[0].empty())
      continue;
    auto start = parse_u64(fields[1]);
    auto count = parse_u64(fields[2]);
    if (!start || !count || *start >= k_id_limit || *count > k_id_limit - *start)
      continue;
    ranges.push_back({fields[0], *start, *count});
  }
  return ranges;
}

bool SubordinateRange::belongs_to(const std::string& user, std::optional<uid_t> uid) const {
  return owner == user || (uid && owner == std::to_string(*uid));
}

std::string subordinate_range_fault(const SubordinateRange& range, const SubordinateSpace& space) {
  if (range.start < space.first)
    return "starts at " + std::to_string(range.start) + ", below " + std::to_string(space.first) +
           (range.start == 0 ? " (maps root)" : " (real accounts' ids)");
  for (uint64_t id : space.taken)
    if (id >= range.start && id < range.start + range.count)
      return "covers id " + std::to_string(id) + " of a real account or group";
  return "";
}

Result<std::optional<std::string>> with_subordinate_range(std::string_view text,
                                                          const std::string& user,
                                                          std::optional<uid_t> uid, uint64_t count,
                                                          const SubordinateSpace& space) {
  uint64_t next = std::max(space.first, k_first_subordinate_id);
  for (const auto& range : parse_subordinate_ids(text)) {
    if (range.belongs_to(user, uid) && range.count >= count &&
        subordinate_range_fault(range, space).empty())
      return std::nullopt;
    next = std::max(next, range.start + range.count);
  }
  // Past every taken id the range would cover (the ids are sorted or not: loop until none).
  for (bool moved = true; moved;) {
    moved = false;
    for (uint64_t id : space.taken)
      if (id >= next && id < next + count) {
        next = id + 1;
        moved = true;
      }
  }
  if (next + count > k_id_limit)
    return fail(ErrorCode::refused,
                "no free range of " + std::to_string(count) + " subordinate ids for " + user +
                    " below 2^32 (the last range given out ends at " + std::to_string(next) + ")");
  std::string out(text);
  if (!out.empty() && !out.ends_with('\n'))
    out += '\n';
  out += user + ":" + std::to_string(next) + ":" + std::to_string(count) + "\n";
  return out;
}

std::string rootless_script(const std::string& docker_package) {
  // Debian's docker.io keeps it out of PATH; Docker's docker-ce-rootless-extras puts it in bin.
  if (docker_package == "docker-ce")
    return "/usr/bin/dockerd-rootless.sh";
  return "/usr/share/docker.io/contrib/dockerd-rootless.sh";
}

std::string render_rootless_config(const Policy& policy) {
  const DockerPolicy& docker = policy.docker;
  // The system daemon's keys that mean the same rootless. Not "userland-proxy": false, since
  // rootlesskit publishes ports through that proxy (a rootless daemon without it publishes
  // nothing); not "live-restore", which rootless mode does not support. cgroupfs: the systemd
  // driver would ask the system manager for scopes, which an unprivileged user may not create.
  json config = {
      {"ip", docker.default_bind_ip},
      {"no-new-privileges", docker.no_new_privileges},
      {"exec-opts", json::array({"native.cgroupdriver=cgroupfs"})},
      {"log-driver", "json-file"},
      {"log-opts",
       {{"max-size", docker.log_max_size}, {"max-file", std::to_string(docker.log_max_file)}}}};
  return config.dump(2) + "\n";
}

std::string render_rootless_unit(const Policy& policy, const std::string& script) {
  const AppPolicy& app = policy.app;
  const RootlessDocker docker = rootless_docker(app);
  std::ostringstream out;
  out << "# Managed by clawshield: `clawshield apply` rewrites this file.\n"
         "# OpenClaw's Docker sandboxes on a rootless Docker daemon of "
      << app.user
      << "'s own (app.sandbox: rootless),\n"
         "# so that the user needs no membership of the root-equivalent `docker` group. A system\n"
         "# unit with User=: its settings are root's to edit, not the user's.\n"
         "[Unit]\n"
         "Description=Rootless Docker daemon of "
      << app.user
      << " (OpenClaw's sandboxes)\n"
         "After=network-online.target\n"
         "Wants=network-online.target\n"
         "StartLimitIntervalSec=60\n"
         "StartLimitBurst=3\n"
         "\n"
         "[Service]\n"
         "Type=simple\n"
         "User="
      << app.user << "\nGroup=" << app.group << "\nEnvironment=HOME=" << app.home
      << "\nEnvironment=XDG_RUNTIME_DIR=" << docker.runtime_dir
      << "\n"
         "# dockerd makes its config folder even with --config-file; ~/.config is read-only here,\n"
         "# and a daemon.json of the user's is never read.\n"
         "Environment=XDG_CONFIG_HOME="
      << docker.runtime_dir
      << "/config\n"
         "RuntimeDirectory="
      << base_name(docker.runtime_dir)
      << "\n"
         "RuntimeDirectoryMode=0700\n"
         "ExecStart="
      << script << " --config-file " << docker.config_file
      << "\n"
         "ExecReload=/bin/kill -s HUP $MAINPID\n"
         "Restart=always\n"
         "RestartSec=2\n"
         "TimeoutStartSec=120\n"
         "Delegate=yes\n"
         "# Rootless, Docker runs without a cgroup driver: its containers stay in this unit's\n"
         "# cgroup, so this bounds the daemon and every sandbox together (a fork bomb in one).\n"
         "TasksMax=4096\n"
         "KillMode=mixed\n"
         "LimitNOFILE=1048576\n"
         "UMask=0077\n"
         "# Sandboxing rootlesskit tolerates. No NoNewPrivileges, and nothing that installs a\n"
         "# syscall filter or narrows the capability bounding set (ProtectKernel*, ProtectClock,\n"
         "# RestrictRealtime, SystemCallFilter, ...): systemd then sets no_new_privs or drops\n"
         "# capabilities, and the setuid newuidmap can no longer map the user's subordinate ids.\n"
         "ProtectSystem=strict\n"
         "ProtectHome=read-only\n"
         "# The daemon is the user's: it may write the user's home (its data root\n"
         "# ~/.local/share/docker, which it makes itself, is the app's data, never the apply's).\n"
         "ReadWritePaths="
      << app.home
      << "\n"
         "PrivateTmp=true\n"
         "\n"
         "[Install]\n"
         "WantedBy=multi-user.target\n";
  return out.str();
}

Result<std::vector<Action>> RootlessDockerLayer::desired(const Context& context) const {
  const HostView& host = context.host;
  const Policy& policy = context.policy;
  const AppPolicy& app = policy.app;
  const RootlessDocker docker = rootless_docker(app);
  const std::string& systemctl = policy.sudo.systemctl;
  std::vector<Action> actions;

  CS_TRY(std::optional<FileStat> unit_present, host.fs.stat(docker.unit_file));
  if (policy.app.sandbox != AppSandbox::rootless) {
    // Another sandbox chosen after this one: the daemon is stopped and its files go (rollback
    // brings them back). The daemon's images and containers in the user's home stay.
    if (!unit_present)
      return actions;
    actions.push_back(RunCommand{"systemctl disable --now " + docker.unit,
                                 Command{{systemctl, "disable", "--now", docker.unit}},
                                 Requirement::systemd,
                                 {docker.wants_link},
                                 {},
                                 {Command{{systemctl, "enable", "--now", docker.unit}}}});
    actions.push_back(RemoveFile{docker.unit_file});
    actions.push_back(RemoveFile{docker.config_file});
    actions.push_back(RunCommand{"systemctl daemon-reload",
                                 Command{{systemctl, "daemon-reload"}},
                                 Requirement::systemd,
                                 {},
                                 {},
                                 {Command{{systemctl, "daemon-reload"}}}});
    return actions;
  }

  DockerInstall install = detect_docker(host);
  if (!install.installed)
    return actions;  // no Docker, no sandboxes: notes and verify say so
  CS_TRY(std::vector<std::string> missing, missing_packages(host, install.package));
  if (!missing.empty()) {
    std::vector<std::string> argv = {"apt-get", "install", "--yes", "--no-install-recommends"};
    argv.insert(argv.end(), missing.begin(), missing.end());
    actions.push_back(RunCommand{
        "apt-get install " + join(missing, " "), Command{argv}, Requirement::live_system, {}, {}});
  }

  // Subordinate ids: by name, and by uid where the user exists already.
  CS_TRY(Accounts accounts, Accounts::load(host.fs));
  std::optional<uid_t> uid;
  if (const UserEntry* user = accounts.user(app.user))
    uid = user->uid;
  bool ids_change = false;
  for (const char* path : {k_subuid, k_subgid}) {
    CS_TRY(std::optional<std::string> content,
           subordinate_file(host, accounts, path, app.user, uid));
    if (content) {
      actions.push_back(WriteFile{path, *content, FileSpec{0644, "root", "root"}, std::nullopt});
      ids_change = true;
    }
  }

  const std::string config = render_rootless_config(policy);
  // Docker's own packages say where the script is; anything else (moby-engine, a dockerd from
  // elsewhere) must have one, or the daemon would only crash-loop while the user has already
  // left the docker group.
  std::string script = rootless_script(install.package);
  if (install.package != "docker.io" && install.package != "docker-ce") {
    script.clear();
    for (const std::string& candidate :
         {rootless_script("docker-ce"), rootless_script("docker.io")}) {
      CS_TRY(std::optional<FileStat> present, host.fs.stat(candidate));
      if (present)
        script = candidate;
    }
    if (script.empty())
      return fail(ErrorCode::refused,
                  "no dockerd-rootless.sh for " + install.evidence + " (looked for " +
                      rootless_script("docker-ce") + " and " + rootless_script("docker.io") +
                      "): the rootless daemon could not start; install Docker's rootless "
                      "extras or set app.sandbox: system-docker");
  }
  const std::string unit = render_rootless_unit(policy, script);
  auto current_config = host.fs.read(docker.config_file);
  if (!current_config && current_config.error().code != ErrorCode::not_found)
    return std::unexpected(current_config.error());
  auto current_unit = host.fs.read(docker.unit_file);
  if (!current_unit && current_unit.error().code != ErrorCode::not_found)
    return std::unexpected(current_unit.error());
  const bool unit_changes = !current_unit || *current_unit != unit;
  const bool config_changes = !current_config || *current_config != config;

  actions.push_back(EnsureDirectory{"/etc/clawshield", FileSpec{0755, "root", "root"}});
  actions.push_back(
      WriteFile{docker.config_file, config, FileSpec{0644, "root", "root"}, std::nullopt});
  actions.push_back(
      WriteFile{docker.unit_file, unit, FileSpec{0644, "root", "root"}, std::nullopt});
  if (unit_changes)
    actions.push_back(RunCommand{"systemctl daemon-reload",
                                 Command{{systemctl, "daemon-reload"}},
                                 Requirement::systemd,
                                 {},
                                 {},
                                 {Command{{systemctl, "daemon-reload"}}}});
  // A rootless Docker the user set up itself (Docker's dockerd-rootless-setuptool.sh leaves the
  // user unit docker.service) would share the data root ~/.local/share/docker with this one:
  // retired through the user's own manager before this one starts (rollback enables it again).
  CS_TRY(std::vector<std::string> own_daemon,
         user_unit_enabled_by(host.fs, app.home, k_user_docker_unit));
  if (!own_daemon.empty()) {
    CS_TRY(std::optional<std::vector<std::string>> as_user, user_systemctl(host, app));
    if (as_user)
      actions.push_back(
          retire_user_unit(*as_user, k_user_docker_unit,
                           "retire " + app.user + "'s own rootless Docker (user unit " +
                               k_user_docker_unit + ", systemctl --user disable --now)"));
  }
  CS_TRY(std::optional<FileStat> link, host.fs.stat(docker.wants_link));
  if (!link)
    actions.push_back(RunCommand{"systemctl enable " + docker.unit,
                                 Command{{systemctl, "enable", docker.unit}},
                                 Requirement::systemd,
                                 {},
                                 {docker.wants_link}});
  if (unit_changes || config_changes || ids_change || !missing.empty())
    actions.push_back(
        RunCommand{"systemctl restart " + docker.unit,
                   Command{{systemctl, "restart", docker.unit}},
                   Requirement::systemd,
                   {},
                   {},
                   unit_present ? std::vector<Command>{Command{{systemctl, "daemon-reload"}},
                                                       Command{{systemctl, "restart", docker.unit}}}
                                : std::vector<Command>{Command{{systemctl, "stop", docker.unit}}}});
  return actions;
}

std::vector<std::string> RootlessDockerLayer::notes(const Context& context) const {
  const Policy& policy = context.policy;
  if (policy.app.sandbox != AppSandbox::rootless)
    return {"app.sandbox is " + app_sandbox_name(policy.app.sandbox) +
            ": no rootless Docker daemon for " + policy.app.user};
  DockerInstall install = detect_docker(context.host);
  if (!install.installed)
    return {install.evidence + ": no sandboxes to run, no rootless daemon set up"};
  const RootlessDocker docker = rootless_docker(policy.app);
  return {"OpenClaw's sandboxes run on " + docker.unit + " (rootless, as " + policy.app.user +
          "); the gateway reaches it with DOCKER_HOST=" + docker.docker_host() + ", and " +
          policy.app.user + " leaves the docker group"};
}

std::vector<Finding> RootlessDockerLayer::verify(const Context& context) const {
  const HostView& host = context.host;
  const Policy& policy = context.policy;
  const AppPolicy& app = policy.app;
  const RootlessDocker docker = rootless_docker(app);
  std::vector<Finding> findings;
  if (app.sandbox != AppSandbox::rootless)
    return findings;  // app_user.not_in_forbidden_groups judges what that sandbox needs

  static constexpr const Check* k_checks[] = {&checks::k_rootless_docker_subordinate_ids,
                                              &checks::k_rootless_docker_daemon_config,
                                              &checks::k_rootless_docker_daemon_rootless,
                                              &checks::k_rootless_docker_socket_private,
                                              &checks::k_rootless_docker_system_socket_closed,
                                              &checks::k_rootless_docker_no_docker_group_left,
                                              &checks::k_rootless_docker_user_daemon_retired,
                                              &checks::k_rootless_docker_gateway_docker_host};
  const SummaryOverride all_of_them{"rootless Docker for the app's sandboxes"};
  auto all_unknown = [&](const std::string& why) {
    for (const Check* check : k_checks)
      findings.push_back(make_finding(*check, Status::unknown, why, all_of_them));
    return findings;
  };
  DockerInstall install = detect_docker(host);
  if (!install.installed)
    return all_unknown(install.evidence + ": no sandboxes to run");
  auto accounts = Accounts::load(host.fs);
  if (!accounts)
    return all_unknown(accounts.error().message);
  const UserEntry* user = accounts->user(app.user);
  if (!user)
    return all_unknown("no user '" + app.user + "'");

  findings.push_back(subordinate_finding(host, *accounts, user, app.user));

  {
    auto text = host.fs.read(docker.config_file);
    auto st = host.fs.stat(docker.config_file);
    if (!text)
      findings.push_back(
          make_finding(checks::k_rootless_docker_daemon_config,
                       text.error().code == ErrorCode::not_found ? Status::fail : Status::unknown,
                       text.error().message));
    else if (*text != render_rootless_config(policy))
      findings.push_back(
          make_finding(checks::k_rootless_docker_daemon_config, Status::fail,
                       docker.config_file + " differs from the policy (plan --diff)"));
    else if (!st || !*st || (*st)->uid != 0 || ((*st)->mode & 022) != 0)
      findings.push_back(make_finding(checks::k_rootless_docker_daemon_config, Status::fail,
                                      docker.config_file + " is not root's alone"));
    else
      findings.push_back(make_finding(checks::k_rootless_docker_daemon_config, Status::pass,
                                      docker.config_file + ": ip " + policy.docker.default_bind_ip +
                                          ", no-new-privileges, log limits"));
  }

  // The system daemon's sockets, from owners, modes and ACLs (no live system needed): the
  // policy's socket and every other `hosts` entry of daemon.json; a TCP one without TLS
  // verification is open to every local user.
  {
    std::set<gid_t> gids = {user->gid};
    for (const auto& name : accounts->groups_of(*user))
      if (const GroupEntry* group = accounts->group(name))
        gids.insert(group->gid);
    std::vector<std::string> sockets = {policy.docker.socket}, open, unsure, seen;
    if (auto config = host.fs.read(k_daemon_json)) {
      auto document =
          parse_json_bounded(*config, host.fs.host_path(k_daemon_json), JsonComments::rejected);
      if (!document || !document->is_object()) {
        unsure.push_back(k_daemon_json + std::string(" cannot be read for its hosts"));
      } else {
        const bool tls = document->contains("tlsverify") && (*document)["tlsverify"] == true;
        if (auto hosts = document->find("hosts"); hosts != document->end() && hosts->is_array())
          for (const auto& entry : *hosts) {
            const std::string value = entry.is_string() ? entry.get<std::string>() : "";
            if (value.starts_with("unix://"))
              sockets.push_back(value.substr(7));
            else if (value.starts_with("tcp://") && !tls)
              open.push_back(k_daemon_json + std::string(" listens on ") + value +
                             " without tlsverify: every local user may connect");
          }
      }
    }
    for (const auto& socket : sockets) {
      auto st = host.fs.stat(socket);
      if (!st) {
        unsure.push_back(st.error().message);
        continue;
      }
      if (!*st)
        continue;
      if (std::string why = reachable_because(host.fs, socket, *user, gids); !why.empty()) {
        open.push_back(socket + ": " + why);
        continue;
      }
      auto acl = host.fs.has_access_acl(socket);
      if (!acl || *acl) {
        unsure.push_back(acl ? socket + " carries an ACL (its mode bits are not the whole answer)"
                             : acl.error().message);
        continue;
      }
      seen.push_back(socket + " " + format_mode((*st)->mode) + " uid " +
                     std::to_string((*st)->uid) + " gid " + std::to_string((*st)->gid));
    }
    const Status status = !open.empty()     ? Status::fail
                          : !unsure.empty() ? Status::unknown
                                            : Status::pass;
    findings.push_back(make_finding(
        checks::k_rootless_docker_system_socket_closed, status,
        !open.empty()     ? join(open, "; ") + " (root-equivalent)"
        : !unsure.empty() ? join(unsure, "; ")
        : seen.empty()    ? "no " + policy.docker.socket + " (the system daemon is not running)"
                          : join(seen, ", ") + ": " + app.user + " may not connect"));
  }

  // No second rootless daemon of the user's own on the same data root.
  {
    auto own = user_unit_enabled_by(host.fs, app.home, k_user_docker_unit);
    if (!own)
      findings.push_back(make_finding(checks::k_rootless_docker_user_daemon_retired,
                                      Status::unknown, own.error().message));
    else
      findings.push_back(make_finding(
          checks::k_rootless_docker_user_daemon_retired, own->empty() ? Status::pass : Status::fail,
          own->empty()
              ? "no user unit " + std::string(k_user_docker_unit) + " enabled"
              : join(*own, ", ") + ": it would run a second daemon on ~/.local/share/docker"));
  }

  if (auto why = not_live(host)) {
    for (const Check* check :
         {&checks::k_rootless_docker_daemon_rootless, &checks::k_rootless_docker_socket_private,
          &checks::k_rootless_docker_no_docker_group_left,
          &checks::k_rootless_docker_gateway_docker_host})
      findings.push_back(make_finding(*check, Status::unknown, *why, all_of_them));
    return findings;
  }

  // The daemon: its unit runs, its main process is the user's (the kernel's word), and Docker
  // itself says rootless (through the socket opened without following links).
  {
    std::vector<std::string> problems, seen;
    auto shown = systemctl_show(host.runner, docker.unit, "ActiveState,MainPID,UnitFileState");
    if (!shown) {
      findings.push_back(make_finding(checks::k_rootless_docker_daemon_rootless, Status::unknown,
                                      shown.error().message));
    } else {
      const std::string state = shown->value("ActiveState");
      const std::string pid = shown->value("MainPID");
      seen.push_back(docker.unit + " " + state + " (" + shown->value("UnitFileState") + ")");
      if (state != "active")
        problems.push_back(docker.unit + " is " + (state.empty() ? "unknown" : state));
      if (shown->value("UnitFileState") != "enabled")
        problems.push_back(docker.unit + " is not enabled (it would not start at boot)");
      if (!pid.empty() && pid != "0") {
        auto status = host.fs.read("/proc/" + pid + "/status");
        auto uids = status ? status_ids(*status, "Uid:") : std::vector<uint64_t>{};
        std::vector<std::string> shown_ids;
        for (uint64_t id : uids) shown_ids.push_back(std::to_string(id));
        if (uids.empty() || std::ranges::any_of(uids, [&](uint64_t id) { return id != user->uid; }))
          problems.push_back(
              "its main process " + pid + " does not run as " + app.user + " (uids " +
              (uids.empty() ? std::string("unreadable") : join(shown_ids, " ")) + ")");
        else
          seen.push_back("main process " + pid + " runs as uid " + std::to_string(user->uid));
      }
      auto opened = host.fs.open_untrusted(docker.socket, parent_path(docker.runtime_dir),
                                           UntrustedKind::socket);
      if (!opened) {
        problems.push_back(opened.error().message);
      } else {
        CurlDockerApi api("/proc/self/fd/" + std::to_string(opened->descriptor()));
        auto info = api.get("/info");
        json document = info ? json::parse(*info, nullptr, false) : json();
        if (!info) {
          problems.push_back("Docker at " + docker.socket +
                             " does not answer: " + info.error().message);
        } else if (!document.is_object() || !document.contains("SecurityOptions") ||
                   !document["SecurityOptions"].is_array()) {
          problems.push_back("Docker at " + docker.socket + ": /info has no SecurityOptions");
        } else {
          bool rootless = false;
          for (const auto& option : document["SecurityOptions"])
            if (option.is_string() && option.get<std::string>() == "name=rootless")
              rootless = true;
          if (!rootless)
            problems.push_back("Docker at " + docker.socket + " does not say rootless");
          else
            seen.push_back(
                "docker info: rootless" +
                (document.contains("ServerVersion") && document["ServerVersion"].is_string()
                     ? ", " + document["ServerVersion"].get<std::string>()
                     : std::string()));
        }
      }
    }
    if (shown)
      findings.push_back(make_finding(checks::k_rootless_docker_daemon_rootless,
                                      problems.empty() ? Status::pass : Status::fail,
                                      problems.empty() ? join(seen, "; ") : join(problems, "; ")));
  }

  // Its socket and folder are the user's alone.
  {
    auto folder = host.fs.open_untrusted(docker.runtime_dir, parent_path(docker.runtime_dir),
                                         UntrustedKind::directory);
    auto socket = host.fs.open_untrusted(docker.socket, parent_path(docker.runtime_dir),
                                         UntrustedKind::socket);
    if (!folder || !socket) {
      const Error& error = !folder ? folder.error() : socket.error();
      findings.push_back(make_finding(
          checks::k_rootless_docker_socket_private,
          error.code == ErrorCode::refused || error.code == ErrorCode::not_found ? Status::fail
                                                                                 : Status::unknown,
          error.message));
    } else {
      std::vector<std::string> problems;
      const FileStat& dir = folder->stat();
      if (dir.uid != user->uid)
        problems.push_back(docker.runtime_dir + " belongs to uid " + std::to_string(dir.uid));
      if ((dir.mode & 077) != 0)
        problems.push_back(docker.runtime_dir + " is " + format_mode(dir.mode) + ", want 0700");
      if (socket->stat().uid != user->uid)
        problems.push_back(docker.socket + " belongs to uid " + std::to_string(socket->stat().uid));
      findings.push_back(make_finding(
          checks::k_rootless_docker_socket_private, problems.empty() ? Status::pass : Status::fail,
          problems.empty() ? docker.socket + " owned by " + app.user + " in " + docker.runtime_dir +
                                 " " + format_mode(dir.mode)
                           : join(problems, "; ")));
    }
  }

  // No process of the user still holds the docker group: supplementary groups are fixed when a
  // process starts, so a manager or shell from before the change keeps them.
  {
    const GroupEntry* group = accounts->group("docker");
    auto pids = host.fs.list("/proc");
    if (!group) {
      findings.push_back(make_finding(checks::k_rootless_docker_no_docker_group_left, Status::pass,
                                      "no docker group"));
    } else if (!pids) {
      findings.push_back(make_finding(checks::k_rootless_docker_no_docker_group_left,
                                      Status::unknown, pids.error().message));
    } else {
      std::vector<std::string> holders;
      for (const auto& pid : *pids) {
        if (!parse_u64(pid))
          continue;
        auto status = host.fs.read("/proc/" + pid + "/status");
        if (!status)
          continue;  // gone meanwhile
        auto uids = status_ids(*status, "Uid:");
        if (uids.empty() || uids.front() != user->uid)
          continue;
        auto groups = status_ids(*status, "Groups:");
        for (uint64_t gid : status_ids(*status, "Gid:")) groups.push_back(gid);
        if (std::ranges::find(groups, group->gid) != groups.end()) {
          std::string name;
          for (const auto& line : split_lines(*status))
            if (line.starts_with("Name:"))
              name = std::string(trim(line.substr(5)));
          holders.push_back(pid + " (" + name + ")");
        }
      }
      findings.push_back(make_finding(
          checks::k_rootless_docker_no_docker_group_left,
          holders.empty() ? Status::pass : Status::fail,
          holders.empty()
              ? "no process of " + app.user + " has gid " + std::to_string(group->gid)
              : "still in docker (started before " + app.user +
                    " left the group; restart them or log in again): " + join(holders, ", ")));
    }
  }

  // The gateway that runs finds this daemon: DOCKER_HOST in its environment.
  {
    auto gateway = discover_gateway(host, policy);
    if (!gateway) {
      findings.push_back(make_finding(checks::k_rootless_docker_gateway_docker_host,
                                      Status::unknown, gateway.error().message));
    } else {
      const std::string unit = gateway->name + ".service";
      auto shown = systemctl_show(host.runner, unit, "MainPID");
      const std::string pid = shown ? shown->value("MainPID") : "";
      auto environ = pid.empty() || pid == "0"
                         ? Result<std::string>(fail(ErrorCode::not_found, unit + " is not running"))
                         : host.fs.read("/proc/" + pid + "/environ");
      if (!environ) {
        findings.push_back(make_finding(checks::k_rootless_docker_gateway_docker_host,
                                        Status::unknown,
                                        shown ? environ.error().message : shown.error().message));
      } else {
        std::string value;
        for (const auto& entry : split(*environ, '\0'))
          if (entry.starts_with("DOCKER_HOST="))
            value = entry.substr(12);
        const bool right = value == docker.docker_host();
        findings.push_back(make_finding(
            checks::k_rootless_docker_gateway_docker_host, right ? Status::pass : Status::fail,
            unit + " (pid " + pid + ") has DOCKER_HOST=" + (value.empty() ? "(unset)" : value) +
                (right ? "" : ", want " + docker.docker_host())));
      }
    }
  }
  return findings;
}

}  // namespace clawshield
