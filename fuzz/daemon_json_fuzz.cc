// Fuzz target: Docker's daemon.json merged with the policy's keys (what apply writes). Any
// text must give the merged file or an error naming line and column; merging the result again
// must change nothing (a second apply is a no-op).
#include "fuzz_support.h"
#include "layers/docker/docker_layer.h"
#include "policy/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace clawshield;
  static const DockerPolicy policy{};
  const std::string existing(fuzz::as_text(data, size));
  auto merged = merge_daemon_json(existing, policy, 20, "/etc/docker/daemon.json");
  if (!merged) {
    if (merged.error().message.empty())
      fuzz::fail_property("a daemon.json error without a message");
    return 0;
  }
  auto again = merge_daemon_json(*merged, policy, 20, "/etc/docker/daemon.json");
  if (!again || *again != *merged)
    fuzz::fail_property("merging daemon.json twice is not a no-op");
  return 0;
}
