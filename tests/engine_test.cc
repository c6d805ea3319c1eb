// The engine without root: a substitute runner stands in for the system's tools, so these
// tests show how plan and verify behave when tools are missing or say no — evidence that
// cannot be read is `unknown`, never `pass` — and which live actions are skipped and why.
#include <gtest/gtest.h>

#include <map>

#include "engine/layers.h"
#include "host/accounts.h"
#include "engine/plan.h"
#include "engine/verify.h"
#include "layers/sudo/sudoers.h"
#include "layers/systemd_unit/systemd_unit_layer.h"
#include "support/fake_nftables.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

// A runner with no programs at all.
class NoToolsRunner final : public CommandRunner {
 public:
  Result<CommandResult> run(const Command& command) override {
    ++calls;
    return fail(ErrorCode::not_found,
                "cannot run " + command.argv.front() + ": No such file or directory");
  }
  Result<void> spawn_detached(const Command& command) override {
    ++calls;
    return fail(ErrorCode::not_found, "cannot start " + command.argv.front());
  }
  int calls = 0;
};

// A root that looks applied: account, state dir, unit, sudoers, apt files.
void seed_applied_root(const std::string& root, const Policy& policy) {
  testing::seed_minimal_root(root);
  testing::write_file(root, "/etc/passwd",
                      testing::read_file(root, "/etc/passwd") +
                          "openclaw:x:998:998::/home/openclaw:/usr/sbin/nologin\n");
  testing::write_file(root, "/etc/group",
                      testing::read_file(root, "/etc/group") + "openclaw:x:998:\n");
  testing::write_file(root, unit_path(policy), render_unit(policy));
  testing::write_file(root, sudoers_path(policy), render_sudoers(policy), 0440);
}

std::map<std::string, Status> statuses_of(const VerifyReport& report) {
  std::map<std::string, Status> out;
  for (const auto& finding : report.findings) out[finding.id] = finding.status;
  return out;
}

TEST(Engine, MissingToolsMakeChecksUnknownNeverPass) {
  testing::TempDir dir;
  Policy policy;
  seed_applied_root(dir.path(), policy);
  auto fs = Filesystem::open(dir.path());
  NoToolsRunner runner;
  SystemClock clock;
  testing::EmptyNftables nft;
  Host host{*fs, runner, clock, nft, Liveness::offline, false};
  auto report = run_verify(Context{host, policy}, all_layers(), std::nullopt);
  auto statuses = statuses_of(report);
  for (const char* id :
       {"systemd.exposure", "sudo.valid", "updates.package_installed", "updates.periodic_update",
        "updates.automatic_reboot", "updates.security_only",
        // sudoers is judged by sudo's own parser (cvtsudoers): without it, unknown.
        "sudo.no_broad_rules", "sudo.noexec", "sudo.environment", "sudo.exact_commands"})
    EXPECT_EQ(statuses[id], Status::unknown) << id;
  // What needs no tool is still judged.
  EXPECT_EQ(statuses["app_user.exists"], Status::pass);
  EXPECT_GT(runner.calls, 0);
  for (const auto& finding : report.findings) {
    if (finding.status == Status::unknown && finding.layer != "firewall" && finding.layer != "guard" &&
        finding.layer != "openclaw" && finding.layer != "kernel" && finding.layer != "tailscale") {
      EXPECT_NE(finding.evidence.find("cannot run"), std::string::npos) << finding.id;
    }
  }
}

TEST(Engine, PlanListsLayerCommandsAndSkipsLiveOnesUnderAnotherRoot) {
  testing::TempDir dir;
  testing::seed_minimal_root(dir.path());
  // dpkg says unattended-upgrades is missing; the install is a live action.
  testing::write_file(dir.path(), "/var/lib/dpkg/status", "");
  auto fs = Filesystem::open(dir.path());
  ProcessRunner runner;
  SystemClock clock;
  testing::EmptyNftables nft;
  Host host{*fs, runner, clock, nft, Liveness::live, false};
  Policy policy;
  Plan plan = make_plan(Context{host, policy}, all_layers());
  ASSERT_FALSE(plan.has_errors());
  std::map<std::string, std::optional<std::string>> changes;
  for (const auto& layer : plan.layers)
    for (const auto& change : layer.changes) changes[change.summary] = change.skip_reason;
  ASSERT_TRUE(changes.contains("create system user openclaw"));
  EXPECT_FALSE(changes["create system user openclaw"]);  // --prefix works on any root
  ASSERT_TRUE(changes.contains("install unattended-upgrades"));
  EXPECT_EQ(changes["install unattended-upgrades"], "--root is not the running system");
  EXPECT_EQ(changes["systemctl daemon-reload"], "--root is not the running system");
  EXPECT_EQ(changes["load nftables table inet clawshield"],
            "--root is not the running system (name its network namespace with --netns)");
  EXPECT_EQ(plan.skipped(), 6u);  // + the guard's daemon-reload and restart
}

TEST(Accounts, MalformedLineIsAnErrorNamingIt) {
  testing::TempDir dir;
  testing::seed_minimal_root(dir.path());
  testing::write_file(dir.path(), "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nbroken:x:0\n");
  auto fs = Filesystem::open(dir.path());
  auto accounts = Accounts::load(*fs);
  ASSERT_FALSE(accounts);
  EXPECT_NE(accounts.error().message.find("/etc/passwd:2: expected 7 fields"), std::string::npos)
      << accounts.error().message;
}

TEST(Accounts, GroupsOfCountsPrimaryAndSupplementary) {
  testing::TempDir dir;
  testing::seed_minimal_root(dir.path());
  auto fs = Filesystem::open(dir.path());
  auto accounts = Accounts::load(*fs);
  ASSERT_TRUE(accounts);
  EXPECT_EQ(accounts->groups_of(*accounts->user("admin")),
            (std::vector<std::string>{"admin", "docker", "sudo"}));
  EXPECT_EQ(accounts->root_equivalent_users(), std::vector<std::string>{"root"});
}

TEST(Engine, SkipReasons) {
  testing::TempDir dir;
  auto other_root = Filesystem::open(dir.path());
  auto system_root = Filesystem::open("/");
  ASSERT_TRUE(system_root->is_system_root());
  NoToolsRunner runner;
  SystemClock clock;
  testing::EmptyNftables nft;
  Host live_no_systemd{*system_root, runner, clock, nft, Liveness::live, false};
  EXPECT_EQ(live_no_systemd.skip_reason(Requirement::systemd), "systemd not running");
  EXPECT_EQ(live_no_systemd.skip_reason(Requirement::live_system), std::nullopt);
  Host live_systemd{*system_root, runner, clock, nft, Liveness::live, true};
  EXPECT_EQ(live_systemd.skip_reason(Requirement::systemd), std::nullopt);
  Host offline{*system_root, runner, clock, nft, Liveness::offline, true};
  EXPECT_EQ(offline.skip_reason(Requirement::systemd), "offline");
  EXPECT_EQ(offline.skip_reason(Requirement::none), std::nullopt);
  Host elsewhere{*other_root, runner, clock, nft, Liveness::live, true};
  EXPECT_EQ(elsewhere.skip_reason(Requirement::live_system), "--root is not the running system");
}

TEST(Engine, UnitFileIsNotRewrittenWhenOnlyAnotherLayerChanges) {
  testing::TempDir dir;
  Policy policy;
  seed_applied_root(dir.path(), policy);
  auto fs = Filesystem::open(dir.path());
  ProcessRunner runner;
  SystemClock clock;
  testing::EmptyNftables nft;
  Host host{*fs, runner, clock, nft, Liveness::live, true};
  Plan plan = make_plan(Context{host, policy}, all_layers());
  for (const auto& layer : plan.layers) {
    if (layer.id != "systemd")
      continue;
    // The unit's content already matches, so neither a rewrite nor a reload or restart is
    // planned (without root, the test's files are not root-owned: an owner fix may remain).
    for (const auto& change : layer.changes) {
      EXPECT_EQ(change.summary.find("systemctl"), std::string::npos) << change.summary;
      EXPECT_FALSE(change.summary.starts_with("update ")) << change.summary;
    }
  }
}

}  // namespace
}  // namespace clawshield
