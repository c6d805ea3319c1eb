// Fuzz target: ~/.openclaw/openclaw.json as the OpenClaw layer judges it (verify, then what
// apply would do) and the JSON rendering of its findings. The file is the app user's: anything
// at all may be in it.
#include "fuzz_support.h"
#include "layers/openclaw/openclaw_layer.h"
#include "policy/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace clawshield;
  static const fuzz::TempRoot root;
  static const Policy policy{};
  root.write("/etc/passwd", fuzz::k_passwd);
  root.write("/etc/group", fuzz::k_group);
  root.write(policy.app.config_file, fuzz::as_text(data, size));
  auto fs = Filesystem::open(root.path());
  if (!fs)
    fuzz::fail_property("cannot open the temp root");
  fuzz::OfflineHost offline(*fs);
  const HostView view = offline.host.view();
  const Context context{view, policy};
  OpenClawLayer layer;
  auto findings = layer.verify(context);
  if (findings.empty())
    fuzz::fail_property("openclaw.json gave no findings");
  fuzz::render_findings(std::move(findings));
  (void)layer.desired(context);
  return 0;
}
