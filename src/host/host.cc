// Decides which live actions may run on this host. Kept in one place so every layer reports a
// skipped action with the same words instead of pretending it ran.
#include "host/host.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/text.h"

namespace clawshield {

namespace {

std::optional<std::string> skip_reason_of(Requirement requirement, Liveness liveness,
                                          bool own_network, const Filesystem& fs,
                                          bool systemd_running) {
  if (requirement == Requirement::none)
    return std::nullopt;
  if (liveness == Liveness::offline)
    return "offline";
  if (requirement == Requirement::network)
    return own_network ? std::nullopt
                       : std::optional<std::string>(
                             "--root is not the running system (name its "
                             "network namespace with --netns)");
  if (!fs.is_system_root())
    return "--root is not the running system";
  if (requirement == Requirement::systemd && !systemd_running)
    return "systemd not running";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> Host::skip_reason(Requirement requirement) const {
  return skip_reason_of(requirement, liveness, own_network, fs, systemd_running);
}

HostView Host::view() const {
  return HostView{
      fs,          runner,         clock,           nft,           liveness,     systemd_running,
      own_network, ssh_connection, session_unknown, lockout_guard, docker_socket};
}

std::optional<std::string> HostView::skip_reason(Requirement requirement) const {
  return skip_reason_of(requirement, liveness, own_network, fs, systemd_running);
}

Result<std::string> read_kernel_file(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return fail(ErrorCode::not_found, "cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool detect_systemd(const Filesystem& fs) {
  if (!fs.is_system_root())
    return false;
  auto st = fs.stat("/run/systemd/system");
  return st && *st && (*st)->type == FileType::directory;
}

namespace {

// Whether `path` exists under `fs`; an error when that cannot be told.
Result<bool> exists(const Filesystem& fs, std::string_view path) {
  CS_TRY(std::optional<FileStat> st, fs.stat(path));
  return st.has_value();
}

}  // namespace

Result<std::optional<std::string>> detect_container(const Filesystem& fs) {
  auto marker = fs.read("/run/systemd/container");
  if (marker) {
    std::string name(trim(*marker));
    if (!name.empty())
      return name;
  } else if (marker.error().code != ErrorCode::not_found) {
    return std::unexpected(marker.error());
  }
  CS_TRY(bool dockerenv, exists(fs, "/.dockerenv"));
  if (dockerenv)
    return std::string("docker");
  CS_TRY(bool containerenv, exists(fs, "/run/.containerenv"));
  if (containerenv)
    return std::string("podman");
  CS_TRY(bool vz, exists(fs, "/proc/vz"));
  CS_TRY(bool bc, exists(fs, "/proc/bc"));
  if (vz && !bc)
    return std::string("openvz");
  // systemd as PID 1 writes /run/systemd/container whenever it runs in one: its absence is
  // the answer, and PID 1's environment (readable by root only) is not needed.
  if (detect_systemd(fs))
    return std::nullopt;
  auto environ = fs.read("/proc/1/environ");
  if (!environ) {
    if (environ.error().code == ErrorCode::not_found)
      return std::nullopt;
    return fail(environ.error().code,
                "cannot tell whether this is a container: " + environ.error().message);
  }
  for (const std::string& entry : split(*environ, '\0'))
    if (entry.starts_with("container=") && entry.size() > 10)
      return std::string(entry.substr(10));
  return std::nullopt;
}

Result<bool> kernel_folder_read_only(const std::string& path) {
  struct statvfs info {};
  if (::statvfs(path.c_str(), &info) != 0) {
    const int error = errno;
    return fail(error == ENOENT ? ErrorCode::not_found : ErrorCode::io,
                "cannot tell whether " + path + " is writable: " + std::strerror(error));
  }
  return (info.f_flag & ST_RDONLY) != 0;
}

}  // namespace clawshield
