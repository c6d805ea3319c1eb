// Scoped sudo: the rendered file passes the real visudo and grants fixed argvs only; the
// reader finds every rule that reaches the user and flags anything broader.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/text.h"
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
    ProcessRunner runner;
    return grants_for_user(*fs, runner, *accounts, user);
  }
  Result<SudoRules> rules(const std::string& user) {
    auto fs = Filesystem::open(dir.path());
    auto accounts = Accounts::load(*fs);
    EXPECT_TRUE(accounts) << accounts.error().message;
    ProcessRunner runner;
    return sudo_rules_for_user(*fs, runner, *accounts, user);
  }
  // The app user (uid 998, group openclaw 998, also in group ops 999).
  void add_app_user() {
    testing::write_file(dir.path(), "/etc/passwd",
                        testing::read_file(dir.path(), "/etc/passwd") +
                            "openclaw:x:998:998::/home/openclaw:/usr/sbin/nologin\n");
    testing::write_file(
        dir.path(), "/etc/group",
        testing::read_file(dir.path(), "/etc/group") + "openclaw:x:998:\nops:x:999:openclaw\n");
  }
  // /etc/sudoers as Debian ships it (includes /etc/sudoers.d) plus `extra`.
  void debian_sudoers(const std::string& extra = "") {
    testing::write_file(dir.path(), "/etc/sudoers",
                        "Defaults env_reset\nDefaults mail_badpass\n"
                        "root ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n" +
                            extra + "@includedir /etc/sudoers.d\n",
                        0440);
  }
};

bool has_tag(const SudoGrant& grant, const std::string& tag) {
  return std::ranges::find(grant.tags, tag) != grant.tags.end();
}

const SudoGrant* find_grant(const std::vector<SudoGrant>& grants, const std::string& command) {
  for (const auto& grant : grants)
    if (grant.command == command)
      return &grant;
  return nullptr;
}

// Issue 11, item 9: four ways a sudoers file got past the old reader.
TEST(SudoersBypass, ExecTagAfterNoexecIsSeen) {
  SudoersRoot root;
  root.add_app_user();
  root.debian_sudoers();
  testing::write_file(root.dir.path(), "/etc/sudoers.d/openclaw",
                      "openclaw ALL = (root) NOPASSWD: NOEXEC: /usr/bin/systemctl status openclaw, "
                      "EXEC: /usr/bin/journalctl -u openclaw\n",
                      0440);
  auto grants = root.grants("openclaw");
  ASSERT_TRUE(grants) << grants.error().message;
  const SudoGrant* status = find_grant(*grants, "/usr/bin/systemctl status openclaw");
  const SudoGrant* journal = find_grant(*grants, "/usr/bin/journalctl -u openclaw");
  ASSERT_TRUE(status && journal);
  EXPECT_TRUE(has_tag(*status, "NOEXEC"));
  EXPECT_FALSE(has_tag(*journal, "NOEXEC"));   // EXEC: replaces NOEXEC from here on
  EXPECT_TRUE(has_tag(*journal, "NOPASSWD"));  // NOPASSWD still carries
  EXPECT_EQ(journal->line, 1);
}

TEST(SudoersBypass, GroupByGidReachesTheUser) {
  SudoersRoot root;
  root.add_app_user();
  root.debian_sudoers();
  testing::write_file(root.dir.path(), "/etc/sudoers.d/ops", "%#999 ALL=(ALL) NOPASSWD: ALL\n",
                      0440);
  auto grants = root.grants("openclaw");
  ASSERT_TRUE(grants) << grants.error().message;
  ASSERT_EQ(grants->size(), 1u);
  EXPECT_EQ(breadth_problem((*grants)[0]), "NOPASSWD: ALL");
  // Primary gid and #uid too.
  testing::write_file(root.dir.path(), "/etc/sudoers.d/ops",
                      "%#998 ALL=/bin/a x\n#998 ALL=/bin/b y\n", 0440);
  grants = root.grants("openclaw");
  ASSERT_TRUE(grants) << grants.error().message;
  EXPECT_TRUE(find_grant(*grants, "/bin/a x") && find_grant(*grants, "/bin/b y"));
}

TEST(SudoersBypass, NestedUserAliasIsExpanded) {
  SudoersRoot root;
  root.add_app_user();
  root.debian_sudoers(
      // The outer alias sorts (and is defined) before the inner one.
      "User_Alias AOUTER = ZINNER, carol\nUser_Alias ZINNER = openclaw, bob\n"
      "User_Alias DENIED = ALL, !openclaw\n"
      "AOUTER ALL = (root) NOPASSWD: ALL\nDENIED ALL = /bin/not-for-openclaw x\n");
  auto grants = root.grants("openclaw");
  ASSERT_TRUE(grants) << grants.error().message;
  ASSERT_EQ(grants->size(), 1u);
  EXPECT_EQ((*grants)[0].command, "ALL");
  EXPECT_EQ((*grants)[0].line, 8);
  EXPECT_TRUE((*grants)[0].certain);
}

TEST(SudoersBypass, RuleReachedThroughIncludeIsRead) {
  SudoersRoot root;
  root.add_app_user();
  // @include relative to /etc, #include absolute, an @includedir that /etc/sudoers names: all
  // under the root, none of the machine's.
  testing::write_file(root.dir.path(), "/etc/sudoers",
                      "Defaults env_reset\n@include sudoers.local\n#include /etc/more/one\n"
                      "@includedir /etc/extra.d\n",
                      0440);
  testing::write_file(root.dir.path(), "/etc/sudoers.local", "openclaw ALL=(ALL) /bin/local-rule\n",
                      0440);
  testing::write_file(root.dir.path(), "/etc/more/one", "openclaw ALL=/bin/one *\n", 0440);
  testing::write_file(root.dir.path(), "/etc/extra.d/b", "@include ../nested\n", 0440);
  testing::write_file(root.dir.path(), "/etc/extra.d/skipped.conf", "openclaw ALL=ALL\n", 0440);
  testing::write_file(root.dir.path(), "/etc/nested", "openclaw ALL=NOPASSWD: ALL\n", 0440);
  // Not included by /etc/sudoers: sudo never reads it.
  testing::write_file(root.dir.path(), "/etc/sudoers.d/unread", "openclaw ALL=/bin/unread x\n",
                      0440);
  auto rules = root.rules("openclaw");
  ASSERT_TRUE(rules) << rules.error().message;
  std::vector<std::string> commands = commands_of(rules->grants);
  EXPECT_EQ(commands, (std::vector<std::string>{"/bin/local-rule", "/bin/one *", "ALL"}));
  EXPECT_EQ(rules->files.size(), 5u);
  EXPECT_EQ(rules->grants[2].file, root.dir.path() + "/etc/nested");
}

TEST(SudoersBypass, DefaultsAfterAnIncludeWinOverTheIncludedOnes) {
  SudoersRoot root;
  root.add_app_user();
  // The rendered file says !setenv; /etc/sudoers turns it back on after including it.
  root.debian_sudoers();
  testing::write_file(root.dir.path(), "/etc/sudoers",
                      testing::read_file(root.dir.path(), "/etc/sudoers") +
                          "Defaults:openclaw setenv\n#998 ALL = /bin/by-uid x\n",
                      0440);
  testing::write_file(root.dir.path(), "/etc/sudoers.d/openclaw",
                      render_sudoers(Policy{}, "openclaw"), 0440);
  auto rules = root.rules("openclaw");
  ASSERT_TRUE(rules) << rules.error().message;
  EXPECT_FALSE(rules->environment.empty());
  const SudoGrant* by_uid = find_grant(rules->grants, "/bin/by-uid x");
  ASSERT_NE(by_uid, nullptr);  // a "#uid" line after an include is a rule, not a comment
  EXPECT_EQ(by_uid->line, 7);
  EXPECT_TRUE(has_tag(*by_uid, "SETENV"));
}

TEST(SudoersBypass, EnvironmentThatReachesRootIsFlagged) {
  SudoersRoot root;
  root.add_app_user();
  root.debian_sudoers(
      "Defaults:openclaw env_keep += \"LD_PRELOAD\"\nDefaults>root setenv\n"
      "Defaults:admin !env_reset\n");
  testing::write_file(root.dir.path(), "/etc/sudoers.d/openclaw",
                      render_sudoers(Policy{}, "openclaw"), 0440);
  auto rules = root.rules("openclaw");
  ASSERT_TRUE(rules) << rules.error().message;
  std::string joined = join(rules->environment, "\n");
  EXPECT_NE(joined.find("env_keep keeps LD_PRELOAD"), std::string::npos) << joined;
  EXPECT_NE(joined.find("SETENV"), std::string::npos) << joined;
  EXPECT_EQ(joined.find("env_reset"), std::string::npos) << joined;  // admin's, not openclaw's
  // The rendered file alone sets nothing of the kind.
  SudoersRoot clean;
  clean.add_app_user();
  clean.debian_sudoers();
  testing::write_file(clean.dir.path(), "/etc/sudoers.d/openclaw",
                      render_sudoers(Policy{}, "openclaw"), 0440);
  auto clean_rules = clean.rules("openclaw");
  ASSERT_TRUE(clean_rules) << clean_rules.error().message;
  EXPECT_TRUE(clean_rules->environment.empty()) << join(clean_rules->environment, "\n");
}

TEST(SudoersBypass, WhatSudoCannotParseIsAnErrorNotNoRules) {
  SudoersRoot root;
  root.add_app_user();
  root.debian_sudoers();
  testing::write_file(root.dir.path(), "/etc/sudoers.d/broken", "openclaw ALL = (root /bin/x\n",
                      0440);
  auto rules = root.rules("openclaw");
  ASSERT_FALSE(rules);
  EXPECT_NE(rules.error().message.find("/etc/sudoers.d/broken:1:"), std::string::npos)
      << rules.error().message;
  // A byte that is not UTF-8 in the refused line does not reach the message (it ends up in
  // --json output).
  testing::write_file(root.dir.path(), "/etc/sudoers.d/broken", "openclaw ALL = (root /bin/\xe9\n",
                      0440);
  rules = root.rules("openclaw");
  ASSERT_FALSE(rules);
  for (char c : rules.error().message)
    EXPECT_LT(static_cast<unsigned char>(c), 0x80) << rules.error().message;
}

TEST(SudoersBypass, RulesFromSssOrLdapMakeTheReadingIncomplete) {
  SudoersRoot root;
  root.add_app_user();
  root.debian_sudoers();
  testing::write_file(root.dir.path(), "/etc/nsswitch.conf",
                      "passwd: files\nsudoers:   files sss\n");
  auto rules = root.rules("openclaw");
  ASSERT_FALSE(rules);
  EXPECT_NE(rules.error().message.find("\"sss\""), std::string::npos) << rules.error().message;
  testing::write_file(root.dir.path(), "/etc/nsswitch.conf", "sudoers: files\n");
  EXPECT_TRUE(root.rules("openclaw"));
}

TEST(SudoersBypass, ConstructsSudosJsonCannotShowAreAnError) {
  SudoersRoot root;
  root.add_app_user();
  root.debian_sudoers();
  // cvtsudoers 1.9.13 writes invalid JSON for CWD=/CHROOT= options: unknown, never "no rules".
  testing::write_file(root.dir.path(), "/etc/sudoers.d/cwd", "openclaw ALL = CWD=* /bin/x y\n",
                      0440);
  auto rules = root.rules("openclaw");
  if (rules) {
    // A cvtsudoers that writes them correctly: then the rule must be seen.
    EXPECT_NE(find_grant(rules->grants, "/bin/x y"), nullptr);
  } else {
    EXPECT_NE(rules.error().message.find("/etc/sudoers.d/cwd"), std::string::npos)
        << rules.error().message;
  }
}

TEST(SudoersBypass, NetgroupRulesAreUncertainNotAbsent) {
  SudoersRoot root;
  root.add_app_user();
  root.debian_sudoers("+admins ALL=(ALL) ALL\n");
  auto grants = root.grants("openclaw");
  ASSERT_TRUE(grants) << grants.error().message;
  ASSERT_EQ(grants->size(), 1u);
  EXPECT_FALSE((*grants)[0].certain);
}

TEST(Sudoers, RenderedFilePassesRealVisudo) {
  Policy policy;
  ProcessRunner runner;
  auto result = runner.run(visudo_check_command(render_sudoers(policy, policy.app.service)));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->exit_code, 0) << result->err << render_sudoers(policy, policy.app.service);
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
  testing::write_file(root.dir.path(), "/etc/sudoers.d/openclaw",
                      render_sudoers(policy, policy.app.service), 0440);
  auto grants = root.grants("openclaw");
  ASSERT_TRUE(grants) << grants.error().message;
  auto commands = commands_of(*grants);
  std::ranges::sort(commands);
  auto expected = allowed_commands(policy, policy.app.service);
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
