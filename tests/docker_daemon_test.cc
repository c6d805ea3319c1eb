// Docker's daemon.json, merged by clawshield: the admin's keys survive, an invalid file is
// reported and left alone, a second apply is a no-op, no Docker means nothing to do (and
// unknown, never pass) — and a real dockerd starts with the result, so `docker run -p
// 8080:80` binds 127.0.0.1: the seed's "docker run -p 80:80 nginx" test, for real.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/netns.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

using nlohmann::json;
using testing::NetnsHarness;
using testing::PortState;

void add_docker_package(const std::string& root) {
  testing::add_installed_package(root, "docker.io", "20.10.24+dfsg1-1+deb12u1+b6");
}

class DockerDaemon : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_UNLESS_ROOT();
    testing::seed_minimal_root(root());
  }
  const std::string& root() const { return m_root.path(); }
  CommandResult cs(std::vector<std::string> args) {
    args.insert(args.end(), {"--root", root(), "--offline"});
    return testing::run_clawshield(args);
  }
  testing::TempDir m_root;
};

TEST_F(DockerDaemon, MergeKeepsTheAdminsKeysAndReapplyIsANoOp) {
  add_docker_package(root());
  testing::write_file(root(), "/etc/docker/daemon.json",
                      "{\n  \"data-root\": \"/srv/docker\",\n  \"ip\": \"0.0.0.0\",\n"
                      "  \"log-opts\": {\"labels\": \"team\"}\n}\n");
  auto applied = cs({"apply"});
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  json merged = json::parse(testing::read_file(root(), "/etc/docker/daemon.json"));
  EXPECT_EQ(merged["data-root"], "/srv/docker");
  EXPECT_EQ(merged["log-opts"]["labels"], "team");
  EXPECT_EQ(merged["log-opts"]["max-size"], "10m");
  EXPECT_EQ(merged["ip"], "127.0.0.1");
  EXPECT_EQ(merged["userland-proxy"], false);
  EXPECT_EQ(merged["no-new-privileges"], true);
  EXPECT_EQ(merged["live-restore"], true);
  EXPECT_EQ(merged["ip6tables"], true);
  EXPECT_EQ(merged["experimental"], true);  // Docker 20.10 needs it for ip6tables
  auto plan = cs({"plan"});
  EXPECT_EQ(plan.exit_code, 0) << plan.out;
  auto verified = cs({"verify", "--only", "docker"});
  EXPECT_NE(verified.out.find("pass     docker.daemon_config"), std::string::npos) << verified.out;
  // The seeded admin is in the docker group: root-equivalent, and not allowed by the policy.
  EXPECT_EQ(verified.exit_code, 1) << verified.out;
  EXPECT_NE(verified.out.find("fail     docker.group_members  root-equivalent members not allowed "
                              "by the policy: admin"),
            std::string::npos)
      << verified.out;
  // An admin turning a key back is caught.
  merged["userland-proxy"] = true;
  testing::write_file(root(), "/etc/docker/daemon.json", merged.dump(2));
  auto broken = cs({"verify", "--only", "docker"});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.out.find("userland-proxy=true"), std::string::npos) << broken.out;
}

// Issue 12 item 4: the app user kept in `docker` for OpenClaw's sandboxes (app.sandbox:
// system-docker, the default) is a warning here too, naming the risk; with `none`, a failure.
TEST_F(DockerDaemon, AppUserKeptForTheSandboxWarnsAndFailsWithoutIt) {
  add_docker_package(root());
  const std::string policy = root() + "-sandbox-policy.yaml";
  testing::write_file("", policy,
                      "docker:\n  group_members: [admin]\napp:\n  sandbox: system-docker\n");
  auto applied = cs({"apply", "--policy", policy});
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  ProcessRunner runner;
  auto added = runner.run(
      Command({"usermod", "--prefix", root(), "--append", "--groups", "docker", "openclaw"}));
  ASSERT_TRUE(added && added->ok());
  auto verified = cs({"verify", "--only", "docker", "--policy", policy});
  EXPECT_NE(verified.out.find("warn     docker.group_members"), std::string::npos) << verified.out;
  EXPECT_NE(verified.out.find("openclaw kept for app.sandbox system-docker (root-equivalent"),
            std::string::npos)
      << verified.out;
  testing::write_file("", policy, "docker:\n  group_members: [admin]\napp:\n  sandbox: none\n");
  verified = cs({"verify", "--only", "docker", "--policy", policy});
  EXPECT_EQ(verified.exit_code, 1) << verified.out;
  EXPECT_NE(verified.out.find("fail     docker.group_members  root-equivalent members not allowed "
                              "by the policy: openclaw"),
            std::string::npos)
      << verified.out;
  std::filesystem::remove(policy);
}

TEST_F(DockerDaemon, InvalidDaemonJsonIsReportedAndLeftUntouched) {
  add_docker_package(root());
  const std::string invalid = "{\n  \"ip\": \"0.0.0.0\",\n  oops\n}\n";
  testing::write_file(root(), "/etc/docker/daemon.json", invalid);
  const auto before = testing::snapshot(root(), "");
  auto applied = cs({"apply"});
  EXPECT_EQ(applied.exit_code, 2) << applied.out;
  EXPECT_NE(applied.err.find("/etc/docker/daemon.json:3:3: not valid JSON"), std::string::npos)
      << applied.err;
  EXPECT_EQ(testing::tree_difference(before, testing::snapshot(root(), "")), "");
}

TEST_F(DockerDaemon, NoDockerNothingToDoAndUnknown) {
  auto plan = cs({"plan"});
  EXPECT_NE(plan.out.find("Layer 3 docker (Docker daemon hardening): in sync"), std::string::npos)
      << plan.out;
  EXPECT_NE(plan.out.find("Docker is not installed"), std::string::npos) << plan.out;
  auto verified = cs({"verify", "--only", "docker"});
  EXPECT_NE(verified.out.find("unknown  docker.daemon_config"), std::string::npos) << verified.out;
  EXPECT_FALSE(std::filesystem::exists(root() + "/etc/docker"));
}

TEST(DockerDaemonLive, RealDockerdStartsWithTheMergedFileAndBindsPublishedPortsToLoopback) {
  SKIP_UNLESS_NETNS();
  testing::TempDir root;
  testing::seed_minimal_root(root.path());
  add_docker_package(root.path());
  NetnsHarness net;
  auto applied = testing::run_clawshield(
      {"apply", "--root", root.path(), "--netns", net.server(), "--confirm-timeout", "0"});
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  std::string why;
  if (!net.start_docker(why, root.path() + "/etc/docker/daemon.json"))
    FAIL() << "dockerd refused clawshield's daemon.json: " << why;
  net.import_busybox_image();
  auto run = net.docker({"run", "-d", "--name", "web", "-p", "8080:80", "local/busybox:1"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto port = net.docker({"port", "web", "80/tcp"});
  EXPECT_NE(port.out.find("127.0.0.1:8080"), std::string::npos) << port.out;
  EXPECT_EQ(port.out.find("0.0.0.0"), std::string::npos) << port.out;
  for (int i = 0; i < 50 && net.probe_one(net.server(), "127.0.0.1", 8080, 200) != PortState::open;
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(net.probe_one(net.server(), "127.0.0.1", 8080), PortState::open);
  auto outside =
      net.probe_one(net.outside(), NetnsHarness::server_outside_address().v4, 8080, 1000);
  EXPECT_NE(outside, PortState::open);

  // The container audit: one clean container, then one per fault; each fault fails exactly
  // its own check, naming the container.
  ASSERT_EQ(net.docker({"rm", "-f", "web"}).exit_code, 0);
  const std::vector<std::pair<std::string, std::vector<std::string>>> containers = {
      {"clean", {"--user", "1000:1000", "--security-opt", "no-new-privileges"}},
      {"rooty", {"--security-opt", "no-new-privileges"}},
      {"priv", {"--user", "1000", "--privileged"}},
      {"hostnet", {"--user", "1000", "--net", "host"}},
      {"socky", {"--user", "1000", "-v", net.docker_socket() + ":/var/run/docker.sock"}},
      {"wide", {"--user", "1000", "-p", "0.0.0.0:8092:8000"}},
      {"wide6", {"--user", "1000", "-p", "[::]:8093:8000"}},
      {"caps", {"--user", "1000", "--cap-add", "NET_ADMIN"}},
      {"hostpid", {"--user", "1000", "--pid", "host"}},
  };
  const std::map<std::string, std::string> fault_of = {
      {"rooty", "root_user"},     {"priv", "privileged"},        {"hostnet", "host_network"},
      {"socky", "docker_socket"}, {"wide", "published_ports"},   {"wide6", "published_ports"},
      {"caps", "capabilities"},   {"hostpid", "host_namespaces"}};
  for (const auto& [name, flags] : containers) {
    std::vector<std::string> args = {"run", "-d", "--name", name};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"local/busybox:1", "sleep", "600"});
    auto started = net.docker(args);
    ASSERT_EQ(started.exit_code, 0) << name << ": " << started.err;
  }
  auto verified =
      testing::run_clawshield({"verify", "--only", "containers", "--json", "--root", root.path()},
                              {{"DOCKER_HOST", "unix://" + net.docker_socket()}});
  EXPECT_EQ(verified.exit_code, 1) << verified.out << verified.err;
  json document = json::parse(verified.out, nullptr, false);
  ASSERT_FALSE(document.is_discarded()) << verified.out;
  std::map<std::string, std::string> evidence, status;
  for (const auto& check : document["checks"]) {
    evidence[check["id"]] = check["evidence"];
    status[check["id"]] = check["status"];
  }
  for (const auto& [name, flags] : containers) {
    for (const auto& [id, text] : evidence) {
      bool named = text.find(name + " ") != std::string::npos;
      bool expected = fault_of.contains(name) && "containers." + fault_of.at(name) == id;
      EXPECT_EQ(named, expected) << name << " in " << id << ": " << text;
    }
  }
  for (const auto& id : {"containers.root_user", "containers.privileged", "containers.host_network",
                         "containers.docker_socket", "containers.published_ports",
                         "containers.capabilities", "containers.host_namespaces"})
    EXPECT_EQ(status[id], "fail") << id;
  // The daemon's no-new-privileges default (layer 3) covers every container.
  EXPECT_EQ(status["containers.no_new_privileges"], "pass");
  EXPECT_NE(evidence["containers.published_ports"].find("0.0.0.0:8092"), std::string::npos);
}

}  // namespace
}  // namespace clawshield
