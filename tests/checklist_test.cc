// The seed's checklist answered by `verify --checklist` on a real server namespace: real sshd,
// real dockerd publishing a container port, the real guard. Unhardened, every item that can
// be judged is crossed with its evidence; after `apply` (and the guard started) the five
// judgeable items are ticked and Tailscale, not installed here, is unknown with the reason.
// Also: the kernel's network settings applied inside the namespace, sshd's settings judged.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/netns.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

using nlohmann::json;
using testing::NetnsHarness;

void add_docker_package(const std::string& root) {
  testing::add_installed_package(root, "docker.io", "20.10.24+dfsg1-1+deb12u1+b6");
}

class Checklist : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_UNLESS_NETNS();
    m_net = std::make_unique<NetnsHarness>();
    testing::seed_minimal_root(root());
    add_docker_package(root());
    testing::write_file(root(), "/etc/ssh/sshd_config",
                        "Port 22\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                        "PermitRootLogin no\nMaxAuthTries 3\n");
    testing::write_file(m_policy_dir.path(), "/policy.yaml",
                        "docker:\n  socket: " + m_net->docker_socket() + "\n");
    m_net->start_sshd(22);
  }

  void run_web_container() {
    auto run = m_net->run_web_container();
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }

  CommandResult cs(std::vector<std::string> args) {
    args.insert(args.end(), {"--root", root(), "--netns", m_net->server(), "--policy",
                             m_policy_dir.path() + "/policy.yaml"});
    return testing::run_clawshield(args);
  }

  // The seed's items in order (index as below) -> the item's JSON.
  std::map<int, json> checklist(int expected_exit) {
    auto result = cs({"verify", "--checklist", "--json"});
    EXPECT_EQ(result.exit_code, expected_exit) << result.out << result.err;
    auto document = json::parse(result.out, nullptr, false);
    std::map<int, json> items;
    EXPECT_FALSE(document.is_discarded()) << result.out << result.err;
    if (document.is_discarded())
      return items;
    EXPECT_EQ(document["checklist"].size(), 6u);
    for (size_t i = 0; i < document["checklist"].size(); ++i)
      items[static_cast<int>(i)] = document["checklist"][i];
    return items;
  }

  std::map<std::string, std::string> verify_statuses() {
    auto result = cs({"verify", "--json"});
    std::map<std::string, std::string> statuses;
    auto document = json::parse(result.out, nullptr, false);
    if (!document.is_discarded())
      for (const auto& check : document["checks"]) statuses[check["id"]] = check["status"];
    return statuses;
  }

  const std::string& root() const { return m_root.path(); }
  NetnsHarness& net() { return *m_net; }

 private:
  testing::TempDir m_root;
  testing::TempDir m_policy_dir;
  std::unique_ptr<NetnsHarness> m_net;
};

constexpr int k_ufw = 0;          // `sudo ufw status` shows only SSH and Tailscale allowed
constexpr int k_fail2ban = 1;     // `sudo fail2ban-client status sshd` shows jail active
constexpr int k_docker_user = 2;  // `sudo iptables -L DOCKER-USER -n` shows DROP rule
constexpr int k_nmap = 3;         // `nmap -p- YOUR_IP` from external shows only port 22
constexpr int k_curl = 4;         // `docker run -p 80:80 nginx` + `curl YOUR_IP:80` times out
constexpr int k_tailscale = 5;    // Tailscale access works for web UI

std::string evidence_of(const json& item, const std::string& id) {
  for (const auto& entry : item["evidence"])
    if (entry["id"] == id)
      return entry["status"].get<std::string>() + ": " + entry["evidence"].get<std::string>();
  return "";
}

TEST_F(Checklist, UnhardenedServerCrossesEachItemWithEvidence) {
  std::string why;
  if (!net().start_docker(why))
    GTEST_SKIP() << why;
  run_web_container();
  auto items = checklist(1);
  for (int key : {k_ufw, k_fail2ban, k_docker_user, k_nmap, k_curl})
    EXPECT_EQ(items[key]["status"], "fail") << key << " " << items[key].dump();
  EXPECT_EQ(items[k_tailscale]["status"], "unknown") << items[k_tailscale].dump();
  EXPECT_EQ(items[k_ufw]["item"], "`sudo ufw status` shows only SSH and Tailscale allowed");
  EXPECT_NE(
      evidence_of(items[k_ufw], "firewall.table_loaded").find("fail: no table inet clawshield"),
      std::string::npos)
      << items[k_ufw].dump();
  EXPECT_NE(evidence_of(items[k_fail2ban], "guard.unit_installed").find("fail"), std::string::npos);
  EXPECT_NE(evidence_of(items[k_nmap], "containers.published_ports").find("8080"),
            std::string::npos)
      << items[k_nmap].dump();
  EXPECT_NE(evidence_of(items[k_curl], "docker.daemon_config").find("fail"), std::string::npos)
      << items[k_curl].dump();
  EXPECT_NE(evidence_of(items[k_tailscale], "tailscale.running").find("not installed"),
            std::string::npos);
  // The namespace's network settings are the kernel's defaults: not hardened.
  auto statuses = verify_statuses();
  EXPECT_EQ(statuses["kernel.redirects"], "fail");
  EXPECT_EQ(statuses["kernel.persisted"], "fail");
  EXPECT_EQ(statuses["kernel.aslr"], "unknown") << "machine-wide settings are not --root's";
}

TEST_F(Checklist, HardenedServerTicksAllFiveAndTailscaleIsUnknown) {
  auto applied = cs({"apply", "--confirm-timeout", "0"});
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  // dockerd with the daemon.json clawshield wrote; the guard running.
  std::string why;
  if (!net().start_docker(why, root() + "/etc/docker/daemon.json"))
    GTEST_SKIP() << why;
  run_web_container();
  net().start_in(net().server(), {CLAWSHIELD_BINARY, "guard", "--root", root(), "--no-journal",
                                  "--log-file", "/var/log/auth.log"});
  for (int i = 0; i < 50 && !std::filesystem::exists(root() + "/run/clawshield/guard.sock"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // OpenClaw onboarded with its loopback bind (the nmap item asks the gateway's config too).
  testing::write_file(root(), "/home/openclaw/.openclaw/openclaw.json",
                      R"({"gateway": {"bind": "loopback"}})", 0600);

  auto items = checklist(0);
  for (int key : {k_ufw, k_fail2ban, k_docker_user, k_nmap, k_curl})
    EXPECT_EQ(items[key]["status"], "pass") << key << " " << items[key].dump();
  EXPECT_EQ(items[k_tailscale]["status"], "unknown");
  EXPECT_NE(evidence_of(items[k_tailscale], "tailscale.running").find("Tailscale is not installed"),
            std::string::npos)
      << items[k_tailscale].dump();

  // The text form says the same.
  auto text = cs({"verify", "--checklist"});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("[x] ticked   `sudo ufw status`"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("[?] unknown  Tailscale access works"), std::string::npos) << text.out;

  // apply set the namespace's network settings; sshd's are judged from its config.
  auto statuses = verify_statuses();
  for (const char* id :
       {"kernel.rp_filter", "kernel.redirects", "kernel.source_route", "kernel.syncookies",
        "kernel.persisted", "kernel.forwarding", "ssh.password_authentication", "ssh.root_login",
        "ssh.max_auth_tries", "guard.active"})
    EXPECT_EQ(statuses[id], "pass") << id;
  auto value = net().run_in(net().server(), {"sysctl", "-n", "net.ipv4.conf.all.send_redirects"});
  EXPECT_EQ(value.out, "0\n");
  // A second apply finds nothing to change in the kernel either.
  auto plan = cs({"plan", "--json"});
  auto document = json::parse(plan.out, nullptr, false);
  ASSERT_FALSE(document.is_discarded()) << plan.out;
  for (const auto& layer : document["layers"]) {
    if (layer["id"] == "kernel") {
      EXPECT_TRUE(layer["changes"].empty()) << layer.dump();
    }
  }
}

TEST_F(Checklist, RejectsOnlyWithChecklist) {
  auto result = cs({"verify", "--checklist", "--only", "firewall"});
  EXPECT_EQ(result.exit_code, 2);
}

}  // namespace
}  // namespace clawshield
