// The apply journal: before apply changes a path, the path's prior state (content, mode,
// owner, or absence) is saved under /var/lib/clawshield/journal/<id>/ of the root, so the
// apply can be undone exactly — automatically when a step fails, or later by `rollback`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "host/clock.h"
#include "host/filesystem.h"

namespace clawshield {

inline constexpr const char* k_state_dir = "/var/lib/clawshield";

enum class PriorState { absent, file, directory };
enum class JournalStatus { in_progress, applied, rolled_back };

struct JournalEntry {
  std::string path;
  PriorState prior = PriorState::absent;
  std::string backup;  // for files: path of the saved copy
  unsigned mode = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

class Journal {
 public:
  // Starts a new journal (status in_progress) named after the clock's time.
  static Result<Journal> begin(Filesystem& fs, const Clock& clock);
  // The newest journal that has not been rolled back, if any.
  static Result<std::optional<Journal>> latest_active(Filesystem& fs);

  // Saves the current state of `path` before it changes; later calls for the same path are
  // no-ops, since the first state is the one to restore.
  Result<void> record(const std::string& path);
  Result<void> set_status(JournalStatus status);
  // Restores every recorded path, newest first. Returns one line per path restored.
  Result<std::vector<std::string>> roll_back();
  // Deletes the journal (used when an apply changed nothing).
  Result<void> discard();

  const std::string& id() const { return m_id; }
  const std::vector<JournalEntry>& entries() const { return m_entries; }
  JournalStatus status() const { return m_status; }

 private:
  Journal(Filesystem& fs, std::string id) : m_fs(&fs), m_id(std::move(id)) {}
  std::string directory() const;
  Result<void> save();

  Filesystem* m_fs;
  std::string m_id;
  std::string m_started;
  JournalStatus m_status = JournalStatus::in_progress;
  std::vector<JournalEntry> m_entries;
};

// Creates the directories of `path` that do not exist yet (0755 root), recording each in
// `journal` when one is given.
Result<void> ensure_parents(Filesystem& fs, const std::string& path, Journal* journal);

}  // namespace clawshield
