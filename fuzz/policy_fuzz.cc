// Fuzz target: the policy loader (YAML text -> Policy). Malformed text must give an error
// value, never an exception or a crash; a policy that loads must render to YAML that loads
// again to the same rendering (what `policy init`/`policy show` rely on).
#include "fuzz_support.h"
#include "policy/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace clawshield;
  auto policy = parse_policy(fuzz::as_text(data, size), "/etc/clawshield/policy.yaml");
  if (!policy) {
    if (policy.error().message.empty())
      fuzz::fail_property("a policy error without a message");
    return 0;
  }
  const std::string rendered = render_policy(*policy);
  auto again = parse_policy(rendered, "rendered.yaml");
  if (!again) {
    std::fprintf(stderr, "%s\n", again.error().message.c_str());
    fuzz::fail_property("a loaded policy renders to YAML that does not load");
  }
  if (render_policy(*again) != rendered)
    fuzz::fail_property("a loaded policy does not survive render -> load");
  return 0;
}
