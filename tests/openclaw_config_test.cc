// OpenClaw's config as the gateway reads it (openclaw_config.h), on fixture roots: the path
// from the unit's environment and --profile, JSON5 with $include (merge, cycles, depth,
// escapes, links), ${VAR} from the unit, .env files and env.vars, the unit's flags over the
// file, OpenClaw's own answer through the runner, and the custom bind host as OpenClaw
// takes it.
#include <gtest/gtest.h>

#include <filesystem>

#include "host/clock.h"
#include "host/filesystem.h"
#include "host/runner.h"
#include "layers/openclaw/openclaw_config.h"
#include "layers/openclaw/openclaw_layer.h"
#include "support/fake_nftables.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

using nlohmann::json;

constexpr const char* k_exec =
    "/usr/local/bin/node --max-old-space-size=8192 "
    "/home/openclaw/.local/lib/node_modules/openclaw/dist/index.js gateway --port 18789";
constexpr const char* k_state = "/home/openclaw/.openclaw";
constexpr const char* k_config = "/home/openclaw/.openclaw/openclaw.json";

// A runner that records the command and answers with `answer`.
class ScriptedRunner final : public CommandRunner {
 public:
  Result<CommandResult> run(const Command& command) override {
    commands.push_back(command);
    if (!answer)
      return std::unexpected(*answer_error);
    return *answer;
  }
  Result<void> spawn_detached(const Command&) override { return {}; }
  std::vector<Command> commands;
  std::optional<CommandResult> answer;
  std::optional<Error> answer_error = Error{ErrorCode::not_found, "runuser: not found"};
};

class OpenClawConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::seed_minimal_root(root()); }
  std::string root() const { return m_dir.path(); }
  void write(const std::string& path, const std::string& text, unsigned mode = 0600) {
    testing::write_file(root(), path, text, mode);
  }
  void link(const std::string& target, const std::string& path) {
    std::filesystem::create_directories(std::filesystem::path(root() + path).parent_path());
    std::filesystem::create_symlink(target, root() + path);
  }
  const Filesystem& fs() {
    if (!m_fs) {
      auto opened = Filesystem::open(root());
      EXPECT_TRUE(opened.has_value());
      m_fs.emplace(std::move(*opened));
    }
    return *m_fs;
  }
  OpenClawLaunch launch(std::vector<std::pair<std::string, std::string>> env = {},
                        const std::string& exec = k_exec) {
    GatewayService service;
    service.exec_start = exec;
    service.found_at = "/home/openclaw/.config/systemd/user/openclaw-gateway.service";
    for (const auto& [k, v] : env) service.environment.push_back(k + "=" + v);
    return launch_of(service, AppPolicy{});
  }
  Result<OpenClawConfig> load(std::vector<std::pair<std::string, std::string>> env = {}) {
    return load_openclaw_config(fs(), launch(std::move(env)));
  }
  std::string display(const std::string& path) { return root() + path; }
  Host host(CommandRunner& runner) {
    fs();
    return Host{*m_fs, runner, m_clock, m_nft, Liveness::offline, false};
  }

  testing::TempDir m_dir;
  std::optional<Filesystem> m_fs;
  SystemClock m_clock;
  testing::EmptyNftables m_nft;
};

TEST_F(OpenClawConfigTest, PathFollowsOpenClawsPrecedence) {
  auto paths = openclaw_paths(fs(), launch());
  ASSERT_TRUE(paths) << paths.error().message;
  EXPECT_EQ(paths->config_file, k_config);
  EXPECT_EQ(paths->config_file_source, "OpenClaw's default");

  paths = openclaw_paths(fs(), launch({{"OPENCLAW_CONFIG_PATH", "~/conf/oc.json5"}}));
  EXPECT_EQ(paths->config_file, "/home/openclaw/conf/oc.json5");
  EXPECT_TRUE(paths->config_file_source.starts_with("OPENCLAW_CONFIG_PATH in "));
  EXPECT_EQ(paths->config_dir, "/home/openclaw/conf");

  paths = openclaw_paths(fs(), launch({{"OPENCLAW_STATE_DIR", "/srv/oc"}}));
  EXPECT_EQ(paths->state_dir, "/srv/oc");
  EXPECT_EQ(paths->config_file, "/srv/oc/openclaw.json");

  // A root --profile moves the state dir and the config, unless the environment set them.
  const std::string profiled =
      "/usr/local/bin/node /x/openclaw/dist/index.js --profile work gateway --port 1";
  paths = openclaw_paths(fs(), launch({}, profiled));
  EXPECT_EQ(paths->state_dir, "/home/openclaw/.openclaw-work");
  EXPECT_EQ(paths->config_file, "/home/openclaw/.openclaw-work/openclaw.json");
  paths = openclaw_paths(fs(), launch({{"OPENCLAW_CONFIG_PATH", "/etc/oc.json"}}, profiled));
  EXPECT_EQ(paths->config_file, "/etc/oc.json");

  // OPENCLAW_HOME replaces the home for ~ and the default folders.
  paths = openclaw_paths(fs(), launch({{"OPENCLAW_HOME", "/opt/ochome"}}));
  EXPECT_EQ(paths->config_file, "/opt/ochome/.openclaw/openclaw.json");

  // The legacy file is taken when it is the one that exists.
  write("/home/openclaw/.clawdbot/clawdbot.json", "{}");
  paths = openclaw_paths(fs(), launch());
  EXPECT_EQ(paths->config_file, "/home/openclaw/.clawdbot/clawdbot.json");
}

TEST_F(OpenClawConfigTest, Json5WithIncludesMergesAsOpenClawDoes) {
  write(k_config, R"(// main file
{
  gateway: {
    $include: "./gateway.json5",
    port: 18790, // a sibling key wins over the included one
  },
  agents: { $include: ["./a.json5", "./b.json5"] },
})");
  write("/home/openclaw/.openclaw/gateway.json5", R"({
  bind: 'custom',
  customBindHost: '127.0.0.1',
  port: 1,
})");
  write("/home/openclaw/.openclaw/a.json5", "{list: [1], one: {x: 1}, kept: 'a'}");
  write("/home/openclaw/.openclaw/b.json5", "{list: [2], one: {y: 2}, kept: 'b'}");
  auto config = load();
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->merged, json::parse(R"({
    "gateway": {"bind": "custom", "customBindHost": "127.0.0.1", "port": 18790},
    "agents": {"list": [1, 2], "one": {"x": 1, "y": 2}, "kept": "b"}})"));
  // Members are visited in key order (OpenClaw: in written order); the set read is the same.
  EXPECT_EQ(config->files_read, (std::vector<std::string>{
                                    display(k_config), display("/home/openclaw/.openclaw/a.json5"),
                                    display("/home/openclaw/.openclaw/b.json5"),
                                    display("/home/openclaw/.openclaw/gateway.json5")}));
  EXPECT_EQ(config->provenance.at("/gateway/bind"),
            display("/home/openclaw/.openclaw/gateway.json5") + ":2:3");
  EXPECT_EQ(config->provenance.at("/gateway/port"), display(k_config) + ":5:5");
  EXPECT_EQ(config->provenance.at("/agents/kept"),
            display("/home/openclaw/.openclaw/b.json5") + ":1:26");
  // The whole result: the flags and defaults on top, with their places.
  GatewaySettings settings =
      apply_launch(config->merged, config->provenance, launch(), config->environment);
  EXPECT_EQ(settings.gateway["port"], 18789);  // --port 18789 in ExecStart wins
  EXPECT_EQ(settings.provenance.at("/port"), "--port in ExecStart");
  EXPECT_EQ(settings.provenance.at("/bind"),
            display("/home/openclaw/.openclaw/gateway.json5") + ":2:3");
}

TEST_F(OpenClawConfigTest, IncludeCyclesDepthAndEscapesAreErrors) {
  write(k_config, "{$include: './a.json5'}");
  write("/home/openclaw/.openclaw/a.json5", "{\n  x: {$include: './b.json5'}}");
  write("/home/openclaw/.openclaw/b.json5", "{$include: './a.json5'}");
  auto config = load();
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("circular include: " + display(k_config) + " -> " +
                                        display("/home/openclaw/.openclaw/a.json5") + " -> " +
                                        display("/home/openclaw/.openclaw/b.json5") + " -> " +
                                        display("/home/openclaw/.openclaw/a.json5")),
            std::string::npos)
      << config.error().message;
  EXPECT_TRUE(config.error().message.starts_with(display("/home/openclaw/.openclaw/b.json5") +
                                                 ":1:2: $include \"./a.json5\""))
      << config.error().message;

  // Ten nested includes are fine, the eleventh is refused (OpenClaw's limit).
  write(k_config, "{$include: './d1.json5'}");
  for (int i = 1; i <= 11; ++i)
    write("/home/openclaw/.openclaw/d" + std::to_string(i) + ".json5",
          i < 11 ? "{$include: './d" + std::to_string(i + 1) + ".json5'}" : "{deep: true}");
  config = load();
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("deeper than OpenClaw's 10 includes"), std::string::npos)
      << config.error().message;
  write("/home/openclaw/.openclaw/d10.json5", "{deep: 10}");
  config = load();
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->merged, json::parse(R"({"deep": 10})"));

  for (const char* escape : {"../outside.json5", "/etc/passwd", "./sub/../../x.json5"}) {
    write(k_config, std::string("{$include: '") + escape + "'}");
    config = load();
    ASSERT_FALSE(config) << escape;
    EXPECT_EQ(config.error().code, ErrorCode::refused) << escape;
    EXPECT_NE(config.error().message.find("escapes the config folder"), std::string::npos)
        << config.error().message;
  }
  // OPENCLAW_INCLUDE_ROOTS widens where includes may reach.
  write("/srv/shared/gw.json5", "{gateway: {bind: 'lan'}}");
  write(k_config, "{$include: '/srv/shared/gw.json5'}");
  config = load({{"OPENCLAW_INCLUDE_ROOTS", "/srv/shared"}});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->merged["gateway"]["bind"], "lan");

  // A missing include, a bad one and an oversized one fail the whole config, as in OpenClaw.
  write(k_config, "{$include: './missing.json5'}");
  EXPECT_EQ(load().error().code, ErrorCode::not_found);
  write(k_config, "{\n  gateway: {$include: './bad.json5'}}");
  write("/home/openclaw/.openclaw/bad.json5", "{\n  bind: 'lan'\n  port: 1}");
  config = load();
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find(display("/home/openclaw/.openclaw/bad.json5") + ":3:3:"),
            std::string::npos)
      << config.error().message;
  write("/home/openclaw/.openclaw/big.json5", "'" + std::string(2u << 20, 'x') + "'");
  write(k_config, "{$include: './big.json5'}");
  EXPECT_EQ(load().error().code, ErrorCode::refused);
  // Includes listed at every level would be read exponentially often: bounded.
  for (int i = 1; i <= 9; ++i)
    write("/home/openclaw/.openclaw/x" + std::to_string(i) + ".json5",
          "{$include: ['./x" + std::to_string(i + 1) + ".json5', './x" + std::to_string(i + 1) +
              ".json5', './x" + std::to_string(i + 1) + ".json5'], list: [1]}");
  write("/home/openclaw/.openclaw/x10.json5", "{list: [2]}");
  write(k_config, "{$include: './x1.json5'}");
  config = load();
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("more than 100 includes read"), std::string::npos)
      << config.error().message;
  // Sibling keys need an object to merge into.
  write("/home/openclaw/.openclaw/list.json5", "[1]");
  write(k_config, "{\n  x: {$include: './list.json5', y: 1}}");
  config = load();
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find(":2:7: $include: sibling keys"), std::string::npos)
      << config.error().message;
}

TEST_F(OpenClawConfigTest, LinksAreNeverFollowed) {
  write("/home/openclaw/.openclaw/real.json5", "{gateway: {bind: 'lan'}}");
  link("real.json5", "/home/openclaw/.openclaw/via-link.json5");
  write(k_config, "{$include: './via-link.json5'}");
  auto config = load();
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().code, ErrorCode::refused);
  EXPECT_NE(config.error().message.find("symlink"), std::string::npos) << config.error().message;

  std::filesystem::remove(root() + k_config);
  link("/etc/shadow", k_config);
  config = load();
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().code, ErrorCode::refused);

  std::filesystem::remove(root() + k_config);
  config = load();
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().code, ErrorCode::not_found);

  // A file that is not an object is an error, never an empty (default) config.
  write(k_config, "[1, 2]");
  config = load();
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, display(k_config) +
                                        ": the config is array, not an object "
                                        "(OpenClaw's schema requires one)");
}

TEST_F(OpenClawConfigTest, EnvironmentSubstitutionAsOpenClaw) {
  write(k_config, R"({
  env: { vars: { FROM_CONFIG: "cfg", GW_HOST: "ignored: the unit's wins" } },
  gateway: {
    bind: "${GW_BIND}",
    customBindHost: "${GW_HOST}",
    auth: { token: "${GW_TOKEN}", password: "${MISSING_ONE}" },
    note: "$${GW_BIND} and ${lower} and ${FROM_CONFIG} and ${EMPTY}",
  },
})");
  write(std::string(k_state) + "/.env",
        "# state dotenv\nexport GW_TOKEN='from-dotenv'\nGW_BIND=lan\n");
  write("/home/openclaw/.config/openclaw/gateway.env", "GW_TOKEN=second-file-loses\n");
  auto config = load({{"GW_BIND", "custom"}, {"GW_HOST", "127.0.0.1"}, {"EMPTY", ""}});
  ASSERT_TRUE(config) << config.error().message;
  const json& gateway = config->merged["gateway"];
  EXPECT_EQ(gateway["bind"], "custom");  // the unit's Environment= over the .env file
  EXPECT_EQ(gateway["customBindHost"], "127.0.0.1");
  EXPECT_EQ(gateway["auth"]["token"], "from-dotenv");
  EXPECT_EQ(gateway["auth"]["password"], "${MISSING_ONE}");  // left as written, warned
  EXPECT_EQ(gateway["note"], "${GW_BIND} and ${lower} and cfg and ${EMPTY}");
  EXPECT_NE(std::ranges::find_if(config->warnings,
                                 [](const std::string& w) {
                                   return w.find("\"MISSING_ONE\" at /gateway/auth/password") !=
                                          std::string::npos;
                                 }),
            config->warnings.end());
  EXPECT_EQ(config->provenance.at("/gateway/bind"),
            display(k_config) +
                ":4:5 (${GW_BIND} from GW_BIND in "
                "/home/openclaw/.config/systemd/user/openclaw-gateway.service)");
  EXPECT_EQ(config->provenance.at("/gateway/auth/token"),
            display(k_config) + ":6:13 (${GW_TOKEN} from " +
                display(std::string(k_state) + "/.env") + ")");
  EXPECT_EQ(config->files_read.front(), display(std::string(k_state) + "/.env"));
  // A .env file that is a link is an error, not an empty environment.
  std::filesystem::remove(root() + k_state + "/.env");
  link("/etc/passwd", std::string(k_state) + "/.env");
  EXPECT_EQ(load().error().code, ErrorCode::refused);
}

TEST_F(OpenClawConfigTest, FlagsAndEnvironmentOverrideTheFile) {
  const json config = json::parse(R"({"gateway": {"bind": "loopback", "port": 1000,
      "auth": {"mode": "token", "token": "file-token"}, "tailscale": {"mode": "serve"}}})");
  const std::map<std::string, std::string> where = {{"/gateway/bind", "f:3:5"},
                                                    {"/gateway/port", "f:4:5"}};
  const std::string exec =
      "/usr/local/bin/node /x/dist/index.js gateway run --bind=lan --port 19000 --auth none "
      "--tailscale funnel --token flag-token";
  GatewaySettings s = apply_launch(config, where, launch({}, exec), {});
  EXPECT_EQ(s.gateway["bind"], "lan");
  EXPECT_EQ(s.provenance.at("/bind"), "--bind in ExecStart");
  EXPECT_EQ(s.gateway["port"], 19000);
  EXPECT_EQ(s.gateway["auth"]["mode"], "none");
  EXPECT_EQ(s.gateway["auth"]["token"], "flag-token");
  EXPECT_EQ(s.gateway["tailscale"]["mode"], "funnel");
  EXPECT_EQ(s.provenance.at("/tailscale/mode"), "--tailscale in ExecStart");

  // Without flags: OPENCLAW_GATEWAY_PORT over gateway.port; the config's token over
  // OPENCLAW_GATEWAY_TOKEN (OpenClaw's "config-first").
  const std::map<std::string, std::pair<std::string, std::string>> env = {
      {"OPENCLAW_GATEWAY_PORT", {"18800", "the unit"}},
      {"OPENCLAW_GATEWAY_TOKEN", {"env-token", "the unit"}},
      {"OPENCLAW_GATEWAY_PASSWORD", {"env-password", "the unit"}}};
  s = apply_launch(config, where, launch({}, "/usr/bin/openclaw gateway"), env);
  EXPECT_EQ(s.gateway["bind"], "loopback");
  EXPECT_EQ(s.provenance.at("/bind"), "f:3:5");
  EXPECT_EQ(s.gateway["port"], 18800);
  EXPECT_EQ(s.provenance.at("/port"), "the unit");
  EXPECT_EQ(s.gateway["auth"]["token"], "file-token");
  EXPECT_EQ(s.gateway["auth"]["password"], "env-password");

  // Nothing set: OpenClaw's defaults, named as such.
  s = apply_launch(json::object(), {}, launch({}, "/usr/bin/openclaw gateway"), {});
  EXPECT_EQ(s.gateway, json::parse(R"({"bind": "loopback", "port": 18789,
                                       "tailscale": {"mode": "off"}})"));
  EXPECT_EQ(s.provenance.at("/bind"), "OpenClaw's default");
  // Under a profile with no port anywhere, OpenClaw derives one from the profile's name; an
  // OPENCLAW_GATEWAY_PORT that is not a port is ignored.
  s = apply_launch(json::object(), {}, launch({}, "/usr/bin/openclaw --profile work gateway"),
                   {{"OPENCLAW_GATEWAY_PORT", {"nope", "the unit"}}});
  EXPECT_EQ(s.gateway["port"], 41984);  // 20000 + FNV-1a("work") % 40000, as node computes it
  EXPECT_EQ(s.provenance.at("/port"), "OpenClaw's default for profile work");
  // A --dev root option selects the dev profile and its port.
  auto dev = launch({}, "/usr/bin/openclaw --dev gateway");
  auto paths = openclaw_paths(fs(), dev);
  EXPECT_EQ(paths->config_file, "/home/openclaw/.openclaw-dev/openclaw.json");
}

TEST_F(OpenClawConfigTest, CustomBindHostAsOpenClawAcceptsIt) {
  EXPECT_TRUE(openclaw_custom_host_valid("127.0.0.1"));
  EXPECT_TRUE(openclaw_custom_host_valid(" 10.0.0.5 "));  // OpenClaw trims
  EXPECT_TRUE(openclaw_custom_host_valid("0.0.0.0"));
  for (const char* bad : {"localhost", "::1", "[::1]", "127.1", "127.000.0.1", "256.0.0.1",
                          "1.2.3.4.5", "", "0x7f.0.0.1", "127.0.0.1/8"})
    EXPECT_FALSE(openclaw_custom_host_valid(bad)) << bad;

  auto judged = [](const char* host) {
    return judge_gateway_bind(
        std::string("{gateway: {bind: 'custom', customBindHost: '") + host + "'}}", "openclaw.json",
        TailnetTrust::untrusted);
  };
  EXPECT_EQ(judged("127.0.0.1").status, Status::pass);
  EXPECT_EQ(judged("127.0.0.2").status, Status::pass);
  // The wrong pass issue 13 names: OpenClaw binds 0.0.0.0 for these.
  for (const char* host : {"localhost", "::1"}) {
    auto result = judged(host);
    EXPECT_EQ(result.status, Status::fail) << host;
    EXPECT_NE(result.evidence.find("only an IPv4 address"), std::string::npos) << result.evidence;
    EXPECT_NE(result.evidence.find("openclaw.json:1:28"), std::string::npos) << result.evidence;
  }
  EXPECT_EQ(judged("0.0.0.0").status, Status::fail);
  EXPECT_EQ(judged("192.168.1.10").status, Status::fail);
}

TEST_F(OpenClawConfigTest, OpenClawsOwnAnswerThroughTheRunner) {
  ScriptedRunner runner;
  runner.answer = CommandResult{0, R"({"bind": "lan", "port": 18789,
      "auth": {"mode": "token", "token": "__OPENCLAW_REDACTED__"}})",
                                ""};
  auto l = launch({{"HOME", "/home/openclaw"},
                   {"PATH", "/usr/local/bin:/usr/bin"},
                   {"OPENCLAW_CONFIG_PATH", "/home/openclaw/c.json5"}});
  auto answer = ask_openclaw_gateway(runner, l, std::chrono::seconds(7));
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ((*answer)["bind"], "lan");
  ASSERT_EQ(runner.commands.size(), 1u);
  EXPECT_EQ(
      runner.commands[0].argv,
      (std::vector<std::string>{"setsid",
                                "--wait",
                                "runuser",
                                "-u",
                                "openclaw",
                                "--",
                                "timeout",
                                "--kill-after=2",
                                "7",
                                "env",
                                "-i",
                                "HOME=/home/openclaw",
                                "PATH=/usr/local/bin:/usr/bin",
                                "OPENCLAW_CONFIG_PATH=/home/openclaw/c.json5",
                                "/usr/local/bin/node",
                                "--max-old-space-size=8192",
                                "/home/openclaw/.local/lib/node_modules/openclaw/dist/index.js",
                                "config",
                                "get",
                                "gateway",
                                "--json"}));
  EXPECT_EQ(runner.commands[0].timeout, std::chrono::seconds(12));

  runner.answer = CommandResult{1, R"({"ok": false})", "boom"};
  EXPECT_EQ(ask_openclaw_gateway(runner, l, std::chrono::seconds(1)).error().code,
            ErrorCode::command_failed);
  runner.answer = CommandResult{0, "[1]", ""};
  EXPECT_FALSE(ask_openclaw_gateway(runner, l, std::chrono::seconds(1)));
  // No gateway command in ExecStart: nothing to run.
  EXPECT_EQ(
      ask_openclaw_gateway(runner, launch({}, "/bin/true"), std::chrono::seconds(1)).error().code,
      ErrorCode::not_found);

  // Not the live system (a fixture root): the files, saying why.
  write(k_config, "{gateway: {bind: 'tailnet'}}");
  Host h = host(runner);
  const size_t asked = runner.commands.size();
  auto settings = read_gateway_settings(h.view(), launch(), Prefer::openclaw);
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_EQ(runner.commands.size(), asked);
  EXPECT_EQ(settings->source, SettingsSource::files);
  EXPECT_NE(settings->source_note.find("OpenClaw not asked"), std::string::npos)
      << settings->source_note;
  EXPECT_EQ(settings->gateway["bind"], "tailnet");
  EXPECT_EQ(settings->provenance.at("/bind"), display(k_config) + ":1:12");
}

// On the running system OpenClaw's answer is used, the flags still on top; the files'
// failure is kept beside it (here: no config file under a home that does not exist).
TEST(OpenClawConfigLive, OpenClawsAnswerIsUsedOnTheRunningSystem) {
  auto fs = Filesystem::open("/");
  ASSERT_TRUE(fs);
  ScriptedRunner runner;
  runner.answer = CommandResult{0, R"({"bind": "custom", "customBindHost": "::1",
      "auth": {"mode": "token", "token": "__OPENCLAW_REDACTED__"}, "trustedProxies": ["10.0.0.1"]})",
                                ""};
  SystemClock clock;
  testing::EmptyNftables nft;
  Host host{*fs, runner, clock, nft, Liveness::live, false};
  AppPolicy app;
  app.home = "/nonexistent-clawshield-test/home";
  GatewayService service;
  service.exec_start = "/usr/bin/node /x/dist/index.js gateway --port 18800";
  auto settings = read_gateway_settings(host.view(), launch_of(service, app), Prefer::openclaw);
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_EQ(settings->source, SettingsSource::openclaw);
  EXPECT_TRUE(settings->source_note.starts_with("openclaw config get gateway --json as openclaw ("))
      << settings->source_note;
  EXPECT_EQ(settings->gateway["customBindHost"], "::1");
  EXPECT_EQ(settings->gateway["port"], 18800);
  EXPECT_EQ(settings->provenance.at("/bind"), "openclaw config get gateway --json");
  EXPECT_EQ(settings->provenance.at("/port"), "--port in ExecStart");
  ASSERT_TRUE(settings->files_error.has_value());
  EXPECT_EQ(settings->files_error->code, ErrorCode::not_found);
  EXPECT_EQ(judge_gateway_bind(*settings, TailnetTrust::untrusted).status, Status::fail);
  ASSERT_EQ(runner.commands.size(), 1u);

  // OpenClaw failing: the files decide (here: none), and the error says so.
  runner.answer = CommandResult{1, "", "Error: invalid config"};
  auto failed = read_gateway_settings(host.view(), launch_of(service, app), Prefer::openclaw);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::not_found);
}

// A JSON5 openclaw.json is judged (it was `unknown` when read as JSON), through the layer.
TEST_F(OpenClawConfigTest, LayerJudgesJson5ConfigNamedByTheUnit) {
  write("/home/openclaw/.config/systemd/user/openclaw-gateway.service",
        std::string("[Service]\nExecStart=") + k_exec +
            "\nEnvironment=OPENCLAW_CONFIG_PATH=/home/openclaw/oc/main.json5\n");
  write("/home/openclaw/oc/main.json5",
        "{\n  // docs style\n  gateway: {$include: 'gw.json5'},\n}");
  write("/home/openclaw/oc/gw.json5", "{\n  bind: 'lan',\n}");
  ProcessRunner runner;
  Host h = host(runner);
  Policy policy;
  OpenClawLayer layer;
  auto findings = layer.verify(Context{h.view(), policy});
  auto bind = std::ranges::find_if(findings,
                                   [](const Finding& f) { return f.id.ends_with("gateway_bind"); });
  ASSERT_NE(bind, findings.end());
  EXPECT_EQ(bind->status, Status::fail) << bind->evidence;
  EXPECT_NE(bind->evidence.find(display("/home/openclaw/oc/gw.json5") + ":2:3"), std::string::npos)
      << bind->evidence;

  write("/home/openclaw/oc/gw.json5", "{bind: 'loopback', port: 18800}");
  findings = layer.verify(Context{h.view(), policy});
  bind = std::ranges::find_if(findings,
                              [](const Finding& f) { return f.id.ends_with("gateway_bind"); });
  EXPECT_EQ(bind->status, Status::pass) << bind->evidence;

  write("/home/openclaw/oc/gw.json5", "{bind: 'loopback'");
  findings = layer.verify(Context{h.view(), policy});
  bind = std::ranges::find_if(findings,
                              [](const Finding& f) { return f.id.ends_with("gateway_bind"); });
  EXPECT_EQ(bind->status, Status::unknown);
  EXPECT_NE(bind->evidence.find(display("/home/openclaw/oc/gw.json5") + ":1:18"), std::string::npos)
      << bind->evidence;
}

// gateway.port for discovery comes from the same reading (JSON5, includes).
TEST_F(OpenClawConfigTest, DiscoveryTakesThePortFromTheJson5Config) {
  write("/home/openclaw/.config/systemd/user/openclaw-gateway.service",
        "[Service]\nExecStart=/usr/local/bin/node /x/dist/index.js gateway\n");
  write(k_config, "{gateway: {$include: './port.json5'}}");
  write("/home/openclaw/.openclaw/port.json5", "{\n  port: 0x4a38, // 19000\n}");
  ProcessRunner runner;
  Host h = host(runner);
  auto found = discover_gateway(h.view(), Policy{});
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->port, 19000);
  EXPECT_EQ(found->port_source,
            "gateway.port at " + display("/home/openclaw/.openclaw/port.json5") + ":2:3");
}

}  // namespace
}  // namespace clawshield
