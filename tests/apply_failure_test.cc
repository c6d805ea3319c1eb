// A step that fails mid-apply rolls back everything before it (exit 3), and a sudoers render
// that visudo rejects never reaches sudoers.d. The runner is the real one except for the
// program a test makes fail.
#include <gtest/gtest.h>

#include <sstream>

#include "cli/app.h"
#include "support/fake_nftables.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

// Runs everything for real, except that the `fail_call`-th run of `program` exits 1.
class FailingRunner final : public CommandRunner {
 public:
  FailingRunner(std::string program, int fail_call)
      : m_program(std::move(program)), m_fail_call(fail_call) {}
  Result<CommandResult> run(const Command& command) override {
    if (command.argv.front() == m_program && ++m_calls == m_fail_call)
      return CommandResult{1, "", m_program + ": injected failure\n"};
    return m_real.run(command);
  }
  Result<void> spawn_detached(const Command& command) override {
    return m_real.spawn_detached(command);
  }

 private:
  ProcessRunner m_real;
  std::string m_program;
  int m_fail_call;
  int m_calls = 0;
};

int run(CommandRunner& runner, const std::vector<std::string>& args, std::string& out,
        std::string& err) {
  std::vector<const char*> argv = {"clawshield"};
  for (const auto& arg : args) argv.push_back(arg.c_str());
  SystemClock clock;
  testing::EmptyNftables nft;
  std::ostringstream out_stream, err_stream;
  int code = run_cli(static_cast<int>(argv.size()), argv.data(), runner, nft, clock, out_stream,
                     err_stream);
  out = out_stream.str();
  err = err_stream.str();
  return code;
}

TEST(ApplyFailure, VisudoRejectingAtInstallRollsBackEverythingWithExit3) {
  SKIP_UNLESS_ROOT();
  testing::TempDir dir;
  testing::seed_minimal_root(dir.path());
  const auto before = testing::snapshot(dir.path());
  // Call 1 is plan's check, call 2 the check right before installing.
  FailingRunner runner("visudo", 2);
  std::string out, err;
  int code = run(runner, {"apply", "--root", dir.path(), "--offline"}, out, err);
  EXPECT_EQ(code, 3) << out << err;
  EXPECT_NE(out.find("apply failed"), std::string::npos) << out;
  EXPECT_NE(out.find("injected failure"), std::string::npos) << out;
  EXPECT_NE(out.find("rolled back"), std::string::npos) << out;
  // The user useradd created and the unit written before the failure are gone again.
  EXPECT_EQ(testing::tree_difference(before, testing::snapshot(dir.path())), "");
}

TEST(ApplyFailure, InvalidSudoersIsRefusedAtPlanAndNothingChanges) {
  SKIP_UNLESS_ROOT();
  testing::TempDir dir;
  testing::seed_minimal_root(dir.path());
  const auto before = testing::snapshot(dir.path(), "");
  FailingRunner runner("visudo", 1);
  std::string out, err;
  int code = run(runner, {"apply", "--root", dir.path(), "--offline"}, out, err);
  EXPECT_EQ(code, 2) << out << err;
  EXPECT_NE(err.find("rejected by visudo"), std::string::npos) << err;
  EXPECT_EQ(testing::tree_difference(before, testing::snapshot(dir.path(), "")), "");
}

TEST(ApplyFailure, FailingAccountToolRollsBack) {
  SKIP_UNLESS_ROOT();
  testing::TempDir dir;
  testing::seed_minimal_root(dir.path());
  const auto before = testing::snapshot(dir.path());
  FailingRunner runner("useradd", 1);
  std::string out, err;
  EXPECT_EQ(run(runner, {"apply", "--root", dir.path(), "--offline"}, out, err), 3) << out << err;
  EXPECT_EQ(testing::tree_difference(before, testing::snapshot(dir.path())), "");
}

}  // namespace
}  // namespace clawshield
