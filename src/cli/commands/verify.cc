// `clawshield verify`: runs every layer's checks (or one layer's, --only) and prints the
// findings; `--checklist` answers the seed's six-item checklist from the same findings. Exit
// 1 when a check fails.
#include <algorithm>
#include <memory>
#include <optional>

#include "cli/app.h"
#include "cli/commands/command.h"
#include "cli/output.h"
#include "engine/checklist.h"
#include "engine/layers.h"
#include "engine/verify.h"

namespace clawshield {
namespace {

struct VerifyOptions {
  std::string only;        // --only: one layer, by id or number
  bool checklist = false;  // --checklist: the seed's checklist
};

int run_verify_command(const VerifyOptions& options, Invocation& invocation) {
  auto context = invocation.context(LockoutGuard::enforce);
  if (!context)
    return report_error(invocation.err, context.error());
  const LayerList& layers = invocation.layers();
  // Run every layer's checks.
  std::optional<std::string> only_layer;
  if (!options.only.empty()) {
    if (!is_layer_name(layers, options.only))
      return report_error(invocation.err,
                          Error{ErrorCode::bad_input, "--only: no layer '" + options.only + "'"});
    only_layer = options.only;
  }
  VerifyReport report = run_verify(**context, layers, only_layer);
  if (options.checklist) {
    // The seed's checklist, answered by the same findings.
    auto answers = answer_checklist(report, (*context)->policy);
    print_checklist(invocation.out, answers, invocation.style());
    return std::ranges::any_of(answers, [](const auto& a) { return a.status == Status::fail; })
               ? k_exit_pending
               : k_exit_ok;
  }
  print_verify(invocation.out, report, layers, invocation.style());
  return report.any_fail() ? k_exit_pending : k_exit_ok;
}

}  // namespace

CliCommand add_verify_command(CLI::App& app) {
  auto options = std::make_shared<VerifyOptions>();
  auto* verify = app.add_subcommand("verify", "Check the posture (exit 1 if a check fails)");
  auto* only = verify->add_option("--only", options->only, "Only this layer (id or number)");
  verify
      ->add_flag("--checklist", options->checklist,
                 "Answer the seed's six-item security checklist (ticked, crossed or unknown)")
      ->excludes(only);
  return {verify,
          [options](Invocation& invocation) { return run_verify_command(*options, invocation); }};
}

}  // namespace clawshield
