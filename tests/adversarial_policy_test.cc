// Issue 11, item 11, as an admin with a typo meets it: a host that clawshield already manages
// (one clean apply), then a policy edit with one of the harmful values the review found. Every
// command that loads the policy must stop at the policy — exit 2, the offending node's
// file:line:col — and leave the root exactly as it was: no chown of "/", no writable /etc, no
// daemon.json with a prefix, no sudoers rewritten. Root: apply runs the real useradd and visudo.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/temp_root.h"

namespace clawshield {
namespace {

struct Harmful {
  const char* text;
  const char* where;  // "line:col" of the node named
};

// The values of the issue, one per policy.
const std::vector<Harmful>& harmful_policies() {
  static const std::vector<Harmful> policies = {
      {"app:\n  home: /\n", "2:9"},
      {"app:\n  state_dir: /etc\n", "2:14"},
      {"app:\n  config_file: /etc/shadow\n", "2:16"},
      {"systemd:\n  read_write_paths: [/etc/]\n", "2:22"},
      {"systemd:\n  read_write_paths: [/etc/sudoers.d]\n", "2:22"},
      {"guard:\n  weights: {accepted: .nan}\n", "2:23"},
      {"docker:\n  default_bind_ip: 127.0.0.1/8\n", "2:20"},
      {"app:\n  group: shadow\n", "2:10"},
      {"app:\n  group: disk\n", "2:10"},
      {"guard:\n  weights: {accepted: 0, accepted: .nan}\n", "2:26"},
      {"guard:\n  ipv6_prefix: 32\n", "2:16"},
      {"sudo:\n  systemctl: /home/openclaw/bin/systemctl\n", "2:14"},
      {"guard:\n  log_files: [/home/openclaw/auth.log]\n", "2:15"},
  };
  return policies;
}

class AdversarialPolicy : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_UNLESS_ROOT();
    testing::seed_minimal_root(root());
    testing::write_file(root(), "/etc/ssh/sshd_config",
                        "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                        "PermitRootLogin no\nMaxAuthTries 3\n");
  }
  const std::string& root() const { return m_dir.path(); }
  CommandResult cs(std::vector<std::string> args) {
    args.insert(args.end(), {"--root", root(), "--offline"});
    return testing::run_clawshield(args);
  }

  testing::TempDir m_dir;
  testing::TempDir m_policies;
};

TEST_F(AdversarialPolicy, AManagedHostIsUntouchedByEveryHarmfulEdit) {
  auto applied = cs({"apply"});
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  // Everything, clawshield's own journal and backups included.
  const auto before = testing::snapshot(root(), "");
  int index = 0;
  for (const auto& harmful : harmful_policies()) {
    const std::string file = m_policies.path() + "/bad-" + std::to_string(index++) + ".yaml";
    testing::write_file("", file, harmful.text);
    auto check = testing::run_clawshield({"policy", "check", file});
    EXPECT_EQ(check.exit_code, 2) << harmful.text;
    EXPECT_NE(check.err.find(file + ":" + harmful.where + ": "), std::string::npos)
        << harmful.text << check.err;
    for (const char* command : {"plan", "apply", "verify", "rollback"}) {
      auto run = cs({command, "--policy", file});
      EXPECT_EQ(run.exit_code, 2) << command << " with " << harmful.text << run.out << run.err;
      EXPECT_NE(run.err.find(file + ":" + harmful.where + ": "), std::string::npos)
          << command << " with " << harmful.text << run.err;
    }
    // The same policy as the root's own /etc/clawshield/policy.yaml.
    testing::write_file(root(), "/etc/clawshield/policy.yaml", harmful.text);
    auto own = cs({"apply"});
    EXPECT_EQ(own.exit_code, 2) << harmful.text << own.out << own.err;
    std::filesystem::remove(root() + "/etc/clawshield/policy.yaml");
    EXPECT_EQ(testing::tree_difference(before, testing::snapshot(root(), "")), "") << harmful.text;
  }
}

}  // namespace
}  // namespace clawshield
