// OpenClaw's own exposure on fixture files: gateway.bind loopback / tailnet / lan / custom,
// the config file's mode (apply fixes it without touching the content), and compose files
// audited before they run.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "support/temp_root.h"

namespace clawshield {
namespace {

class OpenClaw : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_UNLESS_ROOT();
    testing::seed_minimal_root(root());
    auto applied = cs({"apply"});
    ASSERT_EQ(applied.exit_code, 0) << applied.err;
  }
  const std::string& root() const { return m_root.path(); }
  CommandResult cs(std::vector<std::string> args) {
    args.insert(args.end(), {"--root", root(), "--offline"});
    return testing::run_clawshield(args);
  }
  std::map<std::string, std::string> statuses(const std::string& layer) {
    auto verified = cs({"verify", "--only", layer, "--json"});
    std::map<std::string, std::string> out;
    const auto document = nlohmann::json::parse(verified.out);
    for (const auto& check : document["checks"])
      out[check["id"]] = std::string(check["status"]) + ": " + std::string(check["evidence"]);
    return out;
  }
  void config(const std::string& text, unsigned mode = 0600) {
    testing::write_file(root(), "/home/openclaw/.openclaw/openclaw.json", text, mode);
  }
  testing::TempDir m_root;
};

TEST_F(OpenClaw, GatewayBindIsJudgedFromTheConfig) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"gateway": {"bind": "loopback", "port": 18789}})", "pass"},
      {R"({// OpenClaw allows comments
          "gateway": {"bind": "tailnet"}})",
       "pass"},
      {R"({"gateway": {"bind": "lan"}})", "fail"},
      {R"({"gateway": {"bind": "auto"}})", "fail"},
      {R"({"gateway": {"bind": "custom", "customBindHost": "0.0.0.0"}})", "fail"},
      {R"({"gateway": {"bind": "custom", "customBindHost": "127.0.0.1"}})", "pass"},
      {R"({"agents": {}})", "pass"},  // OpenClaw's default bind is loopback
  };
  for (const auto& [text, expected] : cases) {
    config(text);
    auto result = statuses("openclaw")["openclaw.gateway_bind"];
    EXPECT_TRUE(result.starts_with(expected)) << text << " -> " << result;
  }
  config("{ not json");
  EXPECT_TRUE(statuses("openclaw")["openclaw.gateway_bind"].starts_with("unknown"))
      << "unreadable is never pass";
}

TEST_F(OpenClaw, ConfigModeIsFixedByApplyWithoutTouchingTheContent) {
  const std::string text = R"({"gateway": {"bind": "loopback", "auth": {"token": "s3cret"}}})";
  config(text, 0644);
  EXPECT_TRUE(statuses("openclaw")["openclaw.config_mode"].starts_with("fail"));
  auto plan = cs({"plan"});
  EXPECT_NE(plan.out.find("set 0600 openclaw:openclaw on /home/openclaw/.openclaw/openclaw.json"),
            std::string::npos)
      << plan.out;
  ASSERT_EQ(cs({"apply"}).exit_code, 0);
  EXPECT_TRUE(statuses("openclaw")["openclaw.config_mode"].starts_with("pass"));
  EXPECT_EQ(testing::read_file(root(), "/home/openclaw/.openclaw/openclaw.json"), text);
  struct stat st {};
  ::stat((root() + "/home/openclaw/.openclaw/openclaw.json").c_str(), &st);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(cs({"plan"}).exit_code, 0);
}

// OpenClaw's credential files (what its own `security audit --fix` tightens): closed to group
// and others by apply, on a descriptor, journaled, and given back by rollback.
TEST_F(OpenClaw, CredentialFilesAreClosedToOthersAndRollbackGivesTheModesBack) {
  const std::string state = "/home/openclaw/.openclaw";
  std::filesystem::create_directories(root() + state + "/credentials");
  ::chmod((root() + state + "/credentials").c_str(), 0755);
  testing::write_file(root(), state + "/agents/main/agent/auth-profiles.json", "{}", 0644);
  testing::write_file(root(), state + "/agents/main/sessions/sessions.json", "{}", 0640);
  testing::write_file(root(), state + "/agents/main/sessions/other.json", "{}", 0644);
  for (const char* path :
       {"/credentials", "/agents", "/agents/main", "/agents/main/agent",
        "/agents/main/agent/auth-profiles.json", "/agents/main/sessions",
        "/agents/main/sessions/sessions.json", "/agents/main/sessions/other.json"})
    ASSERT_EQ(::chown((root() + state + path).c_str(), 998, 998), 0);
  auto before = statuses("openclaw")["openclaw.state_files"];
  EXPECT_TRUE(before.starts_with("fail")) << before;
  EXPECT_NE(before.find("auth-profiles.json 0644"), std::string::npos) << before;
  ASSERT_EQ(cs({"apply"}).exit_code, 0);
  auto after = statuses("openclaw")["openclaw.state_files"];
  EXPECT_TRUE(after.starts_with("pass")) << after;
  auto mode = [&](const std::string& path) {
    struct stat st {};
    ::stat((root() + state + path).c_str(), &st);
    return st.st_mode & 07777;
  };
  EXPECT_EQ(mode("/credentials"), 0700u);
  EXPECT_EQ(mode("/agents/main/agent/auth-profiles.json"), 0600u);
  EXPECT_EQ(mode("/agents/main/sessions/sessions.json"), 0600u);
  EXPECT_EQ(mode("/agents/main/sessions/other.json"), 0644u);  // not a credential: left alone
  EXPECT_EQ(cs({"plan"}).exit_code, 0);
  ASSERT_EQ(cs({"rollback"}).exit_code, 0);
  EXPECT_EQ(mode("/credentials"), 0755u);
  EXPECT_EQ(mode("/agents/main/agent/auth-profiles.json"), 0644u);

  // A link planted where an agent folder should be is never followed, and blocks nothing.
  testing::write_file(root(), "/etc/secret/agent/auth-profiles.json", "{}", 0644);
  std::filesystem::remove_all(root() + state + "/agents/main");
  std::filesystem::create_symlink("/etc/secret", root() + state + "/agents/main");
  EXPECT_TRUE(statuses("openclaw")["openclaw.state_files"].starts_with("unknown"));
  ASSERT_EQ(cs({"apply"}).exit_code, 0);
  struct stat st {};
  ::stat((root() + "/etc/secret/agent/auth-profiles.json").c_str(), &st);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
}

TEST_F(OpenClaw, ComposeFilesAreAuditedBeforeTheyRun) {
  // Docker "installed" so that its layer runs.
  testing::write_file(
      root(), "/var/lib/dpkg/status",
      testing::read_file(root(), "/var/lib/dpkg/status") +
          "\nPackage: docker.io\nStatus: install ok installed\nPriority: optional\nSection: admin\n"
          "Maintainer: Debian\nArchitecture: amd64\nVersion: 20.10.24\nDescription: x\n");
  testing::write_file(root(), "/srv/openclaw/docker-compose.yml",
                      "services:\n"
                      "  gateway:\n    image: openclaw\n    user: \"1000:1000\"\n    ports:\n      "
                      "- \"127.0.0.1:18789:18789\"\n"
                      "  sandbox:\n    image: sandbox\n    ports:\n      - \"8080:80\"\n      - "
                      "target: 9000\n        published: 9000\n");
  const std::string policy = root() + "/policy.yaml";
  testing::write_file(
      "", policy,
      "docker:\n  compose_files: [/srv/openclaw/docker-compose.yml]\n  group_members: [admin]\n");
  auto verified =
      testing::run_clawshield({"verify", "--only", "docker", "--root", root(), "--policy", policy});
  EXPECT_NE(verified.out.find("sandbox has no non-root user"), std::string::npos) << verified.out;
  EXPECT_NE(verified.out.find("sandbox publishes 8080:80 without a loopback address"),
            std::string::npos)
      << verified.out;
  EXPECT_NE(verified.out.find("sandbox publishes 9000:9000 without a loopback address"),
            std::string::npos)
      << verified.out;
  EXPECT_EQ(verified.out.find("gateway "), std::string::npos) << verified.out;
  EXPECT_NE(verified.out.find("pass     docker.group_members"), std::string::npos) << verified.out;
}

TEST_F(OpenClaw, NoDockerMeansUnknownWithTheReason) {
  auto result = testing::run_clawshield({"verify", "--only", "containers", "--root", root()},
                                        {{"DOCKER_HOST", "unix://" + root() + "/no-docker.sock"}});
  EXPECT_EQ(result.exit_code, 0) << result.out;  // unknown is not a failure...
  EXPECT_EQ(result.out.find("pass "), std::string::npos) << result.out;  // ...and never a pass
  EXPECT_NE(result.out.find("unknown  containers.published_ports    Docker is not installed"),
            std::string::npos)
      << result.out;
}

}  // namespace
}  // namespace clawshield
