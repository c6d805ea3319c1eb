// sudoers for the app user. The seed allows "systemctl start/stop/restart/status openclaw",
// "tailscale commands" and "journalctl for openclaw logs", which playbooks usually write with
// `*`; a wildcard in sudoers matches any arguments, including further units or options such
// as `--root`. Here every command is a fixed argv, and NOEXEC stops the allowed programs from
// starting others: `systemctl status` and `journalctl` page through less, whose `!sh` would
// otherwise be a root shell.
//
// Which rules reach the app user is judged by sudo's own parser, not a partial one: a small
// reader once took "NOEXEC: a, EXEC: b" as NOEXEC on both, and missed %#gid, nested
// User_Alias and anything reached through @include. Here the files are found the way sudo
// finds them (includes resolved under the root, since cvtsudoers would follow them on the
// machine's own /etc), each is parsed by `cvtsudoers -f json` (the sudoers grammar, tag
// inheritance and the tags ALL implies, as sudo applies them), and the user is matched against
// the parsed lists with sudo's rules (last match wins, negation, aliases within aliases),
// resolving groups and ids from the root's own passwd and group. What cannot be resolved under
// a root (netgroups, non-Unix groups) makes a grant uncertain, never absent; a file sudo's
// parser refuses makes the whole judgement an error, never "no rules".
#include "layers/sudo/sudoers.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "core/text.h"

namespace clawshield {
namespace {

std::string alias_name(const Policy& policy) {
  std::string name = "CLAWSHIELD_";
  for (char c : policy.app.user) name += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return name + "_CMDS";
}

// Escapes the characters sudoers treats specially in command arguments.
std::string sudoers_escape(const std::string& word) {
  std::string out;
  for (char c : word) {
    if (c == ',' || c == ':' || c == '=' || c == '\\' || c == '#')
      out += '\\';
    out += c;
  }
  return out;
}

struct LogicalLine {
  int line;  // first physical line
  std::string text;
};

// Joins backslash continuations and drops comments (but keeps #include directives).
std::vector<LogicalLine> logical_lines(const std::string& text) {
  std::vector<LogicalLine> lines;
  std::string current;
  int start = 0, number = 0;
  for (const auto& raw : split_lines(text)) {
    ++number;
    if (current.empty())
      start = number;
    std::string line = raw;
    bool continued = !line.empty() && line.back() == '\\';
    if (continued)
      line.pop_back();
    current += line;
    if (continued) {
      current += ' ';
      continue;
    }
    std::string_view trimmed = trim(current);
    bool directive = trimmed.starts_with("#include") || trimmed.starts_with("@include");
    if (!directive) {
      // A '#' not escaped starts a comment, except "#123" uids in user lists (rare; ignored).
      size_t hash = std::string::npos;
      for (size_t i = 0; i < current.size(); ++i) {
        if (current[i] == '\\') {
          ++i;
          continue;
        }
        if (current[i] == '#' &&
            !(i + 1 < current.size() && std::isdigit(static_cast<unsigned char>(current[i + 1])))) {
          hash = i;
          break;
        }
      }
      if (hash != std::string::npos)
        current.resize(hash);
    }
    if (!trim(current).empty())
      lines.push_back({start, std::string(trim(current))});
    current.clear();
  }
  return lines;
}

// Splits at unescaped `separator`, trimming each part.
std::vector<std::string> split_unescaped(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::string current;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      current += text[i];
      current += text[++i];
      continue;
    }
    if (text[i] == separator) {
      parts.emplace_back(trim(current));
      current.clear();
      continue;
    }
    current += text[i];
  }
  parts.emplace_back(trim(current));
  return parts;
}

bool is_tag(std::string_view word) {
  static const std::set<std::string_view> tags = {
      "NOPASSWD",  "PASSWD",      "NOEXEC",     "EXEC",         "SETENV", "NOSETENV",
      "LOG_INPUT", "NOLOG_INPUT", "LOG_OUTPUT", "NOLOG_OUTPUT", "MAIL",   "NOMAIL",
      "FOLLOW",    "NOFOLLOW",    "INTERCEPT",  "NOINTERCEPT"};
  return tags.contains(word);
}

}  // namespace

std::vector<std::string> allowed_commands(const Policy& policy, const std::string& service) {
  const std::string systemctl = policy.sudo.systemctl;
  std::vector<std::string> commands;
  for (const char* verb : {"start", "stop", "restart", "status"})
    commands.push_back(systemctl + " " + verb + " " + service);
  commands.push_back(systemctl + " daemon-reload");
  commands.push_back(policy.sudo.journalctl + " -u " + service);
  if (policy.sudo.allow_tailscale) {
    commands.push_back(policy.sudo.tailscale + " status");
    commands.push_back(policy.sudo.tailscale + " ip");
  }
  return commands;
}

std::string sudoers_path(const Policy& policy) {
  return "/etc/sudoers.d/" + policy.app.user;
}

std::string render_sudoers(const Policy& policy, const std::string& service) {
  const std::string& user = policy.app.user;
  std::string out =
      "# Managed by clawshield: `clawshield apply` rewrites this file.\n"
      "# Scoped sudo for the " +
      user +
      " service account: exactly these commands, with exactly\n"
      "# these arguments, as root. A command listed with arguments matches only those arguments.\n"
      "# NOEXEC stops each command from starting other programs, which closes the pager escape\n"
      "# (systemctl status and journalctl page through less, and less can run \"!sh\").\n"
      "Defaults:" +
      user +
      " env_reset, !setenv\n"
      "Cmnd_Alias " +
      alias_name(policy) + " = \\\n";
  auto commands = allowed_commands(policy, service);
  for (size_t i = 0; i < commands.size(); ++i) {
    std::vector<std::string> words = split_words(commands[i]);
    std::vector<std::string> escaped;
    for (const auto& word : words) escaped.push_back(sudoers_escape(word));
    out += "    " + join(escaped, " ") + (i + 1 < commands.size() ? ", \\\n" : "\n");
  }
  out += user + " ALL = (root) NOPASSWD: NOEXEC: " + alias_name(policy) + "\n";
  return out;
}

namespace {

constexpr int k_max_include_depth = 128;  // sudo's MAX_SUDOERS_DEPTH

// One sudoers file as sudo reads it, with its include lines blanked (they are followed here,
// under the root, rather than by cvtsudoers on the machine's own /etc).
struct SourceFile {
  std::string path;  // inside the root
  std::string text;
};

struct IncludeDirective {
  bool directory = false;
  std::string path;  // as written, unescaped, quotes removed
};

// The include directive on physical line `line`, if it is one. sudo's lexer takes "#include"
// and "#includedir" at the start of a line and "@include"/"@includedir" after blanks; the path
// is a word (backslash escapes a blank) or a quoted string, and the rest of the line may only be
// a comment.
Result<std::optional<IncludeDirective>> include_directive(std::string_view line) {
  IncludeDirective directive;
  std::string_view rest;
  auto after = [](std::string_view text, std::string_view word) {
    return text.substr(word.size());
  };
  std::string_view blanks_trimmed =
      line.substr(std::min(line.find_first_not_of(" \t"), line.size()));
  if (line.starts_with("#includedir") && line.size() > 11 &&
      (line[11] == ' ' || line[11] == '\t')) {
    directive.directory = true;
    rest = after(line, "#includedir");
  } else if (line.starts_with("#include") && line.size() > 8 &&
             (line[8] == ' ' || line[8] == '\t')) {
    rest = after(line, "#include");
  } else if (blanks_trimmed.starts_with("@includedir")) {
    directive.directory = true;
    rest = after(blanks_trimmed, "@includedir");
  } else if (blanks_trimmed.starts_with("@include")) {
    rest = after(blanks_trimmed, "@include");
  } else {
    return std::nullopt;
  }
  size_t i = rest.find_first_not_of(" \t");
  if (i == std::string_view::npos)
    return fail(ErrorCode::bad_input, "include directive without a path");
  if (rest[i] == '"') {
    for (++i; i < rest.size() && rest[i] != '"'; ++i) {
      if (rest[i] == '\\' && i + 1 < rest.size())
        ++i;
      directive.path += rest[i];
    }
    if (i >= rest.size())
      return fail(ErrorCode::bad_input, "unterminated quoted include path");
    ++i;
  } else {
    for (; i < rest.size() && rest[i] != ' ' && rest[i] != '\t'; ++i) {
      if (rest[i] == '\\' && i + 1 < rest.size())
        ++i;
      directive.path += rest[i];
    }
  }
  std::string_view tail = trim(rest.substr(std::min(i, rest.size())));
  if (!tail.empty() && tail.front() != '#')
    return fail(ErrorCode::bad_input, "unexpected text after the include path");
  if (directive.path.empty())
    return fail(ErrorCode::bad_input, "include directive without a path");
  return directive;
}

// A comment as sudo's lexer sees it: '#' not starting a uid ("#1000") or gid ("%#1000").
bool comment_line(std::string_view trimmed) {
  if (!trimmed.starts_with('#'))
    return false;
  std::string_view rest = trimmed.substr(1);
  if (rest.starts_with('-'))
    rest.remove_prefix(1);
  return rest.empty() || !std::isdigit(static_cast<unsigned char>(rest.front()));
}

// The machine's short host name as the root names it, for "%h" in include paths.
Result<std::string> short_hostname(const Filesystem& fs) {
  auto text = fs.read("/etc/hostname");
  if (!text)
    return fail(text.error().code,
                "\"%h\" in an include path, and /etc/hostname: " + text.error().message);
  std::string name(trim(split_lines(*text).empty() ? "" : split_lines(*text).front()));
  if (name.empty())
    return fail(ErrorCode::bad_input, "\"%h\" in an include path, and /etc/hostname is empty");
  return name.substr(0, name.find('.'));
}

class SourceCollector {
 public:
  explicit SourceCollector(const Filesystem& fs) : m_fs(fs) {}

  // Reads `path` into the list as sudo reads it: the lines up to an include, then the included
  // file(s), then the lines after it (the order decides which Defaults win). Each segment keeps
  // its lines where they are (other lines blank), so line numbers stay the file's.
  Result<void> add_file(const std::string& path, int depth) {
    if (depth > k_max_include_depth)
      return fail(ErrorCode::bad_input, m_fs.host_path(path) + ": too many levels of includes");
    CS_TRY(std::string text, m_fs.read(path));
    m_files.push_back(m_fs.host_path(path));
    std::string segment;    // the current segment, earlier lines blank
    std::string preceding;  // newlines standing for the lines before the current segment
    bool continued = false;
    int number = 0;
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      std::string_view line = std::string_view(text).substr(
          start, end == std::string::npos ? std::string::npos : end - start);
      ++number;
      std::optional<IncludeDirective> directive;
      if (!continued) {
        auto parsed = include_directive(line);
        if (!parsed)
          return fail(ErrorCode::bad_input, m_fs.host_path(path) + ":" + std::to_string(number) +
                                                ": " + parsed.error().message);
        directive = *parsed;
      }
      if (directive) {
        flush(path, segment);
        CS_TRY_VOID(include(*directive, path, depth));
        segment = preceding + "\n";
      } else {
        segment += line;
        if (end != std::string::npos)
          segment += '\n';
      }
      preceding += '\n';
      std::string_view stripped = line.substr(0, line.find_last_not_of(" \t\r") + 1);
      bool comment = comment_line(trim(line));
      continued = !directive && !comment && stripped.ends_with('\\');
      if (end == std::string::npos)
        break;
      start = end + 1;
    }
    flush(path, segment);
    return {};
  }

  // An includedir: its regular files whose names have no '.' and do not end in '~', sorted.
  Result<void> add_directory(const std::string& path, int depth) {
    auto names = m_fs.list(path);
    if (!names) {
      if (names.error().code == ErrorCode::not_found)
        return {};  // a missing includedir is ignored by sudo
      return std::unexpected(names.error());
    }
    std::vector<std::string> sorted = *names;
    std::ranges::sort(sorted);
    for (const auto& name : sorted) {
      if (name.empty() || name.find('.') != std::string::npos || name.ends_with('~'))
        continue;
      const std::string file = (path == "/" ? "" : path) + "/" + name;
      CS_TRY(std::optional<FileStat> st, m_fs.stat(file));
      if (!st || st->type != FileType::regular)
        continue;
      CS_TRY_VOID(add_file(file, depth));
    }
    return {};
  }

  std::vector<SourceFile>& sources() { return m_sources; }
  const std::vector<std::string>& files() const { return m_files; }

 private:
  // A segment with nothing but blanks and comments needs no parsing.
  void flush(const std::string& path, std::string& segment) {
    bool empty = true;
    for (const auto& line : split_lines(segment)) {
      std::string_view t = trim(line);
      empty &= t.empty() || comment_line(t);
    }
    if (!empty)
      m_sources.push_back({path, segment});
    segment.clear();
  }

  Result<void> include(const IncludeDirective& directive, const std::string& path, int depth) {
    CS_TRY(std::string target, expand(directive.path, path));
    if (directive.directory)
      return add_directory(target, depth + 1);
    auto added = add_file(target, depth + 1);
    // A missing file grants nothing (sudo reports it and reads on).
    if (!added && added.error().code != ErrorCode::not_found)
      return added;
    return {};
  }

  // Relative include paths are relative to the including file's directory; "%h" is the host.
  Result<std::string> expand(const std::string& written, const std::string& including) {
    std::string path;
    for (size_t i = 0; i < written.size(); ++i) {
      if (written[i] == '%' && i + 1 < written.size() && written[i + 1] == 'h') {
        CS_TRY(std::string host, short_hostname(m_fs));
        path += host;
        ++i;
        continue;
      }
      path += written[i];
    }
    if (!path.starts_with("/"))
      path = parent_path(including) + (parent_path(including) == "/" ? "" : "/") + path;
    // "." and ".." resolved by name (the kernel resolves ".." after a symlinked folder to the
    // link target's parent; sudoers folders are not links on any system we know).
    return lexical_normalize(path);
  }

  const Filesystem& m_fs;
  std::vector<SourceFile> m_sources;
  std::vector<std::string> m_files;
};

// One file parsed by sudo's parser: the whole document, and the Defaults bound to a runas list
// (the JSON writes "Defaults>root" and "Defaults:root" alike).
struct ParsedSource {
  std::string host_path;
  nlohmann::json document;
  nlohmann::json runas_defaults;
  std::vector<int> spec_lines;  // line of each user specification, when they could be matched
};

Result<nlohmann::json> run_cvtsudoers(CommandRunner& runner, const std::string& host_path,
                                      const std::string& text, std::vector<std::string> extra) {
  Command command{{"cvtsudoers", "-f", "json"}};
  command.argv.insert(command.argv.end(), extra.begin(), extra.end());
  command.argv.push_back("-");
  command.stdin_data = text;
  CS_TRY(CommandResult result, runner.run(command));
  // The first line ("stdin:2:28: syntax error"), without the echo of the source line, and in
  // plain ASCII: the evidence ends up in --json output.
  std::string err(trim(result.err.substr(0, result.err.find('\n'))));
  for (char& c : err)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      c = '?';
  for (size_t at = err.find("stdin:"); at != std::string::npos; at = err.find("stdin:", at))
    err.replace(at, 5, host_path), at += host_path.size();
  if (!result.ok() || !err.empty())
    return fail(
        ErrorCode::bad_input,
        host_path + ": sudo's parser (cvtsudoers) refused it" +
            (err.empty() ? " (exit " + std::to_string(result.exit_code) + ")" : ": " + err));
  if (trim(result.out).empty())
    return nlohmann::json::object();  // nothing to convert (an empty file, or all suppressed)
  auto document = nlohmann::json::parse(result.out, nullptr, false);
  if (document.is_discarded() || !document.is_object())
    return fail(ErrorCode::bad_input,
                host_path +
                    ": cvtsudoers wrote JSON that cannot be read (a construct its JSON "
                    "writer does not support, such as CWD= or CHROOT=)");
  return document;
}

// The line of each user specification in `text`, in order (Defaults, aliases and comments
// skipped), so grants can name where they are.
std::vector<int> user_spec_lines(const std::string& text) {
  std::vector<int> lines;
  for (const auto& line : logical_lines(text)) {
    const std::string& t = line.text;
    bool other = t.starts_with("Defaults");
    for (const char* kind : {"Cmnd_Alias", "Cmd_Alias", "User_Alias", "Host_Alias", "Runas_Alias"})
      other |= t.starts_with(kind);
    if (!other)
      lines.push_back(line.line);
  }
  return lines;
}

enum class Match { no, yes, maybe };

// Who the user is, as sudoers can name it.
struct Identity {
  std::string name;
  std::optional<uid_t> uid;
  std::set<std::string> groups;
  std::set<gid_t> gids;
};

class RuleMatcher {
 public:
  RuleMatcher(Identity identity, const nlohmann::json& user_aliases,
              const nlohmann::json& command_aliases)
      : m_identity(std::move(identity)),
        m_user_aliases(user_aliases),
        m_command_aliases(command_aliases) {}

  // sudo's userlist_matches: the last member that matches decides, a negated one denies.
  Match user_list(const nlohmann::json& list, int depth = 0) const {
    if (!list.is_array() || depth > 64)
      return Match::maybe;
    for (auto it = list.rbegin(); it != list.rend(); ++it) {
      Match matched = user_member(*it, depth);
      if (matched == Match::no)
        continue;
      bool negated = it->value("negated", false);
      if (matched == Match::maybe)
        return Match::maybe;
      return negated ? Match::no : Match::yes;
    }
    return Match::no;
  }

  // The commands of `list` (command / cmndalias members, negations skipped: they grant nothing).
  void commands(const nlohmann::json& list, std::vector<std::string>& out, int depth = 0) const {
    if (!list.is_array() || depth > 64)
      return;
    for (const auto& member : list) {
      if (member.value("negated", false))
        continue;
      if (member.contains("command") && member["command"].is_string()) {
        out.push_back(member["command"].get<std::string>());
      } else if (member.contains("cmndalias") && member["cmndalias"].is_string()) {
        auto alias = m_command_aliases.find(member["cmndalias"].get<std::string>());
        if (alias != m_command_aliases.end())
          commands(*alias, out, depth + 1);
      } else {
        out.push_back(member.dump());  // something this reader does not know: shown as is
      }
    }
  }

  // Whether a command-bound Defaults binding names `command`.
  bool names_command(const nlohmann::json& binding, const std::string& command,
                     int depth = 0) const {
    if (!binding.is_array() || depth > 64)
      return false;
    for (const auto& member : binding) {
      if (member.contains("command") && member["command"].is_string()) {
        std::string bound = member["command"].get<std::string>();
        auto words = split_words(command);
        if (bound == "ALL" || bound == command || (!words.empty() && words.front() == bound))
          return true;
      } else if (member.contains("cmndalias") && member["cmndalias"].is_string()) {
        auto alias = m_command_aliases.find(member["cmndalias"].get<std::string>());
        if (alias != m_command_aliases.end() && names_command(*alias, command, depth + 1))
          return true;
      }
    }
    return false;
  }

 private:
  Match user_member(const nlohmann::json& member, int depth) const {
    const Identity& id = m_identity;
    if (member.contains("username") && member["username"].is_string()) {
      std::string name = member["username"].get<std::string>();
      return name == "ALL" || name == id.name ? Match::yes : Match::no;
    }
    if (member.contains("userid") && member["userid"].is_number_integer())
      return id.uid && member["userid"].get<long long>() == static_cast<long long>(*id.uid)
                 ? Match::yes
                 : Match::no;
    if (member.contains("usergroup") && member["usergroup"].is_string())
      return id.groups.contains(member["usergroup"].get<std::string>()) ? Match::yes : Match::no;
    if (member.contains("usergid") && member["usergid"].is_number_integer()) {
      long long gid = member["usergid"].get<long long>();
      return gid >= 0 && id.gids.contains(static_cast<gid_t>(gid)) ? Match::yes : Match::no;
    }
    if (member.contains("useralias") && member["useralias"].is_string()) {
      auto alias = m_user_aliases.find(member["useralias"].get<std::string>());
      return alias == m_user_aliases.end() ? Match::no : user_list(*alias, depth + 1);
    }
    return Match::maybe;  // netgroup, non-Unix group: not resolvable under a root
  }

  Identity m_identity;
  const nlohmann::json& m_user_aliases;
  const nlohmann::json& m_command_aliases;
};

// Environment variables that decide what a program run as root loads or runs.
bool dangerous_variable(std::string name) {
  if (name.ends_with('*'))
    name.pop_back();
  static const std::vector<std::string> prefixes = {"LD_",  "SYSTEMD_", "LESS",  "PYTHON",
                                                    "PERL", "RUBY",     "NODE_", "GLIBC_"};
  static const std::set<std::string> names = {
      "PAGER", "EDITOR",     "VISUAL",  "SUDO_EDITOR", "BASH_ENV", "ENV",      "SHELLOPTS", "PS4",
      "PATH",  "GCONV_PATH", "LOCPATH", "HOSTALIASES", "IFS",      "TERMINFO", "TERMCAP"};
  if (name.empty() || names.contains(name))
    return true;
  for (const auto& prefix : prefixes)
    if (name.starts_with(prefix) || prefix.starts_with(name))
      return true;
  return false;
}

enum class DefaultsScope { global, host, user, runas, command };

struct DefaultsEntry {
  std::string file;
  DefaultsScope scope;
  nlohmann::json binding;
  nlohmann::json options;
};

// Whether `entry` applies to the user's `command`: global ones do, user ones by the user list,
// command ones by the command; host and runas ones may (this root's host name and the runas
// user of each run are not judged here).
Match defaults_apply(const DefaultsEntry& entry, const RuleMatcher& matcher,
                     const std::string& command) {
  switch (entry.scope) {
    case DefaultsScope::global:
      return Match::yes;
    case DefaultsScope::user:
      return matcher.user_list(entry.binding);
    case DefaultsScope::command:
      return matcher.names_command(entry.binding, command) ? Match::yes : Match::no;
    case DefaultsScope::host:
    case DefaultsScope::runas:
      return Match::maybe;
  }
  return Match::maybe;
}

// The value of boolean Defaults `name` for `command`, starting from `initial`. Entries that
// only may apply count when they move the value towards `risky` (a cautious reading).
bool defaults_flag(const std::vector<DefaultsEntry>& entries, const RuleMatcher& matcher,
                   const std::string& command, const std::string& name, bool initial, bool risky) {
  bool value = initial;
  for (const auto& entry : entries) {
    if (!entry.options.is_array())
      continue;
    for (const auto& option : entry.options) {
      if (!option.is_object() || !option.contains(name) || !option[name].is_boolean())
        continue;
      bool set = option[name].get<bool>();
      Match applies = defaults_apply(entry, matcher, command);
      if (applies == Match::yes || (applies == Match::maybe && set == risky))
        value = set;
    }
  }
  return value;
}

}  // namespace

Result<SudoRules> sudo_rules_for_user(const Filesystem& fs, CommandRunner& runner,
                                      const Accounts& accounts, const std::string& user) {
  SudoRules rules;
  // 0. Rules from LDAP or SSSD (nsswitch.conf "sudoers: files sss") are not in any file: a
  // reading of the files alone would miss them.
  auto nsswitch = fs.read("/etc/nsswitch.conf");
  if (!nsswitch && nsswitch.error().code != ErrorCode::not_found)
    return std::unexpected(nsswitch.error());
  if (nsswitch) {
    for (const auto& line : split_lines(*nsswitch)) {
      std::string_view text = trim(line);
      if (!text.starts_with("sudoers:"))
        continue;
      for (const auto& source : split_words(std::string(text.substr(8))))
        if (source != "files" && !source.starts_with("[") && !source.starts_with("#"))
          return fail(ErrorCode::refused,
                      "/etc/nsswitch.conf reads sudoers from \"" + source +
                          "\" too; rules there are not in any file clawshield can read");
    }
  }

  // 1. The files, in the order sudo reads them.
  SourceCollector collector(fs);
  auto main_file = fs.stat("/etc/sudoers");
  if (!main_file)
    return std::unexpected(main_file.error());
  if (*main_file) {
    CS_TRY_VOID(collector.add_file("/etc/sudoers", 0));
  } else {
    rules.note = "no /etc/sudoers: /etc/sudoers.d read as Debian's /etc/sudoers includes it";
    CS_TRY_VOID(collector.add_directory("/etc/sudoers.d", 1));
  }

  rules.files = collector.files();

  // 2. Each parsed by sudo's own parser.
  std::vector<ParsedSource> parsed;
  for (const auto& source : collector.sources()) {
    const std::string host_path = fs.host_path(source.path);
    CS_TRY(nlohmann::json document, run_cvtsudoers(runner, host_path, source.text, {}));
    CS_TRY(nlohmann::json runas, run_cvtsudoers(runner, host_path, source.text,
                                                {"-d", "runas", "-s", "aliases,privileges"}));
    ParsedSource entry{host_path, std::move(document), std::move(runas), {}};
    std::vector<int> lines = user_spec_lines(source.text);
    if (entry.document.contains("User_Specs") &&
        entry.document["User_Specs"].size() == lines.size())
      entry.spec_lines = std::move(lines);
    parsed.push_back(std::move(entry));
  }

  // cvtsudoers' JSON is read defensively: a shape this reader does not expect is an error.
  try {
    // 3. Aliases are global across files; Defaults are applied by kind, then in file order.
    nlohmann::json user_aliases = nlohmann::json::object();
    nlohmann::json command_aliases = nlohmann::json::object();
    std::vector<DefaultsEntry> defaults;
    for (const auto& source : parsed) {
      if (source.document.contains("User_Aliases") && source.document["User_Aliases"].is_object())
        user_aliases.update(source.document["User_Aliases"]);
      if (source.document.contains("Command_Aliases") &&
          source.document["Command_Aliases"].is_object())
        command_aliases.update(source.document["Command_Aliases"]);
      if (!source.document.contains("Defaults") || !source.document["Defaults"].is_array())
        continue;
      const nlohmann::json runas_list =
          source.runas_defaults.value("Defaults", nlohmann::json::array());
      for (const auto& entry : source.document["Defaults"]) {
        DefaultsEntry d{source.host_path, DefaultsScope::global,
                        entry.value("Binding", nlohmann::json()),
                        entry.value("Options", nlohmann::json::array())};
        if (d.binding.is_array() && !d.binding.empty()) {
          bool command = false, userish = true;
          for (const auto& member : d.binding) {
            command |= member.contains("command") || member.contains("cmndalias");
            userish &= member.contains("username") || member.contains("userid") ||
                       member.contains("usergroup") || member.contains("usergid") ||
                       member.contains("useralias") || member.contains("netgroup") ||
                       member.contains("nonunixgroup") || member.contains("nonunixgid");
          }
          bool runas = std::ranges::find(runas_list, entry) != runas_list.end();
          d.scope = command   ? DefaultsScope::command
                    : runas   ? DefaultsScope::runas
                    : userish ? DefaultsScope::user
                              : DefaultsScope::host;
        }
        defaults.push_back(std::move(d));
      }
    }
    std::ranges::stable_sort(defaults, {},
                             [](const DefaultsEntry& d) { return static_cast<int>(d.scope); });

    // 4. Who the user is.
    Identity identity{user, std::nullopt, {}, {}};
    if (const UserEntry* entry = accounts.user(user)) {
      identity.uid = entry->uid;
      identity.gids.insert(entry->gid);
      for (const auto& group : accounts.groups_of(*entry)) {
        identity.groups.insert(group);
        if (const GroupEntry* g = accounts.group(group))
          identity.gids.insert(g->gid);
      }
      if (const GroupEntry* primary = accounts.group_by_gid(entry->gid))
        identity.groups.insert(primary->name);
    }
    RuleMatcher matcher(identity, user_aliases, command_aliases);

    // 5. The rules that reach the user, each command with its effective tags.
    for (const auto& source : parsed) {
      if (!source.document.contains("User_Specs") || !source.document["User_Specs"].is_array())
        continue;
      const auto& specs = source.document["User_Specs"];
      for (size_t i = 0; i < specs.size(); ++i) {
        const auto& spec = specs[i];
        Match applies = matcher.user_list(spec.value("User_List", nlohmann::json::array()));
        if (applies == Match::no)
          continue;
        int line = i < source.spec_lines.size() ? source.spec_lines[i] : 0;
        for (const auto& cmnd_spec : spec.value("Cmnd_Specs", nlohmann::json::array())) {
          std::map<std::string, bool> explicit_tags;
          for (const auto& option : cmnd_spec.value("Options", nlohmann::json::array()))
            if (option.is_object())
              for (const auto& [name, value] : option.items())
                if (value.is_boolean())
                  explicit_tags[name] = value.get<bool>();
          std::vector<std::string> commands;
          matcher.commands(cmnd_spec.value("Commands", nlohmann::json::array()), commands);
          for (const auto& command : commands) {
            auto effective = [&](const std::string& name, bool initial, bool risky) {
              auto it = explicit_tags.find(name);
              return it != explicit_tags.end()
                         ? it->second
                         : defaults_flag(defaults, matcher, command, name, initial, risky);
            };
            SudoGrant grant{source.host_path, line, command, {}, applies == Match::yes};
            if (!effective("authenticate", true, false))
              grant.tags.push_back("NOPASSWD");
            if (effective("noexec", false, false))
              grant.tags.push_back("NOEXEC");
            if (effective("setenv", false, true)) {
              grant.tags.push_back("SETENV");
              rules.environment.push_back(source.host_path +
                                          (line ? ":" + std::to_string(line) : "") + ": " +
                                          command + " may be run with any environment (SETENV)");
            }
            if (!effective("env_reset", true, false))
              rules.environment.push_back(source.host_path + ": Defaults !env_reset reaches " +
                                          command + " (the user's environment is kept)");
            rules.grants.push_back(std::move(grant));
          }
        }
      }
    }

    // 6. Defaults that keep variables which change what a root program loads or runs.
    for (const auto& entry : defaults) {
      if (!entry.options.is_array())
        continue;
      for (const auto& option : entry.options) {
        if (!option.is_object() || option.value("operation", "") == "list_remove")
          continue;
        for (const char* list : {"env_keep", "env_check"}) {
          if (!option.contains(list) || !option[list].is_array())
            continue;
          bool reaches =
              entry.scope != DefaultsScope::user || matcher.user_list(entry.binding) != Match::no;
          if (entry.scope == DefaultsScope::command)
            reaches = std::ranges::any_of(rules.grants, [&](const SudoGrant& g) {
              return matcher.names_command(entry.binding, g.command);
            });
          for (const auto& variable : option[list])
            if (reaches && variable.is_string() && dangerous_variable(variable.get<std::string>()))
              rules.environment.push_back(entry.file + ": Defaults " + list + " keeps " +
                                          variable.get<std::string>());
        }
      }
    }
    std::ranges::sort(rules.environment);
    auto [first, last] = std::ranges::unique(rules.environment);
    rules.environment.erase(first, last);
  } catch (const nlohmann::json::exception& e) {
    return fail(
        ErrorCode::bad_input,
        "cvtsudoers wrote JSON of a shape clawshield does not know: " + std::string(e.what()));
  }
  return rules;
}

Result<std::vector<SudoGrant>> grants_for_user(const Filesystem& fs, CommandRunner& runner,
                                               const Accounts& accounts, const std::string& user) {
  CS_TRY(SudoRules rules, sudo_rules_for_user(fs, runner, accounts, user));
  return rules.grants;
}

std::string breadth_problem(const SudoGrant& grant) {
  const std::string& command = grant.command;
  if (command == "ALL") {
    bool nopasswd = std::ranges::find(grant.tags, "NOPASSWD") != grant.tags.end();
    return nopasswd ? "NOPASSWD: ALL" : "ALL";
  }
  if (command.find_first_of("*?[") != std::string::npos)
    return "wildcard";
  if (command.empty() || command.front() != '/')
    return "not an absolute path";
  if (split_words(command).size() < 2)
    return "no arguments listed: any arguments allowed";
  if (command.starts_with("sudoedit"))
    return "sudoedit";
  return {};
}

std::vector<std::string> parse_sudo_list(const std::string& output) {
  // Entries start with "(runas)"; sudo folds long entries onto indented continuation lines.
  std::vector<std::string> entries;
  bool in_list = false;
  for (const auto& raw : split_lines(output)) {
    std::string_view line = trim(raw);
    if (line.find("may run the following commands") != std::string_view::npos) {
      in_list = true;
      continue;
    }
    if (!in_list || line.empty())
      continue;
    if (line.front() == '(' || entries.empty())
      entries.emplace_back(line);
    else
      entries.back() += " " + std::string(line);
  }
  std::vector<std::string> commands;
  for (const auto& entry : entries) {
    std::string_view view = entry;
    if (view.front() == '(') {
      size_t close = view.find(')');
      view = trim(view.substr(close == std::string_view::npos ? view.size() : close + 1));
    }
    // "NOEXEC: NOPASSWD: /usr/bin/x a, /usr/bin/y b" (older sudo: "NOPASSWD, NOEXEC: ...")
    while (true) {
      size_t colon = view.find(": ");
      if (colon == std::string_view::npos)
        break;
      bool all_tags = true;
      for (const auto& word : split(view.substr(0, colon), ',')) all_tags &= is_tag(trim(word));
      if (!all_tags)
        break;
      view = trim(view.substr(colon + 2));
    }
    for (const auto& command : split_unescaped(view, ',')) {
      std::string unescaped;
      for (size_t i = 0; i < command.size(); ++i) {
        if (command[i] == '\\' && i + 1 < command.size())
          ++i;
        unescaped += command[i];
      }
      if (!unescaped.empty())
        commands.push_back(unescaped);
    }
  }
  return commands;
}

}  // namespace clawshield
