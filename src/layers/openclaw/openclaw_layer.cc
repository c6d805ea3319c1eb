// Layer 4, the app — ~/.openclaw/openclaw.json. Its `gateway.bind` decides who can reach the
// gateway: "loopback" is the posture, "tailnet" is fine where Tailscale is a trusted
// interface, "custom" only with a loopback IPv4 customBindHost (OpenClaw takes nothing else
// there), and "lan" / "auto" expose it. The bind is the effective one: the file the gateway's
// unit points OpenClaw at, read as JSON5 with $include and ${VAR}, the unit's flags on top, or
// OpenClaw's own answer where it is installed (openclaw_config.h). The
// file holds credentials, so it must be 0600 and the app user's. The file lives in the app
// user's home, so the app user (or a compromised gateway) decides what is at that path: it is
// opened without following links, never blocking, size-limited, and its mode and owner are
// fixed on that descriptor — never by rewriting content, which would turn a planted symlink to
// a root-only file into an app-owned copy of it.
#include "layers/openclaw/openclaw_layer.h"

#include <algorithm>

#include "core/bounded_json.h"
#include "core/json5.h"
#include "core/text.h"
#include "host/accounts.h"
#include "layers/openclaw/gateway_service.h"

namespace clawshield {
namespace {

using nlohmann::json;

// A customBindHost OpenClaw binds to that is loopback: a canonical dotted-decimal IPv4
// address in 127.0.0.0/8. Names and IPv6 ("localhost", "::1") are not accepted by OpenClaw.
bool loopback_custom_host(const std::string& host) {
  return openclaw_custom_host_valid(host) && trim(host).starts_with("127.");
}

// A value as evidence: its JSON text, shortened.
std::string shown(const json& value) {
  std::string text = dump_json(value);
  if (text.size() > 80)
    text = text.substr(0, 77) + "...";
  return text;
}

}  // namespace

GatewayJudgement judge_gateway_bind(const GatewaySettings& settings, TailnetTrust tailnet) {
  const json& gateway = settings.gateway;
  auto at = [&](const std::string& pointer) {
    auto it = settings.provenance.find(pointer);
    return it == settings.provenance.end() ? std::string() : " (" + it->second + ")";
  };
  if (!gateway.is_object())
    return {Status::fail, "gateway = " + shown(gateway) + at("") +
                              " is not an object: the gateway's bind cannot be shown loopback"};
  const auto bind_value = gateway.find("bind");
  if (bind_value == gateway.end())
    return {Status::unknown, "no effective gateway.bind"};  // apply_launch always sets it
  std::string evidence = "gateway.bind = " + shown(*bind_value) + at("/bind");
  if (!bind_value->is_string())
    return {Status::fail, evidence + " is not one of \"loopback\", \"tailnet\", \"custom\""};
  const std::string bind = bind_value->get<std::string>();
  if (bind == "loopback")
    return {Status::pass, evidence};
  if (bind == "tailnet")
    return tailnet == TailnetTrust::trusted
               ? GatewayJudgement{Status::pass, evidence + " (tailscale0 is trusted)"}
               : GatewayJudgement{Status::fail,
                                  evidence + " but tailscale0 is not a trusted interface"};
  if (bind == "custom") {
    const auto custom = gateway.find("customBindHost");
    if (custom == gateway.end())
      return {Status::fail, evidence + " without customBindHost: OpenClaw binds 0.0.0.0"};
    evidence += ", customBindHost = " + shown(*custom) + at("/customBindHost");
    if (!custom->is_string())
      return {Status::fail, evidence + ": not an address"};
    const std::string host = custom->get<std::string>();
    if (!openclaw_custom_host_valid(host))
      return {Status::fail, evidence +
                                ": OpenClaw accepts only an IPv4 address here and otherwise "
                                "resolves the bind to 0.0.0.0 (all interfaces)"};
    if (!loopback_custom_host(host))
      return {Status::fail, evidence + ": reachable beyond this host"};
    return {Status::pass, evidence};
  }
  if (bind == "lan" || bind == "auto")
    return {Status::fail, evidence + ": reachable beyond this host"};
  return {Status::fail, evidence + ": not a bind OpenClaw documents; cannot be shown loopback"};
}

GatewayJudgement judge_gateway_bind(std::string_view text, std::string_view source,
                                    TailnetTrust tailnet) {
  auto parsed = parse_json5(text, source);
  if (!parsed)
    return {Status::unknown, parsed.error().message};
  if (!parsed->value.is_object())
    return {Status::unknown, std::string(source) + " is " + parsed->value.type_name() +
                                 ", not an object clawshield can judge"};
  std::map<std::string, std::string> where;
  for (const auto& [pointer, p] : parsed->positions)
    where[pointer] =
        std::string(source) + ":" + std::to_string(p.line) + ":" + std::to_string(p.column);
  return judge_gateway_bind(apply_launch(parsed->value, where, OpenClawLaunch{}, {}), tailnet);
}

namespace {

// The gateway's launch: the unit discovered on the host, else the policy's command.
OpenClawLaunch gateway_launch(const Context& context) {
  const AppPolicy& app = context.policy.app;
  if (auto service = discover_gateway(context.host, context.policy))
    return launch_of(*service, app);
  GatewayService fallback;
  fallback.exec_start = app.exec_start;
  return launch_of(fallback, app);
}

Finding gateway_bind_finding(const Layer& layer, const Context& context, TailnetTrust tailnet) {
  const std::string title = "gateway bound to loopback";
  auto settings = read_gateway_settings(context.host, gateway_launch(context), Prefer::openclaw);
  if (!settings) {
    const bool missing = settings.error().code == ErrorCode::not_found;
    return make_finding(layer, "gateway_bind", Status::unknown, title,
                        missing ? settings.error().message + " (OpenClaw not configured)"
                                : settings.error().message);
  }
  GatewayJudgement judged = judge_gateway_bind(*settings, tailnet);
  return make_finding(layer, "gateway_bind", judged.status, title,
                      judged.evidence + "; " + settings->source_note);
}

}  // namespace

Result<std::vector<Action>> OpenClawLayer::desired(const Context& context) const {
  const AppPolicy& app = context.policy.app;
  // Mode and owner only, on a descriptor; nothing when the file does not exist, and reported
  // (not followed) when something else is at the path.
  return std::vector<Action>{SetAttributes{app.config_file, FileSpec{0600, app.user, app.group},
                                           trusted_parent_of(app.config_file, app.home)}};
}

std::vector<Finding> OpenClawLayer::verify(const Context& context) const {
  const AppPolicy& app = context.policy.app;
  Host& host = context.host;
  std::vector<Finding> findings;
  // The bind as the gateway reads it: its unit's config path, includes, variables and flags.
  const bool tailnet_trusted =
      std::ranges::find(context.policy.firewall.trusted_interfaces, "tailscale0") !=
      context.policy.firewall.trusted_interfaces.end();
  findings.push_back(gateway_bind_finding(
      *this, context, tailnet_trusted ? TailnetTrust::trusted : TailnetTrust::untrusted));

  auto file = host.fs.open_untrusted(app.config_file, trusted_parent_of(app.config_file, app.home),
                                     UntrustedKind::regular);
  if (!file) {
    const bool missing = file.error().code == ErrorCode::not_found;
    const std::string why = missing ? app.config_file + " does not exist (OpenClaw not configured)"
                                    : file.error().message;
    // Something that is not the app's private file stands where its credentials belong.
    findings.push_back(
        make_finding(*this, "config_mode",
                     file.error().code == ErrorCode::refused ? Status::fail : Status::unknown,
                     "config file private", why));
    return findings;
  }

  const FileStat& st = file->stat();
  auto accounts = Accounts::load(host.fs);
  if (!accounts) {
    findings.push_back(make_finding(*this, "config_mode", Status::unknown, "config file private",
                                    accounts.error().message));
  } else {
    const UserEntry* user = accounts->user(app.user);
    std::vector<std::string> problems;
    if (st.mode != 0600)
      problems.push_back("mode " + format_mode(st.mode) + ", want 0600");
    if (!user || st.uid != user->uid)
      problems.push_back("owner uid " + std::to_string(st.uid) + ", want " + app.user);
    findings.push_back(make_finding(
        *this, "config_mode", problems.empty() ? Status::pass : Status::fail, "config file private",
        app.config_file + (problems.empty() ? " 0600 " + app.user : ": " + join(problems, "; "))));
  }
  return findings;
}

}  // namespace clawshield
