// OpenClaw's exposure rules against configs shaped like OpenClaw's own docs and like what an
// attacker or a careless admin writes. Each rule must fail where the gateway can be driven by
// someone it should not trust, and pass the config `openclaw onboard` writes.
#include <gtest/gtest.h>

#include "layers/openclaw/exposure_rules.h"

namespace clawshield {
namespace {

using nlohmann::json;

std::map<std::string, Status> judged(const json& config,
                                     const std::map<std::string, std::string>& env = {},
                                     FunnelAllowed funnel = FunnelAllowed::no) {
  std::map<std::string, Status> out;
  for (const auto& j : judge_exposure(config, env, funnel))
    out[std::string(j.check->id.substr(j.check->id.find('.') + 1))] = j.status;
  return out;
}

// As `openclaw onboard --gateway-bind loopback --gateway-auth token` wrote it in the harness.
json onboarded() {
  return json::parse(R"({"gateway":{"mode":"local","auth":{"mode":"token",
    "token":"lab-token-5ecf54f4f9564b20fbb77f34b3353c2f"},"port":18789,"bind":"loopback",
    "tailscale":{"mode":"off"}}})");
}

TEST(ExposureRules, TheOnboardedConfigPassesEveryRule) {
  for (const auto& [check, status] : judged(onboarded())) EXPECT_EQ(status, Status::pass) << check;
}

TEST(ExposureRules, LanWithoutAuthFails) {
  auto s = judged(json::parse(R"({"gateway":{"bind":"lan"}})"));
  EXPECT_EQ(s["auth"], Status::fail);
  EXPECT_EQ(s["control_ui"], Status::fail);  // no allowedOrigins beyond loopback
  EXPECT_EQ(s["rate_limit"], Status::warn);
  auto none = judged(json::parse(R"({"gateway":{"bind":"loopback","auth":{"mode":"none"}}})"));
  EXPECT_EQ(none["auth"], Status::fail);  // every local user can drive the agent
}

TEST(ExposureRules, SecretsAreMeasuredWhereTheyCanBeSeen) {
  json short_token = onboarded();
  short_token["gateway"]["auth"]["token"] = "abc123";
  EXPECT_EQ(judged(short_token)["token_strength"], Status::warn);  // loopback
  short_token["gateway"]["bind"] = "lan";
  EXPECT_EQ(judged(short_token)["token_strength"], Status::fail);
  json placeholder = onboarded();
  placeholder["gateway"]["auth"]["token"] = " undefined ";
  EXPECT_EQ(judged(placeholder)["token_strength"], Status::fail);
  json from_env = json::parse(R"({"gateway":{"auth":{"mode":"token"}}})");
  EXPECT_EQ(judged(from_env)["auth"], Status::fail);
  auto with_env = judged(from_env, {{"OPENCLAW_GATEWAY_TOKEN", std::string(32, 'x')}});
  EXPECT_EQ(with_env["auth"], Status::pass);
  EXPECT_EQ(with_env["token_strength"], Status::pass);
  json secret_ref = json::parse(
      R"({"gateway":{"auth":{"mode":"token","token":{"source":"env","id":"GW_TOKEN"}}}})");
  EXPECT_EQ(judged(secret_ref)["auth"], Status::pass);
  EXPECT_EQ(judged(secret_ref)["token_strength"], Status::unknown);
}

TEST(ExposureRules, ModeIsResolvedAsOpenClawResolvesIt) {
  // No mode: a token makes it token auth, a password password auth, neither none.
  EXPECT_EQ(judged(json::parse(R"({"gateway":{"auth":{"token":")" + std::string(30, 't') +
                               R"("}}})"))["auth"],
            Status::pass);
  EXPECT_EQ(judged(json::parse(R"({"gateway":{}})"))["auth"], Status::fail);
  EXPECT_EQ(judged(json::parse(R"({"gateway":{"auth":{"mode":7}}})"))["auth"], Status::unknown);
  EXPECT_EQ(judged(json::parse(R"({"gateway":{"auth":{"mode":"magic","token":"x"}}})"))["auth"],
            Status::fail);
}

TEST(ExposureRules, FunnelIsThePublicInternet) {
  json funnel = onboarded();
  funnel["gateway"]["tailscale"]["mode"] = "funnel";
  EXPECT_EQ(judged(funnel)["tailscale"], Status::fail);
  EXPECT_EQ(judged(funnel, {}, FunnelAllowed::yes)["tailscale"], Status::warn);
  funnel["gateway"]["tailscale"]["mode"] = "serve";
  EXPECT_EQ(judged(funnel)["tailscale"], Status::pass);
  funnel["gateway"]["tailscale"]["mode"] = "FUNNEL";
  EXPECT_EQ(judged(funnel)["tailscale"], Status::unknown);
}

TEST(ExposureRules, ControlUiOriginChecksStay) {
  json ui = onboarded();
  ui["gateway"]["controlUi"] = json::parse(R"({"allowedOrigins":["https://a.example", "*"]})");
  EXPECT_EQ(judged(ui)["control_ui"], Status::fail);
  ui["gateway"]["controlUi"] = json::parse(R"({"dangerouslyAllowHostHeaderOriginFallback":true})");
  EXPECT_EQ(judged(ui)["control_ui"], Status::fail);
  ui["gateway"]["controlUi"] = json::parse(R"({"dangerouslyDisableDeviceAuth":true})");
  EXPECT_EQ(judged(ui)["control_ui"], Status::warn);
  ui["gateway"]["bind"] = "lan";
  ui["gateway"]["controlUi"] = json::parse(R"({"enabled":false})");
  EXPECT_EQ(judged(ui)["control_ui"], Status::pass);
}

TEST(ExposureRules, OnlyNamedProxiesAreTrusted) {
  json proxy = json::parse(R"({"gateway":{"bind":"lan","auth":{"mode":"trusted-proxy"},
    "controlUi":{"allowedOrigins":["https://c.example"]}}})");
  EXPECT_EQ(judged(proxy)["trusted_proxies"], Status::fail);  // no proxies, no userHeader
  proxy["gateway"]["trustedProxies"] = {"10.0.0.1"};
  proxy["gateway"]["auth"]["trustedProxy"] = {{"userHeader", "x-forwarded-user"}};
  EXPECT_EQ(judged(proxy)["trusted_proxies"], Status::pass);
  proxy["gateway"]["trustedProxies"] = {"10.0.0.1", "0.0.0.0/0"};
  EXPECT_EQ(judged(proxy)["trusted_proxies"], Status::fail);
  json real_ip = onboarded();
  real_ip["gateway"]["allowRealIpFallback"] = true;
  EXPECT_EQ(judged(real_ip)["trusted_proxies"], Status::warn);
  real_ip["gateway"]["bind"] = "lan";
  EXPECT_EQ(judged(real_ip)["trusted_proxies"], Status::fail);
}

TEST(ExposureRules, CustomBindIsLoopbackOnlyAt127001) {
  EXPECT_TRUE(
      effective_bind(json::parse(R"({"gateway":{"bind":"custom","customBindHost":"127.0.0.1"}})"))
          .loopback_only);
  for (const char* host : {"0.0.0.0", "localhost", "::1", "192.0.2.5"})
    EXPECT_FALSE(effective_bind(json{{"gateway", {{"bind", "custom"}, {"customBindHost", host}}}})
                     .loopback_only)
        << host;
  EXPECT_FALSE(effective_bind(json::parse(R"({"gateway":{"bind":"tailnet"}})")).loopback_only);
  EXPECT_TRUE(effective_bind(json::parse(R"({})")).loopback_only);
}

// Shapes OpenClaw reads differently from their face: never a pass clawshield cannot stand by.
TEST(ExposureRules, TypeConfusionNeverPasses) {
  json lan = json::parse(R"({"gateway":{"bind":"lan","auth":{"mode":"token",
    "token":"0123456789012345678901234567890123"},"controlUi":{"enabled":null}}})");
  EXPECT_EQ(judged(lan)["control_ui"], Status::fail);  // OpenClaw: enabled unless === false
  json odd_mode = onboarded();
  odd_mode["gateway"]["tailscale"]["mode"] = 5;
  EXPECT_EQ(judged(odd_mode)["tailscale"], Status::unknown);
  json empty_ref = json::parse(R"({"gateway":{"auth":{"mode":"token","token":{}}}})");
  EXPECT_EQ(judged(empty_ref)["auth"], Status::fail);  // an object is not a SecretRef
  json halves = onboarded();
  halves["gateway"]["trustedProxies"] = {"0.0.0.0/1", "128.0.0.0/1"};
  EXPECT_EQ(judged(halves)["trusted_proxies"], Status::fail);
  halves["gateway"]["trustedProxies"] = {"10.1.2.3/32", "fd00::1/128"};
  EXPECT_EQ(judged(halves)["trusted_proxies"], Status::pass);
}

TEST(ExposureRules, AShapeNotJudgedIsUnknown) {
  for (const auto& [check, status] : judged(json::array())) EXPECT_EQ(status, Status::unknown);
}

}  // namespace
}  // namespace clawshield
