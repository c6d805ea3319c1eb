// Layer 4, the app — ~/.openclaw/openclaw.json. Its `gateway.bind` decides who can reach the
// gateway: "loopback" is the posture, "tailnet" is fine where Tailscale is a trusted
// interface, "custom" only with a loopback customBindHost, and "lan" / "auto" expose it. The
// file holds credentials, so it must be 0600 and the app user's; apply fixes the mode and
// owner (rewriting the same bytes atomically), never the content. Comments are allowed, as
// OpenClaw's loader allows them.
#include "layers/openclaw/openclaw_layer.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/text.h"
#include "host/accounts.h"

namespace clawshield {
namespace {

using nlohmann::json;

bool loopback_host(const std::string& host) {
  return host == "localhost" || host.starts_with("127.") || host == "::1";
}

}  // namespace

Result<std::vector<Action>> OpenClawLayer::desired(const Context& context) const {
  const AppPolicy& app = context.policy.app;
  std::vector<Action> actions;
  auto current = context.host.fs.read(app.config_file);
  if (!current) {
    if (current.error().code == ErrorCode::not_found)
      return actions;  // OpenClaw not configured yet
    return std::unexpected(current.error());
  }
  // Same content; only the mode and owner are the policy's.
  actions.push_back(WriteFile{app.config_file, *current, FileSpec{0600, app.user, app.group}, std::nullopt});
  return actions;
}

std::vector<Finding> OpenClawLayer::verify(const Context& context) const {
  const AppPolicy& app = context.policy.app;
  Host& host = context.host;
  std::vector<Finding> findings;
  auto text = host.fs.read(app.config_file);
  if (!text) {
    const std::string why = text.error().code == ErrorCode::not_found
                                ? app.config_file + " does not exist (OpenClaw not configured)"
                                : text.error().message;
    findings.push_back(make_finding(*this, "gateway_bind", Status::unknown, "gateway bound to loopback", why));
    findings.push_back(make_finding(*this, "config_mode", Status::unknown, "config file private", why));
    return findings;
  }

  json config = json::parse(*text, nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/true);
  if (config.is_discarded() || !config.is_object()) {
    findings.push_back(make_finding(*this, "gateway_bind", Status::unknown, "gateway bound to loopback",
                                    host.fs.host_path(app.config_file) + " is not JSON clawshield can read"));
  } else {
    const json gateway = config.value("gateway", json::object());
    const std::string bind = gateway.is_object() ? gateway.value("bind", std::string("loopback")) : "loopback";
    const bool tailnet_trusted =
        std::ranges::find(context.policy.firewall.trusted_interfaces, "tailscale0") !=
        context.policy.firewall.trusted_interfaces.end();
    Status status = Status::fail;
    std::string evidence = "gateway.bind = \"" + bind + "\"";
    if (bind == "loopback") {
      status = Status::pass;
    } else if (bind == "tailnet") {
      status = tailnet_trusted ? Status::pass : Status::fail;
      evidence += tailnet_trusted ? " (tailscale0 is trusted)" : " but tailscale0 is not a trusted interface";
    } else if (bind == "custom") {
      const std::string custom = gateway.value("customBindHost", std::string());
      status = loopback_host(custom) ? Status::pass : Status::fail;
      evidence += ", customBindHost = \"" + custom + "\"";
    } else {
      evidence += ": reachable beyond this host";
    }
    findings.push_back(make_finding(*this, "gateway_bind", status, "gateway bound to loopback", evidence));
  }

  auto st = host.fs.stat(app.config_file);
  auto accounts = Accounts::load(host.fs);
  if (!st || !*st || !accounts) {
    findings.push_back(make_finding(*this, "config_mode", Status::unknown, "config file private",
                                    !accounts ? accounts.error().message : "cannot stat " + app.config_file));
  } else {
    const UserEntry* user = accounts->user(app.user);
    std::vector<std::string> problems;
    if ((*st)->mode != 0600)
      problems.push_back("mode " + format_mode((*st)->mode) + ", want 0600");
    if (!user || (*st)->uid != user->uid)
      problems.push_back("owner uid " + std::to_string((*st)->uid) + ", want " + app.user);
    findings.push_back(make_finding(*this, "config_mode", problems.empty() ? Status::pass : Status::fail,
                                    "config file private",
                                    app.config_file + (problems.empty() ? " 0600 " + app.user : ": " + join(problems, "; "))));
  }
  return findings;
}

}  // namespace clawshield
