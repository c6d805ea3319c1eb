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
#include <sys/xattr.h>
#include <unistd.h>

#include <signal.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <random>

#include "core/fd.h"
#include "core/parse.h"

namespace clawshield {
namespace {

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

// How deep remove_contents goes (one descriptor and one stack frame per level) before it
// refuses: a tree built to exhaust either stops the removal with an error, not a crash.
constexpr int k_remove_depth_limit = 4096;

// Removes everything inside the open directory `dir_fd` (`depth` levels below the start).
Result<void> remove_contents(int dir_fd, const std::string& display, int depth = 0) {
  if (depth > k_remove_depth_limit)
    return fail(ErrorCode::refused, display + " is nested more than " +
                                        std::to_string(k_remove_depth_limit) +
                                        " levels deep: remove it by hand");
  CS_TRY(std::vector<std::string> names, list_names_at(dir_fd, display));
  std::vector<std::pair<std::string, bool>> entries;
  for (auto& name : names) {
    struct stat st {};
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      continue;
    entries.emplace_back(std::move(name), S_ISDIR(st.st_mode));
  }
  for (const auto& [name, is_dir] : entries) {
    const std::string child = display + "/" + name;
    if (is_dir) {
      Fd child_fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!child_fd.valid())
        return std::unexpected(errno_error(errno, "open", child));
      CS_TRY_VOID(remove_contents(child_fd.get(), child, depth + 1));
    }
    if (::unlinkat(dir_fd, name.c_str(), is_dir ? AT_REMOVEDIR : 0) != 0)
      return std::unexpected(errno_error(errno, "remove", child));
  }
  return {};
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t slash = path.find('/', i);
    if (slash == std::string_view::npos)
      slash = path.size();
    if (slash > i)
      parts.emplace_back(path.substr(i, slash - i));
    i = slash + 1;
  }
  return parts;
}

FileStat file_stat(const struct stat& st) {
  return FileStat{file_type(st.st_mode), st.st_mode & 07777u, st.st_uid, st.st_gid,
                  static_cast<uint64_t>(st.st_size)};
}

std::string type_words(mode_t mode) {
  if (S_ISREG(mode))
    return "a regular file";
  if (S_ISDIR(mode))
    return "a directory";
  if (S_ISLNK(mode))
    return "a symlink";
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISSOCK(mode))
    return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode))
    return "a device";
  return "not a file";
}

// mkdirat `name` in `dir_fd`, then owner and mode on a descriptor of what was made: between
// the two, whoever owns `dir_fd` can swap the name for a symlink, and a chmod by name would
// follow it. The descriptor must be a directory we own, or someone replaced ours.
Result<void> make_directory_at(int dir_fd, const std::string& name, unsigned mode, Ownership owner,
                               const std::string& display) {
  if (::mkdirat(dir_fd, name.c_str(), 0700) != 0)
    return std::unexpected(errno_error(errno, "mkdir", display));
  Fd made(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!made.valid()) {
    if (errno == ELOOP || errno == ENOTDIR)
      return fail(ErrorCode::refused,
                  display + " was replaced while being created; refusing to follow it");
    return std::unexpected(errno_error(errno, "open", display));
  }
  const int fd = made.get();
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return std::unexpected(errno_error(errno, "stat", display));
  if (st.st_uid != ::geteuid())
    return fail(ErrorCode::refused, display + " was replaced while being created (owner uid " +
                                        std::to_string(st.st_uid) + ")");
  if (::fchown(fd, owner.uid, owner.gid) != 0)
    return std::unexpected(errno_error(errno, "chown", display));
  if (::fchmod(fd, mode & 07777u) != 0)
    return std::unexpected(errno_error(errno, "chmod", display));
  ::fsync(dir_fd);
  return {};
}

// A temp file of write_atomic for `name`: ".NAME.clawshield-PID-N" (or the older
// ".NAME.clawshield-N"). Returns the PID when the name carries one, 0 for the older form.
std::optional<pid_t> temp_owner(std::string_view candidate, std::string_view name) {
  const std::string prefix = "." + std::string(name) + ".clawshield-";
  if (!candidate.starts_with(prefix) || candidate.size() == prefix.size())
    return std::nullopt;
  std::string_view rest = candidate.substr(prefix.size());
  size_t dash = rest.find('-');
  std::string_view pid_part =
      dash == std::string_view::npos ? std::string_view{} : rest.substr(0, dash);
  std::string_view number = dash == std::string_view::npos ? rest : rest.substr(dash + 1);
  auto digits = [](std::string_view text) {
    return !text.empty() && text.size() <= 10 &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(number) || (dash != std::string_view::npos && !digits(pid_part)))
    return std::nullopt;
  if (pid_part.empty())
    return 0;
  // Ten digits at most (checked above): always a number of this range.
  auto pid = parse_int<int64_t>(pid_part, 0, 9'999'999'999);
  return pid ? std::optional(static_cast<pid_t>(*pid)) : std::nullopt;
}

// Removes temp files a killed write_atomic of `name` left in `dir_fd`: only names of our exact
// pattern, only regular files, only when the writer that made them is gone.
void remove_stale_temps(int dir_fd, const std::string& name) {
  Fd dup_fd(::dup(dir_fd));
  if (!dup_fd.valid())
    return;
  // fdopendir takes the descriptor over when it succeeds: closedir closes it.
  DIR* dir = ::fdopendir(dup_fd.get());
  if (!dir)
    return;
  dup_fd.release();
  std::vector<std::string> stale;
  while (dirent* entry = ::readdir(dir)) {
    auto pid = temp_owner(entry->d_name, name);
    if (!pid)
      continue;
    if (*pid == ::getpid() || (*pid > 0 && (::kill(*pid, 0) == 0 || errno != ESRCH)))
      continue;  // its writer still runs
    struct stat st {};
    if (::fstatat(dir_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
      stale.emplace_back(entry->d_name);
  }
  ::closedir(dir);
  for (const auto& temp : stale) ::unlinkat(dir_fd, temp.c_str(), 0);
}

}  // namespace

FileType file_type(mode_t mode) {
  if (S_ISREG(mode))
    return FileType::regular;
  if (S_ISDIR(mode))
    return FileType::directory;
  if (S_ISLNK(mode))
    return FileType::symlink;
  return FileType::other;
}

Result<void> remove_entry_at(int dir_fd, const std::string& name, const std::string& display) {
  struct stat st {};
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT)
      return {};
    return std::unexpected(errno_error(errno, "stat", display));
  }
  if (S_ISDIR(st.st_mode)) {
    Fd child(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!child.valid())
      return std::unexpected(errno_error(errno, "open", display));
    CS_TRY_VOID(remove_contents(child.get(), display));
  }
  if (::unlinkat(dir_fd, name.c_str(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) != 0)
    return std::unexpected(errno_error(errno, "remove", display));
  ::fsync(dir_fd);
  return {};
}

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

Filesystem::Filesystem(std::string root, Fd root_fd, bool system_root)
    : m_root(std::move(root)), m_root_fd(std::move(root_fd)), m_system_root(system_root) {}

Result<Filesystem> Filesystem::open(const std::string& root) {
  if (root.empty())
    return fail(ErrorCode::bad_input, "empty root directory");
  Fd fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid())
    return std::unexpected(errno_error(errno, "open root", root));
  struct stat root_stat {
  }, slash_stat{};
  bool system_root = ::fstat(fd.get(), &root_stat) == 0 && ::stat("/", &slash_stat) == 0 &&
                     root_stat.st_dev == slash_stat.st_dev && root_stat.st_ino == slash_stat.st_ino;
  std::string trimmed = root;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  if (trimmed == "/")
    trimmed.clear();
  return Filesystem(std::move(trimmed), std::move(fd), system_root);
}

std::string Filesystem::host_path(std::string_view path) const {
  return m_root + std::string(path);
}

Result<Fd> Filesystem::open_in_root(std::string_view path, int flags) const {
  CS_TRY(std::string normal, normalize_path(path));
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  // openat2 wants a path relative to the root's descriptor.
  std::string relative = normal.size() == 1 ? std::string(".") : normal.substr(1);
  long fd = ::syscall(SYS_openat2, m_root_fd.get(), relative.c_str(), &how, sizeof how);
  if (fd < 0)
    return std::unexpected(errno_error(errno, "open", host_path(normal)));
  return Fd(static_cast<int>(fd));
}

Result<Fd> Filesystem::open_directory(std::string_view path) const {
  return open_in_root(path, O_RDONLY | O_DIRECTORY);
}

Result<std::string> Filesystem::read(std::string_view path) const {
  CS_TRY(Fd file, open_in_root(path, O_RDONLY));
  const int fd = file.get();
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
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0)
    return std::unexpected(errno_error(errno, "stat", host_path(path)));
  return file_stat(st);
}

Result<bool> Filesystem::has_access_acl(std::string_view path) const {
  CS_TRY(Fd fd, open_in_root(path, O_PATH));
  // An O_PATH descriptor takes no fgetxattr; its /proc/self/fd name reaches the same inode.
  const std::string self = "/proc/self/fd/" + std::to_string(fd.get());
  ssize_t size = ::getxattr(self.c_str(), "system.posix_acl_access", nullptr, 0);
  if (size >= 0)
    return size > 0;
  if (errno == ENODATA || errno == ENOTSUP)
    return false;
  return std::unexpected(errno_error(errno, "getxattr", host_path(path)));
}

Result<std::vector<std::string>> Filesystem::list(std::string_view path) const {
  CS_TRY(Fd dir, open_directory(path));
  return list_names_at(dir.get(), host_path(path));
}

Result<std::vector<std::string>> list_names_at(int dir_fd, const std::string& display) {
  Fd dup_fd(::dup(dir_fd));
  if (!dup_fd.valid())
    return std::unexpected(errno_error(errno, "dup", display));
  // fdopendir takes the descriptor over when it succeeds: closedir closes it.
  DIR* dir = ::fdopendir(dup_fd.get());
  if (!dir)
    return std::unexpected(errno_error(errno, "opendir", display));
  dup_fd.release();
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
  CS_TRY(Fd dir, open_in_root(parent_path(normal), O_RDONLY | O_DIRECTORY));
  const int dir_fd = dir.get();
  const std::string name = base_name(normal);
  remove_stale_temps(dir_fd, name);
  std::random_device random;
  const std::string temp = "." + name + ".clawshield-" + std::to_string(::getpid()) + "-" +
                           std::to_string(random() % 1000000);
  Fd file(::openat(dir_fd, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!file.valid())
    return std::unexpected(errno_error(errno, "create", host_path(normal)));
  const int fd = file.get();
  auto cleanup = [&](Error error) -> Result<void> {
    ::unlinkat(dir_fd, temp.c_str(), 0);
    return std::unexpected(std::move(error));
  };
  if (auto written = write_all(fd, content, host_path(normal)); !written)
    return cleanup(written.error());
  // No chown when the new file has its owner already: a process whose seccomp filter denies
  // the chown family (the guard's unit: ~@privileged) can still write its own root-owned state.
  struct stat created {};
  if (::fstat(fd, &created) != 0)
    return cleanup(errno_error(errno, "stat", host_path(normal)));
  if ((created.st_uid != owner.uid || created.st_gid != owner.gid) &&
      ::fchown(fd, owner.uid, owner.gid) != 0)
    return cleanup(errno_error(errno, "chown", host_path(normal)));
  if (::fchmod(fd, mode & 07777u) != 0)
    return cleanup(errno_error(errno, "chmod", host_path(normal)));
  if (::fsync(fd) != 0)
    return cleanup(errno_error(errno, "fsync", host_path(normal)));
  file.reset();
  if (::renameat(dir_fd, temp.c_str(), dir_fd, name.c_str()) != 0)
    return cleanup(errno_error(errno, "rename", host_path(normal)));
  if (::fsync(dir_fd) != 0)
    return std::unexpected(errno_error(errno, "fsync folder of", host_path(normal)));
  return {};
}

Result<void> Filesystem::make_directory(std::string_view path, unsigned mode, Ownership owner) {
  CS_TRY(std::string normal, normalize_path(path));
  CS_TRY(Fd dir, open_in_root(parent_path(normal), O_RDONLY | O_DIRECTORY));
  return make_directory_at(dir.get(), base_name(normal), mode, owner, host_path(normal));
}

Result<void> Filesystem::set_attributes(std::string_view path, unsigned mode, Ownership owner) {
  // Non-blocking: a FIFO put in the path's place must not hang the caller.
  CS_TRY(Fd fd, open_in_root(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
  if (::fchown(fd.get(), owner.uid, owner.gid) != 0)
    return std::unexpected(errno_error(errno, "chown", host_path(path)));
  if (::fchmod(fd.get(), mode & 07777u) != 0)
    return std::unexpected(errno_error(errno, "chmod", host_path(path)));
  return {};
}

Result<void> Filesystem::remove(std::string_view path) {
  CS_TRY(std::string normal, normalize_path(path));
  if (normal == "/")
    return fail(ErrorCode::refused, "refusing to remove the root");
  auto dir = open_in_root(parent_path(normal), O_RDONLY | O_DIRECTORY);
  if (!dir) {
    if (dir.error().code == ErrorCode::not_found)
      return {};
    return std::unexpected(dir.error());
  }
  const int dir_fd = dir->get();
  const std::string name = base_name(normal);
  struct stat st {};
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT)
      return {};
    return std::unexpected(errno_error(errno, "stat", host_path(normal)));
  }
  if (S_ISDIR(st.st_mode)) {
    Fd child(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!child.valid())
      return std::unexpected(errno_error(errno, "open", host_path(normal)));
    CS_TRY_VOID(remove_contents(child.get(), host_path(normal)));
  }
  if (::unlinkat(dir_fd, name.c_str(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) != 0)
    return std::unexpected(errno_error(errno, "remove", host_path(normal)));
  ::fsync(dir_fd);
  return {};
}

std::string trusted_parent_of(std::string_view path, std::string_view home) {
  std::string prefix(home);
  if (!prefix.ends_with('/'))
    prefix += '/';
  if (home.size() > 1 && (path == home || path.starts_with(prefix)))
    return std::string(home);
  return parent_path(path);
}

Result<std::string> UntrustedFile::read() const {
  if (m_stat.type != FileType::regular)
    return fail(ErrorCode::refused, m_display + " is not a regular file");
  if (m_stat.size > k_untrusted_max_bytes)
    return fail(ErrorCode::refused, m_display + " is larger than " +
                                        std::to_string(k_untrusted_max_bytes) + " bytes (" +
                                        std::to_string(m_stat.size) + "): not read");
  std::string content;
  char buffer[65536];
  off_t offset = 0;
  while (true) {
    ssize_t n = ::pread(m_fd.get(), buffer, sizeof buffer, offset);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return std::unexpected(errno_error(errno, "read", m_display));
    }
    if (n == 0)
      break;
    offset += n;
    content.append(buffer, static_cast<size_t>(n));
    if (content.size() > k_untrusted_max_bytes)
      return fail(ErrorCode::refused, m_display + " grew past " +
                                          std::to_string(k_untrusted_max_bytes) +
                                          " bytes while being read: not read");
  }
  return content;
}

Result<void> UntrustedFile::set_attributes(unsigned mode, Ownership owner) const {
  struct stat st {};
  if (::fstat(m_fd.get(), &st) != 0)
    return std::unexpected(errno_error(errno, "stat", m_display));
  if (S_ISREG(st.st_mode) && st.st_nlink > 1)
    return fail(ErrorCode::refused, m_display + " has " + std::to_string(st.st_nlink) +
                                        " hard links: refusing to change a file that may "
                                        "also be elsewhere");
  if (::fchown(m_fd.get(), owner.uid, owner.gid) != 0)
    return std::unexpected(errno_error(errno, "chown", m_display));
  if (::fchmod(m_fd.get(), mode & 07777u) != 0)
    return std::unexpected(errno_error(errno, "chmod", m_display));
  return {};
}

Result<void> UntrustedFile::make_directory(const std::string& name, unsigned mode,
                                           Ownership owner) const {
  if (m_stat.type != FileType::directory)
    return fail(ErrorCode::refused, m_display + " is not a directory");
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
    return fail(ErrorCode::bad_input, "not a single path component: " + name);
  return make_directory_at(m_fd.get(), name, mode, owner, m_display + "/" + name);
}

Result<UntrustedFile> Filesystem::open_untrusted(std::string_view path,
                                                 std::string_view trusted_parent,
                                                 UntrustedKind kind) const {
  CS_TRY(std::string normal, normalize_path(path));
  CS_TRY(std::string trusted, normalize_path(trusted_parent));
  const std::string display = host_path(normal);
  std::string relative;
  if (normal != trusted) {
    const std::string prefix = trusted == "/" ? "/" : trusted + "/";
    if (!normal.starts_with(prefix))
      return fail(ErrorCode::internal, normal + " is not under " + trusted);
    relative = normal.substr(prefix.size());
  } else {
    relative = ".";
  }
  CS_TRY(Fd base, open_in_root(trusted, O_PATH | O_DIRECTORY));
  const int base_fd = base.get();

  // Below the trusted part: no symlink anywhere, nothing outside it.
  auto open_below = [&](int flags) -> long {
    open_how how{};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    return ::syscall(SYS_openat2, base_fd, relative.c_str(), &how, sizeof how);
  };
  auto refusal = [&](int err) -> Error {
    if (err != ELOOP && err != EXDEV)
      return errno_error(err, "open", display);
    // Name the link for the person reading: the first component that is one.
    std::string prefix;
    for (const auto& part : split_path(relative)) {
      prefix += (prefix.empty() ? "" : "/") + part;
      struct stat st {};
      if (::fstatat(base_fd, prefix.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISLNK(st.st_mode))
        continue;
      char target[4096];
      ssize_t n = ::readlinkat(base_fd, prefix.c_str(), target, sizeof target - 1);
      std::string to = n > 0 ? " to " + std::string(target, static_cast<size_t>(n)) : "";
      const std::string link = host_path(trusted == "/" ? "/" + prefix : trusted + "/" + prefix);
      return Error{ErrorCode::refused,
                   link + " is a symlink" + to + ": refusing to follow" +
                       (link == display ? "" : " (on the way to " + display + ")")};
    }
    return Error{ErrorCode::refused, display + " is reached through a symlink: refusing to follow"};
  };

  // First a descriptor that opens nothing (a FIFO or device is not opened by O_PATH), to see
  // what is there; then the real open, which must meet the same object.
  long probe = open_below(O_PATH | O_NOFOLLOW);
  if (probe < 0)
    return std::unexpected(refusal(errno));
  Fd probe_fd(static_cast<int>(probe));
  struct stat seen {};
  if (::fstat(probe_fd.get(), &seen) != 0)
    return std::unexpected(errno_error(errno, "stat", display));
  if (S_ISLNK(seen.st_mode))
    return std::unexpected(refusal(ELOOP));
  // A socket is never opened: the O_PATH descriptor is what a caller connects through
  // (/proc/self/fd/N), so the connection reaches the socket checked here.
  if (kind == UntrustedKind::socket) {
    if (!S_ISSOCK(seen.st_mode))
      return fail(ErrorCode::refused,
                  display + " is " + type_words(seen.st_mode) + ", not a socket");
    return UntrustedFile(std::move(probe_fd), file_stat(seen), display);
  }
  const bool want_dir = kind == UntrustedKind::directory;
  if (want_dir ? !S_ISDIR(seen.st_mode) : !S_ISREG(seen.st_mode))
    return fail(ErrorCode::refused, display + " is " + type_words(seen.st_mode) + ", not " +
                                        (want_dir ? "a directory" : "a regular file"));
  // A second name for a file elsewhere (a hard link made before protected_hardlinks, or in a
  // root without it) would make a change here a change there.
  if (!want_dir && seen.st_nlink > 1)
    return fail(ErrorCode::refused, display + " has " + std::to_string(seen.st_nlink) +
                                        " hard links: refusing a file that may also be elsewhere");
  if (!want_dir && static_cast<uint64_t>(seen.st_size) > k_untrusted_max_bytes)
    return fail(ErrorCode::refused, display + " is larger than " +
                                        std::to_string(k_untrusted_max_bytes) + " bytes (" +
                                        std::to_string(seen.st_size) + ")");
  long fd = open_below((want_dir ? O_RDONLY | O_DIRECTORY : O_RDONLY | O_NONBLOCK | O_NOCTTY) |
                       O_NOFOLLOW);
  if (fd < 0)
    return std::unexpected(refusal(errno));
  Fd file(static_cast<int>(fd));
  struct stat st {};
  if (::fstat(file.get(), &st) != 0)
    return std::unexpected(errno_error(errno, "stat", display));
  if (st.st_dev != seen.st_dev || st.st_ino != seen.st_ino)
    return fail(ErrorCode::refused, display + " changed while being opened");
  return UntrustedFile(std::move(file), file_stat(st), display);
}

Result<FileLock> Filesystem::lock_exclusive(std::string_view path) {
  CS_TRY(std::string normal, normalize_path(path));
  CS_TRY(Fd dir, open_in_root(parent_path(normal), O_RDONLY | O_DIRECTORY));
  Fd fd(::openat(dir.get(), base_name(normal).c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
                 0600));
  if (!fd.valid())
    return std::unexpected(errno_error(errno, "open", host_path(normal)));
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err == EWOULDBLOCK)
      return fail(ErrorCode::refused, host_path(normal) + " is locked by another clawshield");
    return std::unexpected(errno_error(err, "lock", host_path(normal)));
  }
  return FileLock(std::move(fd));
}

}  // namespace clawshield
