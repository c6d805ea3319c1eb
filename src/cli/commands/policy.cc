// `clawshield policy show|check`: the policy as clawshield reads it. `show` prints the
// effective policy (the file's, or the defaults) as YAML; `check FILE` validates one file
// without touching any host, so it can run before the file is installed.
#include <memory>

#include "cli/app.h"
#include "cli/commands/command.h"
#include "policy/policy.h"

namespace clawshield {
namespace {

struct PolicyOptions {
  std::string check_file;  // check FILE
  CLI::App* check = nullptr;
};

int run_policy_command(const PolicyOptions& options, Invocation& invocation) {
  if (options.check->parsed()) {
    // Validate one file without touching any host.
    auto text = read_host_file(options.check_file);
    if (!text)
      return report_error(invocation.err, text.error());
    auto parsed = parse_policy(*text, options.check_file);
    if (!parsed)
      return report_error(invocation.err, parsed.error());
    invocation.out << options.check_file << ": ok\n";
    return k_exit_ok;
  }
  // Show: the policy of the host.
  auto policy = invocation.policy();
  if (!policy)
    return report_error(invocation.err, policy.error());
  invocation.out << "# effective policy (from " << (*policy)->source << ")\n"
                 << render_policy(**policy);
  return k_exit_ok;
}

}  // namespace

CliCommand add_policy_command(CLI::App& app) {
  auto options = std::make_shared<PolicyOptions>();
  auto* policy = app.add_subcommand("policy", "Show or check a policy");
  policy->require_subcommand(1);
  policy->add_subcommand("show", "Print the effective policy as YAML");
  options->check = policy->add_subcommand("check", "Validate a policy file");
  options->check->add_option("file", options->check_file, "Policy file")->required();
  return {policy,
          [options](Invocation& invocation) { return run_policy_command(*options, invocation); }};
}

}  // namespace clawshield
