// OpenClaw's configuration as the gateway process sees it (OpenClaw 2026.9.6): which file
// (OPENCLAW_CONFIG_PATH, OPENCLAW_STATE_DIR, --profile), JSON5 with `$include` and `${VAR}`,
// and the gateway's effective settings with the command-line flags of its unit on top.
//
// Two ways to the answer, and the result says which one was used:
//   - OpenClaw's own: `<node> <openclaw> config get gateway --json`, run as the app user with
//     the unit's environment (read_gateway_settings with Prefer::openclaw);
//   - the files, read here as OpenClaw reads them (load_openclaw_config), every file under the
//     app user's home opened without following links and size-bounded.
// A file that cannot be read or parsed is an error value, never an empty config.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "host/host.h"
#include "layers/openclaw/gateway_service.h"
#include "policy/policy.h"

namespace clawshield {

// How the gateway is started: what decides which config it reads and how.
struct OpenClawLaunch {
  std::string user;  // the app user
  std::string home;  // its home, inside the root
  // ExecStart split into words (as systemd splits it: blanks, '...' and "..." quoting).
  std::vector<std::string> argv;
  // The unit's Environment= assignments in order (a later one wins), with where each was set.
  std::vector<std::pair<std::string, std::string>> environment;
  std::string environment_source;  // "Environment= in /path/unit.service"
};

// The launch of the gateway `service` found for `app`.
OpenClawLaunch launch_of(const GatewayService& service, const AppPolicy& app);

// Where OpenClaw looks, from the launch's environment and root options (--profile, --dev).
struct OpenClawPaths {
  std::string home;                        // OPENCLAW_HOME, else HOME, else the app user's home
  std::string state_dir;                   // OPENCLAW_STATE_DIR, else ~/.openclaw[-<profile>]
  std::string config_file;                 // OPENCLAW_CONFIG_PATH, else <state_dir>/openclaw.json
  std::string config_file_source;          // which of those decided config_file
  std::string config_dir;                  // the config's folder: where `$include` may reach
  std::vector<std::string> include_roots;  // and OPENCLAW_INCLUDE_ROOTS
};
Result<OpenClawPaths> openclaw_paths(const Filesystem& fs, const OpenClawLaunch& launch);

// The config after `$include` and `${VAR}`, as OpenClaw's loader makes it.
struct OpenClawConfig {
  OpenClawPaths paths;
  nlohmann::json merged;                // the whole config object
  std::vector<std::string> files_read;  // config file, includes and .env files, in read order
  // JSON pointer ("/gateway/bind") -> "file:line:col" where that member was written, with
  // " (${VAR} from <source>)" when an environment value was substituted into it. Array
  // elements have their array's entry.
  std::map<std::string, std::string> provenance;
  // What OpenClaw only warns about: ${VAR} unset or empty (the text stays as written, as
  // OpenClaw leaves it).
  std::vector<std::string> warnings;
  // The gateway's environment as OpenClaw builds it: name -> (value, where it was set). In
  // OpenClaw's order, none overriding an earlier one: the unit's Environment=, the state
  // dir's .env, ~/.config/openclaw/gateway.env (default state dir only), the config's
  // env.vars / env.<NAME>. Not read: the working directory's .env (OpenClaw reads it with a
  // blocklist of keys not reproduced here).
  std::map<std::string, std::pair<std::string, std::string>> environment;
};

// Loads the config the launch's gateway reads. ErrorCode::not_found when the config file (or
// an $include) does not exist (OpenClaw runs on defaults without a config file);
// ErrorCode::bad_input / refused with "file:line:col: why" for a file that cannot be parsed or
// is not an object, an $include that escapes the config folder (or OPENCLAW_INCLUDE_ROOTS),
// is a link (OpenClaw follows links that stay inside; never followed here), a cycle, deeper
// than 10, over 2 MiB, or past our bound of 100 includes / 16 MiB in all, and for a .env file
// that is a link or unreadable.
Result<OpenClawConfig> load_openclaw_config(const Filesystem& fs, const OpenClawLaunch& launch);

// Which answer read_gateway_settings used.
enum class SettingsSource { openclaw, files };
enum class Prefer { openclaw, files };

// The gateway's effective settings: `gateway` is the config's gateway object with the unit's
// flags (--bind, --port, --auth, --token, --password[-file], --tailscale) and environment
// (OPENCLAW_GATEWAY_PORT, OPENCLAW_GATEWAY_TOKEN, OPENCLAW_GATEWAY_PASSWORD) applied in
// OpenClaw's order, and bind, port and tailscale.mode always set (OpenClaw's defaults when
// nothing sets them). provenance maps "/bind", "/auth/mode", ... (pointers inside `gateway`)
// to "file:line:col", "--bind in ExecStart", "OPENCLAW_GATEWAY_PORT in <unit>", "OpenClaw's
// default" or "openclaw config get gateway --json".
struct GatewaySettings {
  SettingsSource source = SettingsSource::files;
  std::string source_note;  // how it was obtained, or why OpenClaw's own answer was not used
  nlohmann::json gateway = nlohmann::json::object();
  std::map<std::string, std::string> provenance;
  // The files as read here (for secrets OpenClaw's answer redacts), or why they could not be.
  std::optional<OpenClawConfig> files;
  std::optional<Error> files_error;
};

// `config` (the merged config, possibly {} for a missing file) with the launch's flags and
// `environment` (OpenClawConfig::environment) applied. `where` is the provenance of values
// taken from `config`, by pointer from the config's root.
GatewaySettings apply_launch(
    const nlohmann::json& config, const std::map<std::string, std::string>& where,
    const OpenClawLaunch& launch,
    const std::map<std::string, std::pair<std::string, std::string>>& environment);

// Asks the installed OpenClaw for the effective `gateway` config object: the unit's own node
// and OpenClaw script with `config get gateway --json`, as the app user (setsid --wait
// runuser -u USER -- timeout ... env -i HOME= PATH= <the unit's Environment=> ...: no terminal
// of ours, killed after `timeout`). Takes about 2 s (OpenClaw 2026.9.6, booted harness).
// Secrets come back redacted. Errors: not installed, failed, timed out, or output that is
// not a JSON object.
Result<nlohmann::json> ask_openclaw_gateway(CommandRunner& runner, const OpenClawLaunch& launch,
                                            std::chrono::milliseconds timeout);

// The effective settings: OpenClaw's own answer when `prefer` is openclaw and it gives one,
// else the files; the flags of the launch on top either way. An error only when neither
// source answers (the files' error: unreadable, unparsable; ErrorCode::not_found when there
// is no config file — then the settings are OpenClaw's defaults, see apply_launch).
Result<GatewaySettings> read_gateway_settings(
    const HostView& host, const OpenClawLaunch& launch, Prefer prefer,
    std::chrono::milliseconds timeout = std::chrono::seconds(20));

// True when OpenClaw accepts `host` as gateway.customBindHost: a canonical dotted-decimal
// IPv4 address (after trimming). Anything else ("localhost", "::1", names) makes OpenClaw
// resolve the bind to 0.0.0.0 (all interfaces); 2026.9.6 then refuses to start.
bool openclaw_custom_host_valid(std::string_view host);

}  // namespace clawshield
