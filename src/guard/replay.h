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
};

// Calls `on_entry` for each entry of `text`, whose format is detected from its first
// non-empty line: journal JSON (starts with '{'), journal export (KEY=value blocks), or syslog.
// `year` completes traditional syslog dates.
Result<void> for_each_entry(std::string_view text, int year,
                            const std::function<void(const Entry&)>& on_entry);

struct ReplayResult {
  std::vector<BanDecision> bans;
  ReplayStats stats;
};

Result<ReplayResult> replay(std::string_view text, const GuardSettings& settings, int year);

}  // namespace clawshield::guard
