// `systemctl show` output as a typed value: Key=Value lines in order, values that hold '=',
// unset properties, and a failing systemctl as an error naming the command.
#include <gtest/gtest.h>

#include "host/systemctl_show.h"

namespace clawshield {
namespace {

TEST(SystemctlShow, ParsesKeyValueLinesInOrder) {
  UnitProperties shown = parse_unit_properties(
      "ActiveState=active\nSubState=running\nNRestarts=0\nUser=\n"
      "Environment=A=1 B=2\n\nnot a property\n=orphan\n");
  ASSERT_EQ(shown.entries.size(), 5u);
  EXPECT_EQ(shown.value("ActiveState"), "active");
  EXPECT_EQ(shown.value("Environment"), "A=1 B=2");  // split at the first '='
  ASSERT_TRUE(shown.find("User"));
  EXPECT_EQ(*shown.find("User"), "");   // printed, unset
  EXPECT_FALSE(shown.find("MainPID"));  // not printed
  EXPECT_EQ(shown.value("MainPID"), "");
  EXPECT_EQ(shown.lines(),
            (std::vector<std::string>{"ActiveState=active", "SubState=running", "NRestarts=0",
                                      "User=", "Environment=A=1 B=2"}));
  EXPECT_TRUE(parse_unit_properties("").entries.empty());
}

// Answers one command, and records what it was asked.
class OneAnswerRunner final : public CommandRunner {
 public:
  explicit OneAnswerRunner(CommandResult answer) : m_answer(std::move(answer)) {}
  Result<CommandResult> run(const Command& command) override {
    asked.push_back(command.argv);
    return m_answer;
  }
  Result<void> spawn_detached(const Command&) override { return {}; }
  std::vector<std::vector<std::string>> asked;

 private:
  CommandResult m_answer;
};

TEST(SystemctlShow, RunsSystemctlAndParsesItsAnswer) {
  OneAnswerRunner runner(CommandResult{0, "MainPID=4242\nActiveState=active\n", ""});
  auto shown = systemctl_show(runner, "docker.service", "MainPID,ActiveState");
  ASSERT_TRUE(shown) << shown.error().message;
  EXPECT_EQ(shown->value("MainPID"), "4242");
  ASSERT_EQ(runner.asked.size(), 1u);
  EXPECT_EQ(runner.asked[0], (std::vector<std::string>{"systemctl", "show", "docker.service",
                                                       "--property", "MainPID,ActiveState"}));

  OneAnswerRunner failing(CommandResult{1, "", "Failed to connect to bus: No such file\nmore\n"});
  auto failed = systemctl_show(failing, "docker.service", "MainPID");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::command_failed);
  EXPECT_EQ(failed.error().message,
            "systemctl show docker.service --property MainPID: exit 1: Failed to connect to bus: "
            "No such file");
}

}  // namespace
}  // namespace clawshield
