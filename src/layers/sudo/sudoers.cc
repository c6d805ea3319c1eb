// sudoers for the app user. The seed allows "systemctl start/stop/restart/status openclaw",
// "tailscale commands" and "journalctl for openclaw logs", which playbooks usually write with
// `*`; a wildcard in sudoers matches any arguments, including further units or options such
// as `--root`. Here every command is a fixed argv, and NOEXEC stops the allowed programs from
// starting others: `systemctl status` and `journalctl` page through less, whose `!sh` would
// otherwise be a root shell.
//
// The reader below is deliberately small: enough of sudoers(5) to find every rule that applies
// to one user and list what it grants, so verify can flag anything broader than a fixed argv.
#include "layers/sudo/sudoers.h"

#include <algorithm>
#include <cctype>
#include <map>
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

struct ParsedFile {
  std::string path;
  std::vector<LogicalLine> lines;
};

}  // namespace

std::vector<std::string> allowed_commands(const Policy& policy) {
  const std::string systemctl = policy.sudo.systemctl;
  const std::string service = policy.app.service;
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

std::string render_sudoers(const Policy& policy) {
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
  auto commands = allowed_commands(policy);
  for (size_t i = 0; i < commands.size(); ++i) {
    std::vector<std::string> words = split_words(commands[i]);
    std::vector<std::string> escaped;
    for (const auto& word : words) escaped.push_back(sudoers_escape(word));
    out += "    " + join(escaped, " ") + (i + 1 < commands.size() ? ", \\\n" : "\n");
  }
  out += user + " ALL = (root) NOPASSWD: NOEXEC: " + alias_name(policy) + "\n";
  return out;
}

Result<std::vector<SudoGrant>> grants_for_user(const Filesystem& fs, const Accounts& accounts,
                                               const std::string& user) {
  std::vector<ParsedFile> files;
  auto main = fs.read("/etc/sudoers");
  if (main) {
    files.push_back({fs.host_path("/etc/sudoers"), logical_lines(*main)});
  } else if (main.error().code != ErrorCode::not_found) {
    return std::unexpected(main.error());
  }
  auto names = fs.list("/etc/sudoers.d");
  if (!names && names.error().code != ErrorCode::not_found)
    return std::unexpected(names.error());
  if (names) {
    for (const auto& name : *names) {
      // sudo skips names with '.' or ending in '~' in an includedir.
      if (name.find('.') != std::string::npos || name.ends_with('~'))
        continue;
      CS_TRY(std::string text, fs.read("/etc/sudoers.d/" + name));
      files.push_back({fs.host_path("/etc/sudoers.d/" + name), logical_lines(text)});
    }
  }

  // Who `user` is, as sudoers names it.
  std::set<std::string> identities = {user, "ALL"};
  if (const UserEntry* entry = accounts.user(user)) {
    for (const auto& group : accounts.groups_of(*entry)) identities.insert("%" + group);
    identities.insert("#" + std::to_string(entry->uid));
  }

  std::map<std::string, std::vector<std::string>> command_aliases;
  std::map<std::string, std::vector<std::string>> user_aliases;
  for (const auto& file : files) {
    for (const auto& line : file.lines) {
      for (const char* kind : {"Cmnd_Alias", "Cmd_Alias", "User_Alias"}) {
        if (!line.text.starts_with(kind) || line.text.size() <= std::string_view(kind).size() ||
            !std::isspace(static_cast<unsigned char>(line.text[std::string_view(kind).size()])))
          continue;
        // NAME = a, b : NAME2 = c
        for (const auto& definition :
             split_unescaped(line.text.substr(std::string_view(kind).size()), ':')) {
          size_t eq = definition.find('=');
          if (eq == std::string::npos)
            continue;
          std::string name(trim(definition.substr(0, eq)));
          auto members = split_unescaped(definition.substr(eq + 1), ',');
          (std::string_view(kind) == "User_Alias" ? user_aliases : command_aliases)[name] = members;
        }
      }
    }
  }
  for (const auto& [name, members] : user_aliases)
    for (const auto& member : members)
      if (identities.contains(member))
        identities.insert(name);

  std::vector<SudoGrant> grants;
  for (const auto& file : files) {
    for (const auto& line : file.lines) {
      const std::string& text = line.text;
      if (text.starts_with("Defaults") || text.starts_with("#include") ||
          text.starts_with("@include") || text.find('=') == std::string::npos)
        continue;
      bool alias_line = false;
      for (const char* kind :
           {"Cmnd_Alias", "Cmd_Alias", "User_Alias", "Host_Alias", "Runas_Alias"})
        alias_line |= text.starts_with(kind);
      if (alias_line)
        continue;
      // user_list host_list = [(runas)] [TAG:]... cmnd_list [: host_list = ...]
      size_t space = text.find_first_of(" \t");
      if (space == std::string::npos)
        continue;
      auto users = split_unescaped(text.substr(0, space), ',');
      bool applies =
          std::ranges::any_of(users, [&](const std::string& u) { return identities.contains(u); });
      if (!applies)
        continue;
      std::string rest = text.substr(space);
      size_t eq = rest.find('=');
      std::string commands_text = rest.substr(eq + 1);
      std::vector<std::string> current_tags;
      for (std::string item : split_unescaped(commands_text, ',')) {
        // Leading "(runas)" and "TAG:" prefixes; a tag carries to later commands in the list.
        std::string_view view = trim(item);
        if (view.starts_with("(")) {
          size_t close = view.find(')');
          view = trim(view.substr(close == std::string_view::npos ? view.size() : close + 1));
        }
        while (true) {
          size_t colon = view.find(':');
          if (colon == std::string_view::npos || !is_tag(trim(view.substr(0, colon))))
            break;
          std::string tag(trim(view.substr(0, colon)));
          if (std::ranges::find(current_tags, tag) == current_tags.end())
            current_tags.push_back(tag);
          view = trim(view.substr(colon + 1));
        }
        std::string command(view);
        bool negated = command.starts_with("!");
        if (negated)
          continue;  // a negation takes away; it grants nothing
        auto alias = command_aliases.find(command);
        if (alias != command_aliases.end()) {
          for (const auto& member : alias->second)
            grants.push_back({file.path, line.line, member, current_tags});
        } else if (!command.empty()) {
          grants.push_back({file.path, line.line, command, current_tags});
        }
      }
    }
  }
  return grants;
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
