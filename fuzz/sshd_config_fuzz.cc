// Fuzz target: sshd_config as clawshield reads it under a root (no `sshd -T`), then the SSH
// layer's checks on it and their JSON rendering. The input is /etc/ssh/sshd_config, then after
// a line "----" a file of /etc/ssh/sshd_config.d/ that `Include` can reach.
#include "fuzz_support.h"
#include "layers/ssh/ssh_layer.h"
#include "layers/ssh/sshd_config.h"
#include "policy/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace clawshield;
  static const fuzz::TempRoot root;
  static const Policy policy{};
  auto parts = fuzz::split_parts(fuzz::as_text(data, size), 2);
  root.write("/etc/passwd", fuzz::k_passwd);
  root.write("/etc/group", fuzz::k_group);
  root.write("/etc/ssh/sshd_config", parts[0]);
  root.write("/etc/ssh/sshd_config.d/50-fuzz.conf", parts[1]);
  auto fs = Filesystem::open(root.path());
  if (!fs)
    fuzz::fail_property("cannot open the temp root");
  fuzz::OfflineHost offline(*fs);
  auto settings = sshd_settings(offline.host.view());
  if (settings)
    (void)settings->get("passwordauthentication", "yes");
  else if (settings.error().message.empty())
    fuzz::fail_property("an sshd_config error without a message");
  fuzz::render_findings(SshLayer().verify(Context{offline.host.view(), policy}));
  return 0;
}
