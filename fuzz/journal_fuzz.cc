// Fuzz target: the guard's log reader for every format it detects (journal export, as
// `--replay` and the journal source read it; `journalctl -o json`; syslog), run through the
// detector as `guard --replay` does.
#include "fuzz_support.h"
#include "guard/replay.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace clawshield;
  guard::GuardSettings settings;
  settings.maxretry = 2;  // reach the ban path with small inputs
  guard::ReplayResult result = guard::replay_text(fuzz::as_text(data, size), settings, 2026);
  if (result.stats.events > result.stats.sshd_lines || result.stats.sshd_lines > result.stats.lines)
    fuzz::fail_property("replay counted more events than lines");
  for (const auto& ban : result.bans) (void)ban;
  return 0;
}
