// The apply journal: before apply changes a path, the path's prior state (content, mode,
// owner, a symlink's target, or absence) is saved under /var/lib/clawshield/journal/<id>/ of
// the root, so the apply can be undone exactly — automatically when a step fails, or later by
// `rollback`. When the apply finishes, the state it left each path in is recorded too, so a
// rollback can tell what changed since and refuse to destroy it.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "host/clock.h"
#include "host/filesystem.h"
#include "host/nftables.h"
#include "host/runner.h"

namespace clawshield {

inline constexpr const char* k_state_dir = "/var/lib/clawshield";

enum class PriorState { absent, file, directory, symlink };
// What a journal entry is about: a path under the root, an nftables table in the kernel, or
// a command that undoes a change no file restore can (`ufw disable` after `ufw enable`).
enum class EntryKind { path, firewall_table, undo_command };
enum class JournalStatus { in_progress, applied, rolled_back };

// The state of a path when the apply finished.
struct AfterState {
  PriorState type = PriorState::absent;
  unsigned mode = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string digest;       // regular files: FNV-1a (64 bits, hex) of the content
  std::string link_target;  // symlinks
  // Directories the apply created: every entry below, as read_entry lists them (a change
  // there is data the rollback's recursive removal would destroy).
  std::vector<std::string> tree;
  bool tree_truncated = false;
};

// What rollback does with a path that changed after the apply finished.
enum class ChangedPaths {
  refuse,     // change nothing, fail listing them (rollback without --force)
  overwrite,  // restore it anyway (rollback --force; a failed apply rolling itself back)
  keep,       // leave it as it is, with the folders the apply created around it
};

struct JournalEntry {
  EntryKind kind = EntryKind::path;
  std::string path;  // for firewall_table: the table's name
  PriorState prior = PriorState::absent;
  std::string backup;       // for files: path of the saved copy
  std::string link_target;  // for symlinks: the link's text
  unsigned mode = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  uint64_t netns = 0;             // for firewall_table/undo_command: the network namespace (inode)
  std::vector<std::string> undo;  // for undo_command: its argv
  bool firewall = false;          // for undo_command: it restores a firewall
  std::optional<AfterState> after;  // for paths: the state the finished apply left
  // For a path the app user can influence (below its home): the part root decides. Such an
  // entry is restored by descriptor, attributes only — its content is the app's, never backed
  // up or written back, and no link there is followed.
  std::string trusted_parent;
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
  // With `trusted_parent` (a path the app user can influence): attributes only, see
  // JournalEntry::trusted_parent.
  Result<void> record(const std::string& path, const std::string& trusted_parent = {});
  // Saves nftables table `inet <table>` (with its set elements) before it is replaced.
  Result<void> record_firewall(Nftables& nft, const std::string& table);
  // Records `undo` (path: a summary) to run when the apply is rolled back; `firewall` when it
  // restores a firewall (the commit-confirmed watchdog then rolls back the whole apply).
  Result<void> record_undo(const std::string& summary, const Command& undo, bool firewall);
  Result<void> set_status(JournalStatus status);
  // Marks the apply finished (status applied), recording the state it left each path in.
  Result<void> finish();
  // Each recorded path that changed since the apply finished, and how ("PATH: how"); a path
  // already back in its prior state is not listed. Empty when the journal has no after states
  // (an apply that never finished).
  Result<std::vector<std::string>> changes_since_apply() const;
  // Restores every recorded path and table, newest first, then runs the undo commands, newest
  // first (they act on the restored files), then removes what the apply created. `changed`
  // says what to do with paths changed since the apply. Returns one line per thing done.
  Result<std::vector<std::string>> roll_back(Nftables& nft, CommandRunner& runner,
                                             ChangedPaths changed = ChangedPaths::overwrite);
  // The commit-confirmed watchdog's job: undo the whole apply — the kernel tables, the
  // undo commands and every file that decides the firewall at boot — keeping paths changed
  // since the apply (listed in the result).
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
  // (path, how) for each path changed since the apply finished.
  Result<std::vector<std::pair<std::string, std::string>>> changed_paths() const;
  // Removes what the apply created (newest first), files and links or folders, leaving what is
  // `kept` and what holds it; says what it did in `done`.
  enum class Created { files, folders };
  Result<void> remove_created(Created which, const std::set<std::string>& kept,
                              std::vector<std::string>& done);

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
