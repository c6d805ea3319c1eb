// Scoped sudo: the rendered file passes the real visudo and grants fixed argvs only; the
// reader finds every rule that reaches the user and flags anything broader.
#include <gtest/gtest.h>

#include <algorithm>

#include "host/accounts.h"
#include "layers/sudo/sudo_layer.h"
#include "layers/sudo/sudoers.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

std::vector<std::string> commands_of(const std::vector<SudoGrant>& grants) {
  std::vector<std::string> out;
  for (const auto& grant : grants) out.push_back(grant.command);
  return out;
}

struct SudoersRoot {
  testing::TempDir dir;
  SudoersRoot() { testing::seed_minimal_root(dir.path()); }
  Result<std::vector<SudoGrant>> grants(const std::string& user) {
    auto fs = Filesystem::open(dir.path());
    auto accounts = Accounts::load(*fs);
    EXPECT_TRUE(accounts) << accounts.error().message;
    return grants_for_user(*fs, *accounts, user);
  }
};

TEST(Sudoers, RenderedFilePassesRealVisudo) {
  Policy policy;
  ProcessRunner runner;
  auto result = runner.run(visudo_check_command(render_sudoers(policy)));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->exit_code, 0) << result->err << render_sudoers(policy);
}

TEST(Sudoers, VisudoRejectsABrokenFile) {
  ProcessRunner runner;
  auto result = runner.run(visudo_check_command("openclaw ALL = (root) NOPASSWD /bin/x\n"));
  ASSERT_TRUE(result);
  EXPECT_NE(result->exit_code, 0);
}

TEST(Sudoers, RenderedFileGrantsExactlyTheScopedCommandsWithNoexec) {
  SudoersRoot root;
  Policy policy;
  testing::write_file(root.dir.path(), "/etc/sudoers.d/openclaw", render_sudoers(policy), 0440);
  auto grants = root.grants("openclaw");
  ASSERT_TRUE(grants) << grants.error().message;
  auto commands = commands_of(*grants);
  std::ranges::sort(commands);
  auto expected = allowed_commands(policy);
  std::ranges::sort(expected);
  EXPECT_EQ(commands, expected);
  for (const auto& grant : *grants) {
    EXPECT_EQ(breadth_problem(grant), "") << grant.command;
    EXPECT_NE(std::ranges::find(grant.tags, "NOEXEC"), grant.tags.end()) << grant.command;
    EXPECT_NE(std::ranges::find(grant.tags, "NOPASSWD"), grant.tags.end()) << grant.command;
  }
  EXPECT_EQ(expected.size(), 8u);
  EXPECT_NE(std::ranges::find(expected, "/usr/bin/journalctl -u openclaw"), expected.end());
}

TEST(Sudoers, FlagsWildcardsAllAndOpenArguments) {
  SudoersRoot root;
  testing::write_file(
      root.dir.path(), "/etc/sudoers.d/extra",
      "openclaw ALL=(root) NOPASSWD: /usr/bin/systemctl * openclaw, /usr/bin/tailscale\n"
      "openclaw ALL=(ALL) NOPASSWD: ALL\n",
      0440);
  auto grants = root.grants("openclaw");
  ASSERT_TRUE(grants) << grants.error().message;
  ASSERT_EQ(grants->size(), 3u);
  EXPECT_EQ(breadth_problem((*grants)[0]), "wildcard");
  EXPECT_EQ(breadth_problem((*grants)[1]), "no arguments listed: any arguments allowed");
  EXPECT_EQ(breadth_problem((*grants)[2]), "NOPASSWD: ALL");
  EXPECT_EQ((*grants)[2].line, 2);
}

TEST(Sudoers, GroupAndUserAliasRulesReachTheUser) {
  SudoersRoot root;
  testing::write_file(root.dir.path(), "/etc/sudoers",
                      "Defaults env_reset\n"
                      "# a comment with openclaw ALL=(ALL) ALL\n"
                      "User_Alias OPS = admin, openclaw\n"
                      "Cmnd_Alias REBOOT = /sbin/reboot \"\"\n"
                      "%sudo ALL=(ALL:ALL) ALL\n"
                      "OPS ALL = REBOOT\n"
                      "root ALL=(ALL) ALL\n"
                      "@includedir /etc/sudoers.d\n",
                      0440);
  auto admin = root.grants("admin");
  ASSERT_TRUE(admin);
  EXPECT_EQ(commands_of(*admin), (std::vector<std::string>{"ALL", "/sbin/reboot \"\""}));
  auto app = root.grants("openclaw");
  ASSERT_TRUE(app);
  EXPECT_EQ(commands_of(*app), (std::vector<std::string>{"/sbin/reboot \"\""}));
}

TEST(Sudoers, FilesSudoIgnoresAreIgnored) {
  SudoersRoot root;
  testing::write_file(root.dir.path(), "/etc/sudoers.d/old.dpkg-old", "openclaw ALL=(ALL) ALL\n",
                      0440);
  testing::write_file(root.dir.path(), "/etc/sudoers.d/backup~", "openclaw ALL=(ALL) ALL\n", 0440);
  auto grants = root.grants("openclaw");
  ASSERT_TRUE(grants);
  EXPECT_TRUE(grants->empty());
}

TEST(Sudoers, ParsesSudoListOutput) {
  const std::string output =
      "Matching Defaults entries for openclaw on box:\n"
      "    env_reset, mail_badpass, !setenv\n\n"
      "User openclaw may run the following commands on box:\n"
      "    (root) NOEXEC: NOPASSWD: /usr/bin/systemctl start openclaw, /usr/bin/systemctl stop\n"
      "        openclaw, /usr/bin/journalctl -u openclaw\n";
  // sudo folds long lines; commands split across lines must still be read whole.
  auto commands = parse_sudo_list(output);
  EXPECT_EQ(commands, (std::vector<std::string>{"/usr/bin/systemctl start openclaw",
                                                "/usr/bin/systemctl stop openclaw",
                                                "/usr/bin/journalctl -u openclaw"}));
}

}  // namespace
}  // namespace clawshield
