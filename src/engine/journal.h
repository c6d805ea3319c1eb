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
#include "host/nftables.h"
#include "host/runner.h"

namespace clawshield {

inline constexpr const char* k_state_dir = "/var/lib/clawshield";

enum class PriorState { absent, file, directory };
// What a journal entry is about: a path under the root, an nftables table in the kernel, or
// a command that undoes a change no file restore can (`ufw disable` after `ufw enable`).
enum class EntryKind { path, firewall_table, undo_command };
enum class JournalStatus { in_progress, applied, rolled_back };

struct JournalEntry {
  EntryKind kind = EntryKind::path;
  std::string path;  // for firewall_table: the table's name
  PriorState prior = PriorState::absent;
  std::string backup;  // for files: path of the saved copy
  unsigned mode = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  uint64_t netns = 0;  // for firewall_table/undo_command: the network namespace (inode)
  std::vector<std::string> undo;  // for undo_command: its argv
  bool firewall = false;          // for undo_command: it restores a firewall
};

class Journal {
 public:
  // Starts a new journal (status in_progress) named after the clock's time.
  static Result<Journal> begin(Filesystem& fs, const Clock& clock);
  // The journal named `id`.
  static Result<Journal> load(Filesystem& fs, const std::string& id);
  // The newest journal that has not been rolled back, if any.
  static Result<std::optional<Journal>> latest_active(Filesystem& fs);

  // Saves the current state of `path` before it changes; later calls for the same path are
  // no-ops, since the first state is the one to restore.
  Result<void> record(const std::string& path);
  // Saves nftables table `inet <table>` (with its set elements) before it is replaced.
  Result<void> record_firewall(Nftables& nft, const std::string& table);
  // Records `undo` (path: a summary) to run when the apply is rolled back; `firewall` when it
  // restores a firewall (the commit-confirmed watchdog then rolls back the whole apply).
  Result<void> record_undo(const std::string& summary, const Command& undo, bool firewall);
  Result<void> set_status(JournalStatus status);
  // Restores every recorded path and table, newest first, then runs the undo commands, newest
  // first (they act on the restored files). Returns one line per thing restored.
  Result<std::vector<std::string>> roll_back(Nftables& nft, CommandRunner& runner);
  // The commit-confirmed watchdog's job: the firewall tables only, or — when a firewall was
  // changed by commands (ufw) — the whole apply.
  Result<std::vector<std::string>> restore_firewall(Nftables& nft, CommandRunner& runner);
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
