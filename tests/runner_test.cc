// The process runner: argv only (no shell ever interprets our strings), stdin and both output
// streams, deadlines, and in-memory config files for tools.
#include <gtest/gtest.h>
#include <unistd.h>

#include <sstream>

#include "host/runner.h"

namespace clawshield {
namespace {

TEST(ProcessRunner, ArgumentsAreNeverInterpretedByAShell) {
  ProcessRunner runner;
  auto result = runner.run(Command({"echo", "$HOME; touch /tmp/pwned `id`"}));
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->out, "$HOME; touch /tmp/pwned `id`\n");
}

TEST(ProcessRunner, PassesStdinAndCapturesBothStreams) {
  ProcessRunner runner;
  Command command({"sh", "-c", "cat; echo oops >&2; exit 3"});
  command.stdin_data = std::string(200000, 'x');  // more than a pipe buffer
  auto result = runner.run(command);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->exit_code, 3);
  EXPECT_EQ(result->out.size(), 200000u);
  EXPECT_EQ(result->err, "oops\n");
}

TEST(ProcessRunner, MissingProgramIsNotFound) {
  ProcessRunner runner;
  auto result = runner.run(Command({"/nonexistent/program"}));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::not_found);
}

TEST(ProcessRunner, KillsAtTheDeadline) {
  ProcessRunner runner;
  Command command({"sleep", "10"});
  command.timeout = std::chrono::milliseconds(200);
  auto start = std::chrono::steady_clock::now();
  auto result = runner.run(command);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(ProcessRunner, EnvironmentAdditionsAndInlineFiles) {
  ProcessRunner runner;
  Command command({"sh", "-c", "echo \"$GREETING\"; cat \"$CONFIG_FILE\""});
  command.env.push_back({"GREETING", "hello"});
  command.inline_files.push_back({"CONFIG_FILE", "in memory\n"});
  auto result = runner.run(command);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->out, "hello\nin memory\n");
}

// A command runs in a session of its own, without the admin's terminal: code of another user
// (OpenClaw's CLI as the app user) cannot open /dev/tty and push keystrokes into root's shell.
TEST(ProcessRunner, CommandsRunInASessionOfTheirOwn) {
  ProcessRunner runner;
  auto result = runner.run(Command({"cat", "/proc/self/stat"}));
  ASSERT_TRUE(result);
  // pid (comm) state ppid pgrp session ...
  std::string rest = result->out.substr(result->out.rfind(')') + 2);
  std::istringstream fields(rest);
  std::string state;
  long ppid = 0, pgrp = 0, session = 0;
  fields >> state >> ppid >> pgrp >> session;
  EXPECT_NE(session, static_cast<long>(::getsid(0)));
  auto tty = runner.run(Command({"sh", "-c", "exec 3</dev/tty && echo opened"}));
  ASSERT_TRUE(tty);
  EXPECT_NE(tty->out, "opened\n");
}

// Commands run from "/", not the admin's working directory, and their output is bounded (some
// run another user's code).
TEST(ProcessRunner, RunsFromTheRootFolderWithBoundedOutput) {
  ProcessRunner runner;
  auto where = runner.run(Command({"pwd"}));
  ASSERT_TRUE(where);
  EXPECT_EQ(where->out, "/\n");
  auto flood = runner.run(Command({"head", "-c", "70000000", "/dev/zero"}));
  ASSERT_FALSE(flood);
  EXPECT_EQ(flood.error().code, ErrorCode::refused) << flood.error().message;
}

}  // namespace
}  // namespace clawshield
