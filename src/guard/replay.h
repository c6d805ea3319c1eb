// Replays a log from start to end as if it were live, with time taken from the lines, and
// collects the bans the detector would make (nothing is banned). Also the guard's input
// reader: syslog lines, `journalctl -o json` lines and journal export format.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
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

// The fields journald adds to an entry itself — a client cannot send fields whose names start
// with '_' — and so the only ones that say who sent it. SYSLOG_IDENTIFIER, by contrast, is
// whatever the sender chose (`logger -t sshd`).
struct TrustedFields {
  std::string_view uid;              // _UID
  std::string_view comm;             // _COMM
  std::string_view exe;              // _EXE
  std::string_view unit;             // _SYSTEMD_UNIT (absent without systemd as PID 1)
  bool repeated = false;             // one of them appeared twice: not an entry journald wrote
  std::string_view identifier = {};  // SYSLOG_IDENTIFIER: the sender's say, used only below
};

// The sshd program ("sshd", "sshd-session", "sshd-auth") that sent an entry, judged by the
// fields journald adds: always _UID=0 (the kernel's word: only root can send as uid 0), and
// then the most telling field journald could record: _EXE (sshd's binary in a system folder),
// else _COMM (a process named like sshd), else _SYSTEMD_UNIT (ssh.service, sshd.service, a
// per-connection ssh@… unit). journald reads _EXE and _COMM from /proc when the message
// arrives, so a sender that exited at once has neither: such an entry counts when
// SYSLOG_IDENTIFIER names sshd — it was root's, and root may ban anyway. Empty when the entry
// cannot be shown to come from sshd.
std::string_view sshd_program_of(const TrustedFields& fields);

// Turns lines into entries. The format is detected from the first non-empty line: journal
// JSON (`journalctl -o json`, starts with '{'), journal export (KEY=value blocks separated by
// blank lines; a binary field is KEY, a 64-bit little-endian size and exactly that many bytes,
// which may hold newlines), or syslog (RFC 3339 or traditional dates, the latter in `year`).
// Every line is reported: lines that are not entries come out with an empty program. Journal
// entries (JSON, export) name sshd only when their trusted fields do (sshd_program_of).
class EntryDecoder {
 public:
  explicit EntryDecoder(int year) : m_year(year) {}
  void feed(std::string_view line, const std::function<void(const Entry&)>& on_entry);
  void finish(const std::function<void(const Entry&)>& on_entry);

 private:
  enum class Format { unknown, syslog, json, journal_export };
  int m_year;
  Format m_format = Format::unknown;
  void set_export_field(std::string_view key, std::string_view value);
  void take_binary(std::string_view line);
  void reset_export_entry();
  // journal export: the entry being assembled
  std::string m_message, m_uid, m_comm, m_exe, m_unit, m_identifier;
  bool m_has_message = false, m_repeated = false, m_broken = false;
  int64_t m_time = 0;
  int32_t m_micros = 0;
  bool m_pending = false;
  // journal export: a binary field being read (its size, then its bytes and a newline)
  bool m_in_binary = false;
  std::string m_binary_key, m_binary_size_bytes, m_binary_data;
  uint64_t m_binary_left = 0;  // bytes still to come, the closing newline included
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
