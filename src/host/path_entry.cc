// Entries read and written without following the last component. Filesystem::stat follows
// symlinks (what a reader of a managed file wants); undoing an apply needs the link itself.
// The parent folder is opened inside the root by Filesystem::open_directory (openat2 with
// RESOLVE_IN_ROOT), and everything after that goes through the parent's descriptor, so a path
// swapped for a link between two calls is never followed out of the root.
#include "host/path_entry.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <utility>

namespace clawshield {
namespace {

char type_letter(mode_t mode) {
  switch (file_type(mode)) {
    case FileType::regular:
      return 'f';
    case FileType::directory:
      return 'd';
    case FileType::symlink:
      return 'l';
    case FileType::other:
      return 'o';
  }
  return 'o';
}

Result<std::string> read_link(int dir_fd, const std::string& name, const std::string& display) {
  std::string target(256, '\0');
  while (true) {
    ssize_t n = ::readlinkat(dir_fd, name.c_str(), target.data(), target.size());
    if (n < 0)
      return std::unexpected(errno_error(errno, "readlink", display));
    if (static_cast<size_t>(n) < target.size()) {
      target.resize(static_cast<size_t>(n));
      return target;
    }
    target.resize(target.size() * 2);
  }
}

Result<std::string> read_regular(int dir_fd, const std::string& name, const std::string& display) {
  // O_NONBLOCK: a FIFO swapped in after the lstat must not hang us; fstat then refuses it.
  Fd fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (fd.get() < 0)
    return std::unexpected(errno_error(errno, "open", display));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return std::unexpected(errno_error(errno, "stat", display));
  if (!S_ISREG(st.st_mode))
    return fail(ErrorCode::io, "not a regular file: " + display);
  // A sparse file of 40 GB costs its owner nothing; reading it would cost us the memory.
  if (static_cast<uint64_t>(st.st_size) > k_entry_max_bytes)
    return fail(ErrorCode::refused,
                display + " is larger than " + std::to_string(k_entry_max_bytes >> 20) + " MiB");
  std::string content;
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return std::unexpected(errno_error(errno, "read", display));
    }
    if (n == 0)
      return content;
    content.append(buffer, static_cast<size_t>(n));
    if (content.size() > k_entry_max_bytes)
      return fail(ErrorCode::refused,
                  display + " grew past " + std::to_string(k_entry_max_bytes >> 20) + " MiB");
  }
}

// Appends one line per entry below the open folder `dir_fd` to `tree`, depth first.
Result<void> walk_tree(int dir_fd, const std::string& prefix, const std::string& display,
                       PathEntry& entry) {
  // One descriptor is open per level: a tree nested deeper than anyone's data (a hostile
  // one, made to exhaust descriptors) is reported as too large, never walked to the end.
  if (static_cast<size_t>(std::ranges::count(prefix, '/')) >= k_tree_depth_limit) {
    entry.tree_truncated = true;
    return {};
  }
  CS_TRY(std::vector<std::string> names, list_names_at(dir_fd, display));
  for (const auto& name : names) {
    if (entry.tree.size() >= k_tree_limit) {
      entry.tree_truncated = true;
      return {};
    }
    struct stat st {};
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return std::unexpected(errno_error(errno, "stat", display + "/" + name));
    const std::string relative = prefix + name;
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777u));
    const bool folder = S_ISDIR(st.st_mode);
    entry.tree.push_back(
        relative + "\t" + type_letter(st.st_mode) + "\t" + mode + "\t" + std::to_string(st.st_uid) +
        ":" + std::to_string(st.st_gid) + "\t" +
        (folder ? std::string("-") : std::to_string(st.st_size)) + "\t" +
        (folder ? std::string("-")
                : std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec)));
    if (folder) {
      Fd child(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (child.get() < 0)
        return std::unexpected(errno_error(errno, "open", display + "/" + name));
      CS_TRY_VOID(walk_tree(child.get(), relative + "/", display + "/" + name, entry));
      if (entry.tree_truncated)
        return {};
    }
  }
  return {};
}

}  // namespace

Result<std::optional<PathEntry>> read_entry(const Filesystem& fs, std::string_view path,
                                            EntryDetail detail) {
  CS_TRY(std::string normal, normalize_path(path));
  if (normal == "/")
    return fail(ErrorCode::bad_input, "read_entry: the root itself");
  auto dir = fs.open_directory(parent_path(normal));
  if (!dir) {
    if (dir.error().code == ErrorCode::not_found)
      return std::optional<PathEntry>{};
    return std::unexpected(dir.error());
  }
  return read_entry_at(dir->get(), base_name(normal), fs.host_path(normal), detail);
}

Result<std::optional<PathEntry>> read_entry_at(int dir_fd, const std::string& name,
                                               const std::string& display, EntryDetail detail) {
  struct stat st {};
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT)
      return std::optional<PathEntry>{};
    return std::unexpected(errno_error(errno, "stat", display));
  }
  PathEntry entry;
  entry.type = file_type(st.st_mode);
  entry.mode = st.st_mode & 07777u;
  entry.uid = st.st_uid;
  entry.gid = st.st_gid;
  if (entry.type == FileType::symlink) {
    CS_TRY(entry.link_target, read_link(dir_fd, name, display));
  } else if (detail == EntryDetail::contents && entry.type == FileType::regular) {
    CS_TRY(entry.content, read_regular(dir_fd, name, display));
  } else if (detail == EntryDetail::contents && entry.type == FileType::directory) {
    Fd folder(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (folder.get() < 0)
      return std::unexpected(errno_error(errno, "open", display));
    CS_TRY_VOID(walk_tree(folder.get(), "", display, entry));
  }
  return std::optional<PathEntry>(std::move(entry));
}

Result<void> install_symlink(const Filesystem& fs, std::string_view path, const std::string& target,
                             Ownership owner) {
  CS_TRY(std::string normal, normalize_path(path));
  if (normal == "/")
    return fail(ErrorCode::bad_input, "cannot replace the root with a symlink");
  CS_TRY(Fd dir, fs.open_directory(parent_path(normal)));
  const std::string name = base_name(normal);
  const std::string display = fs.host_path(normal);
  std::random_device random;
  const std::string temp = "." + name + ".clawshield-" + std::to_string(random() % 1000000);
  if (::symlinkat(target.c_str(), dir.get(), temp.c_str()) != 0)
    return std::unexpected(errno_error(errno, "symlink", display));
  auto cleanup = [&](Error error) -> Result<void> {
    ::unlinkat(dir.get(), temp.c_str(), 0);
    return std::unexpected(std::move(error));
  };
  if (::fchownat(dir.get(), temp.c_str(), owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW) != 0)
    return cleanup(errno_error(errno, "chown", display));
  if (::renameat(dir.get(), temp.c_str(), dir.get(), name.c_str()) != 0)
    return cleanup(errno_error(errno, "rename", display));
  if (::fsync(dir.get()) != 0)
    return std::unexpected(errno_error(errno, "fsync folder of", display));
  return {};
}

}  // namespace clawshield
