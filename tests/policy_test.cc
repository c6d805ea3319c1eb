// The policy decoder: defaults are the seed's values; every mistake names file:line:col.
#include <gtest/gtest.h>

#include "policy/policy.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

TEST(Policy, EmptyDocumentGivesSeedDefaults) {
  auto policy = parse_policy("", "p.yaml");
  ASSERT_TRUE(policy) << policy.error().message;
  EXPECT_EQ(policy->app.user, "openclaw");
  EXPECT_EQ(policy->app.home, "/home/openclaw");
  EXPECT_EQ(policy->app.state_dir, "/home/openclaw/.openclaw");
  EXPECT_EQ(policy->app.service, "openclaw");
  EXPECT_FALSE(policy->updates.automatic_reboot);
  EXPECT_DOUBLE_EQ(policy->systemd.max_exposure, 2.0);
}

TEST(Policy, StateDirFollowsHomeWhereverItIsSet) {
  auto policy = parse_policy("app:\n  state_dir: ~/.state\n  home: /srv/claw\n", "p.yaml");
  ASSERT_TRUE(policy) << policy.error().message;
  EXPECT_EQ(policy->app.state_dir, "/srv/claw/.state");
}

TEST(Policy, UnknownKeyNamesFileLineColumnAndKey) {
  auto policy = parse_policy("app:\n  user: openclaw\n  usr: x\n", "/etc/p.yaml");
  ASSERT_FALSE(policy);
  EXPECT_EQ(policy.error().code, ErrorCode::bad_input);
  EXPECT_NE(policy.error().message.find("/etc/p.yaml:3:3: unknown key \"app.usr\""),
            std::string::npos)
      << policy.error().message;
}

TEST(Policy, WrongTypeIsAnError) {
  auto policy = parse_policy("updates:\n  automatic_reboot: sometimes\n", "p.yaml");
  ASSERT_FALSE(policy);
  EXPECT_NE(policy.error().message.find(
                "p.yaml:2:21: \"updates.automatic_reboot\" must be true or false"),
            std::string::npos)
      << policy.error().message;
}

TEST(Policy, ImpossibleValuesAreErrors) {
  for (const char* text :
       {"systemd:\n  max_exposure: 11\n", "app:\n  user: Root User\n",
        "app:\n  exec_start: node server.js\n", "sudo:\n  systemctl: /usr/bin/*\n",
        "updates:\n  origins_pattern: []\n", "app:\n  user: root\n", "app:\n  group: docker\n",
        "systemd:\n  read_write_paths: [/etc]\n"}) {
    auto policy = parse_policy(text, "p.yaml");
    EXPECT_FALSE(policy) << text;
    if (!policy) {
      EXPECT_NE(policy.error().message.find("p.yaml:"), std::string::npos)
          << policy.error().message;
    }
  }
}

TEST(Policy, CrossFieldErrorsPointAtTheKey) {
  auto policy = parse_policy("app:\n  user: openclaw\nupdates:\n  origins_pattern: []\n", "p.yaml");
  ASSERT_FALSE(policy);
  EXPECT_NE(policy.error().message.find("p.yaml:4:20: \"updates.origins_pattern\" is empty"),
            std::string::npos)
      << policy.error().message;
}

TEST(Policy, SyntaxErrorHasPosition) {
  auto policy = parse_policy("app:\n  user: [unclosed\n", "p.yaml");
  ASSERT_FALSE(policy);
  EXPECT_NE(policy.error().message.find("p.yaml:"), std::string::npos);
  EXPECT_NE(policy.error().message.find("YAML syntax"), std::string::npos)
      << policy.error().message;
}

TEST(Policy, ReportsEveryErrorNotJustTheFirst) {
  auto policy = parse_policy("app:\n  usr: x\nsudoo: {}\n", "p.yaml");
  ASSERT_FALSE(policy);
  EXPECT_NE(policy.error().message.find("app.usr"), std::string::npos);
  EXPECT_NE(policy.error().message.find("sudoo"), std::string::npos);
}

TEST(Policy, DuplicateKeyIsAnError) {
  auto policy = parse_policy("app:\n  user: a\n  user: b\n", "p.yaml");
  ASSERT_FALSE(policy);
  EXPECT_NE(policy.error().message.find("p.yaml:3:3: duplicate key"), std::string::npos)
      << policy.error().message;
}

TEST(Policy, RenderedPolicyParsesBackToTheSameValues) {
  auto original = parse_policy(
      "app:\n  user: claw\n  group: clawgrp\n  exec_start: /usr/bin/node /opt/x.js --a 1\n"
      "systemd:\n  max_exposure: 1.5\n  read_write_paths: [/var/cache/claw]\n"
      "sudo:\n  allow_tailscale: false\nupdates:\n  automatic_reboot: true\n",
      "p.yaml");
  ASSERT_TRUE(original) << original.error().message;
  auto again = parse_policy(render_policy(*original), "rendered");
  ASSERT_TRUE(again) << again.error().message << "\n" << render_policy(*original);
  EXPECT_EQ(render_policy(*again), render_policy(*original));
  EXPECT_EQ(again->app.group, "clawgrp");
  EXPECT_DOUBLE_EQ(again->systemd.max_exposure, 1.5);
  EXPECT_FALSE(again->sudo.allow_tailscale);
  EXPECT_TRUE(again->updates.automatic_reboot);
}

TEST(PolicyCli, CheckAcceptsGoodAndRejectsBadFilesWithExit2) {
  testing::TempDir dir;
  testing::write_file(dir.path(), "/good.yaml", "app:\n  user: openclaw\n");
  testing::write_file(dir.path(), "/bad.yaml", "app:\n  user: openclaw\n  colour: blue\n");
  auto good = testing::run_clawshield({"policy", "check", dir.path() + "/good.yaml"});
  EXPECT_EQ(good.exit_code, 0) << good.err;
  auto bad = testing::run_clawshield({"policy", "check", dir.path() + "/bad.yaml"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("bad.yaml:3:3: unknown key \"app.colour\""), std::string::npos) << bad.err;
}

TEST(PolicyCli, ShowPrintsTheEffectivePolicyAsValidYaml) {
  testing::TempDir dir;
  testing::write_file(dir.path(), "/etc/clawshield/policy.yaml", "app:\n  service: claw-gw\n");
  // Global options work after the command name too.
  auto shown = testing::run_clawshield({"policy", "show", "--root", dir.path()});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("service: claw-gw"), std::string::npos) << shown.out;
  auto reparsed = parse_policy(shown.out, "shown");
  EXPECT_TRUE(reparsed) << reparsed.error().message;
}

TEST(PolicyCli, UnknownOptionIsExit2) {
  auto result = testing::run_clawshield({"plan", "--frobnicate"});
  EXPECT_EQ(result.exit_code, 2);
}

}  // namespace
}  // namespace clawshield
