// Write-ahead journal of an apply. Each entry is saved (journal.json rewritten atomically)
// before its path is touched, so even a crash mid-apply leaves enough to roll back. Rollback
// walks the entries newest first: created paths are removed, replaced files are written back
// byte for byte with their old mode and owner, changed directories get their old attributes.
#include "engine/journal.h"

#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <ctime>

#include "core/text.h"

namespace clawshield {
namespace {

using nlohmann::json;

const char* status_text(JournalStatus status) {
  switch (status) {
    case JournalStatus::in_progress:
      return "in_progress";
    case JournalStatus::applied:
      return "applied";
    case JournalStatus::rolled_back:
      return "rolled_back";
  }
  return "in_progress";
}

const char* prior_text(PriorState prior) {
  switch (prior) {
    case PriorState::absent:
      return "absent";
    case PriorState::file:
      return "file";
    case PriorState::directory:
      return "directory";
  }
  return "absent";
}

std::string journal_root() {
  return std::string(k_state_dir) + "/journal";
}

std::string utc_stamp(std::chrono::system_clock::time_point when) {
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &tm);
  return buffer;
}

// This process's network namespace, as its inode number.
uint64_t current_netns() {
  struct stat st {};
  return ::stat("/proc/self/ns/net", &st) == 0 ? static_cast<uint64_t>(st.st_ino) : 0;
}

Result<void> make_state_dirs(Filesystem& fs, const std::string& path) {
  CS_TRY_VOID(ensure_parents(fs, path + "/x", nullptr));
  return {};
}

}  // namespace

Result<void> ensure_parents(Filesystem& fs, const std::string& path, Journal* journal) {
  std::vector<std::string> missing;
  for (std::string dir = parent_path(path); dir != "/"; dir = parent_path(dir)) {
    CS_TRY(auto st, fs.stat(dir));
    if (st) {
      if (st->type != FileType::directory)
        return fail(ErrorCode::io, fs.host_path(dir) + " exists and is not a directory");
      break;
    }
    missing.push_back(dir);
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (journal)
      CS_TRY_VOID(journal->record(*it));
    bool state = it->starts_with(k_state_dir);
    CS_TRY_VOID(fs.make_directory(*it, state ? 0700 : 0755, Ownership{0, 0}));
  }
  return {};
}

std::string Journal::directory() const {
  return journal_root() + "/" + m_id;
}

Result<Journal> Journal::begin(Filesystem& fs, const Clock& clock) {
  CS_TRY_VOID(make_state_dirs(fs, journal_root()));
  const std::string stamp = utc_stamp(clock.now());
  CS_TRY(auto existing, fs.list(journal_root()));
  int sequence = 1;
  for (const auto& name : existing)
    if (name.starts_with(stamp))
      ++sequence;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "-%03d", sequence);
  Journal journal(fs, stamp + suffix);
  journal.m_started = stamp;
  CS_TRY_VOID(fs.make_directory(journal.directory(), 0700, Ownership{0, 0}));
  CS_TRY_VOID(fs.make_directory(journal.directory() + "/files", 0700, Ownership{0, 0}));
  CS_TRY_VOID(journal.save());
  return journal;
}

Result<Journal> Journal::load(Filesystem& fs, const std::string& id) {
  const std::string file = journal_root() + "/" + id + "/journal.json";
  CS_TRY(std::string text, fs.read(file));
  json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object())
    return fail(ErrorCode::bad_input, fs.host_path(file) + ": not a clawshield journal");
  Journal journal(fs, id);
  const std::string status = document.value("status", "");
  journal.m_status = status == "applied"       ? JournalStatus::applied
                     : status == "rolled_back" ? JournalStatus::rolled_back
                                               : JournalStatus::in_progress;
  journal.m_started = document.value("started", "");
  for (const auto& item : document.value("entries", json::array())) {
    JournalEntry entry;
    const std::string kind = item.value("kind", "path");
    entry.kind = kind == "firewall_table" ? EntryKind::firewall_table
                 : kind == "undo_command" ? EntryKind::undo_command
                                          : EntryKind::path;
    entry.undo = item.value("undo", std::vector<std::string>{});
    entry.firewall = item.value("firewall", false);
    if (entry.kind == EntryKind::undo_command && entry.undo.empty())
      return fail(ErrorCode::bad_input, fs.host_path(file) + ": undo entry without a command");
    entry.path = item.value("path", "");
    const std::string prior = item.value("prior", "absent");
    entry.prior = prior == "file"        ? PriorState::file
                  : prior == "directory" ? PriorState::directory
                                         : PriorState::absent;
    entry.backup = item.value("backup", "");
    entry.mode = item.value("mode", 0u);
    entry.uid = item.value("uid", 0u);
    entry.gid = item.value("gid", 0u);
    entry.netns = item.value("netns", uint64_t{0});
    if (entry.path.empty())
      return fail(ErrorCode::bad_input, fs.host_path(file) + ": entry without a path");
    journal.m_entries.push_back(std::move(entry));
  }
  return journal;
}

Result<std::optional<Journal>> Journal::latest_active(Filesystem& fs) {
  auto names = fs.list(journal_root());
  if (!names) {
    if (names.error().code == ErrorCode::not_found)
      return std::optional<Journal>{};
    return std::unexpected(names.error());
  }
  for (auto it = names->rbegin(); it != names->rend(); ++it) {
    auto journal = load(fs, *it);
    if (!journal) {
      if (journal.error().code == ErrorCode::not_found)
        continue;
      return std::unexpected(journal.error());
    }
    if (journal->status() != JournalStatus::rolled_back)
      return std::optional<Journal>(std::move(*journal));
  }
  return std::optional<Journal>{};
}

Result<void> Journal::save() {
  json entries = json::array();
  for (const auto& entry : m_entries) {
    json item = {{"kind", entry.kind == EntryKind::path             ? "path"
                          : entry.kind == EntryKind::firewall_table ? "firewall_table"
                                                                    : "undo_command"},
                 {"path", entry.path},
                 {"prior", prior_text(entry.prior)}};
    if (entry.prior != PriorState::absent) {
      item["mode"] = entry.mode;
      item["uid"] = entry.uid;
      item["gid"] = entry.gid;
    }
    if (!entry.backup.empty())
      item["backup"] = entry.backup;
    if (entry.kind != EntryKind::path)
      item["netns"] = entry.netns;
    if (entry.kind == EntryKind::undo_command) {
      item["undo"] = entry.undo;
      item["firewall"] = entry.firewall;
    }
    entries.push_back(std::move(item));
  }
  json document = {{"id", m_id},
                   {"started", m_started},
                   {"status", status_text(m_status)},
                   {"entries", std::move(entries)}};
  return m_fs->write_atomic(directory() + "/journal.json", document.dump(2) + "\n", 0600,
                            Ownership{0, 0});
}

Result<void> Journal::record_firewall(Nftables& nft, const std::string& table) {
  for (const auto& entry : m_entries)
    if (entry.kind == EntryKind::firewall_table && entry.path == table)
      return {};
  JournalEntry entry;
  entry.kind = EntryKind::firewall_table;
  entry.path = table;
  entry.netns = current_netns();
  CS_TRY(auto listing, list_table(nft, table, NftOutput::plain));
  if (listing) {
    entry.prior = PriorState::file;
    entry.backup = directory() + "/files/" + std::to_string(m_entries.size());
    CS_TRY_VOID(m_fs->write_atomic(entry.backup, *listing, 0600, Ownership{0, 0}));
  }
  m_entries.push_back(std::move(entry));
  return save();
}

Result<void> Journal::record(const std::string& path) {
  for (const auto& entry : m_entries)
    if (entry.kind == EntryKind::path && entry.path == path)
      return {};
  JournalEntry entry;
  entry.path = path;
  CS_TRY(auto st, m_fs->stat(path));
  if (st) {
    entry.mode = st->mode;
    entry.uid = st->uid;
    entry.gid = st->gid;
    if (st->type == FileType::directory) {
      entry.prior = PriorState::directory;
    } else if (st->type == FileType::regular) {
      entry.prior = PriorState::file;
      CS_TRY(std::string content, m_fs->read(path));
      entry.backup = directory() + "/files/" + std::to_string(m_entries.size());
      CS_TRY_VOID(m_fs->write_atomic(entry.backup, content, 0600, Ownership{0, 0}));
    } else {
      return fail(ErrorCode::refused, m_fs->host_path(path) + " is neither a file nor a directory");
    }
  }
  m_entries.push_back(std::move(entry));
  return save();
}

Result<void> Journal::record_undo(const std::string& summary, const Command& undo,
                                  bool firewall) {
  JournalEntry entry;
  entry.kind = EntryKind::undo_command;
  entry.path = summary;
  entry.netns = current_netns();
  entry.undo = undo.argv;
  entry.firewall = firewall;
  m_entries.push_back(std::move(entry));
  return save();
}

Result<void> Journal::set_status(JournalStatus status) {
  m_status = status;
  return save();
}

namespace {

// Puts table `entry.path` back as the journal saw it: the saved listing, or no table.
Result<std::string> restore_table(Filesystem& fs, Nftables& nft, const JournalEntry& entry) {
  const std::string name = "inet " + entry.path;
  // Never put a table back into a different namespace than the one it was taken from (a
  // rollback without the apply's --netns would otherwise rewrite this machine's firewall).
  if (entry.netns != 0 && entry.netns != current_netns())
    return fail(ErrorCode::refused, "nftables table " + name +
                                        " was changed in another network namespace; run this "
                                        "with the apply's --netns");
  const std::string reset = "table " + name + " {}\ndelete table " + name + "\n";
  if (entry.prior == PriorState::absent) {
    CS_TRY(std::string ignored, nft.run(reset, NftOutput::plain));
    return "removed nftables table " + name;
  }
  CS_TRY(std::string listing, fs.read(entry.backup));
  CS_TRY(std::string ignored, nft.run(reset + listing, NftOutput::plain));
  return "restored nftables table " + name;
}

}  // namespace

Result<std::vector<std::string>> Journal::restore_firewall(Nftables& nft, CommandRunner& runner) {
  for (const auto& entry : m_entries)
    if (entry.kind == EntryKind::undo_command && entry.firewall)
      return roll_back(nft, runner);
  std::vector<std::string> done;
  for (auto it = m_entries.rbegin(); it != m_entries.rend(); ++it) {
    if (it->kind != EntryKind::firewall_table)
      continue;
    CS_TRY(std::string line, restore_table(*m_fs, nft, *it));
    done.push_back(line);
  }
  return done;
}

Result<std::vector<std::string>> Journal::roll_back(Nftables& nft, CommandRunner& runner) {
  // Refuse before touching anything if a table belongs to another namespace.
  for (const auto& entry : m_entries)
    if (entry.kind != EntryKind::path && entry.netns != 0 && entry.netns != current_netns())
      return fail(ErrorCode::refused, "nftables table inet " + entry.path +
                                          " was changed in another network namespace; run this "
                                          "with the apply's --netns");
  // Three passes, each newest first: what existed is put back (files, folders, tables); then
  // the undo commands run, on those files; last, what the apply created is removed (a command
  // may still need it, as ufw needs its lock folder).
  std::vector<std::string> done;
  for (auto it = m_entries.rbegin(); it != m_entries.rend(); ++it) {
    const JournalEntry& entry = *it;
    if (entry.kind == EntryKind::firewall_table) {
      CS_TRY(std::string line, restore_table(*m_fs, nft, entry));
      done.push_back(line);
      continue;
    }
    if (entry.kind == EntryKind::undo_command || entry.prior == PriorState::absent)
      continue;
    if (entry.prior == PriorState::file) {
      CS_TRY(std::string content, m_fs->read(entry.backup));
      CS_TRY_VOID(
          m_fs->write_atomic(entry.path, content, entry.mode, Ownership{entry.uid, entry.gid}));
      done.push_back("restored " + entry.path);
      continue;
    }
    CS_TRY(auto st, m_fs->stat(entry.path));
    if (!st) {
      CS_TRY_VOID(ensure_parents(*m_fs, entry.path, nullptr));
      CS_TRY_VOID(m_fs->make_directory(entry.path, entry.mode, Ownership{entry.uid, entry.gid}));
    } else {
      CS_TRY_VOID(m_fs->set_attributes(entry.path, entry.mode, Ownership{entry.uid, entry.gid}));
    }
    done.push_back("restored attributes of " + entry.path);
  }
  for (auto it = m_entries.rbegin(); it != m_entries.rend(); ++it) {
    if (it->kind != EntryKind::undo_command)
      continue;
    Command undo(it->undo);
    CS_TRY(CommandResult result, runner.run(undo));
    if (!result.ok())
      return fail(ErrorCode::command_failed,
                  "undoing " + it->path + ": " + describe_failure(undo, result));
    done.push_back("undid " + it->path + " (" + display_command(it->undo) + ")");
  }
  for (auto it = m_entries.rbegin(); it != m_entries.rend(); ++it) {
    if (it->kind != EntryKind::path || it->prior != PriorState::absent)
      continue;
    CS_TRY_VOID(m_fs->remove(it->path));
    done.push_back("removed " + it->path);
  }
  CS_TRY_VOID(set_status(JournalStatus::rolled_back));
  return done;
}

Result<void> Journal::discard() {
  return m_fs->remove(directory());
}

}  // namespace clawshield
