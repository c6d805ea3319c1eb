// Decodes the policy YAML into typed structs. yaml-cpp's exceptions stop here (this is the
// boundary); everything past it sees a Result. Each key is looked up in a table of known keys,
// so a typo is an error with file:line:col instead of a silently ignored setting. All problems
// are collected and reported together, like a compiler would. Then the values are judged
// together (check_semantics): well-formed values that would turn clawshield against the host —
// a home of "/", a writable /etc, a privileged group, NaN weights — are errors too, each at the
// node that set them (docs/policy.md lists the rules).
#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <map>
#include <regex>
#include <set>

#include "core/bounded_json.h"
#include "core/parse.h"
#include "core/text.h"
#include "policy/policy.h"
#include "policy/policy_rules.h"

namespace clawshield {
namespace {

using FieldDecoder = std::function<void(const YAML::Node& value, const std::string& key)>;
using FieldTable = std::vector<std::pair<std::string, FieldDecoder>>;

class Decoder {
 public:
  explicit Decoder(std::string file) : m_file(std::move(file)) {}

  void error(const YAML::Mark& mark, const std::string& message) {
    std::string where = m_file;
    if (!mark.is_null())
      where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    m_errors.push_back(where + ": " + message);
  }
  const std::vector<std::string>& errors() const { return m_errors; }
  // Where `key` ("app.user") was in the file; null when the file did not set it.
  bool present(const std::string& key) const { return m_marks.contains(key); }

  YAML::Mark mark_of(const std::string& key) const {
    auto it = m_marks.find(key);
    return it == m_marks.end() ? YAML::Mark::null_mark() : it->second;
  }

  // Decodes mapping `node` at `path` ("" for the document) through `fields`.
  void map(const YAML::Node& node, const std::string& path, const FieldTable& fields) {
    if (node.IsNull())
      return;  // an empty section keeps its defaults
    if (!node.IsMap()) {
      error(node.Mark(),
            (path.empty() ? std::string("policy") : "\"" + path + "\"") + " must be a mapping");
      return;
    }
    std::set<std::string> seen;
    for (const auto& entry : node) {
      const YAML::Node& key_node = entry.first;
      if (!key_node.IsScalar()) {
        error(key_node.Mark(), "keys must be plain names");
        continue;
      }
      const std::string key = key_node.Scalar();
      const std::string full = path.empty() ? key : path + "." + key;
      if (!seen.insert(key).second)
        continue;  // reported by check_duplicate_keys, with the second key's position
      auto it = std::find_if(fields.begin(), fields.end(),
                             [&](const auto& field) { return field.first == key; });
      if (it == fields.end()) {
        std::vector<std::string> known;
        for (const auto& field : fields) known.push_back(field.first);
        error(key_node.Mark(),
              "unknown key \"" + full + "\" (known here: " + join(known, ", ") + ")");
        continue;
      }
      m_marks[full] = entry.second.Mark();
      it->second(entry.second, full);
    }
  }

  FieldDecoder string(std::string& out, std::function<bool(const std::string&)> valid,
                      std::string requirement) {
    return [this, &out, valid = std::move(valid), requirement = std::move(requirement)](
               const YAML::Node& value, const std::string& key) {
      if (!value.IsScalar()) {
        error(value.Mark(), "\"" + key + "\" must be a string");
        return;
      }
      if (!valid(value.Scalar())) {
        error(value.Mark(), "\"" + key + "\": " + requirement + ", got \"" + value.Scalar() + "\"");
        return;
      }
      out = value.Scalar();
    };
  }

  // A string the file may set: `out` holds it only when the file set it, so "set explicitly"
  // and "left to clawshield" stay apart (nullopt: not set).
  FieldDecoder optional_string(std::optional<std::string>& out,
                               std::function<bool(const std::string&)> valid,
                               std::string requirement) {
    return [this, &out, valid = std::move(valid), requirement = std::move(requirement)](
               const YAML::Node& value, const std::string& key) {
      std::string decoded;
      const size_t errors_before = m_errors.size();
      string(decoded, valid, requirement)(value, key);
      if (m_errors.size() == errors_before)
        out = std::move(decoded);
    };
  }

  // One of the names in `names` (an enum's YAML spellings).
  template <typename Enum>
  FieldDecoder choice(Enum& out, const std::vector<std::pair<Enum, std::string>>& names) {
    return [this, &out, &names](const YAML::Node& value, const std::string& key) {
      std::vector<std::string> quoted;
      for (const auto& [_, name] : names) quoted.push_back("\"" + name + "\"");
      if (!value.IsScalar()) {
        error(value.Mark(), "\"" + key + "\" must be one of " + join(quoted, ", "));
        return;
      }
      for (const auto& [option, name] : names)
        if (value.Scalar() == name) {
          out = option;
          return;
        }
      error(value.Mark(), "\"" + key + "\" must be one of " + join(quoted, ", ") + ", got \"" +
                              value.Scalar() + "\"");
    };
  }

  // One of the names in `names` (an enum's YAML spellings), with string()'s messages:
  // "\"key\": \"a\" or \"b\", got \"c\"".
  template <typename Enum>
  FieldDecoder named(Enum& out, const std::vector<std::pair<Enum, std::string>>& names) {
    std::vector<std::string> quoted;
    for (const auto& [_, name] : names) quoted.push_back("\"" + name + "\"");
    return [this, &out, &names, requirement = join(quoted, " or ")](const YAML::Node& value,
                                                                    const std::string& key) {
      auto known = [&names](const std::string& text) {
        return std::ranges::any_of(names, [&](const auto& entry) { return entry.second == text; });
      };
      std::string decoded;
      const size_t errors_before = m_errors.size();
      string(decoded, known, requirement)(value, key);
      if (m_errors.size() != errors_before)
        return;
      for (const auto& [option, name] : names)
        if (name == decoded)
          out = option;
    };
  }

  FieldDecoder boolean(bool& out) {
    return [this, &out](const YAML::Node& value, const std::string& key) {
      bool parsed = false;
      if (!value.IsScalar() || !YAML::convert<bool>::decode(value, parsed)) {
        error(value.Mark(), "\"" + key + "\" must be true or false");
        return;
      }
      out = parsed;
    };
  }

  FieldDecoder number(double& out, double low, double high) {
    return [this, &out, low, high](const YAML::Node& value, const std::string& key) {
      double parsed = 0;
      if (!value.IsScalar() || !YAML::convert<double>::decode(value, parsed) ||
          !std::isfinite(parsed)) {
        error(value.Mark(), "\"" + key + "\" must be a finite number, got " +
                                (value.IsScalar() ? value.Scalar() : std::string("a collection")));
        return;
      }
      if (!(parsed >= low && parsed <= high)) {
        error(value.Mark(), "\"" + key + "\" must be between " + trim_number(low) + " and " +
                                trim_number(high) + ", got " + value.Scalar());
        return;
      }
      out = parsed;
    };
  }

  FieldDecoder integer(int& out, int low, int high) {
    return [this, &out, low, high](const YAML::Node& value, const std::string& key) {
      int parsed = 0;
      if (!value.IsScalar() || !YAML::convert<int>::decode(value, parsed)) {
        error(value.Mark(), "\"" + key + "\" must be a whole number");
        return;
      }
      if (parsed < low || parsed > high) {
        error(value.Mark(), "\"" + key + "\" must be between " + std::to_string(low) + " and " +
                                std::to_string(high) + ", got " + value.Scalar());
        return;
      }
      out = parsed;
    };
  }

  FieldDecoder ports(std::vector<int>& out) {
    return [this, &out](const YAML::Node& value, const std::string& key) {
      if (!value.IsSequence()) {
        error(value.Mark(), "\"" + key + "\" must be a list of ports");
        return;
      }
      std::vector<int> items;
      for (const auto& item : value) {
        int port = 0;
        if (!item.IsScalar() || !YAML::convert<int>::decode(item, port) || port < 1 ||
            port > 65535) {
          error(item.Mark(), "items of \"" + key + "\" must be ports 1-65535");
          return;
        }
        items.push_back(port);
      }
      out = std::move(items);
    };
  }

  FieldDecoder strings(std::vector<std::string>& out, std::function<bool(const std::string&)> valid,
                       std::string requirement) {
    return [this, &out, valid = std::move(valid), requirement = std::move(requirement)](
               const YAML::Node& value, const std::string& key) {
      if (!value.IsSequence()) {
        error(value.Mark(), "\"" + key + "\" must be a list");
        return;
      }
      std::vector<std::string> items;
      for (const auto& item : value) {
        m_marks[key + "[" + std::to_string(items.size()) + "]"] = item.Mark();
        if (!item.IsScalar()) {
          error(item.Mark(), "items of \"" + key + "\" must be strings");
          return;
        }
        if (!valid(item.Scalar())) {
          error(item.Mark(), "\"" + key + "\": " + requirement + ", got \"" + item.Scalar() + "\"");
          return;
        }
        items.push_back(item.Scalar());
      }
      out = std::move(items);
    };
  }

 private:
  static std::string trim_number(double value) {
    std::string text = std::to_string(value);
    while (text.find('.') != std::string::npos && (text.back() == '0' || text.back() == '.'))
      text.pop_back();
    return text;
  }

  std::string m_file;
  std::vector<std::string> m_errors;
  std::map<std::string, YAML::Mark> m_marks;
};

bool any_line(const std::string& text) {
  return valid_single_line(text) && !text.empty();
}

bool state_dir_form(const std::string& text) {
  // "~/x" is x in the home; "~/" alone would be the home with a trailing slash.
  return text.starts_with("~/") ? text.size() > 2 && valid_absolute_path(text.substr(1))
                                : valid_absolute_path(text);
}

bool exec_start_form(const std::string& text) {
  auto words = split_words(text);
  return valid_single_line(text) && !words.empty() && valid_absolute_path(words.front());
}

bool environment_form(const std::string& text) {
  size_t eq = text.find('=');
  return valid_single_line(text) && eq != std::string::npos && eq > 0 &&
         text.find_first_of(" \t\"\\") == std::string::npos;
}

// dockerd's "ip" takes an IP literal only: a CIDR makes dockerd fail to start, and an
// unspecified (every address), multicast or broadcast address defeats the setting.
bool bind_address_form(const std::string& text) {
  if (!valid_ip_address(text))
    return false;
  unsigned char bytes[16] = {};
  if (::inet_pton(AF_INET, text.c_str(), bytes) == 1)
    return !(bytes[0] == 0 || bytes[0] >= 224);  // 0.0.0.0/8, multicast, reserved, broadcast
  ::inet_pton(AF_INET6, text.c_str(), bytes);
  bool unspecified = std::all_of(bytes, bytes + 16, [](unsigned char b) { return b == 0; });
  return !unspecified && bytes[0] != 0xff;
}

bool allowlist_form(const std::string& text) {
  // A short prefix allowlists much of the internet ("0.0.0.0/1" + "128.0.0.0/1" is all of
  // it): the guard would never ban. Nothing a person trusts is wider than a /8 (IPv4) or a
  // /16 (IPv6).
  if (!valid_network(text))
    return false;
  const size_t slash = text.find('/');
  if (slash == std::string::npos)
    return true;
  auto prefix = parse_int(std::string_view(text).substr(slash + 1), 0, 128);
  if (!prefix)
    return false;
  const bool v6 = text.find(':') != std::string::npos;
  return *prefix >= (v6 ? 16 : 8);
}

bool environment_name_form(const std::string& text) {
  static const std::regex pattern("[A-Za-z_][A-Za-z0-9_]*=[^%]*");
  return environment_form(text) && std::regex_match(text, pattern);
}

// yaml-cpp keeps both entries of a map that repeats a key, and a lookup sees only one of them:
// "accepted: 0" then "accepted: .nan" would be read as whichever the decoder happens to meet.
// Every map in the document is walked and a repeated key is an error at its second
// occurrence. Aliased nodes are walked once (the walk is linear even for "billion laughs").
void check_duplicate_keys(const YAML::Node& node, Decoder& decoder,
                          std::set<std::pair<int, int>>& walked, int depth) {
  // YAML is Unicode text; yaml-cpp passes bytes through. A string that is not UTF-8 (an
  // overlong "\xC0\x8A" is a disguised newline) would be written out as something else by
  // `policy show` and by every file rendered from it.
  if (node.IsScalar() && !is_valid_utf8(node.Scalar()))
    decoder.error(node.Mark(), "not valid UTF-8 text");
  if (!node.IsMap() && !node.IsSequence())
    return;
  if (depth > 64) {
    decoder.error(node.Mark(), "nested more than 64 levels deep");
    return;
  }
  if (!walked.insert({node.Mark().pos, node.IsMap() ? 1 : 2}).second)
    return;
  if (node.IsSequence()) {
    for (const auto& item : node) check_duplicate_keys(item, decoder, walked, depth + 1);
    return;
  }
  std::set<std::string> seen;
  for (const auto& entry : node) {
    if (entry.first.IsScalar() && !seen.insert(entry.first.Scalar()).second)
      decoder.error(entry.first.Mark(), "duplicate key \"" + entry.first.Scalar() +
                                            "\" (a key may appear once in a mapping)");
    check_duplicate_keys(entry.first, decoder, walked, depth + 1);
    check_duplicate_keys(entry.second, decoder, walked, depth + 1);
  }
}

// Where `path` lies among the system's directories: "" when nowhere harmful, else why not.
std::string inside_system_directory(const std::string& path) {
  if (path == "/")
    return "is the root directory";
  for (const auto& dir : system_directories())
    if (path_within(path, dir))
      return path == dir ? "is the system directory " + dir
                         : "lies inside the system directory " + dir;
  return {};
}

// Directories shared by many programs: a path inside them must be in a folder of the app's own
// (named after its user or service), never the shared directory itself or another program's.
const std::vector<std::string>& shared_directories() {
  static const std::vector<std::string> dirs = {"/var/lib", "/var/cache", "/var/log", "/var/spool",
                                                "/var/opt", "/run",       "/var/run"};
  return dirs;
}

std::string outside_own_folder(const std::string& path, const AppPolicy& app) {
  for (const auto& dir : shared_directories()) {
    if (!path_within(path, dir))
      continue;
    if (path_within(path, dir + "/" + app.user) || path_within(path, dir + "/" + app.service))
      return {};
    return "lies in " + dir + " outside " + dir + "/" + app.user + " (the app's own folder there)";
  }
  return {};
}

// Values that are well-formed but would turn clawshield against the host: an app home of "/"
// (chowned to the app), a writable /etc, a privileged group, a root program the app can write.
// Each error points at the key that set the value (or the one it was derived from).
void check_semantics(const Policy& policy, Decoder& decoder) {
  const AppPolicy& app = policy.app;
  auto mark = [&](const std::string& key, const std::string& fallback = {}) {
    YAML::Mark m = decoder.mark_of(key);
    return m.is_null() && !fallback.empty() ? decoder.mark_of(fallback) : m;
  };

  // Accounts: the app is unprivileged and shares no group with the system or its users.
  if (std::ranges::find(system_accounts(), app.user) != system_accounts().end())
    decoder.error(mark("app.user"), "\"app.user\" must not be the system account \"" + app.user +
                                        "\": the app runs as an account of its own");
  if (std::ranges::find(privileged_groups(), app.group) != privileged_groups().end())
    decoder.error(mark("app.group"),
                  "\"app.group\" must not be the privileged group \"" + app.group + "\"");
  if (std::ranges::find(app.forbidden_groups, app.group) != app.forbidden_groups.end())
    decoder.error(mark("app.forbidden_groups"),
                  "\"app.forbidden_groups\" contains the app's own group \"" + app.group + "\"");
  if (std::ranges::find(policy.docker.group_members, app.user) != policy.docker.group_members.end())
    decoder.error(mark("docker.group_members"),
                  "\"docker.group_members\" contains the app user \"" + app.user +
                      "\": docker membership is root-equivalent");

  // The home: strictly below a place for homes or services' data, in a folder of the app's own
  // where that place is shared, never a system directory.
  bool home_ok = false;
  for (const auto& base : home_bases()) home_ok |= path_within(app.home, base) && app.home != base;
  if (!home_ok) {
    decoder.error(mark("app.home"), "\"app.home\" must lie below " + join(home_bases(), ", ") +
                                        ", got \"" + app.home + "\"");
  } else if (std::string why = inside_system_directory(app.home); !why.empty()) {
    decoder.error(mark("app.home"), "\"app.home\" " + app.home + " " + why);
  } else if (std::string own = outside_own_folder(app.home, app); !own.empty()) {
    decoder.error(mark("app.home"), "\"app.home\" " + app.home + " " + own);
  }
  // State and configuration live in the home: clawshield gives them to the app user.
  if (!path_within(app.state_dir, app.home))
    decoder.error(
        mark("app.state_dir", "app.home"),
        "\"app.state_dir\" " + app.state_dir + " must lie inside app.home (" + app.home + ")");
  if (!path_within(app.config_file, app.home) || app.config_file == app.home)
    decoder.error(
        mark("app.config_file", "app.home"),
        "\"app.config_file\" " + app.config_file + " must lie inside app.home (" + app.home + ")");

  // Writable paths of the unit: never a system directory, inside one, or a parent of one.
  for (size_t i = 0; i < policy.systemd.read_write_paths.size(); ++i) {
    const std::string& path = policy.systemd.read_write_paths[i];
    YAML::Mark at = decoder.mark_of("systemd.read_write_paths[" + std::to_string(i) + "]");
    if (at.is_null())
      at = mark("systemd.read_write_paths");
    std::string why = inside_system_directory(path);
    if (why.empty())
      for (const auto& dir : system_directories())
        if (path_within(dir, path)) {
          why = "contains the system directory " + dir;
          break;
        }
    if (why.empty())
      for (const auto& dir : shared_directories())
        if (path_within(dir, path)) {
          why = "contains the shared directory " + dir;
          break;
        }
    if (why.empty())
      for (const auto& base : home_bases())
        if (path_within(base, path)) {
          why = "contains " + base;
          break;
        }
    if (why.empty())
      why = outside_own_folder(path, app);
    if (why.empty() && path_within(path, "/home") && !path_within(path, app.home))
      why = "lies in /home outside app.home (another user's files)";
    if (!why.empty())
      decoder.error(at,
                    "\"systemd.read_write_paths\" must not make " + path + " writable: it " + why);
  }

  // Programs run as root: only from directories only root can write, never the app's.
  auto root_program = [&](const std::string& key, const std::string& path) {
    bool ok = false;
    for (const auto& dir : root_program_directories()) ok |= path_within(path, dir);
    if (!ok || path_within(path, app.home))
      decoder.error(mark(key), "\"" + key + "\" runs as root, so it must lie in " +
                                   join(root_program_directories(), ", ") + ", got \"" + path +
                                   "\"");
  };
  // The sudo commands must be the programs they are named for: `sudo.systemctl: /usr/bin/bash`
  // would let the app run `bash start openclaw`, a script of its own, as root (NOEXEC cannot
  // stop a shell's built-ins).
  auto named_program = [&](const std::string& key, const std::string& path,
                           const std::string& program) {
    if (path.substr(path.rfind('/') + 1) != program)
      decoder.error(mark(key), "\"" + key + "\" must be the " + program +
                                   " program (a path ending in /" + program + "), got \"" + path +
                                   "\"");
  };
  root_program("sudo.systemctl", policy.sudo.systemctl);
  root_program("sudo.journalctl", policy.sudo.journalctl);
  root_program("sudo.tailscale", policy.sudo.tailscale);
  named_program("sudo.systemctl", policy.sudo.systemctl, "systemctl");
  named_program("sudo.journalctl", policy.sudo.journalctl, "journalctl");
  named_program("sudo.tailscale", policy.sudo.tailscale, "tailscale");
  root_program("guard.executable", policy.guard.executable);

  // Logs the guard reads as root and bans from: never a file an unprivileged user can write
  // (a forged "Failed password ... from ADDR" line would ban ADDR, the admin's included).
  for (size_t i = 0; i < policy.guard.log_files.size(); ++i) {
    const std::string& path = policy.guard.log_files[i];
    YAML::Mark at = decoder.mark_of("guard.log_files[" + std::to_string(i) + "]");
    for (const char* writable : {"/tmp", "/var/tmp", "/dev/shm", "/run/user", "/home", "/srv",
                                 "/opt", "/var/lib", "/var/opt"})
      if (path_within(path, writable) || path_within(path, app.home)) {
        decoder.error(at.is_null() ? mark("guard.log_files") : at,
                      "\"guard.log_files\": " + path +
                          " is where an unprivileged user or the app can write; the guard "
                          "reads system logs only (/var/log)");
        break;
      }
  }

  // Numbers that only make sense together.
  if (policy.guard.bantime_max < policy.guard.bantime)
    decoder.error(mark("guard.bantime_max", "guard.bantime"),
                  "\"guard.bantime_max\" (" + std::to_string(policy.guard.bantime_max) +
                      ") is shorter than \"guard.bantime\" (" +
                      std::to_string(policy.guard.bantime) + ")");
}

}  // namespace

Result<Policy> parse_policy(std::string_view text, const std::string& file) {
  Policy policy;
  policy.source = file;
  Decoder decoder(file);
  YAML::Node document;
  try {
    document = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    decoder.error(e.mark, "YAML syntax: " + e.msg);
    return fail(ErrorCode::bad_input, join(decoder.errors(), "\n"));
  }

  std::string state_dir = "~/.openclaw";
  std::string config_file = "~/.openclaw/openclaw.json";
  AppPolicy& app = policy.app;
  SystemdPolicy& systemd = policy.systemd;
  SudoPolicy& sudo = policy.sudo;
  UpdatesPolicy& updates = policy.updates;
  const FieldTable app_fields = {
      {"user", decoder.string(app.user, valid_account_name, "a user name ([a-z_][a-z0-9_-]*)")},
      {"group", decoder.string(app.group, valid_account_name, "a group name ([a-z_][a-z0-9_-]*)")},
      {"home", decoder.string(app.home, valid_absolute_path, "an absolute path")},
      {"state_dir", decoder.string(state_dir, state_dir_form, "an absolute path or ~/path")},
      {"shell", decoder.optional_string(app.shell, valid_absolute_path, "an absolute path")},
      {"sandbox", decoder.choice(app.sandbox, app_sandbox_names())},
      {"service", decoder.string(app.service, valid_service_name, "a unit name without .service")},
      {"description", decoder.string(app.description, any_line, "one line of text")},
      {"exec_start", decoder.string(app.exec_start, exec_start_form,
                                    "a command line starting with an absolute path")},
      {"config_file", decoder.string(config_file, state_dir_form, "an absolute path or ~/path")},
      {"forbidden_groups",
       decoder.strings(app.forbidden_groups, valid_account_name, "a group name")},
      {"allow_funnel", decoder.boolean(app.allow_funnel)},
  };
  const FieldTable systemd_fields = {
      {"max_exposure", decoder.number(systemd.max_exposure, 0.0, 10.0)},
      {"read_write_paths",
       decoder.strings(systemd.read_write_paths, valid_absolute_path, "an absolute path")},
      {"environment", decoder.strings(systemd.environment, environment_name_form,
                                      "NAME=value without spaces, quotes or %")},
  };
  const FieldTable sudo_fields = {
      {"systemctl", decoder.string(sudo.systemctl, valid_command_path,
                                   "an absolute program path without wildcards")},
      {"journalctl", decoder.string(sudo.journalctl, valid_command_path,
                                    "an absolute program path without wildcards")},
      {"tailscale", decoder.string(sudo.tailscale, valid_command_path,
                                   "an absolute program path without wildcards")},
      {"allow_tailscale", decoder.boolean(sudo.allow_tailscale)},
  };
  const FieldTable updates_fields = {
      {"update_package_lists", decoder.boolean(updates.update_package_lists)},
      {"unattended_upgrade", decoder.boolean(updates.unattended_upgrade)},
      {"automatic_reboot", decoder.boolean(updates.automatic_reboot)},
      {"origins_pattern",
       decoder.strings(
           updates.origins_pattern,
           [](const std::string& s) { return any_line(s) && s.find('"') == std::string::npos; },
           "an origin pattern without quotes")},
  };
  SshPolicy& ssh = policy.ssh;
  const FieldTable ssh_fields = {
      {"password_authentication", decoder.boolean(ssh.password_authentication)},
      {"permit_root_login",
       decoder.string(
           ssh.permit_root_login,
           [](const std::string& value) { return value == "no" || value == "prohibit-password"; },
           "\"no\" or \"prohibit-password\"")},
      {"max_auth_tries", decoder.integer(ssh.max_auth_tries, 1, 10)},
  };
  KernelPolicy& kernel = policy.kernel;
  const FieldTable kernel_fields = {
      {"manage", decoder.boolean(kernel.manage)},
      {"exempt", decoder.strings(
                     kernel.exempt,
                     [](const std::string& name) {
                       return std::ranges::find(known_sysctls(), name) != known_sysctls().end();
                     },
                     "a sysctl clawshield manages (see docs/checks.md)")},
  };
  DockerPolicy& docker = policy.docker;
  const FieldTable docker_fields = {
      {"socket", decoder.string(docker.socket, valid_absolute_path, "an absolute path")},
      {"default_bind_ip",
       decoder.string(docker.default_bind_ip, bind_address_form,
                      "an IP address dockerd can bind to (e.g. 127.0.0.1; no /prefix, not "
                      "0.0.0.0, ::, multicast or broadcast)")},
      {"userland_proxy", decoder.boolean(docker.userland_proxy)},
      {"no_new_privileges", decoder.boolean(docker.no_new_privileges)},
      {"live_restore", decoder.boolean(docker.live_restore)},
      {"iptables", decoder.boolean(docker.iptables)},
      {"ip6tables", decoder.boolean(docker.ip6tables)},
      {"experimental_for_ip6tables", decoder.boolean(docker.experimental_for_ip6tables)},
      {"log_max_size", decoder.string(
                           docker.log_max_size,
                           [](const std::string& size) {
                             return !size.empty() && size.size() < 12 &&
                                    size.find_first_not_of("0123456789kmgKMG") ==
                                        std::string::npos &&
                                    std::isdigit(static_cast<unsigned char>(size.front()));
                           },
                           "a size such as 10m")},
      {"log_max_file", decoder.integer(docker.log_max_file, 1, 100)},
      {"public_ports", decoder.ports(docker.public_ports)},
      {"root_image_exemptions",
       decoder.strings(docker.root_image_exemptions, any_line, "an image name")},
      {"compose_files",
       decoder.strings(docker.compose_files, valid_absolute_path, "an absolute path")},
      {"group_members", decoder.strings(docker.group_members, valid_account_name, "a user name")},
  };
  GuardPolicy& guard = policy.guard;
  const FieldTable guard_fields = {
      {"maxretry", decoder.number(guard.maxretry, 1, 1000)},
      {"findtime", decoder.integer(guard.findtime, 1, 30 * 24 * 3600)},
      {"bantime", decoder.integer(guard.bantime, 1, 365 * 24 * 3600)},
      {"bantime_factor", decoder.number(guard.bantime_factor, 1, 100)},
      {"bantime_max", decoder.integer(guard.bantime_max, 1, 365 * 24 * 3600)},
      // A ban never covers more than a /48 (one site): a shorter prefix would ban whole
      // providers, tailnets included.
      {"ipv6_prefix", decoder.integer(guard.ipv6_prefix, 48, 128)},
      {"allowlist", decoder.strings(guard.allowlist, allowlist_form,
                                    "an address or CIDR with no bits set past the prefix, no wider "
                                    "than /8 (IPv4) or /16 (IPv6)")},
      {"weights",
       [&](const YAML::Node& value, const std::string& key) {
         if (!value.IsMap()) {
           decoder.error(value.Mark(), "\"" + key + "\" must be a mapping of kind: weight");
           return;
         }
         for (const auto& entry : value) {
           const std::string kind = entry.first.Scalar();
           const auto& kinds = guard_event_kinds();
           if (std::ranges::find(kinds, kind) == kinds.end()) {
             decoder.error(entry.first.Mark(), "unknown key \"" + key + "." + kind +
                                                   "\" (known here: " + join(kinds, ", ") + ")");
             continue;
           }
           double weight = 0;
           if (!entry.second.IsScalar() || !YAML::convert<double>::decode(entry.second, weight) ||
               !std::isfinite(weight) || weight < 0 || weight > 100) {
             decoder.error(entry.second.Mark(),
                           "\"" + key + "." + kind + "\" must be a finite number 0-100, got " +
                               (entry.second.IsScalar() ? entry.second.Scalar()
                                                        : std::string("a collection")));
             continue;
           }
           if (kind == "accepted" && weight != 0) {
             decoder.error(entry.second.Mark(),
                           "\"" + key +
                               ".accepted\" must be 0: a successful login is not an "
                               "attack, and counting it would ban the admin");
             continue;
           }
           for (auto& [name, current] : guard.weights)
             if (name == kind)
               current = weight;
         }
       }},
      {"max_tracked", decoder.integer(guard.max_tracked, 1024, 10'000'000)},
      {"log_files", decoder.strings(guard.log_files, valid_absolute_path, "an absolute path")},
      {"journal", decoder.boolean(guard.journal)},
      {"executable", decoder.string(guard.executable, valid_absolute_path, "an absolute path")},
      {"engine", decoder.named(guard.engine, guard_engine_names())},
  };
  FirewallPolicy& firewall = policy.firewall;
  const FieldTable firewall_fields = {
      {"ssh_ports", decoder.ports(firewall.ssh_ports)},
      {"public_tcp", decoder.ports(firewall.public_tcp)},
      {"public_udp", decoder.ports(firewall.public_udp)},
      {"app_ports", decoder.ports(firewall.app_ports)},
      {"trusted_interfaces", decoder.strings(firewall.trusted_interfaces, valid_interface_pattern,
                                             "an interface name (a trailing * matches a prefix)")},
      {"container_interfaces",
       decoder.strings(firewall.container_interfaces, valid_interface_pattern,
                       "an interface name (a trailing * matches a prefix)")},
      {"confirm_timeout", decoder.integer(firewall.confirm_timeout, 0, 3600)},
      {"backend", decoder.named(firewall.backend, firewall_backend_names())},
  };
  const FieldTable top_fields = {
      {"docker",
       [&](const YAML::Node& n, const std::string& k) { decoder.map(n, k, docker_fields); }},
      {"guard",
       [&](const YAML::Node& n, const std::string& k) { decoder.map(n, k, guard_fields); }},
      {"firewall",
       [&](const YAML::Node& n, const std::string& k) { decoder.map(n, k, firewall_fields); }},
      {"app", [&](const YAML::Node& n, const std::string& k) { decoder.map(n, k, app_fields); }},
      {"systemd",
       [&](const YAML::Node& n, const std::string& k) { decoder.map(n, k, systemd_fields); }},
      {"sudo", [&](const YAML::Node& n, const std::string& k) { decoder.map(n, k, sudo_fields); }},
      {"updates",
       [&](const YAML::Node& n, const std::string& k) { decoder.map(n, k, updates_fields); }},
      {"ssh", [&](const YAML::Node& n, const std::string& k) { decoder.map(n, k, ssh_fields); }},
      {"kernel",
       [&](const YAML::Node& n, const std::string& k) { decoder.map(n, k, kernel_fields); }},
  };
  try {
    std::set<std::pair<int, int>> walked;
    check_duplicate_keys(document, decoder, walked, 0);
    decoder.map(document, "", top_fields);
  } catch (const YAML::Exception& e) {
    decoder.error(e.mark, e.msg);
  }

  policy.firewall.app_ports_origin =
      decoder.present("firewall.app_ports") ? Origin::policy : Origin::default_value;
  policy.app.service_origin =
      decoder.present("app.service") ? Origin::policy : Origin::default_value;
  policy.app.exec_start_origin =
      decoder.present("app.exec_start") ? Origin::policy : Origin::default_value;
  // "~/x" is relative to the home directory, wherever in the file `home` was set.
  policy.app.state_dir =
      state_dir.starts_with("~/") ? policy.app.home + state_dir.substr(1) : state_dir;
  policy.app.config_file =
      config_file.starts_with("~/") ? policy.app.home + config_file.substr(1) : config_file;
  // Values that are well-formed but would defeat a layer.
  for (int port : policy.firewall.app_ports)
    if (std::ranges::find(policy.firewall.public_tcp, port) != policy.firewall.public_tcp.end())
      decoder.error(decoder.mark_of("firewall.public_tcp"),
                    "port " + std::to_string(port) +
                        " is an app port (trusted interfaces only) and public at once");
  if (policy.firewall.backend == FirewallBackend::ufw &&
      policy.guard.engine == GuardEngine::clawshield)
    decoder.error(decoder.mark_of("firewall.backend"),
                  "\"firewall.backend\": ufw needs \"guard.engine: fail2ban\" (clawshield's guard "
                  "bans through its own nftables table, which the ufw backend does not load)");
  check_semantics(policy, decoder);
  if (policy.updates.unattended_upgrade && policy.updates.origins_pattern.empty())
    decoder.error(
        decoder.mark_of("updates.origins_pattern"),
        "\"updates.origins_pattern\" is empty: unattended-upgrades would install nothing");
  if (!decoder.errors().empty())
    return fail(ErrorCode::bad_input, join(decoder.errors(), "\n"));
  return policy;
}

}  // namespace clawshield
