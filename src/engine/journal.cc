// Write-ahead journal of an apply. Each entry is saved (journal.json rewritten atomically)
// before its path is touched, so even a crash mid-apply leaves enough to roll back. Rollback
// walks the entries newest first: created paths are removed, replaced files are written back
// byte for byte with their old mode and owner, symlinks come back as the same links (dangling
// or not), changed directories get their old attributes.
//
// A finished apply also records the state it left each path in (type, mode, owner, a digest
// of a file's content, a link's target, every entry below a folder it created). Rollback
// compares: a path that is neither as the apply left it nor already back as it was before
// changed since — an added user in /etc/passwd, the app's data in ~/.openclaw — and is not
// destroyed without --force.
#include "engine/journal.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <set>

#include "core/bounded_json.h"
#include "core/text.h"
#include "host/path_entry.h"

namespace clawshield {
namespace {

// How long one undo command of a rollback may run.
constexpr std::chrono::seconds k_undo_time{400};

using nlohmann::json;

// Paths, link targets and names below a folder are bytes, not text: a name the app user gave
// a file in its home need not be UTF-8. Such a string is kept as {"hex": "..."} so the journal
// stays JSON and rollback gets the exact bytes back.
json bytes_to_json(const std::string& bytes) {
  if (is_valid_utf8(bytes))
    return bytes;
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : bytes) {
    hex += k_digits[c >> 4];
    hex += k_digits[c & 15];
  }
  return json{{"hex", hex}};
}

std::string bytes_from_json(const json& item) {
  if (item.is_string())
    return item.get<std::string>();
  if (!item.is_object() || !item.contains("hex") || !item["hex"].is_string())
    return {};
  const std::string hex = item["hex"].get<std::string>();
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    return -1;
  };
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    int high = digit(hex[i]), low = digit(hex[i + 1]);
    if (high < 0 || low < 0)
      return {};
    bytes += static_cast<char>(high * 16 + low);
  }
  return bytes;
}

json bytes_list_to_json(const std::vector<std::string>& list) {
  json out = json::array();
  for (const auto& item : list) out.push_back(bytes_to_json(item));
  return out;
}

std::vector<std::string> bytes_list_from_json(const json& item) {
  std::vector<std::string> out;
  if (item.is_array())
    for (const auto& element : item) out.push_back(bytes_from_json(element));
  return out;
}

// The member `key` of `item` as bytes ("" when missing).
std::string bytes_member(const json& item, const char* key) {
  auto found = item.find(key);
  return found == item.end() ? std::string() : bytes_from_json(*found);
}

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
    case PriorState::symlink:
      return "symlink";
  }
  return "absent";
}

PriorState prior_from_text(const std::string& text) {
  return text == "file"        ? PriorState::file
         : text == "directory" ? PriorState::directory
         : text == "symlink"   ? PriorState::symlink
                               : PriorState::absent;
}

// FNV-1a, 64 bits, as 16 hex digits: tells whether a file changed since the apply. Not a
// defence against a forged collision (whoever could forge one could edit the file anyway).
std::string content_digest(std::string_view data) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

// The folder holding `path`, or nullopt when it does not exist. With a `trusted_parent` (the
// app user's path), nothing below the trusted part is followed: a ~/.openclaw swapped for a
// link to a folder of root's is refused, never read, written or removed through.
Result<std::optional<Fd>> open_parent(const Filesystem& fs, const std::string& path,
                                      const std::string& trusted_parent) {
  const std::string parent = parent_path(path);
  if (trusted_parent.empty() || parent == trusted_parent) {
    auto dir = fs.open_directory(parent);
    if (!dir && dir.error().code == ErrorCode::not_found)
      return std::optional<Fd>{};
    if (!dir)
      return std::unexpected(dir.error());
    return std::optional<Fd>(std::move(*dir));
  }
  auto dir = fs.open_untrusted(parent, trusted_parent, UntrustedKind::directory);
  if (!dir && dir.error().code == ErrorCode::not_found)
    return std::optional<Fd>{};
  if (!dir)
    return std::unexpected(dir.error());
  Fd copy(::fcntl(dir->descriptor(), F_DUPFD_CLOEXEC, 0));
  if (!copy.valid())
    return std::unexpected(errno_error(errno, "dup", fs.host_path(parent)));
  return std::optional<Fd>(std::move(copy));
}

// What is at `path` itself, its folder opened as open_parent does.
Result<std::optional<PathEntry>> entry_at(const Filesystem& fs, const std::string& path,
                                          const std::string& trusted_parent, EntryDetail detail) {
  CS_TRY(auto dir, open_parent(fs, path, trusted_parent));
  if (!dir)
    return std::optional<PathEntry>{};
  return read_entry_at(dir->get(), base_name(path), fs.host_path(path), detail);
}

// The state of `path` now; `with_tree` lists everything below a directory. The app user's
// files (`trusted_parent` set) are never read: only their form, mode and owner count.
Result<AfterState> state_now(const Filesystem& fs, const std::string& path,
                             const std::string& trusted_parent, bool with_tree) {
  CS_TRY(auto entry, entry_at(fs, path, trusted_parent, EntryDetail::attributes));
  AfterState state;
  if (!entry)
    return state;
  const bool more = (entry->type == FileType::regular && trusted_parent.empty()) ||
                    (entry->type == FileType::directory && with_tree);
  if (more) {
    CS_TRY(auto detailed, entry_at(fs, path, trusted_parent, EntryDetail::contents));
    if (!detailed)
      return state;  // gone in between
    entry = std::move(detailed);
  }
  state.mode = entry->mode;
  state.uid = entry->uid;
  state.gid = entry->gid;
  switch (entry->type) {
    case FileType::regular:
      state.type = PriorState::file;
      state.digest = content_digest(entry->content);
      break;
    case FileType::directory:
      state.type = PriorState::directory;
      state.tree = std::move(entry->tree);
      state.tree_truncated = entry->tree_truncated;
      break;
    case FileType::symlink:
      state.type = PriorState::symlink;
      state.link_target = entry->link_target;
      break;
    case FileType::other:
      // A FIFO, socket or device: nothing an apply leaves; always "changed".
      state.type = PriorState::absent;
      state.mode = 0xffffffffu;
      break;
  }
  return state;
}

bool same_state(const AfterState& a, const AfterState& b, bool compare_tree) {
  if (a.type != b.type)
    return false;
  switch (a.type) {
    case PriorState::absent:
      return a.mode == b.mode;  // (an "other" entry never matches an absent one)
    case PriorState::file:
      return a.digest == b.digest && a.mode == b.mode && a.uid == b.uid && a.gid == b.gid;
    case PriorState::symlink:
      return a.link_target == b.link_target && a.uid == b.uid && a.gid == b.gid;
    case PriorState::directory:
      return a.mode == b.mode && a.uid == b.uid && a.gid == b.gid &&
             (!compare_tree || (a.tree == b.tree && !a.tree_truncated && !b.tree_truncated));
  }
  return false;
}

std::string owner_text(uid_t uid, gid_t gid) {
  return std::to_string(uid) + ":" + std::to_string(gid);
}

// The first field of a tree line: the relative path.
std::string tree_path(const std::string& line) {
  return line.substr(0, line.find('\t'));
}

// A temp file of an atomic write or link install ("." NAME ".clawshield-" DIGITS) that a
// killed clawshield left: its own, never the app's data.
bool is_own_temp_file(const std::string& line) {
  const std::string path = tree_path(line);
  const std::string name =
      path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  const size_t marker = name.rfind(".clawshield-");
  if (!name.starts_with(".") || marker == std::string::npos || marker == 0)
    return false;
  const std::string digits = name.substr(marker + 12);
  return !digits.empty() &&
         std::ranges::all_of(digits, [](char c) { return c >= '0' && c <= '9'; });
}

// How `now` differs from `after`, for a person.
std::string describe_change(const AfterState& after, const AfterState& now) {
  if (now.type == PriorState::absent && now.mode == 0xffffffffu)
    return "is now a FIFO, socket or device";
  if (after.type != now.type) {
    if (now.type == PriorState::absent)
      return "removed since the apply (it left a " + std::string(prior_text(after.type)) + ")";
    if (after.type == PriorState::absent)
      return "created since the apply (a " + std::string(prior_text(now.type)) + ")";
    return "was a " + std::string(prior_text(after.type)) + " after the apply, now a " +
           prior_text(now.type);
  }
  std::vector<std::string> how;
  if (now.type == PriorState::file && now.digest != after.digest)
    how.push_back("content changed since the apply");
  if (now.type == PriorState::symlink && now.link_target != after.link_target)
    how.push_back("now points to " + now.link_target + " (the apply left " + after.link_target +
                  ")");
  if (now.type != PriorState::symlink && now.mode != after.mode)
    how.push_back("mode " + format_mode(after.mode) + " -> " + format_mode(now.mode));
  if (now.uid != after.uid || now.gid != after.gid)
    how.push_back("owner " + owner_text(after.uid, after.gid) + " -> " +
                  owner_text(now.uid, now.gid));
  if (now.type == PriorState::directory &&
      (now.tree != after.tree || now.tree_truncated || after.tree_truncated)) {
    if (now.tree_truncated || after.tree_truncated) {
      how.push_back("holds more than " + std::to_string(k_tree_limit) +
                    " entries (cannot tell what changed)");
    } else {
      std::set<std::string> before_lines(after.tree.begin(), after.tree.end());
      std::set<std::string> now_lines(now.tree.begin(), now.tree.end());
      std::set<std::string> before_paths, now_paths;
      for (const auto& line : after.tree) before_paths.insert(tree_path(line));
      for (const auto& line : now.tree) now_paths.insert(tree_path(line));
      std::vector<std::string> added, gone, altered;
      for (const auto& path : now_paths)
        if (!before_paths.contains(path))
          added.push_back(path);
      for (const auto& path : before_paths)
        if (!now_paths.contains(path))
          gone.push_back(path);
      for (const auto& line : now.tree)
        if (!before_lines.contains(line) && before_paths.contains(tree_path(line)))
          altered.push_back(tree_path(line));
      auto some = [](const std::vector<std::string>& paths) {
        std::vector<std::string> first(paths.begin(),
                                       paths.begin() + std::min<size_t>(paths.size(), 5));
        return join(first, ", ") + (paths.size() > 5 ? ", ..." : "");
      };
      if (!added.empty())
        how.push_back("holds what the apply did not put there: " + some(added));
      if (!gone.empty())
        how.push_back("lost since the apply: " + some(gone));
      if (!altered.empty())
        how.push_back("changed inside since the apply: " + some(altered));
    }
  }
  return how.empty() ? "changed since the apply" : join(how, "; ");
}

nlohmann::json after_to_json(const AfterState& after) {
  nlohmann::json item = {{"type", prior_text(after.type)},
                         {"mode", after.mode},
                         {"uid", after.uid},
                         {"gid", after.gid}};
  if (!after.digest.empty())
    item["digest"] = after.digest;
  if (after.type == PriorState::symlink)
    item["target"] = bytes_to_json(after.link_target);
  if (!after.tree.empty())
    item["tree"] = bytes_list_to_json(after.tree);
  if (after.tree_truncated)
    item["tree_truncated"] = true;
  return item;
}

AfterState after_from_json(const nlohmann::json& item) {
  AfterState after;
  after.type = prior_from_text(item.value("type", "absent"));
  after.mode = item.value("mode", 0u);
  after.uid = item.value("uid", 0u);
  after.gid = item.value("gid", 0u);
  after.digest = item.value("digest", "");
  after.link_target = bytes_member(item, "target");
  if (auto tree = item.find("tree"); tree != item.end())
    after.tree = bytes_list_from_json(*tree);
  after.tree_truncated = item.value("tree_truncated", false);
  return after;
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
  // The journal is ours (root-only), but a damaged one must be an error, not an exception.
  try {
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
      if (auto undo = item.find("undo"); undo != item.end())
        entry.undo = bytes_list_from_json(*undo);
      entry.firewall = item.value("firewall", false);
      if (entry.kind == EntryKind::undo_command && entry.undo.empty())
        return fail(ErrorCode::bad_input, fs.host_path(file) + ": undo entry without a command");
      entry.path = bytes_member(item, "path");
      entry.prior = prior_from_text(item.value("prior", "absent"));
      entry.backup = bytes_member(item, "backup");
      entry.link_target = bytes_member(item, "target");
      entry.trusted_parent = bytes_member(item, "trusted_parent");
      if (entry.prior == PriorState::symlink && entry.link_target.empty())
        return fail(ErrorCode::bad_input, fs.host_path(file) + ": symlink entry without a target");
      if (auto after = item.find("after"); after != item.end() && after->is_object())
        entry.after = after_from_json(*after);
      entry.mode = item.value("mode", 0u);
      entry.uid = item.value("uid", 0u);
      entry.gid = item.value("gid", 0u);
      entry.netns = item.value("netns", uint64_t{0});
      if (entry.path.empty())
        return fail(ErrorCode::bad_input, fs.host_path(file) + ": entry without a path");
      journal.m_entries.push_back(std::move(entry));
    }
  } catch (const json::exception& e) {
    return fail(ErrorCode::bad_input,
                fs.host_path(file) + ": not a clawshield journal: " + e.what());
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
                 {"path", bytes_to_json(entry.path)},
                 {"prior", prior_text(entry.prior)}};
    if (entry.prior != PriorState::absent) {
      item["mode"] = entry.mode;
      item["uid"] = entry.uid;
      item["gid"] = entry.gid;
    }
    if (!entry.backup.empty())
      item["backup"] = bytes_to_json(entry.backup);
    if (entry.prior == PriorState::symlink)
      item["target"] = bytes_to_json(entry.link_target);
    if (entry.after)
      item["after"] = after_to_json(*entry.after);
    if (!entry.trusted_parent.empty())
      item["trusted_parent"] = bytes_to_json(entry.trusted_parent);
    if (entry.kind != EntryKind::path)
      item["netns"] = entry.netns;
    if (entry.kind == EntryKind::undo_command) {
      item["undo"] = bytes_list_to_json(entry.undo);
      item["firewall"] = entry.firewall;
    }
    entries.push_back(std::move(item));
  }
  json document = {{"id", m_id},
                   {"started", m_started},
                   {"status", status_text(m_status)},
                   {"entries", std::move(entries)}};
  return m_fs->write_atomic(directory() + "/journal.json", dump_json(document, 2) + "\n", 0600,
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

Result<void> Journal::record(const std::string& path, const std::string& trusted_parent) {
  for (const auto& entry : m_entries)
    if (entry.kind == EntryKind::path && entry.path == path)
      return {};
  JournalEntry entry;
  entry.path = path;
  entry.trusted_parent = trusted_parent;
  // The entry itself, not what a symlink there points to: a link comes back as a link.
  CS_TRY(auto st, entry_at(*m_fs, path, trusted_parent, EntryDetail::attributes));
  if (st) {
    entry.mode = st->mode;
    entry.uid = st->uid;
    entry.gid = st->gid;
    if (st->type == FileType::directory) {
      entry.prior = PriorState::directory;
    } else if (st->type == FileType::symlink) {
      entry.prior = PriorState::symlink;
      entry.link_target = st->link_target;
    } else if (st->type == FileType::regular && !trusted_parent.empty()) {
      entry.prior = PriorState::file;  // the app's own content: attributes only
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

Result<void> Journal::record_undo(const std::string& summary, const Command& undo, bool firewall) {
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

Result<void> Journal::finish() {
  for (auto& entry : m_entries) {
    if (entry.kind != EntryKind::path)
      continue;
    // Everything below a folder the apply created is the apply's: list it, so data put there
    // later is seen before a rollback removes the folder.
    auto after =
        state_now(*m_fs, entry.path, entry.trusted_parent, entry.prior == PriorState::absent);
    if (after) {
      entry.after = std::move(*after);
    } else if (!entry.trusted_parent.empty()) {
      // The app user made its path unreadable as the apply ended: a state nothing matches,
      // so a rollback keeps (or refuses to destroy) whatever stands there.
      AfterState unreadable;
      unreadable.mode = 0xffffffffu;
      entry.after = unreadable;
    } else {
      return std::unexpected(after.error());
    }
  }
  return set_status(JournalStatus::applied);
}

Result<std::vector<std::pair<std::string, std::string>>> Journal::changed_paths() const {
  std::vector<std::pair<std::string, std::string>> changed;
  for (const auto& entry : m_entries) {
    if (entry.kind != EntryKind::path || !entry.after)
      continue;
    const bool created = entry.prior == PriorState::absent;
    auto read_now = state_now(*m_fs, entry.path, entry.trusted_parent, created);
    if (!read_now) {
      // Unreadable now (a lease, a swapped link, a tree built to be too deep): a change we
      // cannot see through is a change — kept by the watchdog, refused without --force —
      // never a reason to leave the whole rollback undone.
      changed.emplace_back(entry.path, "cannot be read (" + read_now.error().message + ")");
      continue;
    }
    AfterState now = std::move(*read_now);
    std::erase_if(now.tree, is_own_temp_file);
    // The app's own file is never written back (attributes only): its content may change.
    const bool attributes_only = !entry.trusted_parent.empty() && now.type == PriorState::file;
    if (attributes_only)
      now.digest = entry.after->digest;
    if (same_state(now, *entry.after, created))
      continue;
    // A folder the apply created that only lost entries since (a rollback killed half-way
    // through removing it): removing the rest destroys nothing the apply did not make.
    if (created && now.type == PriorState::directory && same_state(now, *entry.after, false) &&
        !now.tree_truncated && !entry.after->tree_truncated) {
      std::set<std::string> left(entry.after->tree.begin(), entry.after->tree.end());
      if (std::ranges::all_of(now.tree, [&](const auto& line) { return left.contains(line); }))
        continue;
    }
    // Already back as it was before the apply (a rollback that stopped half-way): not a change.
    AfterState prior;
    prior.type = entry.prior;
    prior.mode = entry.prior == PriorState::symlink ? now.mode : entry.mode;
    prior.uid = entry.uid;
    prior.gid = entry.gid;
    prior.link_target = entry.link_target;
    if (attributes_only) {
      prior.digest = now.digest;
    } else if (entry.prior == PriorState::file) {
      auto backup = m_fs->read(entry.backup);
      if (backup)
        prior.digest = content_digest(*backup);
    }
    if ((entry.prior != PriorState::file || !prior.digest.empty()) && same_state(now, prior, false))
      continue;
    changed.emplace_back(entry.path, describe_change(*entry.after, now));
  }
  return changed;
}

Result<std::vector<std::string>> Journal::changes_since_apply() const {
  CS_TRY(auto changed, changed_paths());
  std::vector<std::string> lines;
  for (const auto& [path, how] : changed) lines.push_back(path + ": " + how);
  return lines;
}

Result<std::vector<std::string>> Journal::restore_firewall(Nftables& nft, CommandRunner& runner) {
  // The whole apply, not the kernel table alone: the files it wrote (firewall.nft, the boot
  // unit and its wants link, ufw's rules and defaults) would load the rejected firewall again
  // at the next boot. What changed since the apply is kept: the deadline is no reason to
  // destroy data.
  return roll_back(nft, runner, ChangedPaths::keep);
}

Result<std::vector<std::string>> Journal::roll_back(Nftables& nft, CommandRunner& runner,
                                                    ChangedPaths changed) {
  // Refuse before touching anything if a table belongs to another namespace.
  for (const auto& entry : m_entries)
    if (entry.kind != EntryKind::path && entry.netns != 0 && entry.netns != current_netns())
      return fail(ErrorCode::refused, "nftables table inet " + entry.path +
                                          " was changed in another network namespace; run this "
                                          "with the apply's --netns");
  std::vector<std::string> done;
  // Paths to leave as they are, decided before anything moves.
  std::set<std::string> kept;
  if (changed == ChangedPaths::refuse) {
    CS_TRY(auto lines, changes_since_apply());
    if (!lines.empty())
      return fail(ErrorCode::refused, "changed since the apply: " + join(lines, "; "));
  }
  if (changed == ChangedPaths::keep) {
    CS_TRY(auto paths, changed_paths());
    for (const auto& [path, how] : paths) {
      kept.insert(path);
      done.push_back("kept " + path + " (" + how + ")");
    }
  }
  // Four passes, each newest first: what existed is put back (files, links, folders, tables);
  // the files and links the apply created are removed; then the undo commands run, on the
  // files as they were (`systemctl restart docker` reads no daemon.json the apply made); last,
  // the folders the apply created are removed (a command may still need one, as ufw needs its
  // lock folder).
  for (auto it = m_entries.rbegin(); it != m_entries.rend(); ++it) {
    const JournalEntry& entry = *it;
    if (entry.kind == EntryKind::firewall_table) {
      CS_TRY(std::string line, restore_table(*m_fs, nft, entry));
      done.push_back(line);
      continue;
    }
    if (entry.kind == EntryKind::undo_command || entry.prior == PriorState::absent ||
        kept.contains(entry.path))
      continue;
    if (!entry.trusted_parent.empty()) {
      // The app user's path: its old mode and owner go back on a descriptor opened without
      // following links; whatever now stands there in another form is left alone.
      auto opened = m_fs->open_untrusted(
          entry.path, entry.trusted_parent,
          entry.prior == PriorState::directory ? UntrustedKind::directory : UntrustedKind::regular);
      if (!opened) {
        done.push_back("left " + entry.path + " (" + opened.error().message + ")");
        continue;
      }
      CS_TRY_VOID(opened->set_attributes(entry.mode, Ownership{entry.uid, entry.gid}));
      done.push_back("restored attributes of " + entry.path);
      continue;
    }
    if (entry.prior == PriorState::file || entry.prior == PriorState::symlink) {
      // A folder where the file or link was (the apply made it) goes first: a rename cannot
      // replace a folder.
      CS_TRY(auto now, read_entry(*m_fs, entry.path, EntryDetail::attributes));
      if (now && now->type == FileType::directory)
        CS_TRY_VOID(m_fs->remove(entry.path));
      CS_TRY_VOID(ensure_parents(*m_fs, entry.path, nullptr));
    }
    if (entry.prior == PriorState::file) {
      CS_TRY(std::string content, m_fs->read(entry.backup));
      CS_TRY_VOID(
          m_fs->write_atomic(entry.path, content, entry.mode, Ownership{entry.uid, entry.gid}));
      done.push_back("restored " + entry.path);
      continue;
    }
    if (entry.prior == PriorState::symlink) {
      CS_TRY_VOID(
          install_symlink(*m_fs, entry.path, entry.link_target, Ownership{entry.uid, entry.gid}));
      done.push_back("restored " + entry.path + " (symlink to " + entry.link_target + ")");
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
  CS_TRY_VOID(remove_created(Created::files, kept, done));
  for (auto it = m_entries.rbegin(); it != m_entries.rend(); ++it) {
    if (it->kind != EntryKind::undo_command)
      continue;
    Command undo(it->undo);
    // An undo may stop what the apply started: a service stops in its own time (OpenClaw's
    // gateway may take 330 s), and a rollback killed midway would be worse than a slow one.
    undo.timeout = k_undo_time;
    CS_TRY(CommandResult result, runner.run(undo));
    if (!result.ok())
      return fail(ErrorCode::command_failed,
                  "undoing " + it->path + ": " + describe_failure(undo, result));
    done.push_back("undid " + it->path + " (" + display_command(it->undo) + ")");
  }
  CS_TRY_VOID(remove_created(Created::folders, kept, done));
  CS_TRY_VOID(set_status(JournalStatus::rolled_back));
  return done;
}

Result<void> Journal::remove_created(Created which, const std::set<std::string>& kept,
                                     std::vector<std::string>& done) {
  auto keeps_something_below = [&](const std::string& dir) {
    return std::ranges::any_of(
        kept, [&](const std::string& path) { return path == dir || path.starts_with(dir + "/"); });
  };
  for (auto it = m_entries.rbegin(); it != m_entries.rend(); ++it) {
    if (it->kind != EntryKind::path || it->prior != PriorState::absent)
      continue;
    if (keeps_something_below(it->path))
      continue;  // listed as kept, or holds what is kept
    // What stands there now decides the pass: a folder goes last, anything else first.
    CS_TRY(auto now, read_entry(*m_fs, it->path, EntryDetail::attributes));
    const bool folder = now && now->type == FileType::directory;
    if (folder != (which == Created::folders))
      continue;
    if (!it->trusted_parent.empty()) {
      // Removed through its folder's descriptor: a folder swapped for a link is left alone.
      auto dir = open_parent(*m_fs, it->path, it->trusted_parent);
      if (!dir) {
        done.push_back("left " + it->path + " (" + dir.error().message + ")");
        continue;
      }
      if (*dir)
        CS_TRY_VOID(remove_entry_at((*dir)->get(), base_name(it->path), m_fs->host_path(it->path)));
      done.push_back("removed " + it->path);
      continue;
    }
    if (!now)
      continue;  // gone already
    CS_TRY_VOID(m_fs->remove(it->path));
    done.push_back("removed " + it->path);
  }
  return {};
}

Result<void> Journal::discard() {
  return m_fs->remove(directory());
}

}  // namespace clawshield
