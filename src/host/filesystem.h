// The host's files as seen from a root directory (`--root`, "/" on a live system). Every path
// clawshield reads or writes goes through here, so tests point it at a temp folder and nothing
// can escape the root: paths resolve with openat2(RESOLVE_IN_ROOT), symlinks included.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/fd.h"

namespace clawshield {

enum class FileType { regular, directory, symlink, other };

// The FileType of a stat mode (`st_mode`).
FileType file_type(mode_t mode);

struct FileStat {
  FileType type;
  unsigned mode;  // permission bits only (07777)
  uid_t uid;
  gid_t gid;
  uint64_t size;
};

struct Ownership {
  uid_t uid;
  gid_t gid;
};

// An exclusive advisory lock, held while the object lives: closing the descriptor releases it.
class FileLock {
 public:
  explicit FileLock(Fd fd) : m_fd(std::move(fd)) {}

 private:
  Fd m_fd;
};

// Largest file read through a path an unprivileged user controls.
inline constexpr uint64_t k_untrusted_max_bytes = 16u << 20;

// A regular file or directory reached through a path an unprivileged user can change
// (anything under the app user's home): opened by descriptor without following any symlink,
// never blocking on a FIFO, and changed only through that descriptor, so what clawshield
// reads or chowns is the object it checked, not whatever a link points to a moment later.
class UntrustedFile {
 public:
  UntrustedFile(Fd fd, FileStat stat, std::string display)
      : m_fd(std::move(fd)), m_stat(stat), m_display(std::move(display)) {}

  // Metadata as of opening.
  const FileStat& stat() const { return m_stat; }
  // The descriptor, for calls relative to this directory (still owned by this object).
  int descriptor() const { return m_fd.get(); }
  // The whole content of a regular file; ErrorCode::refused past k_untrusted_max_bytes.
  Result<std::string> read() const;
  // Sets mode and owner on the descriptor; ErrorCode::refused for a regular file with more
  // than one hard link (a link to a file elsewhere would change that file).
  Result<void> set_attributes(unsigned mode, Ownership owner) const;
  // Creates directory `name` inside this directory and sets `mode` and `owner` on a
  // descriptor of the directory it made (never by name: the name can be swapped for a link).
  Result<void> make_directory(const std::string& name, unsigned mode, Ownership owner) const;

 private:
  Fd m_fd;
  FileStat m_stat;
  std::string m_display;
};

// Which kind of object a caller of open_untrusted accepts. A socket is held by an O_PATH
// descriptor only (connect through "/proc/self/fd/N"), never read or changed.
enum class UntrustedKind { regular, directory, socket };

class Filesystem {
 public:
  // Opens `root`, which must be an existing directory.
  static Result<Filesystem> open(const std::string& root);

  // The root as given, without a trailing slash ("" for "/").
  const std::string& root() const { return m_root; }
  // True when the root is the running system's "/".
  bool is_system_root() const { return m_system_root; }
  // Where `path` (absolute, inside the root) lies on the machine, for tools that take paths.
  std::string host_path(std::string_view path) const;

  // Opens directory `path` inside the root (links resolved inside it, as for every path
  // here), for calls relative to it (fstatat, readlinkat, symlinkat, renameat).
  Result<Fd> open_directory(std::string_view path) const;
  // Reads a whole regular file. ErrorCode::not_found when it does not exist.
  Result<std::string> read(std::string_view path) const;
  // Metadata of `path` (symlinks followed); nullopt when it does not exist.
  Result<std::optional<FileStat>> stat(std::string_view path) const;
  // Whether `path` (links followed) carries a POSIX access ACL: then its mode bits are not the
  // whole answer to who may open it.
  Result<bool> has_access_acl(std::string_view path) const;
  // Names in directory `path`, sorted; ErrorCode::not_found when it does not exist.
  Result<std::vector<std::string>> list(std::string_view path) const;

  // Replaces `path` with `content` atomically: temp file in the same folder, owner and mode
  // set, fsync, rename, fsync of the folder. The parent folder must exist.
  Result<void> write_atomic(std::string_view path, std::string_view content, unsigned mode,
                            Ownership owner);
  // Creates one directory (its parent must exist) with `mode` and `owner`.
  Result<void> make_directory(std::string_view path, unsigned mode, Ownership owner);
  // Sets mode and owner of an existing file or directory.
  Result<void> set_attributes(std::string_view path, unsigned mode, Ownership owner);
  // Removes a file, or a directory with everything in it. Missing is not an error.
  Result<void> remove(std::string_view path);
  // Opens `path` whose part below `trusted_parent` (a directory root decides, such as the app
  // user's home; resolved like every other path) an unprivileged user may change. No symlink
  // is followed below `trusted_parent`; the object must be of `kind` (a regular file also
  // with a single link and at most k_untrusted_max_bytes). ErrorCode::not_found
  // when it does not exist; ErrorCode::refused, with the reason ("is a symlink to ...", "is a
  // FIFO, not a regular file"), for anything else it finds there.
  Result<UntrustedFile> open_untrusted(std::string_view path, std::string_view trusted_parent,
                                       UntrustedKind kind) const;
  // Takes an exclusive lock on `path` (created 0600 if missing) without waiting;
  // ErrorCode::refused when another process holds it.
  Result<FileLock> lock_exclusive(std::string_view path);

 private:
  Filesystem(std::string root, Fd root_fd, bool system_root);
  // Opens `path` with open(2) `flags` (O_CLOEXEC always added), resolved inside the root.
  Result<Fd> open_in_root(std::string_view path, int flags) const;

  std::string m_root;
  Fd m_root_fd;
  bool m_system_root = false;
};

// Names in the open directory `dir_fd`, "." and ".." left out, sorted; `display` names the
// directory in errors. The descriptor stays open and unmoved (the listing reads a copy).
Result<std::vector<std::string>> list_names_at(int dir_fd, const std::string& display);

// Removes `name` (a file, a link, or a directory with everything in it, never following a
// link) from the open directory `dir_fd`; missing is not an error. `display` names it.
Result<void> remove_entry_at(int dir_fd, const std::string& name, const std::string& display);

// Checks that `path` is absolute with no "." or ".." parts; returns it with duplicate slashes
// removed.
Result<std::string> normalize_path(std::string_view path);
// "/a/b/c" -> "/a/b"; "/a" -> "/".
std::string parent_path(std::string_view path);
// "/a/b/c" -> "c".
std::string base_name(std::string_view path);
// The part of `path` root decides when `home` belongs to an unprivileged user: `home` when
// `path` lies under it, else the folder holding `path`.
std::string trusted_parent_of(std::string_view path, std::string_view home);

}  // namespace clawshield
