// Gateway discovery against the unit OpenClaw itself writes (`openclaw onboard
// --install-daemon`, 2026.9.6, copied from the booted-host harness), and against what a
// hostile app user can put in its own unit folder: the system unit clawshield renders from it
// runs under PID 1, so nothing in the user's text may widen what that unit does.
#include <gtest/gtest.h>

#include <filesystem>

#include "host/clock.h"
#include "host/filesystem.h"
#include "host/runner.h"
#include "layers/openclaw/gateway_service.h"
#include "layers/systemd_unit/systemd_unit_layer.h"
#include "support/fake_nftables.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

// The unit as OpenClaw 2026.9.6 wrote it in the harness (uid 1000, port 18789).
constexpr const char* k_onboard_unit = R"([Unit]
Description=OpenClaw Gateway
After=network-online.target
Wants=network-online.target
StartLimitBurst=10
StartLimitIntervalSec=300

[Service]
ExecStart=/usr/local/bin/node --max-old-space-size=8192 /home/openclaw/.local/lib/node_modules/openclaw/dist/index.js gateway --port 18789
Restart=always
RestartSec=5
RestartPreventExitStatus=78
TimeoutStopSec=330
TimeoutStartSec=30
SuccessExitStatus=0 143
OOMPolicy=continue
KillMode=mixed
Environment=HOME=/home/openclaw
Environment=TMPDIR=/tmp
Environment=NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
Environment=PATH=/usr/local/bin:/home/openclaw/.local/bin:/usr/bin:/bin:/home/openclaw/.npm-global/bin:/home/openclaw/bin:/home/openclaw/.nix-profile/bin
Environment=NODE_OPTIONS=
Environment=OPENCLAW_GATEWAY_PORT=18789
Environment=OPENCLAW_SYSTEMD_UNIT=openclaw-gateway.service
Environment="OPENCLAW_WINDOWS_TASK_NAME=OpenClaw Gateway"
Environment=OPENCLAW_WINDOWS_TASK_HIDDEN_LAUNCHER=1
Environment=OPENCLAW_SERVICE_MARKER=openclaw
Environment=OPENCLAW_SERVICE_KIND=gateway

[Install]
WantedBy=default.target
)";

constexpr const char* k_user_dir = "/home/openclaw/.config/systemd/user";

class GatewayDiscovery : public ::testing::Test {
 protected:
  void SetUp() override { testing::seed_minimal_root(root()); }
  std::string root() const { return m_dir.path(); }
  void write_user_unit(const std::string& name, const std::string& text) {
    testing::write_file(root(), std::string(k_user_dir) + "/" + name, text, 0600);
  }
  void enable(const std::string& name) {
    std::string wants = root() + k_user_dir + "/default.target.wants";
    std::filesystem::create_directories(wants);
    std::filesystem::create_symlink(std::string(k_user_dir) + "/" + name, wants + "/" + name);
  }
  Result<GatewayService> discover(const Policy& policy = Policy{}) {
    auto fs = Filesystem::open(root());
    EXPECT_TRUE(fs.has_value());
    m_fs.emplace(std::move(*fs));
    Host host{*m_fs, m_runner, m_clock, m_nft, Liveness::offline, false};
    return discover_gateway(host.view(), policy);
  }

 private:
  testing::TempDir m_dir;
  std::optional<Filesystem> m_fs;
  ProcessRunner m_runner;
  SystemClock m_clock;
  testing::EmptyNftables m_nft;
};

TEST_F(GatewayDiscovery, FindsTheUnitOpenClawOnboardWrites) {
  write_user_unit("openclaw-gateway.service", k_onboard_unit);
  enable("openclaw-gateway.service");
  auto found = discover();
  ASSERT_TRUE(found.has_value()) << found.error().message;
  EXPECT_EQ(found->source, GatewaySource::user_unit);
  EXPECT_EQ(found->name, "openclaw-gateway");
  EXPECT_EQ(found->unit_file(), "/etc/systemd/system/openclaw-gateway.service");
  EXPECT_TRUE(found->exec_start.starts_with("/usr/local/bin/node --max-old-space-size=8192 "));
  ASSERT_TRUE(found->user_unit.has_value());
  EXPECT_EQ(found->user_unit->enabled_by.size(), 1u);
  EXPECT_EQ(found->environment.size(), 11u);
  EXPECT_EQ(found->port, 18789);
  EXPECT_EQ(found->port_source, "--port in ExecStart");
  EXPECT_TRUE(found->left_out.empty());
  // OpenClaw's supervision is kept: Restart=always, its exit status 78 stops restarts.
  Policy policy;
  std::string unit = render_unit(policy, *found);
  EXPECT_NE(unit.find("\nRestart=always\n"), std::string::npos) << unit;
  EXPECT_NE(unit.find("\nRestartPreventExitStatus=78\n"), std::string::npos);
  EXPECT_NE(unit.find("\nStartLimitBurst=10\n"), std::string::npos);
  EXPECT_NE(unit.find("\nUser=openclaw\n"), std::string::npos);
  EXPECT_NE(unit.find("\nEnvironment=\"OPENCLAW_WINDOWS_TASK_NAME=OpenClaw Gateway\"\n"),
            std::string::npos);
  EXPECT_EQ(unit.find("RestrictSUIDSGID"), std::string::npos);  // openat2 must work
  EXPECT_NE(unit.find("AF_NETLINK"), std::string::npos);
}

TEST_F(GatewayDiscovery, ADisabledUserUnitIsStillTheGatewayButNotToRetire) {
  write_user_unit("openclaw-gateway.service", k_onboard_unit);
  auto found = discover();
  ASSERT_TRUE(found.has_value());
  ASSERT_TRUE(found->user_unit.has_value());
  EXPECT_TRUE(found->user_unit->enabled_by.empty());
}

TEST_F(GatewayDiscovery, TheEnabledProfileUnitWinsAndOthersAreListed) {
  write_user_unit("openclaw-gateway.service", k_onboard_unit);
  write_user_unit("openclaw-gateway-work.service", k_onboard_unit);
  enable("openclaw-gateway-work.service");
  auto found = discover();
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, "openclaw-gateway-work");
  ASSERT_EQ(found->other_user_units.size(), 1u);
  EXPECT_TRUE(found->other_user_units[0].ends_with("/openclaw-gateway.service"));
}

TEST_F(GatewayDiscovery, NothingFoundMeansThePolicysCommand) {
  auto found = discover();
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->source, GatewaySource::policy);
  EXPECT_EQ(found->name, "openclaw");
  EXPECT_EQ(found->exec_start, Policy{}.app.exec_start);
  EXPECT_FALSE(found->user_unit.has_value());
}

TEST_F(GatewayDiscovery, ThePolicyWinsWhereItSaysSo) {
  write_user_unit("openclaw-gateway.service", k_onboard_unit);
  Policy policy;
  policy.app.service = "gw";
  policy.app.service_origin = Origin::policy;
  policy.app.exec_start = "/opt/openclaw/bin/openclaw gateway --port 19001";
  policy.app.exec_start_origin = Origin::policy;
  auto found = discover(policy);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, "gw");
  EXPECT_EQ(found->source, GatewaySource::policy);
  EXPECT_EQ(found->port, 19001);
  EXPECT_TRUE(found->user_unit.has_value());  // still retired: it would compete for the port
}

TEST_F(GatewayDiscovery, PortFollowsOpenClawsPrecedence) {
  std::string unit = k_onboard_unit;
  unit.replace(unit.find(" --port 18789"), 13, "");
  unit.replace(unit.find("OPENCLAW_GATEWAY_PORT=18789"), 27, "OPENCLAW_GATEWAY_PORT=19000");
  write_user_unit("openclaw-gateway.service", unit);
  auto found = discover();
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->port, 19000);
  EXPECT_EQ(found->port_source, "OPENCLAW_GATEWAY_PORT");

  unit.replace(unit.find("Environment=OPENCLAW_GATEWAY_PORT=19000\n"), 40, "");
  write_user_unit("openclaw-gateway.service", unit);
  testing::write_file(root(), "/home/openclaw/.openclaw/openclaw.json",
                      "{ // comments are fine\n \"gateway\": {\"port\": 18800}}\n", 0600);
  found = discover();
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->port, 18800);

  std::filesystem::remove(root() + "/home/openclaw/.openclaw/openclaw.json");
  found = discover();
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->port, 18789);
  EXPECT_EQ(found->port_source, "OpenClaw's default");
}

TEST_F(GatewayDiscovery, AForeignSystemUnitIsTheDefinitionButOursIsNot) {
  std::string system = k_onboard_unit;
  testing::write_file(root(), "/etc/systemd/system/openclaw-gateway.service",
                      system.replace(system.find("[Service]\n"), 10, "[Service]\nUser=openclaw\n"));
  write_user_unit("openclaw-gateway.service", k_onboard_unit);
  auto found = discover();
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->source, GatewaySource::system_unit);

  testing::write_file(root(), "/etc/systemd/system/openclaw-gateway.service",
                      std::string(k_managed_header) + ": rendered\n[Service]\nExecStart=/bin/x\n");
  found = discover();
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->source, GatewaySource::user_unit);
}

// --- what the app user may plant ---

std::string with_exec_start(const std::string& exec_start) {
  std::string unit = k_onboard_unit;
  size_t at = unit.find("ExecStart=");
  size_t end = unit.find('\n', at);
  return unit.replace(at, end - at, "ExecStart=" + exec_start);
}

// A unit *file name* is the app user's choice too: one with a newline would put lines into the
// root-owned unit (a "[Service]" with a "+" ExecStartPre, run as root), and a "*" would become
// a sudoers wildcard. Such files are not the gateway's unit.
TEST_F(GatewayDiscovery, UnitFileNamesThatAreNotPlainAreIgnored) {
  for (const char* name : {"openclaw-gateway\n[Service]\nExecStartPre=+/bin/sh\n#.service",
                           "openclaw-gateway*.service", "openclaw-gateway x.service",
                           "openclaw-gateway\\x2d.service"}) {
    write_user_unit(name, k_onboard_unit);
    Policy policy;
    policy.app.service = "openclaw-gateway";
    policy.app.service_origin = Origin::policy;
    auto found = discover(policy);
    ASSERT_TRUE(found.has_value()) << found.error().message;
    EXPECT_FALSE(found->user_unit.has_value()) << name;
    EXPECT_EQ(found->source, GatewaySource::policy) << name;
    std::string rendered = render_unit(policy, *found);
    EXPECT_EQ(rendered.find("ExecStartPre"), std::string::npos) << rendered;
    std::filesystem::remove(root() + k_user_dir + "/" + name);
  }
}

TEST_F(GatewayDiscovery, ExecStartIsReadAsSystemdWouldRunIt) {
  // systemd unescapes \x2d and expands $VAR: clawshield would judge other flags than run.
  for (const char* exec : {"/usr/local/bin/node /x/index.js gateway \\x2d-bind lan",
                           "/usr/local/bin/node /x/index.js gateway --port $P",
                           "/usr/local/bin/node /x/index.js gateway ; /bin/sh"}) {
    write_user_unit("openclaw-gateway.service", with_exec_start(exec));
    EXPECT_FALSE(discover().has_value()) << exec;
  }
}

TEST_F(GatewayDiscovery, PrefixesThatDropUserAreRefused) {
  // "+" and "!" run the command with full privileges under a system unit: root.
  for (const char* exec : {"+/bin/sh -c id", "!/bin/sh", "!!/bin/sh", "-/bin/sh", "@/bin/sh sh",
                           ":/bin/sh", "|/bin/sh"}) {
    write_user_unit("openclaw-gateway.service", with_exec_start(exec));
    auto found = discover();
    ASSERT_FALSE(found.has_value()) << exec;
    EXPECT_EQ(found.error().code, ErrorCode::refused);
    EXPECT_NE(found.error().message.find("openclaw-gateway.service:9"), std::string::npos)
        << found.error().message;
  }
}

TEST_F(GatewayDiscovery, SpecifiersRelativePathsAndContinuationsAreRefused) {
  for (const char* exec : {"/usr/bin/node %h/x.js", "node gateway", "/usr/bin/node x.js \\"}) {
    write_user_unit("openclaw-gateway.service", with_exec_start(exec));
    auto found = discover();
    EXPECT_FALSE(found.has_value()) << exec;
  }
  write_user_unit("openclaw-gateway.service",
                  std::string(k_onboard_unit) + "[Service]\nExecStart=/bin/second\n");
  EXPECT_FALSE(discover().has_value());
}

TEST_F(GatewayDiscovery, RootReadSettingsAreLeftOutNotCarried) {
  std::string unit = k_onboard_unit;
  unit.replace(unit.find("Restart=always\n"), 15,
               "Restart=always\nEnvironmentFile=/home/openclaw/env\nExecStartPre=+/bin/chmod "
               "4755 /bin/bash\nEnvironment=X=%d\nCapabilityBoundingSet=CAP_SYS_ADMIN\n");
  write_user_unit("openclaw-gateway.service", unit);
  auto found = discover();
  ASSERT_TRUE(found.has_value()) << found.error().message;
  EXPECT_EQ(found->left_out.size(), 4u);
  std::string rendered = render_unit(Policy{}, *found);
  EXPECT_EQ(rendered.find("EnvironmentFile"), std::string::npos);
  EXPECT_EQ(rendered.find("ExecStartPre"), std::string::npos);
  EXPECT_EQ(rendered.find("%d"), std::string::npos);
  EXPECT_EQ(rendered.find("CAP_SYS_ADMIN"), std::string::npos);
  EXPECT_NE(rendered.find("\nCapabilityBoundingSet=\n"), std::string::npos);
}

TEST_F(GatewayDiscovery, LinksInTheUsersUnitFolderAreNotFollowed) {
  // A unit file that is a link to a root-only file: never read through.
  testing::write_file(root(), "/etc/secret.service", k_onboard_unit, 0600);
  std::filesystem::create_directories(root() + k_user_dir);
  std::filesystem::create_symlink("/etc/secret.service",
                                  root() + k_user_dir + "/openclaw-gateway.service");
  auto found = discover();
  ASSERT_FALSE(found.has_value());
  EXPECT_EQ(found.error().code, ErrorCode::refused) << found.error().message;

  // The folder itself a link: the same.
  std::filesystem::remove_all(root() + "/home/openclaw/.config");
  testing::write_file(root(), "/etc/units/openclaw-gateway.service", k_onboard_unit);
  std::filesystem::create_directories(root() + "/home/openclaw/.config/systemd");
  std::filesystem::create_symlink("/etc/units", root() + k_user_dir);
  found = discover();
  EXPECT_FALSE(found.has_value());
}

}  // namespace
}  // namespace clawshield
