// Commands run through one interface, argv only: no shell ever parses a string of ours. Tests
// substitute a fake runner; production uses ProcessRunner.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace clawshield {

// Content handed to the child as a file that exists only in memory (a memfd); the child finds
// its path, /proc/self/fd/N, in environment variable `env_var`. Used to give tools a config
// without writing anything to disk.
struct InlineFile {
  std::string env_var;
  std::string content;
};

struct Command {
  Command() = default;
  explicit Command(std::vector<std::string> arguments) : argv(std::move(arguments)) {}

  // argv[0] without a '/' is looked up in a fixed system PATH, never the caller's.
  std::vector<std::string> argv;
  // Added to (or replacing) ours; an empty value removes the variable. Children get
  // PATH=<system dirs> and LC_ALL=C unless set here.
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<InlineFile> inline_files;
  std::string stdin_data;
  std::chrono::milliseconds timeout{std::chrono::seconds(120)};
};

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
  bool ok() const { return exit_code == 0; }
};

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // Runs `command` to completion. An error means it could not run at all (ErrorCode::not_found
  // for a missing program, ErrorCode::timeout when killed for time); a program that ran and
  // failed is a CommandResult with a non-zero exit code.
  virtual Result<CommandResult> run(const Command& command) = 0;
  // Starts `command` in a new session with no terminal and does not wait for it: it lives on
  // when clawshield (and the admin's SSH session) ends. stdin/stdout/stderr are /dev/null.
  virtual Result<void> spawn_detached(const Command& command) = 0;
};

// Runs real processes with posix_spawn, capturing stdout and stderr.
class ProcessRunner final : public CommandRunner {
 public:
  Result<CommandResult> run(const Command& command) override;
  Result<void> spawn_detached(const Command& command) override;
};

// "prog: exit 3: <first line of stderr>" for messages about a failed command.
std::string describe_failure(const Command& command, const CommandResult& result);

}  // namespace clawshield
