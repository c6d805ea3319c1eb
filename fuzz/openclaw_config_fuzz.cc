// Fuzz target: OpenClaw's config as the gateway reads it (openclaw_config.h), three files of
// the app user's in one input split at "----" lines: openclaw.json, the file it may $include
// as "./inc.json5" (which may include itself or the main file), and the state dir's .env.
// Properties: loading never throws; what loads is an object whose every provenance entry
// names a member that exists; the effective settings and their judgement never throw and
// always give evidence.
#include "core/bounded_json.h"
#include "fuzz_support.h"
#include "layers/openclaw/openclaw_config.h"
#include "layers/openclaw/openclaw_layer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace clawshield;
  static const fuzz::TempRoot root;
  const auto parts = fuzz::split_parts(fuzz::as_text(data, size), 3);
  root.write("/home/openclaw/.openclaw/openclaw.json", parts[0]);
  root.write("/home/openclaw/.openclaw/inc.json5", parts[1]);
  root.write("/home/openclaw/.openclaw/.env", parts[2]);
  auto fs = Filesystem::open(root.path());
  if (!fs)
    fuzz::fail_property("cannot open the temp root");
  GatewayService service;
  service.exec_start = "/usr/bin/node /x/dist/index.js gateway --bind lan";
  service.environment = {"GW_HOST=127.0.0.1", "\"A=b c\""};
  const OpenClawLaunch launch = launch_of(service, AppPolicy{});
  auto config = load_openclaw_config(*fs, launch);
  if (!config) {
    if (config.error().message.empty())
      fuzz::fail_property("an error without a message");
    return 0;
  }
  if (!config->merged.is_object())
    fuzz::fail_property("a loaded config that is not an object");
  for (const auto& [pointer, place] : config->provenance)
    if (!config->merged.contains(nlohmann::json::json_pointer(pointer)) || place.empty())
      fuzz::fail_property("provenance for a member that does not exist");
  GatewaySettings settings =
      apply_launch(config->merged, config->provenance, launch, config->environment);
  if (settings.gateway.is_object() && settings.gateway["bind"] != "lan")
    fuzz::fail_property("--bind lan in ExecStart did not win over the file");
  if (judge_gateway_bind(settings, TailnetTrust::trusted).evidence.empty())
    fuzz::fail_property("a judgement without evidence");
  (void)dump_json(settings.gateway);
  return 0;
}
