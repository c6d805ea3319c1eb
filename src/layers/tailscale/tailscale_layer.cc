// Why Tailscale is verified and not configured: joining a tailnet needs the admin's login, but
// whether the node is up, which addresses it has and whether Funnel publishes anything to the
// whole internet can be asked of tailscaled. Not installed is unknown with the reason (the
// app is then reachable over loopback only), never a pass.
#include "layers/tailscale/tailscale_layer.h"

#include <nlohmann/json.hpp>

#include "core/text.h"
#include "layers/tailscale/checks.h"

namespace clawshield {
namespace {

constexpr const char* k_cli = "/usr/bin/tailscale";

}  // namespace

Result<TailscaleStatus> parse_tailscale_status(const std::string& json) {
  auto document = nlohmann::json::parse(json, nullptr, false);
  if (document.is_discarded() || !document.is_object())
    return fail(ErrorCode::bad_input, "tailscale status --json: not a JSON object");
  TailscaleStatus status;
  if (auto state = document.find("BackendState"); state != document.end() && state->is_string())
    status.backend_state = *state;
  else
    return fail(ErrorCode::bad_input, "tailscale status --json: no BackendState");
  if (auto self = document.find("Self"); self != document.end() && self->is_object()) {
    if (auto ips = self->find("TailscaleIPs"); ips != self->end() && ips->is_array())
      for (const auto& ip : *ips)
        if (ip.is_string())
          status.addresses.push_back(ip);
    if (auto name = self->find("HostName"); name != self->end() && name->is_string())
      status.host_name = *name;
  }
  return status;
}

Result<std::vector<std::string>> parse_funnel_hosts(const std::string& json) {
  std::string_view text = trim(json);
  std::vector<std::string> hosts;
  if (text.empty())
    return hosts;  // nothing served
  auto document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.is_object())
    return fail(ErrorCode::bad_input, "tailscale funnel status --json: not a JSON object");
  if (auto allow = document.find("AllowFunnel"); allow != document.end() && allow->is_object())
    for (const auto& [host, on] : allow->items())
      if (on.is_boolean() && on.get<bool>())
        hosts.push_back(host);
  return hosts;
}

std::vector<Finding> TailscaleLayer::verify(const Context& context) const {
  const HostView& host = context.host;
  std::vector<Finding> findings;
  auto both_unknown = [&](const std::string& why) {
    findings.push_back(make_finding(checks::k_tailscale_running, Status::unknown, why));
    findings.push_back(make_finding(checks::k_tailscale_funnel_off, Status::unknown, why));
    return findings;
  };
  auto cli = host.fs.stat(k_cli);
  if (!cli)
    return both_unknown(cli.error().message);
  if (!*cli)
    return both_unknown("Tailscale is not installed (no " + host.fs.host_path(k_cli) +
                        "); the app is reachable over loopback only");
  if (!host.fs.is_system_root())
    return both_unknown("tailscale asks the running tailscaled: only on the live root");

  auto status_run = host.runner.run(Command({"tailscale", "status", "--json"}));
  if (!status_run || (!status_run->ok() && status_run->out.empty())) {
    findings.push_back(make_finding(
        checks::k_tailscale_running, Status::fail,
        "tailscale status: " +
            (status_run ? std::string(trim(status_run->err)) : status_run.error().message)));
  } else if (auto status = parse_tailscale_status(status_run->out); !status) {
    findings.push_back(
        make_finding(checks::k_tailscale_running, Status::unknown, status.error().message));
  } else {
    const bool up = status->backend_state == "Running" && !status->addresses.empty();
    findings.push_back(make_finding(
        checks::k_tailscale_running, up ? Status::pass : Status::fail,
        "BackendState " + status->backend_state +
            (status->addresses.empty() ? ", no tailnet address"
                                       : ", addresses " + join(status->addresses, " "))));
  }

  auto funnel_run = host.runner.run(Command({"tailscale", "funnel", "status", "--json"}));
  if (!funnel_run || !funnel_run->ok()) {
    findings.push_back(make_finding(
        checks::k_tailscale_funnel_off, Status::unknown,
        "tailscale funnel status: " +
            (funnel_run ? std::string(trim(funnel_run->err)) : funnel_run.error().message)));
  } else if (auto hosts = parse_funnel_hosts(funnel_run->out); !hosts) {
    findings.push_back(
        make_finding(checks::k_tailscale_funnel_off, Status::unknown, hosts.error().message));
  } else {
    findings.push_back(make_finding(
        checks::k_tailscale_funnel_off, hosts->empty() ? Status::pass : Status::fail,
        hosts->empty() ? "Funnel off"
                       : "Funnel publishes " + join(*hosts, ", ") + " to the internet"));
  }
  return findings;
}

}  // namespace clawshield
