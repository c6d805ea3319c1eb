// Reads sshd's configuration the way sshd does, far enough for the settings clawshield
// judges: keywords are case-insensitive, "Key=value" equals "Key value", the first value of a
// keyword wins (Port and ListenAddress accumulate), Include takes globs relative to /etc/ssh
// and is read in place, and a Match block ends the global section.
#include "layers/ssh/sshd_config.h"

#include <fnmatch.h>

#include <algorithm>

#include "core/text.h"

namespace clawshield {
namespace {

bool accumulates(const std::string& keyword) {
  return keyword == "port" || keyword == "listenaddress";
}

// Reads `path`; returns false once a Match block starts (the global section is over).
Result<bool> read_config(const Filesystem& fs, const std::string& path, SshdSettings& settings,
                         int depth) {
  if (depth > 8)
    return fail(ErrorCode::bad_input, fs.host_path(path) + ": Include nested too deep");
  CS_TRY(std::string text, fs.read(path));
  int line_number = 0;
  for (const auto& raw : split_lines(text)) {
    ++line_number;
    auto words = split_words(std::string(trim(raw)));
    if (words.empty() || words.front().starts_with("#"))
      continue;
    if (size_t eq = words.front().find('='); eq != std::string::npos) {
      std::string value = words.front().substr(eq + 1);
      words.front().resize(eq);
      if (!value.empty())
        words.insert(words.begin() + 1, value);
    }
    const std::string keyword = to_lower(words.front());
    if (keyword == "match") {
      settings.match_blocks = true;
      return false;
    }
    if (words.size() < 2)
      return fail(ErrorCode::bad_input, fs.host_path(path) + ":" + std::to_string(line_number) +
                                            ": \"" + words.front() + "\" without a value");
    if (keyword == "include") {
      for (size_t i = 1; i < words.size(); ++i) {
        std::string pattern = words[i].starts_with("/") ? words[i] : "/etc/ssh/" + words[i];
        std::string dir = parent_path(pattern);
        auto names = fs.list(dir);
        if (!names) {
          if (names.error().code == ErrorCode::not_found)
            continue;  // sshd ignores an Include that matches nothing
          return std::unexpected(names.error());
        }
        std::ranges::sort(*names);
        for (const auto& name : *names) {
          std::string candidate = dir + "/" + name;
          if (::fnmatch(pattern.c_str(), candidate.c_str(), FNM_PATHNAME) != 0)
            continue;
          CS_TRY(bool go_on, read_config(fs, candidate, settings, depth + 1));
          if (!go_on)
            return false;
        }
      }
      continue;
    }
    auto& values = settings.values[keyword];
    if (accumulates(keyword) || values.empty())
      values.push_back(words[1]);
  }
  return true;
}

}  // namespace

std::string SshdSettings::get(const std::string& keyword, const std::string& fallback) const {
  auto found = values.find(keyword);
  return found == values.end() || found->second.empty() ? fallback : found->second.front();
}

Result<SshdSettings> sshd_settings(const HostView& host) {
  if (host.fs.is_system_root()) {
    auto result = host.runner.run(Command({"sshd", "-T"}));
    if (result && result->ok()) {
      SshdSettings settings;
      settings.source = "sshd -T";
      for (const auto& line : split_lines(result->out)) {
        auto words = split_words(line);
        if (words.size() >= 2)
          settings.values[words[0]].push_back(words[1]);
      }
      if (!settings.values.empty())
        return settings;
    }
  }
  SshdSettings settings;
  settings.source = host.fs.host_path("/etc/ssh/sshd_config");
  auto read = read_config(host.fs, "/etc/ssh/sshd_config", settings, 0);
  if (!read) {
    if (read.error().code == ErrorCode::not_found) {
      settings.source = "defaults (no /etc/ssh/sshd_config)";
      return settings;
    }
    return std::unexpected(read.error());
  }
  return settings;
}

}  // namespace clawshield
