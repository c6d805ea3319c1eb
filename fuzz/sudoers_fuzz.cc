// Fuzz target: the sudoers reader (what the app user may run as root: the include resolution,
// the per-file segments handed to sudo's own parser, `cvtsudoers`, for real, and the reading
// of its JSON), the sudo layer's checks and their JSON rendering, and the parser of
// `sudo -l -U` output. The input is /etc/sudoers, then after a line "----" a file of
// /etc/sudoers.d/. Slower than the pure targets (cvtsudoers runs per input), still thousands
// of inputs in a CI budget.
#include "fuzz_support.h"
#include "host/accounts.h"
#include "host/runner.h"
#include "layers/sudo/sudo_layer.h"
#include "layers/sudo/sudoers.h"
#include "policy/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace clawshield;
  static const fuzz::TempRoot root;
  static const Policy policy{};
  const std::string_view text = fuzz::as_text(data, size);
  auto parts = fuzz::split_parts(text, 2);
  root.write("/etc/passwd", fuzz::k_passwd);
  root.write("/etc/group", fuzz::k_group);
  root.write("/etc/sudoers", parts[0]);
  root.write("/etc/sudoers.d/openclaw", parts[1]);
  auto fs = Filesystem::open(root.path());
  if (!fs)
    fuzz::fail_property("cannot open the temp root");
  auto accounts = Accounts::load(*fs);
  if (!accounts)
    fuzz::fail_property("the fixed accounts do not load");
  static ProcessRunner runner;
  auto grants = grants_for_user(*fs, runner, *accounts, "openclaw");
  if (grants) {
    for (const auto& grant : *grants) (void)breadth_problem(grant);
  } else if (grants.error().message.empty()) {
    fuzz::fail_property("a sudoers error without a message");
  }
  (void)parse_sudo_list(std::string(text));
  fuzz::OfflineHost offline(*fs);
  Host host{*fs, runner, offline.clock, offline.nft};
  fuzz::render_findings(SudoLayer().verify(Context{host.view(), policy}));
  return 0;
}
