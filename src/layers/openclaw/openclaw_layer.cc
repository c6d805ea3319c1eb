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

#include <arpa/inet.h>

#include <algorithm>

#include "core/bounded_json.h"
#include "core/json5.h"
#include "core/text.h"
#include "host/accounts.h"
#include "host/listeners.h"
#include "layers/openclaw/checks.h"
#include "layers/openclaw/exposure_rules.h"
#include "layers/openclaw/gateway_service.h"
#include "layers/openclaw/security_audit.h"
#include "layers/openclaw/state_files.h"

namespace clawshield {
namespace {

using nlohmann::json;

// Tailscale's own ranges: 100.64.0.0/10 and fd7a:115c:a1e0::/48.
bool tailscale_address(const std::string& text) {
  in_addr v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    uint32_t host_order = ntohl(v4.s_addr);
    return (host_order & 0xffc00000u) == 0x64400000u;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, text.c_str(), &v6) == 1)
    return v6.s6_addr[0] == 0xfd && v6.s6_addr[1] == 0x7a && v6.s6_addr[2] == 0x11 &&
           v6.s6_addr[3] == 0x5c && v6.s6_addr[4] == 0xa1 && v6.s6_addr[5] == 0xe0;
  return false;
}

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

Finding gateway_bind_finding(const Result<GatewaySettings>& settings, TailnetTrust tailnet) {
  if (!settings) {
    const bool missing = settings.error().code == ErrorCode::not_found;
    return make_finding(checks::k_openclaw_gateway_bind, Status::unknown,
                        missing ? settings.error().message + " (OpenClaw not configured)"
                                : settings.error().message);
  }
  GatewayJudgement judged = judge_gateway_bind(*settings, tailnet);
  return make_finding(checks::k_openclaw_gateway_bind, judged.status,
                      judged.evidence + "; " + settings->source_note);
}

// The stricter of two verdicts on the same check: fail, then unknown, then warn, then pass.
Finding worse_of(Finding a, Finding b) {
  auto rank = [](Status s) {
    return s == Status::fail ? 3 : s == Status::unknown ? 2 : s == Status::warn ? 1 : 0;
  };
  return rank(b.status) > rank(a.status) ? std::move(b) : std::move(a);
}

// The gateway's settings for the exposure rules: OpenClaw's own answer (or the files'), with
// the secrets its answer redacts taken from the files as the gateway would resolve them.
nlohmann::json exposure_view(const GatewaySettings& settings, const OpenClawLaunch& launch) {
  nlohmann::json gateway = settings.gateway;
  if (settings.source == SettingsSource::openclaw && settings.files) {
    const GatewaySettings from_files = apply_launch(
        settings.files->merged, settings.files->provenance, launch, settings.files->environment);
    for (const char* secret : {"token", "password"}) {
      auto auth = from_files.gateway.find("auth");
      if (auth == from_files.gateway.end() || !auth->is_object() || !auth->contains(secret))
        continue;
      if (!gateway.contains("auth") || !gateway["auth"].is_object())
        gateway["auth"] = nlohmann::json::object();
      gateway["auth"][secret] = (*auth)[secret];
    }
  }
  return nlohmann::json{{"gateway", gateway}};
}

}  // namespace

Result<std::vector<Action>> OpenClawLayer::desired(const Context& context) const {
  const AppPolicy& app = context.policy.app;
  // Mode and owner only, on a descriptor; nothing when the file does not exist, and reported
  // (not followed) when something else is at the path.
  std::vector<Action> actions = {SetAttributes{app.config_file, FileSpec{0600, app.user, app.group},
                                               trusted_parent_of(app.config_file, app.home)}};
  // OpenClaw's credential files, closed to group and others. A folder there that cannot be
  // listed (a link the app user planted) never blocks the apply: verify reports it unknown.
  if (auto targets = state_targets(context.host.fs, app))
    for (const auto& target : *targets)
      actions.push_back(SetAttributes{target.path, FileSpec{target.mode, app.user, app.group},
                                      app.home, target.kind});
  return actions;
}

std::vector<Finding> OpenClawLayer::verify(const Context& context) const {
  const AppPolicy& app = context.policy.app;
  const HostView& host = context.host;
  std::vector<Finding> findings;
  // The bind as the gateway reads it: its unit's config path, includes, variables and flags.
  const bool tailnet_trusted =
      std::ranges::find(context.policy.firewall.trusted_interfaces, "tailscale0") !=
      context.policy.firewall.trusted_interfaces.end();
  // OpenClaw's own answer comes from the app user's code, which a compromised app user can
  // make say anything: it may only make a verdict stricter. The files, read here, are judged
  // too, and the worse of the two verdicts stands.
  const OpenClawLaunch launch = gateway_launch(context);
  const TailnetTrust tailnet = tailnet_trusted ? TailnetTrust::trusted : TailnetTrust::untrusted;
  const auto answered = read_gateway_settings(host, launch, Prefer::openclaw);
  const auto from_files = read_gateway_settings(host, launch, Prefer::files);
  findings.push_back(
      worse_of(gateway_bind_finding(answered, tailnet), gateway_bind_finding(from_files, tailnet)));
  std::vector<Finding> by_answer, by_files;
  add_exposure_findings(context, answered, launch, by_answer);
  add_exposure_findings(context, from_files, launch, by_files);
  for (size_t i = 0; i < by_answer.size() && i < by_files.size(); ++i)
    findings.push_back(worse_of(std::move(by_answer[i]), std::move(by_files[i])));

  auto file = host.fs.open_untrusted(app.config_file, trusted_parent_of(app.config_file, app.home),
                                     UntrustedKind::regular);
  if (!file) {
    const bool missing = file.error().code == ErrorCode::not_found;
    const std::string why = missing ? app.config_file + " does not exist (OpenClaw not configured)"
                                    : file.error().message;
    // Something that is not the app's private file stands where its credentials belong.
    findings.push_back(make_finding(
        checks::k_openclaw_config_mode,
        file.error().code == ErrorCode::refused ? Status::fail : Status::unknown, why));
    add_state_findings(context, findings);
    add_listening_finding(context, findings);
    add_audit_findings(context, findings);
    return findings;
  }

  const FileStat& st = file->stat();
  auto accounts = Accounts::load(host.fs);
  if (!accounts) {
    findings.push_back(
        make_finding(checks::k_openclaw_config_mode, Status::unknown, accounts.error().message));
  } else {
    const UserEntry* user = accounts->user(app.user);
    std::vector<std::string> problems;
    if (st.mode != 0600)
      problems.push_back("mode " + format_mode(st.mode) + ", want 0600");
    if (!user || st.uid != user->uid)
      problems.push_back("owner uid " + std::to_string(st.uid) + ", want " + app.user);
    findings.push_back(make_finding(
        checks::k_openclaw_config_mode, problems.empty() ? Status::pass : Status::fail,
        app.config_file + (problems.empty() ? " 0600 " + app.user : ": " + join(problems, "; "))));
  }
  add_state_findings(context, findings);
  add_listening_finding(context, findings);
  add_audit_findings(context, findings);
  return findings;
}

void OpenClawLayer::add_exposure_findings(const Context& context,
                                          const Result<GatewaySettings>& settings,
                                          const OpenClawLaunch& launch,
                                          std::vector<Finding>& findings) const {
  if (!settings) {
    const bool missing = settings.error().code == ErrorCode::not_found;
    for (const Check* check : k_exposure_checks)
      findings.push_back(make_finding(
          *check, Status::unknown,
          missing
              ? settings.error().message + " (OpenClaw not configured: the gateway does not start)"
              : settings.error().message,
          SummaryOverride{"OpenClaw's " + std::string(check->id.substr(check->id.find('.') + 1))}));
    return;
  }
  const auto judged =
      judge_exposure(exposure_view(*settings, launch), {},
                     context.policy.app.allow_funnel ? FunnelAllowed::yes : FunnelAllowed::no);
  for (const auto& j : judged)
    findings.push_back(
        j.summary ? make_finding(*j.check, j.status, j.evidence, SummaryOverride{*j.summary})
                  : make_finding(*j.check, j.status, j.evidence));
}

void OpenClawLayer::add_listening_finding(const Context& context,
                                          std::vector<Finding>& findings) const {
  const HostView& host = context.host;
  if (!host.own_network) {
    findings.push_back(
        make_finding(checks::k_openclaw_listening, Status::unknown,
                     "not in the host's network namespace (--root without --netns)"));
    return;
  }
  auto gateway = discover_gateway(host, context.policy);
  if (!gateway) {
    findings.push_back(
        make_finding(checks::k_openclaw_listening, Status::unknown, gateway.error().message));
    return;
  }
  std::vector<std::string> unreadable;
  const std::vector<Listener> listeners = read_listeners(unreadable);
  const bool tailnet_trusted =
      std::ranges::find(context.policy.firewall.trusted_interfaces, "tailscale0") !=
      context.policy.firewall.trusted_interfaces.end();
  std::vector<std::string> loopback, exposed;
  for (const auto& listener : listeners) {
    if (listener.protocol != "tcp" || listener.port != gateway->port)
      continue;
    std::string where = listener.address + ":" + std::to_string(listener.port);
    if (listener.loopback)
      loopback.push_back(where);
    else if (tailnet_trusted && tailscale_address(listener.address))
      loopback.push_back(where + " (tailnet)");
    else
      exposed.push_back(where);
  }
  const std::string port =
      "port " + std::to_string(gateway->port) + " (" + gateway->port_source + ")";
  if (!exposed.empty())
    findings.push_back(make_finding(checks::k_openclaw_listening, Status::fail,
                                    port + " listens on " + join(exposed, ", ")));
  else if (!unreadable.empty())
    findings.push_back(make_finding(checks::k_openclaw_listening, Status::unknown,
                                    "cannot read " + join(unreadable, ", ")));
  else if (loopback.empty())
    findings.push_back(make_finding(checks::k_openclaw_listening, Status::warn,
                                    "nothing listens on " + port + ": is the gateway running?"));
  else
    findings.push_back(make_finding(checks::k_openclaw_listening, Status::pass,
                                    port + ": " + join(loopback, ", ")));
}

void OpenClawLayer::add_state_findings(const Context& context,
                                       std::vector<Finding>& findings) const {
  const AppPolicy& app = context.policy.app;
  auto targets = state_targets(context.host.fs, app);
  if (!targets) {
    findings.push_back(
        make_finding(checks::k_openclaw_state_files, Status::unknown, targets.error().message));
    return;
  }
  auto accounts = Accounts::load(context.host.fs);
  const UserEntry* user = accounts ? accounts->user(app.user) : nullptr;
  std::vector<std::string> problems;
  std::vector<std::string> unknown;
  for (const auto& target : *targets) {
    auto opened = context.host.fs.open_untrusted(target.path, app.home, target.kind);
    if (!opened) {
      (opened.error().code == ErrorCode::refused ? problems : unknown)
          .push_back(opened.error().message);
      continue;
    }
    const FileStat& st = opened->stat();
    if (st.mode & 077)
      problems.push_back(target.path + " " + format_mode(st.mode) + " (want " +
                         format_mode(target.mode) + ")");
    if (!user || st.uid != user->uid)
      problems.push_back(target.path + " owned by uid " + std::to_string(st.uid));
  }
  Status status = !problems.empty()  ? Status::fail
                  : !unknown.empty() ? Status::unknown
                                     : Status::pass;
  std::string evidence =
      !problems.empty() ? join(problems, "; ")
      : !unknown.empty()
          ? join(unknown, "; ")
          : std::to_string(targets->size()) +
                " credential paths (credentials/, auth profiles, session indexes) closed to others";
  findings.push_back(make_finding(checks::k_openclaw_state_files, status, evidence));
}

void OpenClawLayer::add_audit_findings(const Context& context,
                                       std::vector<Finding>& findings) const {
  if (auto why = context.host.skip_reason(Requirement::live_system)) {
    findings.push_back(
        make_finding(checks::k_openclaw_audit, Status::unknown,
                     "openclaw security audit runs only on the live system (" + *why + ")"));
    return;
  }
  auto gateway = discover_gateway(context.host, context.policy);
  auto report = gateway ? run_security_audit(context.host, context.policy.app, *gateway)
                        : Result<AuditReport>(std::unexpected(gateway.error()));
  if (!report) {
    findings.push_back(
        make_finding(checks::k_openclaw_audit, Status::unknown, report.error().message));
    return;
  }
  findings.push_back(make_finding(checks::k_openclaw_audit,
                                  report->critical ? Status::fail
                                  : report->warn   ? Status::warn
                                                   : Status::pass,
                                  report->command + ": " + std::to_string(report->critical) +
                                      " critical, " + std::to_string(report->warn) + " warn, " +
                                      std::to_string(report->info) + " info"));
  for (const auto& item : report->findings) {
    if (item.severity == "info")
      continue;
    Finding finding = make_member_finding(checks::k_openclaw_audit_item, item.check_id,
                                          item.severity == "critical" ? Status::fail : Status::warn,
                                          item.detail.empty() ? item.title : item.detail,
                                          SummaryOverride{item.title});
    findings.push_back(std::move(finding));
  }
}

}  // namespace clawshield
