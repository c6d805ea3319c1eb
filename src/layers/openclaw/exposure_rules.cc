// OpenClaw's exposure rules, restated for clawshield. The gateway runs an agent that can
// execute commands as the app user, so whoever can authenticate to it owns that user: a
// missing or weak secret is a finding on *any* bind — on loopback every local user and every
// compromised local service is a client. Where OpenClaw's auditor only warns, clawshield fails
// when the gateway is reachable beyond this host (the firewall is then the only defence left).
// Values are the app's text: each is checked for type, and a shape we cannot judge is
// `unknown`, never a pass.
#include "layers/openclaw/exposure_rules.h"

#include <algorithm>
#include <limits>

#include "core/parse.h"
#include "core/text.h"

namespace clawshield {
namespace {

using nlohmann::json;

// config[a][b]... or nullptr when any step is missing or not an object.
const json* at(const json& config, std::initializer_list<const char*> path) {
  const json* node = &config;
  for (const char* key : path) {
    if (!node->is_object())
      return nullptr;
    auto it = node->find(key);
    if (it == node->end())
      return nullptr;
    node = &*it;
  }
  return node;
}

bool is_true(const json* value) {
  return value && value->is_boolean() && value->get<bool>();
}

std::string text_of(const json* value) {
  return value && value->is_string() ? value->get<std::string>() : std::string();
}

// A secret that OpenClaw refuses at startup ("", "undefined", "null" after trimming).
bool placeholder(std::string_view secret) {
  std::string_view t = trim(secret);
  return t.empty() || t == "undefined" || t == "null";
}

std::vector<std::string> strings_of(const json* value) {
  std::vector<std::string> out;
  if (value && value->is_array())
    for (const auto& item : *value)
      if (item.is_string())
        out.push_back(std::string(trim(item.get<std::string>())));
  return out;
}

// The shared secret auth uses: config value (string, or a SecretRef object whose value is not
// visible here), else the gateway's environment.
struct Secret {
  bool configured = false;
  bool visible = false;  // a plain string we can measure
  std::string value;
  std::string source;
};

Secret secret_of(const json& config, const char* key, const char* env_name,
                 const std::map<std::string, std::string>& environment) {
  Secret secret;
  if (const json* value = at(config, {"gateway", "auth", key})) {
    if (value->is_string()) {
      secret = {true, true, value->get<std::string>(), std::string("gateway.auth.") + key};
      return secret;
    }
    // A SecretRef names where OpenClaw fetches the value; an object without one is no secret.
    if (value->is_object() && value->contains("source") && (*value)["source"].is_string() &&
        value->contains("id") && (*value)["id"].is_string()) {
      secret = {true, false, "", std::string("gateway.auth.") + key + " (a SecretRef)"};
      return secret;
    }
  }
  if (auto it = environment.find(env_name); it != environment.end())
    secret = {true, true, it->second, env_name};
  return secret;
}

// A trusted-proxy entry that covers far more than a proxy: any wildcard, an unspecified
// address, or a prefix shorter than /8 (IPv4) or /32 (IPv6) — `0.0.0.0/1` plus `128.0.0.0/1`
// is the internet too.
bool too_broad_proxy(const std::string& entry) {
  if (entry.find('*') != std::string::npos || entry == "0.0.0.0" || entry == "::")
    return true;
  size_t slash = entry.find('/');
  if (slash == std::string::npos)
    return false;
  auto prefix = parse_int(std::string_view(entry).substr(slash + 1),
                          std::numeric_limits<int>::min(), std::numeric_limits<int>::max());
  if (!prefix)
    return true;  // not a prefix OpenClaw would read as a narrow one
  const bool v6 = entry.find(':') != std::string::npos;
  return *prefix < (v6 ? 32 : 8);
}

}  // namespace

EffectiveBind effective_bind(const json& config) {
  EffectiveBind bind;
  const json* value = at(config, {"gateway", "bind"});
  if (!value) {
    bind.mode = "loopback";
    bind.evidence = "gateway.bind unset (loopback)";
    return bind;
  }
  bind.mode = value->is_string() ? value->get<std::string>() : value->dump();
  bind.evidence = "gateway.bind = \"" + bind.mode + "\"";
  if (bind.mode == "loopback")
    return bind;
  if (bind.mode == "custom") {
    std::string host = text_of(at(config, {"gateway", "customBindHost"}));
    bind.evidence += ", customBindHost = \"" + host + "\"";
    bind.loopback_only = host == "127.0.0.1";
    return bind;
  }
  bind.loopback_only = false;
  return bind;
}

std::vector<ExposureJudgement> judge_exposure(const json& config,
                                              const std::map<std::string, std::string>& environment,
                                              FunnelAllowed funnel) {
  std::vector<ExposureJudgement> out;
  if (!config.is_object()) {
    for (const Check* check : k_exposure_checks)
      out.push_back({check, Status::unknown, "the config is not an object",
                     std::string(check->id.substr(check->id.find('.') + 1))});
    return out;
  }
  const EffectiveBind bind = effective_bind(config);
  const std::string where = bind.loopback_only ? "loopback only" : "reachable beyond this host";
  const std::string tailscale_mode = [&] {
    const json* value = at(config, {"gateway", "tailscale", "mode"});
    if (value && !value->is_string())
      return std::string("(not a string)");  // judged unknown below, never "off"
    std::string mode = text_of(value);
    return mode.empty() ? std::string("off") : mode;
  }();

  // Auth: the mode OpenClaw resolves (explicit, else token, else password).
  const json* mode_value = at(config, {"gateway", "auth", "mode"});
  const std::string explicit_mode = text_of(mode_value);
  const Secret token = secret_of(config, "token", "OPENCLAW_GATEWAY_TOKEN", environment);
  const Secret password = secret_of(config, "password", "OPENCLAW_GATEWAY_PASSWORD", environment);
  std::string mode = explicit_mode;
  if (mode.empty())
    mode = token.configured ? "token" : password.configured ? "password" : "none";
  const Secret* secret = mode == "token" ? &token : mode == "password" ? &password : nullptr;
  const bool serve_identity =
      tailscale_mode == "serve" && !(at(config, {"gateway", "auth", "allowTailscale"}) &&
                                     !is_true(at(config, {"gateway", "auth", "allowTailscale"})));
  {
    std::string evidence = bind.evidence + " (" + where + "); auth mode " + mode +
                           (explicit_mode.empty() ? " (resolved)" : "");
    if (mode_value && !mode_value->is_string())
      out.push_back(
          {&checks::k_openclaw_auth, Status::unknown, "gateway.auth.mode is not a string"});
    else if (mode == "none")
      out.push_back(
          {&checks::k_openclaw_auth, Status::fail,
           evidence + (bind.loopback_only ? ": every local user and service can drive the agent"
                                          : ": anyone who reaches the port can drive the agent")});
    else if (mode == "trusted-proxy")
      out.push_back({&checks::k_openclaw_auth, bind.loopback_only ? Status::warn : Status::pass,
                     evidence + ": identity from the reverse proxy (see trusted_proxies)"});
    else if ((mode == "token" || mode == "password") && secret && secret->configured)
      out.push_back({&checks::k_openclaw_auth, Status::pass, evidence + " from " + secret->source});
    else if ((mode == "token" || mode == "password") && serve_identity && bind.loopback_only)
      out.push_back({&checks::k_openclaw_auth, Status::warn,
                     evidence + " but no " + mode + " configured: only Tailscale Serve identity"});
    else if (mode == "token" || mode == "password")
      out.push_back({&checks::k_openclaw_auth, Status::fail,
                     evidence + " but no " + mode + " is configured"});
    else
      out.push_back({&checks::k_openclaw_auth, Status::fail,
                     evidence + ": not a mode OpenClaw documents (none, token, password, "
                                "trusted-proxy)"});
  }

  // The shared secret's strength: OpenClaw rejects placeholders and calls < 24 chars short.
  {
    if (!secret || !secret->configured) {
      out.push_back({&checks::k_openclaw_token_strength, Status::pass,
                     "no shared secret in use (" + mode + ")"});
    } else if (!secret->visible) {
      out.push_back({&checks::k_openclaw_token_strength, Status::unknown,
                     secret->source + ": its value is resolved by OpenClaw at run time"});
    } else if (placeholder(secret->value)) {
      out.push_back({&checks::k_openclaw_token_strength, Status::fail,
                     secret->source + " is blank or a placeholder (OpenClaw refuses to start)"});
    } else {
      size_t length = trim(secret->value).size();
      Status status = length >= 24         ? Status::pass
                      : bind.loopback_only ? Status::warn
                                           : Status::fail;
      out.push_back({&checks::k_openclaw_token_strength, status,
                     secret->source + " has " + std::to_string(length) + " characters (want >= 24" +
                         (bind.loopback_only ? ")" : " on a bind reachable beyond this host)")});
    }
  }

  // Failed-auth rate limiting, where strangers can try.
  {
    const json* limit = at(config, {"gateway", "auth", "rateLimit"});
    if (bind.loopback_only)
      out.push_back({&checks::k_openclaw_rate_limit, Status::pass,
                     "loopback only" + std::string(limit ? "; gateway.auth.rateLimit set" : "")});
    else if (mode == "trusted-proxy")
      out.push_back({&checks::k_openclaw_rate_limit, Status::pass, "auth is the reverse proxy's"});
    else if (limit && limit->is_object())
      out.push_back({&checks::k_openclaw_rate_limit, Status::pass, "gateway.auth.rateLimit set"});
    else
      out.push_back({&checks::k_openclaw_rate_limit, Status::warn,
                     bind.evidence + " and no gateway.auth.rateLimit: brute force is unthrottled"});
  }

  // Tailscale: Serve is tailnet-only, Funnel is the public internet.
  {
    std::string evidence = "gateway.tailscale.mode = \"" + tailscale_mode + "\"";
    if (tailscale_mode == "funnel")
      out.push_back(
          {&checks::k_openclaw_tailscale,
           funnel == FunnelAllowed::yes ? Status::warn : Status::fail,
           evidence + (funnel == FunnelAllowed::yes ? " (allowed by the policy)"
                                                    : ": the gateway is on the internet")});
    else if (tailscale_mode == "off" || tailscale_mode == "serve")
      out.push_back({&checks::k_openclaw_tailscale, Status::pass, evidence});
    else
      out.push_back({&checks::k_openclaw_tailscale, Status::unknown,
                     evidence + ": not one of off, serve, funnel"});
  }

  // The Control UI's browser-origin policy and its dangerous switches.
  {
    std::vector<std::string> problems;
    std::vector<std::string> warnings;
    // OpenClaw's test: enabled unless exactly false (null, 0 or "no" leave it on).
    const json* enabled_value = at(config, {"gateway", "controlUi", "enabled"});
    const bool enabled =
        !(enabled_value && enabled_value->is_boolean() && !enabled_value->get<bool>());
    auto origins = strings_of(at(config, {"gateway", "controlUi", "allowedOrigins"}));
    if (std::ranges::find(origins, "*") != origins.end())
      problems.push_back("allowedOrigins contains \"*\" (any web page may drive the gateway)");
    if (is_true(at(config, {"gateway", "controlUi", "dangerouslyAllowHostHeaderOriginFallback"})))
      problems.push_back("dangerouslyAllowHostHeaderOriginFallback = true (DNS rebinding)");
    if (enabled && !bind.loopback_only && origins.empty())
      problems.push_back("enabled beyond loopback without allowedOrigins");
    for (const char* legacy : {"allowInsecureAuth", "dangerouslyDisableDeviceAuth"})
      if (is_true(at(config, {"gateway", "controlUi", legacy})))
        warnings.push_back(std::string(legacy) +
                           " = true (retired in OpenClaw 2026.x, still honoured by older ones)");
    if (!problems.empty())
      out.push_back({&checks::k_openclaw_control_ui, Status::fail, join(problems, "; ")});
    else if (!warnings.empty())
      out.push_back({&checks::k_openclaw_control_ui, Status::warn, join(warnings, "; ")});
    else
      out.push_back({&checks::k_openclaw_control_ui, Status::pass,
                     enabled ? "allowedOrigins " + (origins.empty() ? std::string("(none: same "
                                                                                  "origin only)")
                                                                    : join(origins, ", "))
                             : "Control UI disabled"});
  }

  // Trusted proxies: who may assert a client's address or identity.
  {
    auto proxies = strings_of(at(config, {"gateway", "trustedProxies"}));
    std::vector<std::string> problems;
    for (const auto& proxy : proxies)
      if (too_broad_proxy(proxy))
        problems.push_back("trustedProxies has " + proxy + " (whole networks may spoof clients)");
    if (mode == "trusted-proxy") {
      if (proxies.empty())
        problems.push_back("auth mode trusted-proxy without trustedProxies");
      if (text_of(at(config, {"gateway", "auth", "trustedProxy", "userHeader"})).empty())
        problems.push_back("auth mode trusted-proxy without trustedProxy.userHeader");
    }
    const bool real_ip = is_true(at(config, {"gateway", "allowRealIpFallback"}));
    if (!problems.empty())
      out.push_back({&checks::k_openclaw_trusted_proxies, Status::fail, join(problems, "; ")});
    else if (real_ip)
      out.push_back({&checks::k_openclaw_trusted_proxies,
                     bind.loopback_only ? Status::warn : Status::fail,
                     "allowRealIpFallback = true: X-Real-IP from a proxy is believed"});
    else
      out.push_back({&checks::k_openclaw_trusted_proxies, Status::pass,
                     proxies.empty() ? "no trusted proxies" : "trusted: " + join(proxies, ", ")});
  }
  return out;
}

}  // namespace clawshield
