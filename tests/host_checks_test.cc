// The checks that read sshd's configuration, Tailscale's answers and the kernel-settings
// policy, without root: temp roots with sshd_config files laid out as on Debian, and
// recorded JSON of `tailscale status --json` / `tailscale funnel status --json`.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "core/text.h"
#include "engine/layers.h"
#include "engine/verify.h"
#include "layers/fail2ban/fail2ban_layer.h"
#include "layers/firewall/sshd_ports.h"
#include "layers/kernel/kernel_layer.h"
#include "layers/ssh/sshd_config.h"
#include "layers/tailscale/tailscale_layer.h"
#include "layers/ufw/ufw_layer.h"
#include "support/fake_nftables.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

// A Host over a temp root: the real tools, offline, no kernel firewall.
struct OfflineHost {
  explicit OfflineHost(const std::string& root) : fs(std::move(*Filesystem::open(root))) {}
  Filesystem fs;
  ProcessRunner runner;
  SystemClock clock;
  testing::EmptyNftables nft;
  Host host{fs, runner, clock, nft, Liveness::offline, false};
};

class SshChecks : public ::testing::Test {
 protected:
  std::map<std::string, Finding> verify_ssh(const Policy& policy = Policy{}) {
    OfflineHost offline(m_root.path());
    auto report =
        run_verify(Context{offline.host.view(), policy}, all_layers(policy), std::string("ssh"));
    std::map<std::string, Finding> out;
    for (const auto& finding : report.findings) out.emplace(finding.id, finding);
    return out;
  }
  Result<SshdSettings> settings() {
    OfflineHost offline(m_root.path());
    return sshd_settings(offline.host.view());
  }
  void config(const std::string& path, const std::string& text) {
    testing::write_file(m_root.path(), path, text);
  }
  testing::TempDir m_root;
};

TEST_F(SshChecks, UnsetKeywordsAreJudgedAtSshdsDefaults) {
  config("/etc/ssh/sshd_config", "# nothing set\n");
  auto found = verify_ssh();
  EXPECT_EQ(found["ssh.password_authentication"].status, Status::fail)
      << found["ssh.password_authentication"].evidence;         // sshd's default is yes
  EXPECT_EQ(found["ssh.max_auth_tries"].status, Status::fail);  // 6 > 3
  EXPECT_EQ(found["ssh.root_login"].status, Status::warn);      // prohibit-password
  EXPECT_EQ(found["ssh.empty_passwords"].status, Status::pass);
}

TEST_F(SshChecks, FirstValueWinsAcrossIncludesAsSshdReadsThem) {
  // Debian's layout: the Include comes first, so a drop-in beats the main file.
  config("/etc/ssh/sshd_config",
         "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication yes\nMaxAuthTries 6\n"
         "KbdInteractiveAuthentication no\nUsePAM yes\n");
  config("/etc/ssh/sshd_config.d/10-hardening.conf",
         "passwordauthentication=no\nMaxAuthTries 3\nPermitRootLogin no\n");
  config("/etc/ssh/sshd_config.d/20-later.conf", "MaxAuthTries 10\nPort 2222\n");
  auto found = verify_ssh();
  EXPECT_EQ(found["ssh.password_authentication"].status, Status::pass)
      << found["ssh.password_authentication"].evidence;
  EXPECT_EQ(found["ssh.max_auth_tries"].status, Status::pass)
      << found["ssh.max_auth_tries"].evidence;
  EXPECT_EQ(found["ssh.root_login"].status, Status::pass);
  auto read = settings();
  ASSERT_TRUE(read);
  EXPECT_EQ(read->get("maxauthtries", ""), "3");
}

TEST_F(SshChecks, KeyboardInteractiveThroughPamCountsAsPasswords) {
  config("/etc/ssh/sshd_config",
         "PasswordAuthentication no\nKbdInteractiveAuthentication yes\nUsePAM yes\n");
  auto found = verify_ssh();
  EXPECT_EQ(found["ssh.password_authentication"].status, Status::fail);
  EXPECT_NE(found["ssh.password_authentication"].evidence.find("usepam yes"), std::string::npos);
  Policy allowed;
  allowed.ssh.password_authentication = true;
  EXPECT_EQ(verify_ssh(allowed)["ssh.password_authentication"].status, Status::pass);
}

TEST_F(SshChecks, MatchBlocksEndTheGlobalSectionAndAreSaid) {
  config("/etc/ssh/sshd_config",
         "PasswordAuthentication no\nMatch Address 10.0.0.0/8\n  PasswordAuthentication yes\n"
         "  PermitRootLogin yes\n");
  auto found = verify_ssh();
  EXPECT_EQ(found["ssh.password_authentication"].status, Status::pass);
  EXPECT_NE(found["ssh.password_authentication"].evidence.find("Match blocks not evaluated"),
            std::string::npos);
}

TEST_F(SshChecks, UnreadableOrMalformedConfigIsUnknownNeverDefault) {
  config("/etc/ssh/sshd_config", "PasswordAuthentication\n");
  auto found = verify_ssh();
  EXPECT_EQ(found["ssh.password_authentication"].status, Status::unknown);
  EXPECT_NE(found["ssh.password_authentication"].evidence.find("sshd_config:1"), std::string::npos)
      << found["ssh.password_authentication"].evidence;
}

TEST_F(SshChecks, PortsComeFromPortAndListenAddress) {
  config("/etc/ssh/sshd_config",
         "Port 2222\nListenAddress 10.0.0.1:2200\nListenAddress [::1]:2201\nListenAddress ::\n");
  OfflineHost offline(m_root.path());
  auto ports = sshd_ports(offline.host.view());
  ASSERT_TRUE(ports) << ports.error().message;
  EXPECT_EQ(ports->ports, (std::vector<int>{2200, 2201, 2222}));
  config("/etc/ssh/sshd_config", "Port 99999\n");
  EXPECT_FALSE(sshd_ports(offline.host.view()));
}

TEST(Tailscale, StatusJsonGivesStateAndAddresses) {
  auto status = parse_tailscale_status(R"({"Version":"1.76.1","BackendState":"Running",
      "Self":{"HostName":"gw","TailscaleIPs":["100.101.102.103","fd7a:115c:a1e0::1"]}})");
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(status->backend_state, "Running");
  EXPECT_EQ(status->addresses.size(), 2u);
  auto stopped = parse_tailscale_status(R"({"BackendState":"NeedsLogin","Self":{}})");
  ASSERT_TRUE(stopped);
  EXPECT_TRUE(stopped->addresses.empty());
  EXPECT_FALSE(parse_tailscale_status("not json"));
  EXPECT_FALSE(parse_tailscale_status(R"({"Self":{}})"));
}

TEST(Tailscale, FunnelHostsAreTheOnesAllowed) {
  auto none = parse_funnel_hosts("{}\n");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto empty = parse_funnel_hosts("");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  auto on = parse_funnel_hosts(R"({"TCP":{"443":{"HTTPS":true}},
      "AllowFunnel":{"gw.tailnet.ts.net:443":true,"gw.tailnet.ts.net:8443":false}})");
  ASSERT_TRUE(on);
  EXPECT_EQ(*on, (std::vector<std::string>{"gw.tailnet.ts.net:443"}));
  EXPECT_FALSE(parse_funnel_hosts("[1,2]"));
}

TEST(Tailscale, NotInstalledIsUnknownWithTheReason) {
  testing::TempDir root;
  OfflineHost offline(root.path());
  Policy policy;
  auto report = run_verify(Context{offline.host.view(), policy}, all_layers(policy),
                           std::string("tailscale"));
  ASSERT_EQ(report.findings.size(), 2u);
  for (const auto& finding : report.findings) {
    EXPECT_EQ(finding.status, Status::unknown);
    EXPECT_NE(finding.evidence.find("not installed"), std::string::npos) << finding.evidence;
  }
}

TEST(KernelSettings, ExemptSettingsAreNeitherWrittenNorJudged) {
  auto policy = parse_policy("kernel:\n  exempt: [kernel.yama.ptrace_scope]\n", "p.yaml");
  ASSERT_TRUE(policy) << policy.error().message;
  const std::string rendered = render_sysctl(*policy);
  EXPECT_EQ(rendered.find("ptrace_scope"), std::string::npos);
  EXPECT_NE(rendered.find("net.ipv4.conf.all.send_redirects = 0\n"), std::string::npos);
  EXPECT_NE(render_sysctl(Policy{}).find("kernel.yama.ptrace_scope = 1\n"), std::string::npos);
  auto bad = parse_policy("kernel:\n  exempt: [kernel.sysrq]\n", "p.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("p.yaml:2:"), std::string::npos) << bad.error().message;
  auto ssh = parse_policy("ssh:\n  permit_root_login: yes\n", "p.yaml");
  ASSERT_FALSE(ssh);
  EXPECT_NE(ssh.error().message.find("p.yaml:2:22"), std::string::npos) << ssh.error().message;
}

// Issue 12 item 6: in a container the machine-wide settings are the host's. A temp root with
// a container's marker stands for one: the file leaves them out and verify reports them
// unknown with the reason; without a marker they stay in the file.
class KernelInContainer : public ::testing::Test {
 protected:
  const std::string& root() const { return m_root.path(); }
  // The content desired() would write to the sysctl.d file.
  std::string desired_file(const Policy& policy = Policy{}) {
    OfflineHost offline(root());
    auto actions = KernelLayer{}.desired(Context{offline.host.view(), policy});
    EXPECT_TRUE(actions) << actions.error().message;
    if (actions)
      for (const auto& action : *actions)
        if (const auto* file = std::get_if<WriteFile>(&action); file && file->path == k_sysctl_path)
          return file->content;
    ADD_FAILURE() << "no " << k_sysctl_path;
    return {};
  }
  std::map<std::string, Finding> verify_kernel(const Policy& policy = Policy{}) {
    OfflineHost offline(root());
    auto report =
        run_verify(Context{offline.host.view(), policy}, all_layers(policy), std::string("kernel"));
    std::map<std::string, Finding> out;
    for (const auto& finding : report.findings) out.emplace(finding.id, finding);
    return out;
  }
  testing::TempDir m_root;
};

TEST_F(KernelInContainer, NoMarkerKeepsMachineWideSettings) {
  OfflineHost offline(root());
  auto owners = sysctl_owners(offline.host.view());
  ASSERT_TRUE(owners) << owners.error().message;
  EXPECT_FALSE(owners->machine);
  EXPECT_FALSE(owners->network);
  const std::string file = desired_file();
  EXPECT_NE(file.find("kernel.kptr_restrict = 1\n"), std::string::npos) << file;
  EXPECT_NE(file.find("fs.protected_symlinks = 1\n"), std::string::npos) << file;
  EXPECT_EQ(file, render_sysctl(Policy{}));
  auto found = verify_kernel();
  EXPECT_EQ(found["kernel.kptr_restrict"].status, Status::unknown);
  EXPECT_EQ(found["kernel.kptr_restrict"].evidence.find("container"), std::string::npos)
      << found["kernel.kptr_restrict"].evidence;
}

TEST_F(KernelInContainer, NspawnMarkerLeavesMachineWideSettingsToTheHost) {
  testing::write_file(root(), "/run/systemd/container", "systemd-nspawn\n");
  const std::string file = desired_file();
  for (const auto& setting : kernel_settings()) {
    const bool listed = file.find("\n" + setting.name + " = ") != std::string::npos;
    EXPECT_EQ(listed, setting.scope == SysctlScope::network) << setting.name << "\n" << file;
  }
  EXPECT_NE(file.find("set by the container's host (systemd-nspawn)"), std::string::npos) << file;
  auto found = verify_kernel();
  for (const char* id : {"kernel.kptr_restrict", "kernel.dmesg_restrict", "kernel.ptrace_scope",
                         "kernel.bpf", "kernel.links", "kernel.suid_dumpable", "kernel.aslr"}) {
    EXPECT_EQ(found[id].status, Status::unknown) << id;
    EXPECT_NE(found[id].evidence.find("set by the container's host (systemd-nspawn)"),
              std::string::npos)
        << id << ": " << found[id].evidence;
  }
  // The network namespace's settings are not the host's (here: unseen, another root).
  EXPECT_EQ(found["kernel.redirects"].evidence.find("container"), std::string::npos)
      << found["kernel.redirects"].evidence;
  // The file that leaves them out is the one verify wants; the full one is not.
  testing::write_file(root(), k_sysctl_path, file);
  EXPECT_EQ(verify_kernel()["kernel.persisted"].status, Status::pass);
  testing::write_file(root(), k_sysctl_path, render_sysctl(Policy{}));
  EXPECT_EQ(verify_kernel()["kernel.persisted"].status, Status::fail);
}

TEST_F(KernelInContainer, OtherManagersAreDetectedToo) {
  const std::vector<std::pair<std::string, std::string>> markers = {
      {"/.dockerenv", "docker"}, {"/run/.containerenv", "podman"}, {"/proc/vz/veinfo", "openvz"}};
  for (const auto& [marker, name] : markers) {
    testing::TempDir dir;
    testing::write_file(dir.path(), marker, "");
    auto fs = Filesystem::open(dir.path());
    ASSERT_TRUE(fs);
    auto found = detect_container(*fs);
    ASSERT_TRUE(found) << found.error().message;
    EXPECT_EQ(found->value_or("none"), name) << marker;
  }
  // OpenVZ's host has /proc/bc beside /proc/vz: not a container.
  testing::TempDir host;
  testing::write_file(host.path(), "/proc/vz/veinfo", "");
  testing::write_file(host.path(), "/proc/bc/0/resources", "");
  auto fs = Filesystem::open(host.path());
  ASSERT_TRUE(fs);
  EXPECT_EQ(detect_container(*fs).value_or("error"), std::nullopt);
  // PID 1's environment (LXC without systemd).
  testing::write_file(root(), "/proc/1/environ", std::string("PATH=/bin\0container=lxc\0", 24));
  auto lxc = Filesystem::open(root());
  ASSERT_TRUE(lxc);
  EXPECT_EQ(detect_container(*lxc).value_or("error"), "lxc");
}

TEST_F(KernelInContainer, UnreadableMarkerIsUnknownNeverNoContainer) {
  std::filesystem::create_directories(root() + "/run/systemd/container");  // not a file
  OfflineHost offline(root());
  EXPECT_FALSE(sysctl_owners(offline.host.view()));
  EXPECT_FALSE(KernelLayer{}.desired(Context{offline.host.view(), Policy{}}));
  auto found = verify_kernel();
  EXPECT_EQ(found["kernel.kptr_restrict"].status, Status::unknown);
  EXPECT_NE(found["kernel.kptr_restrict"].evidence.find("/run/systemd/container"),
            std::string::npos)
      << found["kernel.kptr_restrict"].evidence;
  EXPECT_EQ(found["kernel.persisted"].status, Status::unknown);
}

TEST(UfwBackend, TuplesAreReadAsUfwWritesThem) {
  auto rules = parse_ufw_tuples(
      "### RULES ###\n\n### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n"
      "-A ufw-user-input -p tcp --dport 22 -j ACCEPT\n\n"
      "### tuple ### allow tcp 18789 0.0.0.0/0 any 0.0.0.0/0 in_tailscale0\n"
      "### tuple ### deny any any 0.0.0.0/0 any 192.0.2.7 in\n### END RULES ###\n");
  ASSERT_EQ(rules.size(), 3u);  // sorted: action, protocol, port (as text), interface
  EXPECT_EQ(rules[0], (UfwRule{"allow", "tcp", "18789", "tailscale0"}));
  EXPECT_EQ(rules[1], (UfwRule{"allow", "tcp", "22", ""}));
  EXPECT_EQ(rules[2].source, "192.0.2.7");
  EXPECT_EQ(join(ufw_rule_arguments(rules[0]), " "),
            "allow in on tailscale0 proto tcp from any to any port 18789");
  EXPECT_EQ(join(ufw_rule_arguments(rules[2]), " "), "deny from 192.0.2.7 to any");
}

TEST(UfwBackend, DockerUserBlockIsOursAloneAndComesOutWhole) {
  const std::string debian = "*filter\n:ufw-after-input - [0:0]\nCOMMIT\n";
  Policy policy;
  const std::string block = render_docker_user_block(policy);
  const std::string with = with_docker_user_block(debian, block);
  EXPECT_TRUE(with.starts_with(debian));
  EXPECT_NE(with.find("-A DOCKER-USER -i tailscale0 -m comment --comment clawshield -j RETURN"),
            std::string::npos)
      << with;
  EXPECT_NE(with.find("-A DOCKER-USER -i br-+ "), std::string::npos)
      << "bridge wildcard as iptables writes it";
  EXPECT_NE(with.find("--ctstate NEW,INVALID -m comment --comment clawshield -j DROP"),
            std::string::npos);
  EXPECT_EQ(with.find("eth0"), std::string::npos) << "no untrusted interface is named";
  EXPECT_EQ(with_docker_user_block(with, block), with) << "re-apply changes nothing";
  EXPECT_EQ(with_docker_user_block(with, ""), debian) << "removal restores the admin's file";
}

TEST(Fail2banBackend, JailHasTheSeedsValuesAndBansOnForward) {
  Policy policy;
  const std::string journal = render_jail_local(policy, {22, 2222}, Fail2banBackend::systemd);
  for (const char* line :
       {"maxretry = 5\n", "findtime = 600\n", "bantime = 3600\n", "port = 22,2222\n",
        "backend = systemd\n", "chain=FORWARD, protocol=all]",
        "ignoreip = 127.0.0.0/8 ::1/128 100.64.0.0/10"})
    EXPECT_NE(journal.find(line), std::string::npos) << line << "\n" << journal;
  const std::string file = render_jail_local(policy, {22}, Fail2banBackend::log_file);
  EXPECT_NE(file.find("logpath = /var/log/auth.log\n"), std::string::npos);
  auto bad = parse_policy("firewall:\n  backend: ufw\n", "p.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("p.yaml:2:12"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("guard.engine: fail2ban"), std::string::npos);
  EXPECT_TRUE(parse_policy("firewall:\n  backend: ufw\nguard:\n  engine: fail2ban\n", "p.yaml"));
}

}  // namespace
}  // namespace clawshield
