// OpenClaw's own exposure judged on the real thing (issue 13): the booted Debian 12 host with
// the real OpenClaw 2026.9.6 onboarded (tests/booted_host). A config that binds the gateway to
// the LAN without auth must fail our checks *and* name OpenClaw's own audit finding; the
// hardened config that onboarding writes must pass ours with no critical finding from
// OpenClaw's auditor. The config is written as JSON5 with an $include, the forms OpenClaw's
// docs use, so the loader is proven on what OpenClaw reads.
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <nlohmann/json.hpp>

#include "support/booted_host.h"

namespace clawshield {
namespace {

using std::chrono::seconds;
using testing::BootedHost;

constexpr const char* k_config = "/home/openclaw/.openclaw/openclaw.json";

class BootedOpenClaw : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = testing::booted_host_unavailable(); !why.empty())
      GTEST_SKIP() << why;
    std::string why;
    m_host = std::make_unique<BootedHost>();
    if (!m_host->start("oc" + std::to_string(::getpid() % 100000),
                       {std::string(CLAWSHIELD_BINARY) + ":/usr/local/sbin/clawshield"}, why))
      GTEST_SKIP() << why;
  }

  // verify --only openclaw --json: id -> "status: evidence".
  std::map<std::string, std::string> verify() {
    auto result =
        m_host->exec({"clawshield", "verify", "--only", "openclaw", "--json"}, seconds(180));
    std::map<std::string, std::string> out;
    auto document = nlohmann::json::parse(result.out, nullptr, false);
    if (!document.is_object() || !document.contains("checks"))
      return {{"error", result.out + result.err}};
    for (const auto& check : document["checks"])
      out[check["id"]] = std::string(check["status"]) + ": " + std::string(check["evidence"]);
    return out;
  }

  // Writes the app user's file as the app user would (its owner, 0600).
  void write_app_file(const std::string& path, const std::string& text) {
    m_host->write_file(path, text, 0600);
    m_host->exec({"chown", "openclaw:openclaw", path});
  }

  std::unique_ptr<BootedHost> m_host;
};

TEST_F(BootedOpenClaw, LanWithoutAuthFailsWithOpenClawsOwnFindingNamed) {
  // JSON5 (comments, unquoted keys, trailing commas) and an $include, as OpenClaw's docs write.
  write_app_file("/home/openclaw/.openclaw/gateway.json5",
                 "// the gateway, split out\n{\n  bind: 'lan',\n  port: 18789,\n"
                 "  auth: { mode: 'none', },\n}\n");
  write_app_file(
      k_config,
      "{\n  // onboarded, then edited by hand\n  gateway: { $include: './gateway.json5', "
      "mode: 'local' },\n  agents: { defaults: { workspace: "
      "'/home/openclaw/.openclaw/workspace' } },\n}\n");
  auto checks = verify();
  ASSERT_FALSE(checks.contains("error")) << checks["error"];
  EXPECT_TRUE(checks["openclaw.gateway_bind"].starts_with("fail"))
      << checks["openclaw.gateway_bind"];
  EXPECT_NE(checks["openclaw.gateway_bind"].find("gateway.json5"), std::string::npos)
      << "the evidence names the included file: " << checks["openclaw.gateway_bind"];
  EXPECT_TRUE(checks["openclaw.auth"].starts_with("fail")) << checks["openclaw.auth"];
  EXPECT_TRUE(checks["openclaw.control_ui"].starts_with("fail")) << checks["openclaw.control_ui"];
  EXPECT_TRUE(checks["openclaw.audit"].starts_with("fail")) << checks["openclaw.audit"];
  EXPECT_TRUE(checks["openclaw.audit.gateway.bind_no_auth"].starts_with("fail"))
      << "OpenClaw's own finding, named: " << checks["openclaw.audit"];
  for (const auto& [id, status] : checks)
    std::cout << "[ lan/none ] " << id << " " << status << "\n";
}

TEST_F(BootedOpenClaw, TheOnboardedConfigPassesOursAndOpenClawsAuditHasNoCritical) {
  auto checks = verify();
  ASSERT_FALSE(checks.contains("error")) << checks["error"];
  for (const char* id : {"openclaw.gateway_bind", "openclaw.config_mode", "openclaw.auth",
                         "openclaw.token_strength", "openclaw.rate_limit", "openclaw.tailscale",
                         "openclaw.control_ui", "openclaw.trusted_proxies", "openclaw.state_files"})
    EXPECT_TRUE(checks[id].starts_with("pass")) << id << " " << checks[id];
  EXPECT_FALSE(checks["openclaw.audit"].starts_with("fail")) << checks["openclaw.audit"];
  EXPECT_NE(checks["openclaw.audit"].find(" 0 critical"), std::string::npos)
      << checks["openclaw.audit"];
  // The gateway is up (the user unit): the kernel shows it on loopback only.
  EXPECT_TRUE(BootedHost::wait_until([&] { return m_host->answers(18789); }, seconds(90)));
  checks = verify();
  EXPECT_TRUE(checks["openclaw.listening"].starts_with("pass")) << checks["openclaw.listening"];
  for (const auto& [id, status] : checks)
    std::cout << "[ onboard  ] " << id << " " << status << "\n";
}

}  // namespace
}  // namespace clawshield
