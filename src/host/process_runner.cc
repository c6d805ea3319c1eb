// The one place clawshield starts programs. posix_spawn with an explicit argv (never a shell),
// pipes for stdin/stdout/stderr drained with poll so a chatty child cannot deadlock us, and a
// deadline after which the child is killed. glibc's posix_spawn reports exec failures, so a
// missing program is an error rather than a mysterious exit code 127.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "core/fd.h"
#include "core/text.h"
#include "host/runner.h"

extern char** environ;

namespace clawshield {
namespace {

struct Pipe {
  Fd read_end;
  Fd write_end;
};

Result<void> make_pipe(Pipe& pipe) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return fail(ErrorCode::io, std::string("pipe: ") + std::strerror(errno));
  pipe.read_end = Fd(fds[0]);
  pipe.write_end = Fd(fds[1]);
  return {};
}

// Programs are looked up in a fixed PATH, not the caller's: clawshield runs as root, and a
// PATH with a writable folder in front would let anyone substitute `useradd`.
// The most a command may print on stdout or stderr (sudo -l, nft listings, OpenClaw's JSON are
// far smaller).
constexpr size_t k_max_output_bytes = 64u << 20;
constexpr const char* k_safe_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string resolve_program(const std::string& name) {
  if (name.find('/') != std::string::npos)
    return name;
  for (const auto& dir : split(k_safe_path, ':')) {
    std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return name;
}

}  // namespace

std::string describe_failure(const Command& command, const CommandResult& result) {
  std::string text = display_command(command.argv) + ": exit " + std::to_string(result.exit_code);
  auto lines = split_lines(result.err.empty() ? result.out : result.err);
  if (!lines.empty())
    text += ": " + std::string(trim(lines.front()));
  return text;
}

Result<CommandResult> ProcessRunner::run(const Command& command) {
  if (command.argv.empty())
    return fail(ErrorCode::internal, "empty command");

  // Environment: ours, with the command's additions.
  std::map<std::string, std::string> env;
  for (char** entry = environ; *entry; ++entry) {
    std::string_view pair = *entry;
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos)
      env[std::string(pair.substr(0, eq))] = pair.substr(eq + 1);
  }
  // Fixed PATH and C locale (tool output is parsed), unless the command says otherwise.
  env["PATH"] = k_safe_path;
  env["LC_ALL"] = "C";
  for (const auto& [key, value] : command.env) env[key] = value;

  // Closed here once the child has them: no O_CLOEXEC, so posix_spawn hands the child a copy.
  std::vector<Fd> memfds;
  for (const auto& file : command.inline_files) {
    Fd fd(::memfd_create("clawshield-inline", 0));  // inherited by the child on purpose
    if (!fd.valid())
      return fail(ErrorCode::io, std::string("memfd_create: ") + std::strerror(errno));
    if (::write(fd.get(), file.content.data(), file.content.size()) !=
        static_cast<ssize_t>(file.content.size()))
      return fail(ErrorCode::io, "writing inline file");
    env[file.env_var] = "/proc/self/fd/" + std::to_string(fd.get());
    memfds.push_back(std::move(fd));
  }
  std::vector<std::string> env_strings;
  for (const auto& [key, value] : env) env_strings.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = command.argv;
  std::vector<char*> argv;
  for (auto& s : argv_copy) argv.push_back(s.data());
  argv.push_back(nullptr);

  Pipe in, out, err;
  if (auto r = make_pipe(in); !r)
    return std::unexpected(r.error());
  if (auto r = make_pipe(out); !r)
    return std::unexpected(r.error());
  if (auto r = make_pipe(err); !r)
    return std::unexpected(r.error());

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read_end.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, out.write_end.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err.write_end.get(), 2);
  // Not the admin's working directory (a folder the app user may own).
  posix_spawn_file_actions_addchdir_np(&actions, "/");
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t default_signals;
  sigemptyset(&default_signals);
  sigaddset(&default_signals, SIGPIPE);
  posix_spawnattr_setsigdefault(&attributes, &default_signals);
  sigset_t no_signals;
  sigemptyset(&no_signals);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  // A session of its own: no command needs the admin's terminal (its stdio are pipes), and one
  // that runs another user's code (OpenClaw's CLI as the app user) must not be able to open
  // /dev/tty and push keystrokes into the admin's shell (TIOCSTI).
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID);

  pid_t pid = -1;
  const std::string program = resolve_program(command.argv.front());
  int spawn_error =
      ::posix_spawn(&pid, program.c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  memfds.clear();
  if (spawn_error != 0) {
    return fail(spawn_error == ENOENT ? ErrorCode::not_found : ErrorCode::io,
                "cannot run " + command.argv[0] + ": " + std::strerror(spawn_error));
  }
  in.read_end.reset();
  out.write_end.reset();
  err.write_end.reset();

  // Feed stdin and drain stdout/stderr until both close or the deadline passes.
  ::signal(SIGPIPE, SIG_IGN);
  std::string_view pending_input = command.stdin_data;
  if (pending_input.empty())
    in.write_end.reset();
  else
    ::fcntl(in.write_end.get(), F_SETFL, O_NONBLOCK);
  CommandResult result;
  const auto deadline = std::chrono::steady_clock::now() + command.timeout;
  bool timed_out = false;
  bool output_overflow = false;
  while ((out.read_end.valid() || err.read_end.valid()) && !output_overflow) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd fds[3];
    nfds_t count = 0;
    if (out.read_end.valid())
      fds[count++] = {out.read_end.get(), POLLIN, 0};
    if (err.read_end.valid())
      fds[count++] = {err.read_end.get(), POLLIN, 0};
    if (in.write_end.valid())
      fds[count++] = {in.write_end.get(), POLLOUT, 0};
    int ready = ::poll(fds, count, static_cast<int>(std::min<long>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR)
      break;
    for (nfds_t i = 0; i < count; ++i) {
      if (!fds[i].revents)
        continue;
      if (fds[i].fd == in.write_end.get()) {
        ssize_t n = ::write(in.write_end.get(), pending_input.data(), pending_input.size());
        if (n > 0)
          pending_input.remove_prefix(static_cast<size_t>(n));
        if (n < 0 && errno != EAGAIN)
          pending_input = {};
        if (pending_input.empty())
          in.write_end.reset();
        continue;
      }
      char buffer[65536];
      ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        std::string& sink = fds[i].fd == out.read_end.get() ? result.out : result.err;
        // Some commands run another user's code (OpenClaw's CLI): their output is bounded.
        if (sink.size() + static_cast<size_t>(n) > k_max_output_bytes) {
          output_overflow = true;
          ::kill(pid, SIGKILL);
          break;
        }
        sink.append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        if (fds[i].fd == out.read_end.get())
          out.read_end.reset();
        else
          err.read_end.reset();
      }
    }
  }
  in.write_end.reset();
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (output_overflow)
    return fail(ErrorCode::refused, display_command(command.argv) + ": killed: more than " +
                                        std::to_string(k_max_output_bytes) + " bytes of output");
  if (timed_out)
    return fail(ErrorCode::timeout, display_command(command.argv) + ": killed after " +
                                        std::to_string(command.timeout.count()) + " ms");
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

Result<void> ProcessRunner::spawn_detached(const Command& command) {
  if (command.argv.empty())
    return fail(ErrorCode::internal, "empty command");
  std::vector<std::string> env_strings = {std::string("PATH=") + k_safe_path, "LC_ALL=C"};
  for (const auto& [key, value] : command.env) env_strings.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (auto& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = command.argv;
  std::vector<char*> argv;
  for (auto& word : argv_copy) argv.push_back(word.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int fd = 0; fd < 3; ++fd)
    posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGPIPE);
  posix_spawnattr_setsigdefault(&attributes, &signals);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  const std::string program = resolve_program(command.argv.front());
  int error = ::posix_spawn(&pid, program.c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0)
    return fail(error == ENOENT ? ErrorCode::not_found : ErrorCode::io,
                "cannot start " + command.argv.front() + ": " + std::strerror(error));
  return {};
}

}  // namespace clawshield
