// Replay, and the entry reader it shares with the daemon. Syslog text is split in place
// (string_views into the buffer, no copies); the journal formats are rarer and go through
// nlohmann::json or a small export-format reader.
#include "guard/replay.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <string>

namespace clawshield::guard {
namespace {

void syslog_entries(std::string_view text, int year,
                    const std::function<void(const Entry&)>& on_entry) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos)
      end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (auto parsed = parse_syslog_line(line, year))
      on_entry(Entry{parsed->time, parsed->program, parsed->message});
    else
      on_entry(Entry{0, {}, {}});  // counted as a line, matches nothing
  }
}

void json_entries(std::string_view text, const std::function<void(const Entry&)>& on_entry) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos)
      end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    auto document = nlohmann::json::parse(line, nullptr, false);
    if (document.is_discarded() || !document.is_object()) {
      on_entry(Entry{0, {}, {}});
      continue;
    }
    std::string program = document.value("SYSLOG_IDENTIFIER", document.value("_COMM", ""));
    std::string message = document.contains("MESSAGE") && document["MESSAGE"].is_string()
                              ? document["MESSAGE"].get<std::string>()
                              : "";
    std::string realtime = document.value("__REALTIME_TIMESTAMP", "0");
    int64_t micros = 0;
    std::from_chars(realtime.data(), realtime.data() + realtime.size(), micros);
    on_entry(Entry{micros / 1000000, program, message});
  }
}

void export_entries(std::string_view text, const std::function<void(const Entry&)>& on_entry) {
  // KEY=value lines; a blank line ends an entry. (Binary fields are skipped.)
  std::string program, message;
  int64_t time = 0;
  bool any = false;
  auto flush = [&] {
    if (any)
      on_entry(Entry{time, program, message});
    program.clear();
    message.clear();
    time = 0;
    any = false;
  };
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos)
      end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty()) {
      flush();
      if (end == text.size())
        break;
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos)
      continue;
    any = true;
    std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "MESSAGE")
      message = value;
    else if (key == "SYSLOG_IDENTIFIER" || (key == "_COMM" && program.empty()))
      program = value;
    else if (key == "__REALTIME_TIMESTAMP") {
      int64_t micros = 0;
      std::from_chars(value.data(), value.data() + value.size(), micros);
      time = micros / 1000000;
    }
  }
  flush();
}

}  // namespace

Result<void> for_each_entry(std::string_view text, int year,
                            const std::function<void(const Entry&)>& on_entry) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos)
    return {};
  if (text[first] == '{') {
    json_entries(text, on_entry);
  } else if (text.substr(first, 22).find('=') != std::string_view::npos &&
             (text.substr(first).starts_with("__CURSOR=") || text.substr(first).starts_with("__REALTIME") ||
              text.substr(first).starts_with("MESSAGE=") || text.substr(first).starts_with("_"))) {
    export_entries(text.substr(first), on_entry);
  } else {
    syslog_entries(text, year, on_entry);
  }
  return {};
}

Result<ReplayResult> replay(std::string_view text, const GuardSettings& settings, int year) {
  ReplayResult result;
  Detector detector(settings);
  CS_TRY_VOID(for_each_entry(text, year, [&](const Entry& entry) {
    ++result.stats.lines;
    if (!is_sshd_program(entry.program))
      return;
    ++result.stats.sshd_lines;
    auto event = parse_sshd_message(entry.message);
    if (!event)
      return;
    ++result.stats.events;
    ++result.stats.by_kind[static_cast<size_t>(event->kind)];
    if (auto ban = detector.observe(*event, entry.time))
      result.bans.push_back(*ban);
  }));
  return result;
}

}  // namespace clawshield::guard
