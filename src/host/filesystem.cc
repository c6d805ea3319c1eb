// Root-prefixed file access. A security tool that writes /etc must not be tricked into writing
// elsewhere: every open resolves inside the root with openat2(RESOLVE_IN_ROOT), so absolute
// symlinks and ".." stay within it. Writes are atomic (temp file + fsync + rename + fsync of
// the folder) so a crash leaves either the old file or the new one, never half of one.
#include "host/filesystem.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

namespace clawshield {
namespace {

Error errno_error(int err, std::string_view what, std::string_view path) {
  ErrorCode code = ErrorCode::io;
  if (err == ENOENT || err == ENOTDIR)
    code = ErrorCode::not_found;
  if (err == EACCES || err == EPERM || err == EROFS)
    code = ErrorCode::permission;
  return Error{code, std::string(what) + " " + std::string(path) + ": " + std::strerror(err)};
}

class FdGuard {
 public:
  explicit FdGuard(int fd) : m_fd(fd) {}
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  ~FdGuard() {
    if (m_fd >= 0)
      ::close(m_fd);
  }
  int get() const { return m_fd; }
  int release() { return std::exchange(m_fd, -1); }

 private:
  int m_fd;
};

FileType type_of(mode_t mode) {
  if (S_ISREG(mode))
    return FileType::regular;
  if (S_ISDIR(mode))
    return FileType::directory;
  if (S_ISLNK(mode))
    return FileType::symlink;
  return FileType::other;
}

Result<void> write_all(int fd, std::string_view data, std::string_view path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return std::unexpected(errno_error(errno, "write", path));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

// Removes everything inside the open directory `dir_fd`.
Result<void> remove_contents(int dir_fd, const std::string& display) {
  int dup_fd = ::dup(dir_fd);
  if (dup_fd < 0)
    return std::unexpected(errno_error(errno, "dup", display));
  DIR* dir = ::fdopendir(dup_fd);
  if (!dir) {
    ::close(dup_fd);
    return std::unexpected(errno_error(errno, "opendir", display));
  }
  std::vector<std::pair<std::string, bool>> entries;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..")
      continue;
    struct stat st {};
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      continue;
    entries.emplace_back(name, S_ISDIR(st.st_mode));
  }
  ::closedir(dir);
  for (const auto& [name, is_dir] : entries) {
    const std::string child = display + "/" + name;
    if (is_dir) {
      int child_fd =
          ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child_fd < 0)
        return std::unexpected(errno_error(errno, "open", child));
      FdGuard guard(child_fd);
      CS_TRY_VOID(remove_contents(child_fd, child));
    }
    if (::unlinkat(dir_fd, name.c_str(), is_dir ? AT_REMOVEDIR : 0) != 0)
      return std::unexpected(errno_error(errno, "remove", child));
  }
  return {};
}

}  // namespace

Result<std::string> normalize_path(std::string_view path) {
  if (path.empty() || path.front() != '/')
    return fail(ErrorCode::bad_input, "path is not absolute: " + std::string(path));
  std::string out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t start = i;
    while (i < path.size() && path[i] != '/') ++i;
    std::string_view part = path.substr(start, i - start);
    if (part.empty())
      break;
    if (part == "." || part == "..")
      return fail(ErrorCode::bad_input, "path has '.' or '..': " + std::string(path));
    out += "/";
    out += part;
  }
  return out.empty() ? "/" : out;
}

std::string parent_path(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos || slash == 0)
    return "/";
  return std::string(path.substr(0, slash));
}

std::string base_name(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

Filesystem::Filesystem(std::string root, int root_fd, bool system_root)
    : m_root(std::move(root)), m_root_fd(root_fd), m_system_root(system_root) {}

Filesystem::Filesystem(Filesystem&& other) noexcept
    : m_root(std::move(other.m_root)),
      m_root_fd(std::exchange(other.m_root_fd, -1)),
      m_system_root(other.m_system_root) {}

Filesystem& Filesystem::operator=(Filesystem&& other) noexcept {
  if (this != &other) {
    if (m_root_fd >= 0)
      ::close(m_root_fd);
    m_root = std::move(other.m_root);
    m_root_fd = std::exchange(other.m_root_fd, -1);
    m_system_root = other.m_system_root;
  }
  return *this;
}

Filesystem::~Filesystem() {
  if (m_root_fd >= 0)
    ::close(m_root_fd);
}

Result<Filesystem> Filesystem::open(const std::string& root) {
  if (root.empty())
    return fail(ErrorCode::bad_input, "empty root directory");
  int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return std::unexpected(errno_error(errno, "open root", root));
  struct stat root_stat {
  }, slash_stat{};
  bool system_root = ::fstat(fd, &root_stat) == 0 && ::stat("/", &slash_stat) == 0 &&
                     root_stat.st_dev == slash_stat.st_dev && root_stat.st_ino == slash_stat.st_ino;
  std::string trimmed = root;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  if (trimmed == "/")
    trimmed.clear();
  return Filesystem(std::move(trimmed), fd, system_root);
}

std::string Filesystem::host_path(std::string_view path) const {
  return m_root + std::string(path);
}

Result<int> Filesystem::open_in_root(std::string_view path, int flags) const {
  CS_TRY(std::string normal, normalize_path(path));
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  // openat2 wants a path relative to the root's descriptor.
  std::string relative = normal.size() == 1 ? std::string(".") : normal.substr(1);
  long fd = ::syscall(SYS_openat2, m_root_fd, relative.c_str(), &how, sizeof how);
  if (fd < 0)
    return std::unexpected(errno_error(errno, "open", host_path(normal)));
  return static_cast<int>(fd);
}

Result<std::string> Filesystem::read(std::string_view path) const {
  CS_TRY(int fd, open_in_root(path, O_RDONLY));
  FdGuard guard(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return std::unexpected(errno_error(errno, "stat", host_path(path)));
  if (!S_ISREG(st.st_mode))
    return fail(ErrorCode::io, "not a regular file: " + host_path(path));
  std::string content;
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return std::unexpected(errno_error(errno, "read", host_path(path)));
    }
    if (n == 0)
      break;
    content.append(buffer, static_cast<size_t>(n));
  }
  return content;
}

Result<std::optional<FileStat>> Filesystem::stat(std::string_view path) const {
  auto fd = open_in_root(path, O_PATH);
  if (!fd) {
    if (fd.error().code == ErrorCode::not_found)
      return std::optional<FileStat>{};
    return std::unexpected(fd.error());
  }
  FdGuard guard(*fd);
  struct stat st {};
  if (::fstat(*fd, &st) != 0)
    return std::unexpected(errno_error(errno, "stat", host_path(path)));
  return FileStat{type_of(st.st_mode), st.st_mode & 07777u, st.st_uid, st.st_gid,
                  static_cast<uint64_t>(st.st_size)};
}

Result<std::vector<std::string>> Filesystem::list(std::string_view path) const {
  CS_TRY(int fd, open_in_root(path, O_RDONLY | O_DIRECTORY));
  DIR* dir = ::fdopendir(fd);
  if (!dir) {
    ::close(fd);
    return std::unexpected(errno_error(errno, "opendir", host_path(path)));
  }
  std::vector<std::string> names;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..")
      names.push_back(std::move(name));
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

Result<void> Filesystem::write_atomic(std::string_view path, std::string_view content,
                                      unsigned mode, Ownership owner) {
  CS_TRY(std::string normal, normalize_path(path));
  if (normal == "/")
    return fail(ErrorCode::bad_input, "cannot write the root itself");
  CS_TRY(int dir_fd, open_in_root(parent_path(normal), O_RDONLY | O_DIRECTORY));
  FdGuard dir(dir_fd);
  const std::string name = base_name(normal);
  std::random_device random;
  const std::string temp = "." + name + ".clawshield-" + std::to_string(random() % 1000000);
  int fd = ::openat(dir_fd, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return std::unexpected(errno_error(errno, "create", host_path(normal)));
  FdGuard file(fd);
  auto cleanup = [&](Error error) -> Result<void> {
    ::unlinkat(dir_fd, temp.c_str(), 0);
    return std::unexpected(std::move(error));
  };
  if (auto written = write_all(fd, content, host_path(normal)); !written)
    return cleanup(written.error());
  if (::fchown(fd, owner.uid, owner.gid) != 0)
    return cleanup(errno_error(errno, "chown", host_path(normal)));
  if (::fchmod(fd, mode & 07777u) != 0)
    return cleanup(errno_error(errno, "chmod", host_path(normal)));
  if (::fsync(fd) != 0)
    return cleanup(errno_error(errno, "fsync", host_path(normal)));
  ::close(file.release());
  if (::renameat(dir_fd, temp.c_str(), dir_fd, name.c_str()) != 0)
    return cleanup(errno_error(errno, "rename", host_path(normal)));
  if (::fsync(dir_fd) != 0)
    return std::unexpected(errno_error(errno, "fsync folder of", host_path(normal)));
  return {};
}

Result<void> Filesystem::make_directory(std::string_view path, unsigned mode, Ownership owner) {
  CS_TRY(std::string normal, normalize_path(path));
  CS_TRY(int dir_fd, open_in_root(parent_path(normal), O_RDONLY | O_DIRECTORY));
  FdGuard dir(dir_fd);
  const std::string name = base_name(normal);
  if (::mkdirat(dir_fd, name.c_str(), 0700) != 0)
    return std::unexpected(errno_error(errno, "mkdir", host_path(normal)));
  if (::fchownat(dir_fd, name.c_str(), owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW) != 0 ||
      ::fchmodat(dir_fd, name.c_str(), mode & 07777u, 0) != 0)
    return std::unexpected(errno_error(errno, "set attributes of", host_path(normal)));
  ::fsync(dir_fd);
  return {};
}

Result<void> Filesystem::set_attributes(std::string_view path, unsigned mode, Ownership owner) {
  CS_TRY(int fd, open_in_root(path, O_RDONLY | O_NOFOLLOW));
  FdGuard guard(fd);
  if (::fchown(fd, owner.uid, owner.gid) != 0)
    return std::unexpected(errno_error(errno, "chown", host_path(path)));
  if (::fchmod(fd, mode & 07777u) != 0)
    return std::unexpected(errno_error(errno, "chmod", host_path(path)));
  return {};
}

Result<void> Filesystem::remove(std::string_view path) {
  CS_TRY(std::string normal, normalize_path(path));
  if (normal == "/")
    return fail(ErrorCode::refused, "refusing to remove the root");
  auto dir_fd = open_in_root(parent_path(normal), O_RDONLY | O_DIRECTORY);
  if (!dir_fd) {
    if (dir_fd.error().code == ErrorCode::not_found)
      return {};
    return std::unexpected(dir_fd.error());
  }
  FdGuard dir(*dir_fd);
  const std::string name = base_name(normal);
  struct stat st {};
  if (::fstatat(*dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT)
      return {};
    return std::unexpected(errno_error(errno, "stat", host_path(normal)));
  }
  if (S_ISDIR(st.st_mode)) {
    int fd = ::openat(*dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
      return std::unexpected(errno_error(errno, "open", host_path(normal)));
    FdGuard child(fd);
    CS_TRY_VOID(remove_contents(fd, host_path(normal)));
  }
  if (::unlinkat(*dir_fd, name.c_str(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) != 0)
    return std::unexpected(errno_error(errno, "remove", host_path(normal)));
  ::fsync(*dir_fd);
  return {};
}

FileLock::~FileLock() {
  if (m_fd >= 0)
    ::close(m_fd);
}

Result<FileLock> Filesystem::lock_exclusive(std::string_view path) {
  CS_TRY(std::string normal, normalize_path(path));
  CS_TRY(int dir_fd, open_in_root(parent_path(normal), O_RDONLY | O_DIRECTORY));
  FdGuard dir(dir_fd);
  int fd =
      ::openat(dir_fd, base_name(normal).c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return std::unexpected(errno_error(errno, "open", host_path(normal)));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK)
      return fail(ErrorCode::refused, host_path(normal) + " is locked by another clawshield");
    return std::unexpected(errno_error(err, "lock", host_path(normal)));
  }
  return FileLock(fd);
}

}  // namespace clawshield
