// Why a file of its own: every command but `scan` and `policy check` starts the same way (the
// root, the network namespace, the policy, the admin's session), and the order of those steps
// decides which error a user sees first. Written once here, each command asks for the stage
// it needs and gets the ones below it, in the order they always ran.
#include "cli/invocation.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <yaml-cpp/yaml.h>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli/app.h"
#include "core/fd.h"
#include "host/docker_api.h"
#include "host/session.h"
#include "policy/policy_rules.h"

namespace clawshield {
namespace {

// Whether the policy text names guard.executable itself. Called only on text parse_policy
// accepted, so it parses.
bool sets_guard_executable(const std::string& text) {
  try {
    const YAML::Node document = YAML::Load(text);
    const YAML::Node guard = document.IsMap() ? document["guard"] : YAML::Node();
    return guard.IsMap() && guard["executable"].IsDefined();
  } catch (const YAML::Exception&) {
    return true;  // keep what parse_policy decoded
  }
}

// The generated units (the guard's, the boot revert's) run guard.executable. A policy that
// does not name it gets the binary that is running when that binary is installed where only
// root can place programs (/usr/bin/clawshield from the .deb, /usr/local/bin/clawshield from
// `cmake --install`): the units follow the install. A binary run from a build folder (or a
// test's process) keeps the built-in default, /usr/local/bin/clawshield.
void follow_installed_binary(Policy& policy, const std::string& text) {
  if (!text.empty() && sets_guard_executable(text))
    return;
  const std::string self = running_executable();
  if (!valid_absolute_path(self) || !self.ends_with("/clawshield"))
    return;
  for (const auto& dir : root_program_directories())
    if (path_within(self, dir)) {
      policy.guard.executable = self;
      return;
    }
}

// Moves this process into network namespace `name` (/run/netns/NAME, as `ip netns` makes
// them): the firewall and sockets clawshield sees are then that namespace's.
Result<void> enter_netns(const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos)
    return fail(ErrorCode::bad_input, "--netns: bad namespace name \"" + name + "\"");
  const std::string path = "/run/netns/" + name;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid())
    return fail(ErrorCode::bad_input, "--netns: cannot open " + path);
  if (::setns(fd.get(), CLONE_NEWNET) != 0)
    return fail(ErrorCode::permission, "--netns: cannot enter " + path + " (needs root)");
  return {};
}

}  // namespace

void add_global_options(CLI::App& app, GlobalOptions& options) {
  app.add_option("--root", options.root, "Root directory of the host (default /)");
  app.add_option("--policy", options.policy_file,
                 "Policy file (default /etc/clawshield/policy.yaml under the root)");
  app.add_flag("--offline", options.offline, "Never touch the running system (services, packages)");
  app.add_flag("--json", options.json, "Machine-readable output");
  app.add_flag("--no-color", options.no_colour, "No colour even on a terminal");
  app.add_option("--netns", options.netns,
                 "The host's network namespace (/run/netns/NAME) when it is not ours");
}

int report_error(std::ostream& err, const Error& error) {
  err << "clawshield: " << error.message << "\n";
  return k_exit_bad_input;
}

Result<std::string> read_host_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail(ErrorCode::not_found, "cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return fail(ErrorCode::io, "error reading " + path);
  return text.str();
}

std::string running_executable() {
  char exe[4096] = {};
  ssize_t length = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  return length > 0 ? std::string(exe, static_cast<size_t>(length)) : std::string();
}

Result<Policy> load_policy(const GlobalOptions& options, const Filesystem& fs) {
  std::string text;
  Result<Policy> policy = Policy{};
  if (!options.policy_file.empty()) {
    CS_TRY(std::string read, read_host_file(options.policy_file));
    text = std::move(read);
    policy = parse_policy(text, options.policy_file);
  } else if (auto read = fs.read(k_default_policy_path); read) {
    text = std::move(*read);
    policy = parse_policy(text, fs.host_path(k_default_policy_path));
  } else if (read.error().code != ErrorCode::not_found) {
    return std::unexpected(read.error());
  }
  if (policy)
    follow_installed_binary(*policy, text);
  return policy;
}

Invocation::Invocation(const GlobalOptions& options, CommandRunner& host_runner, Nftables& host_nft,
                       const Clock& host_clock, std::ostream& out_stream, std::ostream& err_stream)
    : global(options),
      runner(host_runner),
      nft(host_nft),
      clock(host_clock),
      out(out_stream),
      err(err_stream) {}

Style Invocation::style() const {
  Style style;
  style.format = global.json ? Format::json : Format::text;
  bool terminal = ::isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
  style.colour = terminal && !global.no_colour && !global.json ? Colour::yes : Colour::no;
  return style;
}

Result<Host*> Invocation::host() {
  if (m_host)
    return &*m_host;
  // The root must be absolute: the tools clawshield runs under it (useradd --prefix, ufw
  // --datadir, systemctl --root) refuse a relative one half-way through an apply.
  if (global.root.empty() || global.root.front() != '/')
    return fail(ErrorCode::bad_input,
                "--root \"" + global.root + "\" is not an absolute path; nothing changed");
  // The host's network namespace, the root, the host.
  if (!global.netns.empty())
    CS_TRY_VOID(enter_netns(global.netns));
  CS_TRY(Filesystem fs, Filesystem::open(global.root));
  m_fs.emplace(std::move(fs));
  m_host.emplace(Host{*m_fs, runner, clock, nft,
                      global.offline ? Liveness::offline : Liveness::live, detect_systemd(*m_fs)});
  m_host->own_network = m_fs->is_system_root() || !global.netns.empty();
  return &*m_host;
}

Result<const Policy*> Invocation::policy() {
  if (m_policy)
    return &*m_policy;
  CS_TRY(Host * host, this->host());
  CS_TRY(Policy loaded, load_policy(global, host->fs));
  m_policy.emplace(std::move(loaded));
  return &*m_policy;
}

Result<Context*> Invocation::context(LockoutGuard lockout) {
  if (m_context)
    return &*m_context;
  CS_TRY(Host * host, this->host());
  CS_TRY(const Policy* policy, this->policy());
  // The admin's SSH session: from the process tree (sudo drops SSH_CONNECTION), in the
  // network namespace just entered.
  auto set = [](const char* name) { return std::getenv(name) && *std::getenv(name); };
  AdminSession session =
      find_admin_session("/proc", ::getpid(), set("SUDO_USER") || set("SUDO_UID"));
  if (session.kind == SessionKind::found)
    host->ssh_connection = session.connection;
  else if (session.kind == SessionKind::unknown)
    host->session_unknown = session.source;
  host->lockout_guard = lockout;
  host->docker_socket = docker_socket_path(policy->docker.socket, std::getenv("DOCKER_HOST"));
  // Plan and verify see the host read-only; apply and rollback change it.
  m_view.emplace(host->view());
  m_context.emplace(Context{*m_view, *policy});
  m_layers = all_layers(*policy);
  return &*m_context;
}

Result<ApplyContext> Invocation::changing(LockoutGuard lockout) {
  CS_TRY(Context * context, this->context(lockout));
  return ApplyContext{*m_host, context->policy};
}

}  // namespace clawshield
