// Why this exists: a check on "the gateway's bind" is only as good as its reading of the
// setting, and OpenClaw reads more than one JSON file. This file reproduces OpenClaw
// 2026.9.6's reading (dist/paths-*.mjs, includes-*.mjs, io.read-helpers-*.mjs,
// env-substitution in redact-*.mjs, dotenv-global-*.mjs, the gateway's run command):
//   1. the config path: OPENCLAW_CONFIG_PATH, else the state dir (OPENCLAW_STATE_DIR, else
//      ~/.openclaw, or ~/.openclaw-<profile> under a root --profile), the first existing of
//      openclaw.json / clawdbot.json there and in the default folders, with ~ and
//      OPENCLAW_HOME as OpenClaw expands them;
//   2. JSON5 (core/json5.h) for the file and each `$include` (a path or a list, relative to
//      the including file, inside the config's folder or OPENCLAW_INCLUDE_ROOTS, depth 10,
//      cycles refused, 2 MiB each, merged deeply: objects recursively, arrays concatenated,
//      sibling keys over the included content);
//   3. `${VAR}` in string values from the gateway's environment: the unit's Environment=,
//      then the state dir's .env and ~/.config/openclaw/gateway.env (never overriding), then
//      the config's own env.vars; unset stays as written with a warning, `$${VAR}` is literal;
//   4. the unit's flags over the file (--bind, --port, --auth, --token, --password,
//      --tailscale), and OPENCLAW_GATEWAY_PORT/TOKEN/PASSWORD where OpenClaw takes them.
// Every file under the app user's home is opened without following links (OpenClaw follows
// links that stay inside the config folder; we refuse them all and say so).
#include "layers/openclaw/openclaw_config.h"

#include <algorithm>
#include <cmath>

#include "core/bounded_json.h"
#include "core/json5.h"
#include "core/parse.h"
#include "core/text.h"

namespace clawshield {
namespace {

using nlohmann::json;

constexpr size_t k_max_include_depth = 10;
constexpr uint64_t k_max_include_bytes = 2u << 20;
// Ours, not OpenClaw's: a list of includes at each of 10 levels would otherwise read files
// (and concatenate arrays) exponentially often. Real configs read a handful.
constexpr size_t k_max_include_loads = 100;
constexpr uint64_t k_max_total_bytes = k_untrusted_max_bytes;
constexpr std::string_view k_include_key = "$include";
constexpr int k_default_port = 18789;

// A variable of the gateway's environment and where it was set.
struct EnvValue {
  std::string value;
  std::string source;
};
using Environment = std::map<std::string, EnvValue>;

// Words of a systemd command line or Environment= value: split at blanks, "..." and '...'
// quoting (quotes removed), backslash escapes inside double quotes.
std::vector<std::string> unit_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < text.size()) {
        word += text[++i];
      } else {
        word += c;
      }
    } else if (c == ' ' || c == '\t') {
      if (in_word)
        words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      in_word = true;
      if (c == '"' || c == '\'')
        quote = c;
      else
        word += c;
    }
  }
  if (in_word)
    words.push_back(std::move(word));
  return words;
}

std::string env_get(const Environment& env, const std::string& name) {
  auto it = env.find(name);
  return it == env.end() ? "" : it->second.value;
}

// OpenClaw's normalizeHomeDirValue: trimmed, and "undefined"/"null" count as unset.
std::string home_value(std::string_view raw) {
  std::string value(trim(raw));
  return value == "undefined" || value == "null" ? "" : value;
}

// path.resolve(base, p) for POSIX paths.
std::string resolve_path(std::string_view base, std::string_view p) {
  if (!p.empty() && p.front() == '/')
    return lexical_normalize(p);
  return lexical_normalize(std::string(base) + "/" + std::string(p));
}

bool path_inside(std::string_view root, std::string_view candidate) {
  if (root == "/")
    return true;
  return candidate == root || (candidate.starts_with(root) && candidate.size() > root.size() &&
                               candidate[root.size()] == '/');
}

// A `~`-prefixed or relative user path as OpenClaw's resolveUserPath makes it absolute.
std::string user_path(std::string_view raw, const std::string& home, const std::string& cwd) {
  std::string p(trim(raw));
  if (p == "~")
    return lexical_normalize(home);
  if (p.starts_with("~/"))
    return resolve_path(home, p.substr(2));
  return resolve_path(cwd, p);
}

bool exists(const Filesystem& fs, const std::string& path) {
  auto st = fs.stat(path);
  return st && st->has_value();
}

// The JSON pointer token of a key (RFC 6901).
std::string token(std::string_view key) {
  std::string out;
  for (char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}

// Prototype keys OpenClaw's deep merge drops.
bool blocked_key(const std::string& key) {
  return key == "__proto__" || key == "prototype" || key == "constructor";
}

// OpenClaw's mergeDeep(base, override, {arrays: concat}).
json merge_deep(const json& base, const json& override_value) {
  if (base.is_array() && override_value.is_array()) {
    json out = base;
    for (const auto& item : override_value) out.push_back(item);
    return out;
  }
  if (!base.is_object() || !override_value.is_object())
    return override_value;
  json merged = json::object();
  for (const auto& [key, value] : base.items())
    if (!blocked_key(key))
      merged[key] = value;
  for (const auto& [key, value] : override_value.items()) {
    if (blocked_key(key))
      continue;
    auto current = merged.find(key);
    if (value.is_object())
      merged[key] =
          current != merged.end() && current->is_object() ? merge_deep(*current, value) : value;
    else if (value.is_array() && current != merged.end() && current->is_array())
      merged[key] = merge_deep(*current, value);
    else
      merged[key] = value;
  }
  return merged;
}

// One file as read: its text's members' positions and the name used in messages.
struct ReadFile {
  std::string path;     // inside the root
  std::string display;  // on the machine
  Json5Document document;
};

class Loader {
 public:
  Loader(const Filesystem& fs, const OpenClawLaunch& launch, OpenClawConfig& out)
      : m_fs(fs), m_launch(launch), m_out(out) {}

  Result<ReadFile> read(const std::string& path, uint64_t max_bytes, const std::string& why) {
    const std::string display = m_fs.host_path(path);
    CS_TRY(UntrustedFile file, m_fs.open_untrusted(path, trusted_parent_of(path, m_launch.home),
                                                   UntrustedKind::regular));
    if (file.stat().size > max_bytes)
      return fail(ErrorCode::refused,
                  display + ": " + why + " larger than " + std::to_string(max_bytes) + " bytes");
    CS_TRY(std::string text, file.read());
    m_bytes += text.size();
    if (m_bytes > k_max_total_bytes)
      return fail(ErrorCode::refused, display + ": the config and its includes exceed " +
                                          std::to_string(k_max_total_bytes) +
                                          " bytes together (clawshield's limit)");
    CS_TRY(Json5Document document, parse_json5(text, display));
    m_out.files_read.push_back(display);
    return ReadFile{path, display, std::move(document)};
  }

  Result<json> root(const ReadFile& file) {
    std::vector<std::string> chain{lexical_normalize(file.path)};
    return process(file.document.value, file, "", "", chain);
  }

 private:
  std::string where(const ReadFile& file, const std::string& pointer) const {
    auto it = file.document.positions.find(pointer);
    if (it == file.document.positions.end())
      return file.display;
    return file.display + ":" + std::to_string(it->second.line) + ":" +
           std::to_string(it->second.column);
  }

  // IncludeProcessor.process: `value` at `file_pointer` in `file`, landing at `logical`.
  Result<json> process(const json& value, const ReadFile& file, const std::string& file_pointer,
                       const std::string& logical, std::vector<std::string>& chain) {
    if (value.is_array()) {
      json out = json::array();
      for (size_t i = 0; i < value.size(); ++i) {
        CS_TRY(json item, process(value[i], file, file_pointer + "/" + std::to_string(i),
                                  logical + "/" + std::to_string(out.size()), chain));
        out.push_back(std::move(item));
      }
      return out;
    }
    if (!value.is_object())
      return value;
    if (!value.contains(k_include_key))
      return members(value, file, file_pointer, logical, chain, false);
    const std::string include_at = where(file, file_pointer + "/" + std::string(k_include_key));
    CS_TRY(json included, include(value[k_include_key], file, include_at, logical, chain));
    const bool siblings = value.size() > 1;
    if (!siblings)
      return included;
    if (!included.is_object())
      return fail(ErrorCode::bad_input,
                  include_at +
                      ": $include: sibling keys require the included content to be an "
                      "object (OpenClaw refuses this config)");
    CS_TRY(json rest, members(value, file, file_pointer, logical, chain, true));
    return merge_deep(included, rest);
  }

  Result<json> members(const json& value, const ReadFile& file, const std::string& file_pointer,
                       const std::string& logical, std::vector<std::string>& chain,
                       bool skip_include) {
    json out = json::object();
    for (const auto& [key, member] : value.items()) {
      if (skip_include && key == k_include_key)
        continue;
      const std::string t = "/" + token(key);
      m_out.provenance[logical + t] = where(file, file_pointer + t);
      CS_TRY(json processed, process(member, file, file_pointer + t, logical + t, chain));
      out[key] = std::move(processed);
    }
    return out;
  }

  Result<json> include(const json& spec, const ReadFile& file, const std::string& include_at,
                       const std::string& logical, std::vector<std::string>& chain) {
    if (spec.is_string())
      return load(spec.get<std::string>(), file, include_at, logical, chain);
    if (!spec.is_array())
      return fail(
          ErrorCode::bad_input,
          include_at + ": $include must be a path or a list of paths, not " + spec.type_name());
    json merged = json::object();
    for (const auto& item : spec) {
      if (!item.is_string())
        return fail(ErrorCode::bad_input,
                    include_at + ": $include list item is " + item.type_name() + ", not a path");
      CS_TRY(json loaded, load(item.get<std::string>(), file, include_at, logical, chain));
      merged = merge_deep(merged, loaded);
    }
    return merged;
  }

  // IncludeProcessor.loadFile: resolve, check the folder, cycles and depth, read, recurse.
  Result<json> load(const std::string& include_path, const ReadFile& file,
                    const std::string& include_at, const std::string& logical,
                    std::vector<std::string>& chain) {
    const std::string named = include_at + ": $include \"" + valid_utf8(include_path) + "\"";
    if (include_path.find('\0') != std::string::npos || include_path.size() >= 4096)
      return fail(ErrorCode::bad_input, named + ": not a usable path");
    const std::string resolved = resolve_path(parent_path(file.path), include_path);
    const bool inside = path_inside(m_out.paths.config_dir, resolved) ||
                        std::ranges::any_of(m_out.paths.include_roots, [&](const std::string& r) {
                          return path_inside(r, resolved);
                        });
    if (!inside)
      return fail(ErrorCode::refused, named + ": escapes the config folder " +
                                          m_fs.host_path(m_out.paths.config_dir) +
                                          " (OpenClaw refuses it; OPENCLAW_INCLUDE_ROOTS widens)");
    if (std::ranges::find(chain, resolved) != chain.end()) {
      std::vector<std::string> shown;
      for (const auto& p : chain) shown.push_back(m_fs.host_path(p));
      shown.push_back(m_fs.host_path(resolved));
      return fail(ErrorCode::bad_input, named + ": circular include: " + join(shown, " -> "));
    }
    if (chain.size() - 1 >= k_max_include_depth)
      return fail(ErrorCode::bad_input, named + ": deeper than OpenClaw's " +
                                            std::to_string(k_max_include_depth) + " includes");
    if (++m_loads > k_max_include_loads)
      return fail(ErrorCode::refused, named + ": more than " + std::to_string(k_max_include_loads) +
                                          " includes read (clawshield's limit; OpenClaw has none)");
    auto read_result = read(resolved, k_max_include_bytes, "an $include file is");
    if (!read_result)
      return std::unexpected(with_context(read_result.error(), named));
    chain.push_back(resolved);
    auto processed = process(read_result->document.value, *read_result, "", logical, chain);
    chain.pop_back();
    return processed;
  }

  const Filesystem& m_fs;
  const OpenClawLaunch& m_launch;
  OpenClawConfig& m_out;
  size_t m_loads = 0;
  uint64_t m_bytes = 0;
};

// The profile a root option selects (--profile NAME, --profile=NAME, --dev before the
// command), "" for none; and where the `gateway` command word is (npos when absent).
struct CommandShape {
  std::string profile;
  size_t gateway_at = std::string::npos;
};

CommandShape command_shape(const std::vector<std::string>& argv) {
  CommandShape shape;
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& w = argv[i];
    if (w == "gateway") {
      shape.gateway_at = i;
      break;
    }
    if (w == "--profile" && i + 1 < argv.size())
      shape.profile = argv[++i];
    else if (w.starts_with("--profile="))
      shape.profile = w.substr(10);
    else if (w == "--dev")
      shape.profile = "dev";
  }
  if (to_lower(shape.profile) == "default")
    shape.profile.clear();
  return shape;
}

// OpenClaw's profile names: a letter or digit, then up to 63 of letters, digits, '_', '-'.
bool profile_name(std::string_view name) {
  auto ok = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  };
  return !name.empty() && name.size() <= 64 && std::isalnum(static_cast<unsigned char>(name[0])) &&
         std::ranges::all_of(name, ok);
}

// The value of option `name` after the gateway command ("--bind lan", "--bind=lan"), last wins.
std::optional<std::string> gateway_option(const std::vector<std::string>& argv, size_t from,
                                          std::string_view name) {
  std::optional<std::string> value;
  for (size_t i = from; i < argv.size(); ++i) {
    if (argv[i] == name && i + 1 < argv.size())
      value = argv[++i];
    else if (argv[i].starts_with(std::string(name) + "="))
      value = argv[i].substr(name.size() + 1);
  }
  return value;
}

Environment unit_environment(const OpenClawLaunch& launch) {
  Environment env;
  for (const auto& [name, value] : launch.environment)
    env[name] = EnvValue{value, name + " in " + launch.environment_source};
  const CommandShape shape = command_shape(launch.argv);
  if (shape.profile == "dev" && env_get(env, "OPENCLAW_GATEWAY_PORT").empty())
    env["OPENCLAW_GATEWAY_PORT"] = EnvValue{"19001", "--dev (OpenClaw's dev profile port)"};
  return env;
}

// KEY=value lines of a .env file as the dotenv package reads them (export prefix, quotes,
// # comments after unquoted values).
std::vector<std::pair<std::string, std::string>> parse_dotenv(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& raw : split_lines(text)) {
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#')
      continue;
    if (line.starts_with("export "))
      line = trim(line.substr(7));
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos)
      continue;
    const std::string key(trim(line.substr(0, eq)));
    std::string_view value = trim(line.substr(eq + 1));
    if (key.empty() || !std::ranges::all_of(key, [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
        }))
      continue;
    std::string parsed;
    if (!value.empty() && (value.front() == '"' || value.front() == '\'' || value.front() == '`') &&
        value.find(value.front(), 1) != std::string_view::npos) {
      parsed = std::string(value.substr(1, value.find(value.front(), 1) - 1));
      if (value.front() == '"') {
        std::string expanded;
        for (size_t i = 0; i < parsed.size(); ++i) {
          if (parsed[i] == '\\' && i + 1 < parsed.size() && parsed[i + 1] == 'n') {
            expanded += '\n';
            ++i;
          } else {
            expanded += parsed[i];
          }
        }
        parsed = expanded;
      }
    } else {
      const size_t hash = value.find(" #");
      parsed = std::string(trim(value.substr(0, hash)));
    }
    out.emplace_back(key, parsed);
  }
  return out;
}

bool env_name(std::string_view name) {
  if (name.empty() || !(std::isupper(static_cast<unsigned char>(name[0])) || name[0] == '_'))
    return false;
  return std::ranges::all_of(name, [](char c) {
    return std::isupper(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
}

// OpenClaw's substituteString: ${NAME} from `env`, $${NAME} literal; unset or empty leaves the
// reference as written and warns. Notes each substitution in `used`.
std::string substitute(const std::string& value, const Environment& env, const std::string& pointer,
                       std::vector<std::string>& used, std::vector<std::string>& warnings) {
  if (value.find('$') == std::string::npos)
    return value;
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '$') {
      out += value[i];
      continue;
    }
    const bool escaped = value.compare(i, 3, "$${") == 0;
    const size_t open = escaped ? i + 3 : i + 2;
    if (escaped || value.compare(i, 2, "${") == 0) {
      const size_t close = value.find('}', open);
      if (close != std::string::npos &&
          env_name(std::string_view(value).substr(open, close - open))) {
        const std::string name = value.substr(open, close - open);
        if (escaped) {
          out += "${" + name + "}";
        } else if (auto it = env.find(name); it != env.end() && !it->second.value.empty()) {
          out += it->second.value;
          used.push_back("${" + name + "} from " + it->second.source);
        } else {
          out += "${" + name + "}";
          warnings.push_back("missing env var \"" + name + "\" at " + pointer +
                             " (OpenClaw leaves it as written)");
        }
        i = close;
        continue;
      }
    }
    out += '$';
  }
  return out;
}

void substitute_all(json& value, const Environment& env, const std::string& pointer,
                    std::map<std::string, std::string>& provenance,
                    std::vector<std::string>& warnings) {
  if (value.is_string()) {
    std::vector<std::string> used;
    value = substitute(value.get<std::string>(), env, pointer, used, warnings);
    if (!used.empty()) {
      // The nearest member's entry (an array element has its array's).
      std::string at = pointer;
      while (!at.empty() && !provenance.contains(at)) at = at.substr(0, at.rfind('/'));
      provenance[pointer] = (provenance.contains(at) ? provenance[at] : std::string("config")) +
                            " (" + join(used, ", ") + ")";
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i)
      substitute_all(value[i], env, pointer + "/" + std::to_string(i), provenance, warnings);
  } else if (value.is_object()) {
    for (auto& [key, member] : value.items())
      substitute_all(member, env, pointer + "/" + token(key), provenance, warnings);
  }
}

// .env files OpenClaw loads into its environment before reading the config: the state dir's,
// then ~/.config/openclaw/gateway.env (only with the default state dir); a key already set is
// never overridden, the first file wins.
Result<void> load_dotenv(const Filesystem& fs, const OpenClawLaunch& launch,
                         const OpenClawPaths& paths, bool default_state_dir, Environment& env,
                         OpenClawConfig& out) {
  std::vector<std::string> files{paths.state_dir + "/.env"};
  if (default_state_dir)
    files.push_back(paths.home + "/.config/openclaw/gateway.env");
  for (const auto& path : files) {
    auto file =
        fs.open_untrusted(path, trusted_parent_of(path, launch.home), UntrustedKind::regular);
    if (!file && file.error().code == ErrorCode::not_found)
      continue;
    if (!file)
      return std::unexpected(with_context(file.error(), "a .env file OpenClaw reads"));
    if (file->stat().size > (1u << 20))
      return fail(ErrorCode::refused, fs.host_path(path) + ": larger than OpenClaw's 1 MiB");
    CS_TRY(std::string text, file->read());
    out.files_read.push_back(fs.host_path(path));
    for (const auto& [key, value] : parse_dotenv(text))
      if (!env.contains(key))
        env[key] = EnvValue{value, fs.host_path(path)};
  }
  return {};
}

// The config's env section (env.vars.K and env.K strings) for variables not set otherwise.
void apply_config_env(const json& config, const std::map<std::string, std::string>& provenance,
                      Environment& env) {
  auto section = config.find("env");
  if (!config.is_object() || section == config.end() || !section->is_object())
    return;
  auto take = [&](const std::string& key, const json& value, const std::string& pointer) {
    if (!value.is_string() || trim(value.get<std::string>()).empty())
      return;
    if (!env_get(env, key).empty())
      return;
    auto where = provenance.find(pointer);
    env[key] = EnvValue{value.get<std::string>(),
                        where == provenance.end() ? "the config's env" : where->second};
  };
  if (auto vars = section->find("vars"); vars != section->end() && vars->is_object())
    for (const auto& [key, value] : vars->items()) take(key, value, "/env/vars/" + token(key));
  for (const auto& [key, value] : section->items())
    if (key != "vars" && key != "shellEnv")
      take(key, value, "/env/" + token(key));
}

std::optional<int> port_number(const std::string& text) {
  auto port = parse_int(text, 1, 65535);
  return port ? std::optional(*port) : std::nullopt;
}

}  // namespace

OpenClawLaunch launch_of(const GatewayService& service, const AppPolicy& app) {
  OpenClawLaunch launch;
  launch.user = app.user;
  launch.home = app.home;
  launch.argv = unit_words(service.exec_start);
  launch.environment_source = service.found_at.empty() ? "the policy" : service.found_at;
  for (const auto& line : service.environment)
    for (const auto& word : unit_words(line)) {
      const size_t eq = word.find('=');
      if (eq != std::string::npos && eq > 0)
        launch.environment.emplace_back(word.substr(0, eq), word.substr(eq + 1));
    }
  return launch;
}

Result<OpenClawPaths> openclaw_paths(const Filesystem& fs, const OpenClawLaunch& launch) {
  Environment env;
  for (const auto& [name, value] : launch.environment) env[name] = EnvValue{value, ""};
  OpenClawPaths paths;
  const std::string os_home =
      home_value(env_get(env, "HOME")).empty() ? launch.home : home_value(env_get(env, "HOME"));
  const std::string cwd = launch.home;  // a user manager starts units in the home folder
  const std::string openclaw_home = home_value(env_get(env, "OPENCLAW_HOME"));
  paths.home =
      openclaw_home.empty() ? lexical_normalize(os_home) : user_path(openclaw_home, os_home, cwd);
  const CommandShape shape = command_shape(launch.argv);
  if (!shape.profile.empty() && !std::ranges::all_of(shape.profile, [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
      }))
    return fail(ErrorCode::bad_input, "ExecStart: --profile " + shape.profile +
                                          " is not a profile name OpenClaw accepts");
  const std::string state_override(trim(env_get(env, "OPENCLAW_STATE_DIR")));
  const std::string config_override(trim(env_get(env, "OPENCLAW_CONFIG_PATH")));
  if (!state_override.empty()) {
    paths.state_dir = user_path(state_override, paths.home, cwd);
  } else if (!shape.profile.empty()) {
    paths.state_dir = paths.home + "/.openclaw-" + shape.profile;
  } else {
    paths.state_dir = paths.home + "/.openclaw";
    if (!exists(fs, paths.state_dir) && exists(fs, paths.home + "/.clawdbot"))
      paths.state_dir = paths.home + "/.clawdbot";
  }
  if (!config_override.empty()) {
    paths.config_file = user_path(config_override, paths.home, cwd);
    paths.config_file_source = "OPENCLAW_CONFIG_PATH in " + launch.environment_source;
  } else if (!shape.profile.empty()) {
    paths.config_file = paths.state_dir + "/openclaw.json";
    paths.config_file_source = "--profile " + shape.profile + " in ExecStart";
  } else {
    // resolveConfigPathCandidate: the first existing candidate, else the canonical path.
    std::vector<std::pair<std::string, std::string>> candidates;
    if (!state_override.empty())
      for (const char* name : {"/openclaw.json", "/clawdbot.json"})
        candidates.emplace_back(paths.state_dir + name, "OPENCLAW_STATE_DIR");
    for (const char* dir : {"/.openclaw", "/.clawdbot"})
      for (const char* name : {"/openclaw.json", "/clawdbot.json"})
        candidates.emplace_back(paths.home + dir + name, "OpenClaw's default");
    for (const auto& [candidate, why] : candidates)
      if (exists(fs, candidate)) {
        paths.config_file = candidate;
        paths.config_file_source = why;
        break;
      }
    if (paths.config_file.empty()) {
      paths.config_file = paths.state_dir + "/openclaw.json";
      paths.config_file_source =
          state_override.empty() ? "OpenClaw's default" : "OPENCLAW_STATE_DIR";
    }
  }
  for (const auto& entry : split(env_get(env, "OPENCLAW_INCLUDE_ROOTS"), ':')) {
    if (trim(entry).empty())
      continue;
    std::string root = user_path(entry, paths.home, cwd);
    if (std::ranges::find(paths.include_roots, root) == paths.include_roots.end())
      paths.include_roots.push_back(root);
  }
  paths.config_dir = parent_path(paths.config_file);
  return paths;
}

Result<OpenClawConfig> load_openclaw_config(const Filesystem& fs, const OpenClawLaunch& launch) {
  OpenClawConfig out;
  CS_TRY(out.paths, openclaw_paths(fs, launch));
  Environment env = unit_environment(launch);
  const bool default_state_dir = trim(env_get(env, "OPENCLAW_STATE_DIR")).empty() ||
                                 out.paths.state_dir == out.paths.home + "/.openclaw";
  CS_TRY_VOID(load_dotenv(fs, launch, out.paths, default_state_dir, env, out));

  Loader loader(fs, launch, out);
  CS_TRY(ReadFile main, loader.read(out.paths.config_file, k_untrusted_max_bytes, "the config is"));
  CS_TRY(out.merged, loader.root(main));
  if (!out.merged.is_object())
    return fail(ErrorCode::bad_input, main.display + ": the config is " + out.merged.type_name() +
                                          ", not an object (OpenClaw's schema requires one)");
  apply_config_env(out.merged, out.provenance, env);
  substitute_all(out.merged, env, "", out.provenance, out.warnings);
  // Entries of members that a later file or sibling replaced.
  std::erase_if(out.provenance, [&](const auto& entry) {
    return !out.merged.contains(json::json_pointer(entry.first));
  });
  for (auto& [name, value] : env) out.environment[name] = {value.value, value.source};
  return out;
}

GatewaySettings apply_launch(
    const json& config, const std::map<std::string, std::string>& where,
    const OpenClawLaunch& launch,
    const std::map<std::string, std::pair<std::string, std::string>>& environment) {
  GatewaySettings settings;
  auto found = config.is_object() ? config.find("gateway") : config.end();
  if (config.is_object() && found != config.end())
    settings.gateway = *found;
  for (const auto& [pointer, place] : where)
    if (pointer.starts_with("/gateway/"))
      settings.provenance[pointer.substr(8)] = place;
  if (!settings.gateway.is_object())
    return settings;  // OpenClaw refuses such a config; the flags have nothing to apply to
  json& gateway = settings.gateway;
  Environment env;
  for (const auto& [name, value] : environment) env[name] = EnvValue{value.first, value.second};
  const CommandShape shape = command_shape(launch.argv);
  const size_t flags_from =
      shape.gateway_at == std::string::npos ? launch.argv.size() : shape.gateway_at + 1;
  auto flag = [&](std::string_view name) { return gateway_option(launch.argv, flags_from, name); };
  auto set = [&](const std::string& pointer, json value, std::string source) {
    gateway[json::json_pointer(pointer)] = std::move(value);
    settings.provenance[pointer] = std::move(source);
  };
  auto object_at = [&](const std::string& key) {
    if (!gateway.contains(key) || !gateway[key].is_object())
      gateway[key] = json::object();
  };

  // Port: --port, then a valid OPENCLAW_GATEWAY_PORT, then a positive gateway.port, then
  // 18789 — or, under a profile, 20000 + FNV-1a(profile) % 40000 (resolveGatewayPort).
  const auto config_port = gateway.find("port");
  const bool port_configured = config_port != gateway.end() && config_port->is_number() &&
                               std::isfinite(config_port->get<double>()) &&
                               config_port->get<double>() > 0;
  if (auto port = flag("--port")) {
    auto number = port_number(*port);
    set("/port", number ? json(*number) : json(*port), "--port in ExecStart");
  } else if (auto env_port =
                 port_number(std::string(trim(env_get(env, "OPENCLAW_GATEWAY_PORT"))))) {
    set("/port", *env_port, env["OPENCLAW_GATEWAY_PORT"].source);
  } else if (!port_configured) {
    std::string profile = shape.profile;
    if (profile.empty() &&
        to_lower(std::string(trim(env_get(env, "OPENCLAW_PROFILE")))) != "default")
      profile = std::string(trim(env_get(env, "OPENCLAW_PROFILE")));
    if (profile.empty() || !profile_name(profile)) {
      set("/port", k_default_port, "OpenClaw's default");
    } else {
      uint32_t hash = 2166136261u;
      for (unsigned char byte : profile) hash = (hash ^ byte) * 16777619u;
      set("/port", 20000 + static_cast<int>(hash % 40000),
          "OpenClaw's default for profile " + profile);
    }
  }

  // Tailscale first: its mode decides the default bind.
  if (auto mode = flag("--tailscale")) {
    object_at("tailscale");
    set("/tailscale/mode", *mode, "--tailscale in ExecStart");
  } else if (!gateway.contains("tailscale") || !gateway["tailscale"].is_object() ||
             !gateway["tailscale"].contains("mode")) {
    object_at("tailscale");
    set("/tailscale/mode", "off", "OpenClaw's default");
  }

  if (auto bind = flag("--bind"))
    set("/bind", *bind, "--bind in ExecStart");
  else if (!gateway.contains("bind"))
    set("/bind", "loopback", "OpenClaw's default");

  // Auth: --auth over gateway.auth.mode; the token and password: the flag, then the config,
  // then OPENCLAW_GATEWAY_TOKEN / _PASSWORD (OpenClaw's "config-first").
  auto auth_flag = flag("--auth");
  auto token_flag = flag("--token");
  auto password_flag = flag("--password");
  auto password_file = flag("--password-file");
  const bool auth_object = !gateway.contains("auth") || gateway["auth"].is_object();
  if (auth_object) {
    if (auth_flag) {
      object_at("auth");
      set("/auth/mode", *auth_flag, "--auth in ExecStart");
    }
    auto secret = [&](const char* key, std::optional<std::string> from_flag, const char* flag_name,
                      const char* env_name) {
      if (from_flag) {
        object_at("auth");
        set(std::string("/auth/") + key, *from_flag, std::string(flag_name) + " in ExecStart");
      } else if (!(gateway.contains("auth") && gateway["auth"].contains(key)) &&
                 !env_get(env, env_name).empty()) {
        object_at("auth");
        set(std::string("/auth/") + key, env_get(env, env_name), env[env_name].source);
      }
    };
    secret("token", token_flag, "--token", "OPENCLAW_GATEWAY_TOKEN");
    if (password_file && !password_flag) {
      object_at("auth");
      set("/auth/passwordFile", *password_file, "--password-file in ExecStart");
    } else {
      secret("password", password_flag, "--password", "OPENCLAW_GATEWAY_PASSWORD");
    }
  }
  return settings;
}

Result<json> ask_openclaw_gateway(CommandRunner& runner, const OpenClawLaunch& launch,
                                  std::chrono::milliseconds timeout) {
  const CommandShape shape = command_shape(launch.argv);
  if (shape.gateway_at == std::string::npos || launch.argv.empty() || launch.argv.front().empty() ||
      launch.argv.front().front() != '/')
    return fail(ErrorCode::not_found,
                "the gateway's ExecStart is not \"<program> ... gateway ...\": cannot run its "
                "OpenClaw");
  std::string home = launch.home, path = "/usr/local/bin:/usr/bin:/bin";
  for (const auto& [name, value] : launch.environment) {
    if (name == "HOME")
      home = value;
    if (name == "PATH")
      path = value;
  }
  // The program is the app user's (its unit names it): it runs in a session of its own, so it
  // has no terminal of ours to push keystrokes into (TIOCSTI), and under `timeout` as that
  // user, so a slow one is killed with everything it started, not only runuser.
  const auto seconds = std::max<long long>(
      1, std::chrono::duration_cast<std::chrono::seconds>(timeout + std::chrono::milliseconds(999))
             .count());
  Command command;
  command.argv = {"setsid",
                  "--wait",
                  "runuser",
                  "-u",
                  launch.user,
                  "--",
                  "timeout",
                  "--kill-after=2",
                  std::to_string(seconds),
                  "env",
                  "-i",
                  "HOME=" + home,
                  "PATH=" + path};
  for (const auto& [name, value] : launch.environment)
    if (name != "HOME" && name != "PATH")
      command.argv.push_back(name + "=" + value);
  command.argv.insert(command.argv.end(), launch.argv.begin(),
                      launch.argv.begin() + static_cast<long>(shape.gateway_at));
  command.argv.insert(command.argv.end(), {"config", "get", "gateway", "--json"});
  command.timeout = timeout + std::chrono::seconds(5);  // a backstop: `timeout` acts first
  CS_TRY(CommandResult result, runner.run(command));
  if (!result.ok())
    return fail(ErrorCode::command_failed, describe_failure(command, result));
  CS_TRY(json answer, parse_json_bounded(result.out, "openclaw config get gateway --json",
                                         JsonComments::rejected));
  if (!answer.is_object())
    return fail(ErrorCode::bad_input, std::string("openclaw config get gateway --json gave ") +
                                          answer.type_name() + ", not an object");
  return answer;
}

Result<GatewaySettings> read_gateway_settings(const HostView& host, const OpenClawLaunch& launch,
                                              Prefer prefer, std::chrono::milliseconds timeout) {
  auto files = load_openclaw_config(host.fs, launch);
  std::string why_files = "prefer files";
  if (prefer == Prefer::openclaw) {
    if (auto skip = host.skip_reason(Requirement::live_system)) {
      why_files = "OpenClaw not asked: " + *skip;
    } else {
      const auto started = std::chrono::steady_clock::now();
      auto answer = ask_openclaw_gateway(host.runner, launch, timeout);
      const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - started);
      if (answer) {
        // Where the files agree with OpenClaw's answer, their place; else OpenClaw's word.
        std::map<std::string, std::string> where;
        const json whole = json{{"gateway", *answer}};
        const json flat = whole.flatten();  // kept: items() refers into it
        for (const auto& [pointer, value] : flat.items()) {
          std::string at = pointer;
          std::string place = "openclaw config get gateway --json";
          if (files && files->merged.contains(json::json_pointer(pointer)) &&
              files->merged.at(json::json_pointer(pointer)) == value)
            while (!at.empty()) {
              if (auto it = files->provenance.find(at); it != files->provenance.end()) {
                place = it->second;
                break;
              }
              at = at.substr(0, at.rfind('/'));
            }
          where[pointer] = place;
        }
        const auto env = files ? files->environment
                               : std::map<std::string, std::pair<std::string, std::string>>{};
        GatewaySettings settings = apply_launch(whole, where, launch, env);
        settings.source = SettingsSource::openclaw;
        settings.source_note = "openclaw config get gateway --json as " + launch.user + " (" +
                               std::to_string(took.count()) + " ms)";
        if (!files && files.error().code != ErrorCode::not_found)
          settings.source_note += "; the files could not be read here: " + files.error().message;
        if (files)
          settings.files = std::move(*files);
        else
          settings.files_error = files.error();
        return settings;
      }
      why_files = "OpenClaw's own answer unavailable (" + answer.error().message + ")";
    }
  }
  if (!files)
    return fail(files.error().code, files.error().message + "; " + why_files);
  GatewaySettings settings =
      apply_launch(files->merged, files->provenance, launch, files->environment);
  settings.source = SettingsSource::files;
  settings.source_note = "read from " + join(files->files_read, ", ") + "; " + why_files;
  settings.files = std::move(*files);
  return settings;
}

bool openclaw_custom_host_valid(std::string_view raw) {
  const std::string_view host = trim(raw);
  const auto parts = split(host, '.');
  if (parts.size() != 4)
    return false;
  return std::ranges::all_of(parts, [](const std::string& part) {
    // Unsigned: digits only, no sign.
    return !(part.size() > 1 && part[0] == '0') && parse_int(part, 0u, 255u).has_value();
  });
}

}  // namespace clawshield
