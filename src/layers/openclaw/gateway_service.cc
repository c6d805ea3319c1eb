// Discovery of the gateway as it really runs. A real OpenClaw host (openclaw-ansible, then
// `openclaw onboard --install-daemon`) has no system unit: the gateway is a user unit in
// ~/.config/systemd/user, with no sandbox, that the app user (or a compromised gateway) can
// rewrite at will. clawshield hardens it by moving its command into a root-owned system unit
// with User= and retiring the user unit; this file finds that command and decides what of the
// user's unit may be carried into a unit PID 1 runs. Everything read here is the app user's
// text: folders are opened without following links, values that systemd would interpret
// beyond their face (specifiers, continuations, ExecStart prefixes that drop the User=, an
// EnvironmentFile PID 1 would read as root) are refused or left out, never copied.
#include "layers/openclaw/gateway_service.h"

#include <algorithm>

#include "core/parse.h"
#include "core/text.h"
#include "host/accounts.h"
#include "layers/openclaw/openclaw_config.h"

namespace clawshield {
namespace {

constexpr std::string_view k_default_name = "openclaw-gateway";
constexpr std::string_view k_user_unit_dir = "/.config/systemd/user";

// [Service] settings carried into the system unit as they are: how OpenClaw wants its process
// supervised. Their values must match `plain_value` (numbers, words, durations).
constexpr std::string_view k_carried_service[] = {
    "Restart",           "RestartSec",     "RestartPreventExitStatus",
    "SuccessExitStatus", "TimeoutStopSec", "TimeoutStartSec",
    "KillMode",          "OOMPolicy"};
constexpr std::string_view k_carried_unit[] = {"StartLimitBurst", "StartLimitIntervalSec"};
// Settings the hardened unit decides itself; dropped without a note.
constexpr std::string_view k_replaced[] = {"Type",        "User",  "Group", "WorkingDirectory",
                                           "Description", "After", "Wants", "WantedBy"};

bool plain_value(std::string_view value) {
  return !value.empty() && std::ranges::all_of(value, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' ||
           c == '.' || c == '_' || c == '-' || c == ':';
  });
}

// Text a system unit may hold as the user wrote it: printable, no specifier (`%` would be
// expanded by PID 1 with root's view of the host), no trailing backslash (it would swallow
// the unit's next line).
bool verbatim_safe(std::string_view value) {
  if (value.empty() || value.back() == '\\' || value.find('%') != std::string_view::npos)
    return false;
  return std::ranges::all_of(value, [](char c) { return static_cast<unsigned char>(c) >= 0x20; });
}

// A unit name systemd accepts and that is harmless everywhere it is written (the system unit's
// path and comment, sudoers, argv): letters, digits and `:_.-`, at most 255 bytes. The app user
// names its own files, and a newline there would become a line of the root-owned unit.
bool valid_unit_file_name(std::string_view name) {
  return !name.empty() && name.size() <= 255 && std::ranges::all_of(name, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
           c == '_' || c == '.' || c == '-';
  });
}

bool listed(std::span<const std::string_view> names, std::string_view key) {
  return std::ranges::find(names, key) != names.end();
}

std::optional<int> parse_port(std::string_view text) {
  auto port = parse_int(text, 1, 65535);
  return port ? std::optional(*port) : std::nullopt;
}

// The environment variable `name` in Environment= values (`A=b`, `"A=b c"`), last one wins.
std::optional<std::string> environment_value(const std::vector<std::string>& environment,
                                             std::string_view name) {
  std::optional<std::string> value;
  for (const auto& line : environment)
    for (auto word : split_words(line)) {
      if (word.size() >= 2 && word.front() == '"' && word.back() == '"')
        word = word.substr(1, word.size() - 2);
      if (word.starts_with(std::string(name) + "="))
        value = word.substr(name.size() + 1);
    }
  return value;
}

// Reads the settings of a unit file in the app user's home.
Result<std::vector<UnitSetting>> read_user_unit(const Filesystem& fs, const std::string& path,
                                                const std::string& home) {
  CS_TRY(UntrustedFile file, fs.open_untrusted(path, home, UntrustedKind::regular));
  CS_TRY(std::string text, file.read());
  return parse_unit_file(text, fs.host_path(path));
}

// Takes the command and what may be carried from `settings` into `service`.
Result<void> take_settings(const std::vector<UnitSetting>& settings, const std::string& display,
                           GatewayService& service) {
  for (const auto& s : settings) {
    const std::string where = display + ":" + std::to_string(s.line);
    if (s.section == "Service" && s.key == "ExecStart") {
      if (s.value.empty())
        continue;
      if (!service.exec_start.empty())
        return fail(ErrorCode::refused, where + ": a second ExecStart (one gateway process only)");
      // "+", "!" and "!!" would run the command without User=; "@", "-", ":" change its
      // meaning. OpenClaw writes none of them.
      if (std::string_view("@-:+!|").find(s.value.front()) != std::string_view::npos)
        return fail(ErrorCode::refused, where + ": ExecStart prefix '" + s.value.substr(0, 1) +
                                            "' is not carried into a system unit");
      // No `\` escapes or `$VAR` expansion (systemd would run other words than clawshield
      // reads, e.g. `\x2d-bind lan`), no `;` (a second command could carry a prefix).
      auto words = split_words(s.value);
      if (!verbatim_safe(s.value) || s.value.front() != '/' ||
          s.value.find_first_of("\\$") != std::string::npos ||
          std::ranges::find(words, ";") != words.end())
        return fail(ErrorCode::refused,
                    where +
                        ": ExecStart must be an absolute path and plain arguments, without "
                        "% specifiers, \\ escapes, $ variables or ; separators");
      service.exec_start = s.value;
    } else if (s.section == "Service" && s.key == "Environment") {
      if (s.value.empty()) {
        service.environment.clear();  // systemd: an empty assignment resets the list
      } else if (verbatim_safe(s.value)) {
        service.environment.push_back(s.value);
      } else {
        service.left_out.push_back(where + ": Environment=" + s.value +
                                   " (a % specifier or trailing backslash)");
      }
    } else if (s.section == "Service" && listed(k_carried_service, s.key)) {
      if (plain_value(s.value))
        service.service_settings.emplace_back(s.key, s.value);
      else
        service.left_out.push_back(where + ": " + s.key + "=" + s.value + " (unexpected value)");
    } else if (s.section == "Unit" && listed(k_carried_unit, s.key)) {
      if (plain_value(s.value))
        service.unit_settings.emplace_back(s.key, s.value);
    } else if (s.section == "Service" && s.key == "EnvironmentFile") {
      service.left_out.push_back(where + ": EnvironmentFile=" + s.value +
                                 " (PID 1 would read it as root, following links)");
    } else if (s.section == "Service" && !listed(k_replaced, s.key)) {
      service.left_out.push_back(where + ": " + s.key + "=" + s.value +
                                 " (not carried into the hardened unit)");
    }
  }
  if (service.exec_start.empty())
    return fail(ErrorCode::refused, display + ": no ExecStart");
  return {};
}

// The user units named openclaw-gateway*.service in the app user's unit folder, and what
// enables each. Nothing there (or no folder) is an empty list.
Result<std::vector<UserUnit>> find_user_units(const Filesystem& fs, const std::string& home) {
  const std::string dir = home + std::string(k_user_unit_dir);
  auto opened = fs.open_untrusted(dir, home, UntrustedKind::directory);
  if (!opened && opened.error().code == ErrorCode::not_found)
    return std::vector<UserUnit>{};
  if (!opened)
    return std::unexpected(opened.error());
  CS_TRY(std::vector<std::string> names, list_names_at(opened->descriptor(), fs.host_path(dir)));
  std::vector<UserUnit> units;
  for (const auto& name : names) {
    if (!name.starts_with(k_default_name) || !name.ends_with(".service") ||
        !valid_unit_file_name(name))
      continue;
    CS_TRY(std::vector<std::string> enabled_by, user_unit_enabled_by(fs, home, name));
    units.push_back(UserUnit{name.substr(0, name.size() - 8), dir + "/" + name, enabled_by});
  }
  return units;
}

// gateway.port in the config `service` makes OpenClaw read (JSON5, $include, ${VAR}), when
// it can be read and says so, with where it was written.
std::optional<std::pair<int, std::string>> config_port(const Filesystem& fs,
                                                       const GatewayService& service,
                                                       const AppPolicy& app) {
  auto config = load_openclaw_config(fs, launch_of(service, app));
  if (!config || !config->merged.is_object())
    return std::nullopt;
  auto gateway = config->merged.find("gateway");
  if (gateway == config->merged.end() || !gateway->is_object())
    return std::nullopt;
  auto port = gateway->find("port");
  if (port == gateway->end() || !port->is_number_integer())
    return std::nullopt;
  const int64_t value = port->get<int64_t>();
  if (value < 1 || value > 65535)
    return std::nullopt;
  auto where = config->provenance.find("/gateway/port");
  return std::pair{static_cast<int>(value), "gateway.port at " + (where == config->provenance.end()
                                                                      ? config->paths.config_file
                                                                      : where->second)};
}

}  // namespace

Result<std::vector<UnitSetting>> parse_unit_file(const std::string& text,
                                                 const std::string& display) {
  std::vector<UnitSetting> settings;
  std::string section;
  int number = 0;
  for (const auto& raw : split_lines(text)) {
    ++number;
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';')
      continue;
    if (line.back() == '\\')
      return fail(ErrorCode::bad_input, display + ":" + std::to_string(number) +
                                            ": line continuations are not read; join the line");
    if (line.front() == '[') {
      if (line.back() != ']')
        return fail(ErrorCode::bad_input,
                    display + ":" + std::to_string(number) + ": malformed section header");
      section = std::string(line.substr(1, line.size() - 2));
      continue;
    }
    size_t eq = line.find('=');
    if (section.empty() || eq == std::string_view::npos)
      return fail(ErrorCode::bad_input,
                  display + ":" + std::to_string(number) + ": not a setting inside a section");
    settings.push_back(UnitSetting{section, std::string(trim(line.substr(0, eq))),
                                   std::string(trim(line.substr(eq + 1))), number});
  }
  return settings;
}

std::optional<int> port_argument(const std::string& command_line) {
  auto words = split_words(command_line);
  std::optional<int> port;
  for (size_t i = 0; i < words.size(); ++i) {
    if (words[i] == "--port" && i + 1 < words.size())
      port = parse_port(words[i + 1]);
    else if (words[i].starts_with("--port="))
      port = parse_port(std::string_view(words[i]).substr(7));
  }
  return port;
}

std::vector<int> gateway_app_ports(const HostView& host, const Policy& policy) {
  if (policy.firewall.app_ports_origin == Origin::policy)
    return policy.firewall.app_ports;
  auto gateway = discover_gateway(host, policy);
  return gateway ? std::vector<int>{gateway->port} : policy.firewall.app_ports;
}

std::string GatewayService::describe() const {
  std::string where = source == GatewaySource::user_unit     ? "user unit " + found_at
                      : source == GatewaySource::system_unit ? "system unit " + found_at
                                                             : "the policy (app.exec_start)";
  return "gateway from " + where + ": " + exec_start + "; port " + std::to_string(port) + " (" +
         port_source + ")";
}

Result<GatewayService> discover_gateway(const HostView& host, const Policy& policy) {
  const AppPolicy& app = policy.app;
  const Filesystem& fs = host.fs;
  GatewayService service;
  CS_TRY(std::vector<UserUnit> user_units, find_user_units(fs, app.home));
  // The enabled one first: that is the gateway the user's manager starts.
  std::ranges::stable_sort(user_units, [](const UserUnit& a, const UserUnit& b) {
    return !a.enabled_by.empty() && b.enabled_by.empty();
  });
  if (!user_units.empty()) {
    service.user_unit = user_units.front();
    for (size_t i = 1; i < user_units.size(); ++i)
      service.other_user_units.push_back(user_units[i].path);
  }

  // The system unit's name: the policy's when set, else the user unit's (OpenClaw's own
  // commands and OPENCLAW_SYSTEMD_UNIT keep meaning the same unit), else OpenClaw's default.
  if (app.service_origin == Origin::policy)
    service.name = app.service;
  else if (service.user_unit)
    service.name = service.user_unit->name;
  else
    service.name = app.service;

  if (!valid_unit_file_name(service.name + ".service"))
    return fail(ErrorCode::refused,
                "the gateway's unit name '" + service.name + "' is not a plain unit name");
  // A system unit somebody else wrote is the gateway's definition; ours is not (it was
  // rendered from what is found here).
  auto system_text = fs.read(service.unit_file());
  if (!system_text && system_text.error().code != ErrorCode::not_found)
    return std::unexpected(system_text.error());
  if (system_text && !system_text->starts_with(k_managed_header)) {
    CS_TRY(auto settings, parse_unit_file(*system_text, fs.host_path(service.unit_file())));
    service.source = GatewaySource::system_unit;
    service.found_at = service.unit_file();
    CS_TRY_VOID(take_settings(settings, fs.host_path(service.found_at), service));
  } else if (service.user_unit) {
    CS_TRY(auto settings, read_user_unit(fs, service.user_unit->path, app.home));
    service.source = GatewaySource::user_unit;
    service.found_at = service.user_unit->path;
    CS_TRY_VOID(take_settings(settings, fs.host_path(service.found_at), service));
  } else {
    service.exec_start = app.exec_start;
  }
  if (app.exec_start_origin == Origin::policy) {
    service.exec_start = app.exec_start;
    service.source = GatewaySource::policy;
  }

  // OpenClaw's precedence: --port, then OPENCLAW_GATEWAY_PORT, then gateway.port, then 18789.
  if (auto port = port_argument(service.exec_start)) {
    service.port = *port;
    service.port_source = "--port in ExecStart";
  } else if (auto env = environment_value(service.environment, "OPENCLAW_GATEWAY_PORT");
             env && parse_port(*env)) {
    service.port = *parse_port(*env);
    service.port_source = "OPENCLAW_GATEWAY_PORT";
  } else if (auto configured = config_port(fs, service, app)) {
    service.port = configured->first;
    service.port_source = configured->second;
  }
  return service;
}

Result<std::vector<std::string>> user_unit_enabled_by(const Filesystem& fs, const std::string& home,
                                                      const std::string& unit_file_name) {
  const std::string dir = home + std::string(k_user_unit_dir);
  std::vector<std::string> enabled_by;
  auto opened = fs.open_untrusted(dir, home, UntrustedKind::directory);
  if (!opened && opened.error().code == ErrorCode::not_found)
    return enabled_by;
  if (!opened)
    return std::unexpected(opened.error());
  CS_TRY(std::vector<std::string> names, list_names_at(opened->descriptor(), fs.host_path(dir)));
  for (const auto& wants : names) {
    if (!wants.ends_with(".wants"))
      continue;
    auto folder = fs.open_untrusted(dir + "/" + wants, home, UntrustedKind::directory);
    if (!folder)
      continue;  // a link or something odd: it enables nothing systemd would follow here
    CS_TRY(std::vector<std::string> links,
           list_names_at(folder->descriptor(), fs.host_path(dir + "/" + wants)));
    if (std::ranges::find(links, unit_file_name) != links.end())
      enabled_by.push_back(dir + "/" + wants + "/" + unit_file_name);
  }
  return enabled_by;
}

Result<std::optional<std::vector<std::string>>> user_systemctl(const HostView& host,
                                                               const AppPolicy& app) {
  CS_TRY(Accounts accounts, Accounts::load(host.fs));
  const UserEntry* user = accounts.user(app.user);
  if (!user)
    return std::nullopt;
  const std::string runtime = "/run/user/" + std::to_string(user->uid);
  CS_TRY(std::optional<FileStat> manager, host.fs.stat(runtime + "/systemd/private"));
  if (!manager)
    return std::nullopt;
  return std::vector<std::string>{"runuser",
                                  "-u",
                                  app.user,
                                  "--",
                                  "env",
                                  "-i",
                                  "HOME=" + app.home,
                                  "PATH=/usr/bin:/bin",
                                  "XDG_RUNTIME_DIR=" + runtime,
                                  "DBUS_SESSION_BUS_ADDRESS=unix:path=" + runtime + "/bus",
                                  "systemctl",
                                  "--user"};
}

RunCommand retire_user_unit(const std::vector<std::string>& as_user, const std::string& unit,
                            std::string summary) {
  std::vector<std::string> disable = as_user, enable = as_user;
  disable.insert(disable.end(), {"disable", "--now", unit});
  enable.insert(enable.end(), {"enable", "--now", unit});
  Command retire{disable}, bring_back{enable};
  retire.timeout = bring_back.timeout = k_user_units_stop_time;
  return RunCommand{std::move(summary), retire, Requirement::systemd, {}, {}, {bring_back}};
}

}  // namespace clawshield
