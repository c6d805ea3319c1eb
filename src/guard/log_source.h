// Where the guard reads sshd's messages: log files followed like `tail -F` (rotation,
// truncation, partial last lines) and the systemd journal. Each source has a position that
// the daemon persists, so a restart neither misses lines nor reads them twice.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "guard/replay.h"
#include "host/filesystem.h"

namespace clawshield::guard {

class LogSource {
 public:
  virtual ~LogSource() = default;
  // A stable name for the persisted position ("file:/var/log/auth.log", "journal").
  virtual std::string name() const = 0;
  // Delivers every new entry; returns how many.
  virtual Result<size_t> poll(const std::function<void(const Entry&)>& on_entry) = 0;
  // The position after the last delivered entry, as text for the state file.
  virtual std::string position() const = 0;
  // A descriptor that becomes readable when there may be new entries, or -1 (then the daemon
  // relies on inotify of the file's folder and its timer).
  virtual int wait_fd() const { return -1; }
};

// `path` (a host path), resumed at `saved` (from position()) when it still names the same
// file, else from its end — the first start does not replay old history.
std::unique_ptr<LogSource> make_file_source(std::string path, std::optional<std::string> saved,
                                            int year);

// The journal: all local journals, or only those under `directory` (tests). sshd's entries
// are those its trusted fields (_UID, _COMM, _EXE, _SYSTEMD_UNIT) show to come from sshd
// (sshd_program_of); the others are delivered without a program. Resumed after
// `saved_cursor`; without one (first start), from the first entry at or after
// `first_start_usec` (realtime, microseconds).
Result<std::unique_ptr<LogSource>> make_journal_source(std::optional<std::string> directory,
                                                       std::optional<std::string> saved_cursor,
                                                       uint64_t first_start_usec);

inline constexpr const char* k_journald_dev_log = "/run/systemd/journal/dev-log";

// Whether the host's syslog goes through journald (/dev/log is journald's socket): then every
// syslog file (auth.log by rsyslog) repeats journal entries, without their sender's
// credentials.
bool syslog_goes_through_journald(const Filesystem& fs);

}  // namespace clawshield::guard
