// OpenClaw's own auditor folded in: how it is run (as the app user, from a clean environment
// built of the gateway unit's, the CLI found from the gateway's ExecStart) and how its answer
// is read (every field checked; anything else is an error, so verify says unknown).
#include <gtest/gtest.h>

#include "layers/openclaw/security_audit.h"

namespace clawshield {
namespace {

GatewayService onboard_gateway() {
  GatewayService gateway;
  gateway.name = "openclaw-gateway";
  gateway.exec_start =
      "/usr/local/bin/node --max-old-space-size=8192 "
      "/home/openclaw/.local/lib/node_modules/openclaw/dist/index.js gateway --port 18789";
  gateway.environment = {"HOME=/home/openclaw", "PATH=/evil", "OPENCLAW_GATEWAY_PORT=18789",
                         "\"OPENCLAW_WINDOWS_TASK_NAME=OpenClaw Gateway\""};
  return gateway;
}

TEST(SecurityAudit, RunsTheGatewaysOwnCliAsTheAppUserFromACleanEnvironment) {
  Policy policy;
  auto argv = openclaw_cli(policy.app, onboard_gateway(), {"security", "audit", "--json"});
  ASSERT_TRUE(argv.has_value());
  std::vector<std::string> want = {"setsid",
                                   "--wait",
                                   "runuser",
                                   "-u",
                                   "openclaw",
                                   "--",
                                   "timeout",
                                   "110",
                                   "env",
                                   "-i",
                                   "HOME=/home/openclaw",
                                   "PATH=/home/openclaw/.local/bin:/usr/local/bin:/usr/bin:/bin",
                                   "OPENCLAW_GATEWAY_PORT=18789",
                                   "OPENCLAW_WINDOWS_TASK_NAME=OpenClaw Gateway",
                                   "/usr/local/bin/node",
                                   "--max-old-space-size=8192",
                                   "/home/openclaw/.local/lib/node_modules/openclaw/dist/index.js",
                                   "security",
                                   "audit",
                                   "--json"};
  EXPECT_EQ(*argv, want);

  GatewayService bare;
  bare.exec_start = "/home/openclaw/.local/bin/openclaw gateway";
  argv = openclaw_cli(policy.app, bare, {"--version"});
  ASSERT_TRUE(argv.has_value());
  EXPECT_EQ(argv->back(), "--version");
  EXPECT_EQ((*argv)[argv->size() - 2], "/home/openclaw/.local/bin/openclaw");

  bare.exec_start = "/usr/bin/python3 -m http.server";
  EXPECT_FALSE(openclaw_cli(policy.app, bare, {}).has_value());
}

TEST(SecurityAudit, ReadsOpenClawsReport) {
  // As OpenClaw 2026.9.6 printed it in the booted-host harness (details shortened).
  auto report = parse_audit_report(R"({"ts":1,"summary":{"critical":1,"warn":1,"info":1},
    "findings":[
      {"checkId":"summary.attack_surface","severity":"info","title":"Attack surface summary","detail":"x"},
      {"checkId":"gateway.trusted_proxies_missing","severity":"warn","title":"Reverse proxy headers are not trusted","detail":"y"},
      {"checkId":"gateway.bind_no_auth","severity":"critical","title":"Gateway binds beyond loopback without auth"}],
    "secretDiagnostics":[]})");
  ASSERT_TRUE(report.has_value()) << report.error().message;
  EXPECT_EQ(report->critical, 1);
  EXPECT_EQ(report->warn, 1);
  EXPECT_EQ(report->info, 1);
  EXPECT_EQ(report->findings[2].check_id, "gateway.bind_no_auth");
}

TEST(SecurityAudit, AnythingElseIsAnErrorNeverAnEmptyReport) {
  for (const char* text :
       {"", "Error: config invalid\n", "[]", R"({"summary":{}})", R"({"findings":{}})",
        R"({"findings":[1]})", R"({"findings":[{"severity":"warn"}]})",
        R"({"findings":[{"checkId":"x","severity":"fatal"}]})",
        R"({"findings":[{"checkId":5,"severity":"critical"}]})"})
    EXPECT_FALSE(parse_audit_report(text).has_value()) << text;
}

}  // namespace
}  // namespace clawshield
