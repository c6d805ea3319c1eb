// Layer 5 — the app's account. The seed runs OpenClaw as `openclaw`; what makes that account
// safe is that it is a system user outside the groups that make it root (`docker`: any member
// can start a privileged container). A real OpenClaw install (openclaw-ansible) needs two things
// the seed took away: a login shell (`sudo su - openclaw`, `openclaw onboard`, pnpm updates) and,
// while its agents' sandboxes run on the system Docker, `docker` membership. So the shell is left
// as it is unless the policy sets one, and with `app.sandbox: system-docker` the docker
// membership is kept and verify warns about it loudly; `app.sandbox: rootless` (the default)
// gives the user a Docker daemon of its own instead (layers/rootless_docker). Accounts are changed
// with shadow's own useradd/usermod, pointed at the root with
// --prefix, so locking and the shadow files stay right; the home and state directories are
// ordinary directory actions.
#include "layers/app_user/app_user_layer.h"

#include <algorithm>

#include "core/text.h"
#include "host/accounts.h"
#include "layers/app_user/checks.h"
#include "layers/openclaw/gateway_service.h"

namespace clawshield {
namespace {

// shadow's tools take --prefix for a root other than "/".
std::vector<std::string> account_tool(const HostView& host, std::string program) {
  std::vector<std::string> argv = {std::move(program)};
  if (!host.fs.is_system_root()) {
    argv.push_back("--prefix");
    argv.push_back(host.fs.root());
  }
  return argv;
}

// The home is handed to the app user (chown), so it must not be anybody else's: a policy that
// names another account's home (`app.home: /home/admin`, a typo) would give the app — and
// whoever compromises it — that account's files. Refused before anything changes.
Result<void> check_home_is_the_apps(const Filesystem& fs, const Accounts& accounts,
                                    const AppPolicy& app, const UserEntry* user) {
  for (const UserEntry* other : accounts.users_with_home(app.home))
    if (other->name != app.user)
      return fail(ErrorCode::refused, "app.home " + app.home + " is the home of user '" +
                                          other->name + "'; clawshield will not hand it to " +
                                          app.user);
  CS_TRY(std::optional<FileStat> st, fs.stat(app.home));
  if (!st || st->uid == 0 || (user && st->uid == user->uid))
    return {};
  return fail(ErrorCode::refused, "app.home " + app.home + " belongs to uid " +
                                      std::to_string(st->uid) + ", not to " + app.user +
                                      " or root; clawshield will not hand it to " + app.user);
}

// The group the system-Docker sandbox needs: kept (with a warning) rather than removed.
bool kept_for_sandbox(const AppPolicy& app, const std::string& group) {
  return app.sandbox == AppSandbox::system_docker && group == "docker";
}

// The login shell: judged against the policy only where the policy sets one. Left unset, a
// login shell is what OpenClaw's workflow needs (`sudo su - openclaw`, `openclaw onboard`).
Finding shell_finding(const AppPolicy& app, const UserEntry& user) {
  if (app.shell)
    return make_finding(checks::k_app_user_login_shell,
                        user.shell == *app.shell ? Status::pass : Status::fail,
                        "shell " + user.shell +
                            (user.shell == *app.shell ? " (as app.shell sets it)"
                                                      : ", app.shell wants " + *app.shell));
  const bool login = !user.shell.ends_with("/nologin") && !user.shell.ends_with("/false");
  return make_finding(checks::k_app_user_login_shell, Status::pass,
                      "shell " + user.shell +
                          (login ? ": login shell kept for OpenClaw's workflow (sudo su - " +
                                       app.user + ", openclaw onboard); app.shell not set"
                                 : ": no login shell; app.shell not set, left as it is"));
}

}  // namespace

const std::vector<std::string>& account_files() {
  static const std::vector<std::string> files = {
      "/etc/passwd",  "/etc/group",  "/etc/shadow",  "/etc/gshadow",
      "/etc/passwd-", "/etc/group-", "/etc/shadow-", "/etc/gshadow-",
  };
  return files;
}

Result<std::vector<Action>> AppUserLayer::desired(const Context& context) const {
  const AppPolicy& app = context.policy.app;
  CS_TRY(Accounts accounts, Accounts::load(context.host.fs));
  std::vector<Action> actions;

  const UserEntry* user = accounts.user(app.user);
  CS_TRY_VOID(check_home_is_the_apps(context.host.fs, accounts, app, user));
  if (!user) {
    std::vector<std::string> argv = account_tool(context.host, "useradd");
    argv.insert(argv.end(),
                {"--system", "--no-create-home", "--home-dir", app.home, "--shell",
                 app.shell.value_or(k_created_app_shell), "--comment", app.description});
    if (accounts.group(app.group)) {
      argv.insert(argv.end(), {"--gid", app.group});
    } else if (app.group == app.user) {
      argv.push_back("--user-group");
    } else {
      return fail(ErrorCode::bad_input, "group '" + app.group + "' does not exist");
    }
    argv.push_back(app.user);
    actions.push_back(RunCommand{
        "create system user " + app.user, Command{argv}, Requirement::none, account_files(), {}});
  } else {
    if (user->uid == 0)
      return fail(ErrorCode::refused,
                  "user '" + app.user + "' has uid 0; clawshield will not rewrite a root account");
    // Out of every forbidden group, primary or supplementary.
    const GroupEntry* primary = accounts.group_by_gid(user->gid);
    bool primary_forbidden = primary && std::ranges::find(app.forbidden_groups, primary->name) !=
                                            app.forbidden_groups.end();
    if (primary_forbidden || (primary && primary->name != app.group)) {
      if (!accounts.group(app.group))
        return fail(ErrorCode::bad_input, "group '" + app.group + "' does not exist");
      std::vector<std::string> argv = account_tool(context.host, "usermod");
      argv.insert(argv.end(), {"--gid", app.group, app.user});
      actions.push_back(RunCommand{"set primary group of " + app.user + " to " + app.group,
                                   Command{argv},
                                   Requirement::none,
                                   account_files(),
                                   {}});
    }
    std::vector<std::string> remove;
    for (const auto& group_name : app.forbidden_groups) {
      const GroupEntry* group = accounts.group(group_name);
      if (group && std::ranges::find(group->members, app.user) != group->members.end() &&
          !kept_for_sandbox(app, group_name))
        remove.push_back(group_name);
    }
    if (!remove.empty()) {
      std::vector<std::string> argv = account_tool(context.host, "usermod");
      argv.insert(argv.end(), {"--remove", "--groups", join(remove, ","), app.user});
      actions.push_back(RunCommand{"remove " + app.user + " from " + join(remove, ", "),
                                   Command{argv},
                                   Requirement::none,
                                   account_files(),
                                   {}});
    }
    // Groups are fixed when a process starts: the user's service manager, and everything it
    // starts from then on, would keep a forbidden group just left (primary or supplementary).
    // Restarted if it runs (rollback restarts it again, in the groups put back).
    if (primary_forbidden || !remove.empty()) {
      std::vector<std::string> left = remove;
      if (primary_forbidden)
        left.insert(left.begin(), primary->name);
      const std::string manager = "user@" + std::to_string(user->uid) + ".service";
      Command restart{{context.policy.sudo.systemctl, "try-restart", manager}};
      restart.timeout = k_user_units_stop_time;  // it stops the user's units, the gateway too
      actions.push_back(RunCommand{
          "restart " + manager + " (its processes keep " + join(left, ", ") + " until then)",
          restart,
          Requirement::systemd,
          {},
          {},
          {restart}});
    }
    // The shell only when the policy names one: OpenClaw's workflow logs in as the user.
    if (app.shell && user->shell != *app.shell) {
      std::vector<std::string> argv = account_tool(context.host, "usermod");
      argv.insert(argv.end(), {"--shell", *app.shell, app.user});
      actions.push_back(RunCommand{"set shell of " + app.user + " to " + *app.shell,
                                   Command{argv},
                                   Requirement::none,
                                   account_files(),
                                   {}});
    }
  }

  // A useradd/usermod killed earlier leaves its locks behind, and the next one refuses to run:
  // clear what no running process holds before any account command (rollback puts them back).
  if (!actions.empty()) {
    CS_TRY(std::vector<std::string> stale, stale_account_locks(context.host.fs));
    std::vector<Action> clear;
    for (auto& path : stale) clear.push_back(RemoveFile{std::move(path)});
    actions.insert(actions.begin(), std::make_move_iterator(clear.begin()),
                   std::make_move_iterator(clear.end()));
  }

  actions.push_back(EnsureDirectory{app.home, FileSpec{0750, app.user, app.group}});
  // The state dir lies in the app user's home: the user can put anything at its name.
  actions.push_back(EnsureDirectory{app.state_dir, FileSpec{0700, app.user, app.group},
                                    trusted_parent_of(app.state_dir, app.home)});
  return actions;
}

std::vector<Finding> AppUserLayer::verify(const Context& context) const {
  const AppPolicy& app = context.policy.app;
  std::vector<Finding> findings;
  auto accounts = Accounts::load(context.host.fs);
  if (!accounts) {
    for (const Check* check : {&checks::k_app_user_exists, &checks::k_app_user_not_root,
                               &checks::k_app_user_not_in_forbidden_groups,
                               &checks::k_app_user_login_shell, &checks::k_app_user_state_dir})
      findings.push_back(make_finding(*check, Status::unknown, accounts.error().message,
                                      SummaryOverride{"account files unreadable"}));
    return findings;
  }
  const UserEntry* user = accounts->user(app.user);
  if (!user) {
    findings.push_back(make_finding(checks::k_app_user_exists, Status::fail,
                                    "no user '" + app.user + "' in /etc/passwd"));
  } else {
    findings.push_back(make_finding(checks::k_app_user_exists, Status::pass,
                                    app.user + " uid " + std::to_string(user->uid) + " home " +
                                        user->home + " shell " + user->shell));
    findings.push_back(make_finding(checks::k_app_user_not_root,
                                    user->uid == 0 ? Status::fail : Status::pass,
                                    "uid " + std::to_string(user->uid)));
    auto groups = accounts->groups_of(*user);
    std::vector<std::string> bad, kept;
    for (const auto& group : groups)
      if (std::ranges::find(app.forbidden_groups, group) != app.forbidden_groups.end())
        (kept_for_sandbox(app, group) ? kept : bad).push_back(group);
    // Kept docker membership is never a silent pass: it makes the app (and whoever takes it
    // over) root.
    std::string evidence =
        bad.empty() ? "groups: " + join(groups, ",") : "member of " + join(bad, ",");
    if (!kept.empty())
      evidence +=
          "; member of docker, kept because app.sandbox is system-docker (OpenClaw's "
          "Docker sandboxes need it): the docker group is root-equivalent; app.sandbox: "
          "rootless removes the need";
    findings.push_back(
        make_finding(checks::k_app_user_not_in_forbidden_groups,
                     !bad.empty()    ? Status::fail
                     : !kept.empty() ? Status::warn
                                     : Status::pass,
                     evidence,
                     SummaryOverride{"app user not in " + join(app.forbidden_groups, "/") +
                                     " (root-equivalent)"}));
    findings.push_back(shell_finding(app, *user));
  }

  auto opened = context.host.fs.open_untrusted(
      app.state_dir, trusted_parent_of(app.state_dir, app.home), UntrustedKind::directory);
  std::optional<FileStat> st;
  if (opened)
    st = opened->stat();
  if (!opened && opened.error().code == ErrorCode::refused) {
    findings.push_back(
        make_finding(checks::k_app_user_state_dir, Status::fail, opened.error().message));
  } else if (!opened && opened.error().code != ErrorCode::not_found) {
    findings.push_back(
        make_finding(checks::k_app_user_state_dir, Status::unknown, opened.error().message));
  } else if (!st) {
    findings.push_back(make_finding(checks::k_app_user_state_dir, Status::fail,
                                    app.state_dir + " does not exist"));
  } else {
    const FileStat& s = *st;
    std::vector<std::string> problems;
    if (s.type != FileType::directory)
      problems.push_back("not a directory");
    if (s.mode != 0700)
      problems.push_back("mode " + format_mode(s.mode) + ", want 0700");
    if (!user || s.uid != user->uid)
      problems.push_back("owner uid " + std::to_string(s.uid));
    findings.push_back(make_finding(
        checks::k_app_user_state_dir, problems.empty() ? Status::pass : Status::fail,
        app.state_dir + (problems.empty() ? " 0700 " + app.user : ": " + join(problems, "; "))));
  }
  return findings;
}

}  // namespace clawshield
