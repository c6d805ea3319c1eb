// `clawshield plan`: what apply would change, layer by layer, without changing anything. Exit
// 1 when something would change, so a script can ask "is this host as the policy says?".
#include <memory>

#include "cli/app.h"
#include "cli/commands/command.h"
#include "cli/output.h"
#include "engine/plan.h"

namespace clawshield {
namespace {

struct PlanOptions {
  bool diff = false;  // --diff: file changes as unified diffs
};

int run_plan_command(const PlanOptions& options, Invocation& invocation) {
  auto context = invocation.context(LockoutGuard::enforce);
  if (!context)
    return report_error(invocation.err, context.error());
  // Plan every layer and show what would change.
  Plan result = make_plan(**context, invocation.layers());
  print_plan(invocation.out, result, options.diff, invocation.style());
  if (result.has_errors())
    return k_exit_bad_input;
  return result.pending() ? k_exit_pending : k_exit_ok;
}

}  // namespace

CliCommand add_plan_command(CLI::App& app) {
  auto options = std::make_shared<PlanOptions>();
  auto* plan = app.add_subcommand("plan", "Show what apply would change (exit 1 if anything)");
  plan->add_flag("--diff", options->diff, "Show file changes as unified diffs");
  return {plan,
          [options](Invocation& invocation) { return run_plan_command(*options, invocation); }};
}

}  // namespace clawshield
