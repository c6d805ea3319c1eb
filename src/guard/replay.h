// Replays a log from start to end as if it were live, with time taken from the lines, and
// collects the bans the detector would make (nothing is banned). Also the guard's input
// reader: syslog lines, `journalctl -o json` lines and journal export format.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "guard/detector.h"

namespace clawshield::guard {

struct ReplayStats {
  uint64_t lines = 0;
  uint64_t sshd_lines = 0;  // lines from sshd, sshd-session or sshd-auth
  uint64_t events = 0;      // lines that matched a known message
  std::array<uint64_t, k_event_kinds> by_kind{};
};

// One log entry as the guard sees it.
struct Entry {
  int64_t time;
  std::string_view program;
  std::string_view message;
  int32_t micros = 0;  // sub-second part of the time, where the source has one
};

// Turns lines into entries. The format is detected from the first non-empty line: journal
// JSON (`journalctl -o json`, starts with '{'), journal export (KEY=value blocks separated by
// blank lines), or syslog (RFC 3339 or traditional dates, the latter in `year`). Every line
// is reported: lines that are not entries come out with an empty program.
class EntryDecoder {
 public:
  explicit EntryDecoder(int year) : m_year(year) {}
  void feed(std::string_view line, const std::function<void(const Entry&)>& on_entry);
  void finish(const std::function<void(const Entry&)>& on_entry);

 private:
  enum class Format { unknown, syslog, json, journal_export };
  int m_year;
  Format m_format = Format::unknown;
  // journal export: the entry being assembled
  std::string m_program, m_message;
  int64_t m_time = 0;
  bool m_pending = false;
};

// Reads `path` in chunks and calls `on_line` for every line (without its '\n'); a last line
// without a newline counts too. Memory stays at one chunk however large the file.
Result<void> for_each_line(const std::string& path,
                           const std::function<void(std::string_view)>& on_line);

// Decodes all of `text` (tests, small inputs).
void for_each_entry(std::string_view text, int year,
                    const std::function<void(const Entry&)>& on_entry);

struct ReplayResult {
  std::vector<BanDecision> bans;
  ReplayStats stats;
};

// Replays the log at `path` (streamed) or `text`.
Result<ReplayResult> replay_file(const std::string& path, const GuardSettings& settings, int year);
ReplayResult replay_text(std::string_view text, const GuardSettings& settings, int year);

}  // namespace clawshield::guard
