// What is at a path itself — a symlink as a symlink, not what it points to — and the one atomic
// way to put a symlink back. The journal needs both to undo an apply exactly: a managed file
// that was a link must come back as the same link, dangling or not.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/filesystem.h"

namespace clawshield {

// What read_entry reads beyond the entry's own attributes.
enum class EntryDetail {
  attributes,  // type, mode, owner (and a symlink's target)
  contents,    // also a regular file's bytes, and every name below a directory
};

struct PathEntry {
  FileType type = FileType::other;
  unsigned mode = 0;  // permission bits (07777); 0777 for symlinks
  uid_t uid = 0;
  gid_t gid = 0;
  std::string link_target;  // symlinks: the link's text, as readlinkat returns it
  std::string content;      // regular files, with EntryDetail::contents
  // Directories, with EntryDetail::contents: one line per entry below it, sorted,
  // "relative/path<TAB>type<TAB>mode<TAB>uid:gid<TAB>size<TAB>mtime" ('d', 'f', 'l' or 'o').
  std::vector<std::string> tree;
  bool tree_truncated = false;  // more than k_tree_limit entries below it
};

inline constexpr size_t k_tree_limit = 4096;
// Levels below a directory that read_entry walks before it calls the tree truncated.
inline constexpr size_t k_tree_depth_limit = 64;
// The largest file read_entry reads (ErrorCode::refused past it).
inline constexpr uint64_t k_entry_max_bytes = 64u << 20;

// The entry at `path` inside `fs`'s root, the last component not followed (lstat, readlinkat on
// the parent's descriptor); nullopt when nothing is there.
Result<std::optional<PathEntry>> read_entry(const Filesystem& fs, std::string_view path,
                                            EntryDetail detail);

// The same for `name` inside the open folder `dir_fd` (`display` names it in messages), for a
// caller that opened the folder its own way (without following links, say).
Result<std::optional<PathEntry>> read_entry_at(int dir_fd, const std::string& name,
                                               const std::string& display, EntryDetail detail);

// Replaces whatever is at `path` (its parent must exist) with a symlink to `target` owned by
// `owner`, atomically: symlinkat to a temp name, then renameat over `path`, then fsync of the
// folder.
Result<void> install_symlink(const Filesystem& fs, std::string_view path, const std::string& target,
                             Ownership owner);

}  // namespace clawshield
