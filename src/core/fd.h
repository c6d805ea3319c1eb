// One owner for every file descriptor clawshield opens: closed when it goes out of scope,
// moved but never copied, so no error path leaks one or closes one twice. And one way to turn
// a failed system call into an Error, so every file function names the call, the path and the
// reason alike.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.h"

namespace clawshield {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : m_fd(fd) {}
  Fd(Fd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const { return m_fd; }
  bool valid() const { return m_fd >= 0; }
  // Gives up ownership: the caller closes the descriptor.
  int release() { return std::exchange(m_fd, -1); }
  void reset() {
    if (m_fd >= 0)
      ::close(m_fd);
    m_fd = -1;
  }

 private:
  int m_fd = -1;
};

// The error of system call `what` on `path` that failed with `err`: not_found for ENOENT and
// ENOTDIR, permission for EACCES, EPERM and EROFS, io otherwise.
inline Error errno_error(int err, std::string_view what, std::string_view path) {
  ErrorCode code = ErrorCode::io;
  if (err == ENOENT || err == ENOTDIR)
    code = ErrorCode::not_found;
  if (err == EACCES || err == EPERM || err == EROFS)
    code = ErrorCode::permission;
  return Error{code, std::string(what) + " " + std::string(path) + ": " + std::strerror(err)};
}

}  // namespace clawshield
