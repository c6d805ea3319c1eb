// The openclaw layer's verify checks, declared once: findings are made from these (make_finding),
// the checklist names them, docs/checks.md is generated from them (tools/checks_doc.cc).
#pragma once

#include "layers/check.h"

namespace clawshield::checks {

inline constexpr Check k_openclaw_gateway_bind{
    .id = "openclaw.gateway_bind",
    .layer = "openclaw",
    .summary = "gateway bound to loopback",
    .fails_when =
        "the gateway's effective bind is `lan`/`auto`, `custom` with a "
        "customBindHost that is not a loopback IPv4 address (OpenClaw takes only dotted-decimal "
        "IPv4 there: `localhost` or `::1` make it resolve 0.0.0.0), or `tailnet` while tailscale0 "
        "is not trusted. Effective: OpenClaw's own `config get gateway --json` as the app user "
        "where it runs, else the config file the unit's environment names (OPENCLAW_CONFIG_PATH, "
        "OPENCLAW_STATE_DIR, --profile) read as JSON5 with `$include` and `${VAR}`; the unit's "
        "`--bind`/`--port`/... flags on top; the evidence names file:line:col or the flag, and "
        "which source was used. Unknown when the config is missing, unreadable or unparsable (with "
        "file:line:col)",
};

inline constexpr Check k_openclaw_config_mode{
    .id = "openclaw.config_mode",
    .layer = "openclaw",
    .summary = "config file private",
    .fails_when = "openclaw.json is not 0600 or not the app user's (apply fixes it)",
};

inline constexpr Check k_openclaw_auth{
    .id = "openclaw.auth",
    .layer = "openclaw",
    .summary = "gateway requires authentication",
    .fails_when =
        "the gateway's auth, as OpenClaw resolves it (explicit "
        "`gateway.auth.mode`, else token, else password, else none; `--auth`/`--token` flags and "
        "`OPENCLAW_GATEWAY_TOKEN`/`_PASSWORD` count), is `none` or has no secret configured — on "
        "**any** bind (on loopback every local user and service can drive the agent); warn for "
        "`trusted-proxy` on loopback or Serve identity alone; unknown for a mode that is not a "
        "string or a config that cannot be read",
};

inline constexpr Check k_openclaw_token_strength{
    .id = "openclaw.token_strength",
    .layer = "openclaw",
    .summary = "gateway secret is long and not a placeholder",
    .fails_when =
        "the shared secret is blank or a placeholder (`undefined`, `null`: "
        "OpenClaw refuses to start) — fail; shorter than 24 characters — warn on loopback, fail on "
        "a bind reachable beyond the host; unknown for a SecretRef (resolved by OpenClaw at run "
        "time)",
};

inline constexpr Check k_openclaw_rate_limit{
    .id = "openclaw.rate_limit",
    .layer = "openclaw",
    .summary = "failed authentication is rate limited",
    .fails_when =
        "(warn) a bind reachable beyond the host without "
        "`gateway.auth.rateLimit` (except trusted-proxy auth)",
};

inline constexpr Check k_openclaw_tailscale{
    .id = "openclaw.tailscale",
    .layer = "openclaw",
    .summary = "no Tailscale Funnel (public internet) exposure",
    .fails_when =
        "`gateway.tailscale.mode: funnel` (the public internet) — fail, or warn "
        "when `app.allow_funnel: true`; unknown for a mode that is not off/serve/funnel",
};

inline constexpr Check k_openclaw_control_ui{
    .id = "openclaw.control_ui",
    .layer = "openclaw",
    .summary = "Control UI keeps its origin checks",
    .fails_when =
        "`controlUi.allowedOrigins` contains `*`, "
        "`dangerouslyAllowHostHeaderOriginFallback: true`, or the Control UI enabled beyond "
        "loopback without `allowedOrigins`; warn for the retired `allowInsecureAuth` / "
        "`dangerouslyDisableDeviceAuth`",
};

inline constexpr Check k_openclaw_trusted_proxies{
    .id = "openclaw.trusted_proxies",
    .layer = "openclaw",
    .summary = "only named reverse proxies are trusted",
    .fails_when =
        "`trustedProxies` with `0.0.0.0/0`, `::/0`, `*`; trusted-proxy auth "
        "without `trustedProxies` or `trustedProxy.userHeader`; `allowRealIpFallback: true` (warn "
        "on loopback, fail beyond)",
};

inline constexpr Check k_openclaw_listening{
    .id = "openclaw.listening",
    .layer = "openclaw",
    .summary = "the gateway's port listens on loopback only (the kernel's view)",
    .fails_when =
        "the kernel shows the gateway's port (as OpenClaw resolves it) bound to "
        "an address that is not loopback (a tailnet address passes where `tailscale0` is trusted); "
        "warn when nothing listens there; unknown outside the host's network namespace",
};

inline constexpr Check k_openclaw_state_files{
    .id = "openclaw.state_files",
    .layer = "openclaw",
    .summary = "OpenClaw's credentials are the app user's alone",
    .fails_when =
        "OpenClaw's credentials (`credentials/`, each agent's "
        "`agent/auth-profiles*`, `sessions/sessions.json`) are open to group or others, or not the "
        "app user's (apply closes them: 0700/0600 on a descriptor); unknown when a folder there "
        "cannot be listed without following a link",
};

inline constexpr Check k_openclaw_audit{
    .id = "openclaw.audit",
    .layer = "openclaw",
    .summary = "OpenClaw's own security audit has no critical or warn finding",
    .fails_when =
        "OpenClaw's own `openclaw security audit --json`, run as the app user "
        "with the gateway unit's environment, has a critical (fail) or warn (warn) finding; "
        "unknown when it is not installed, fails, or prints something unreadable, and off the live "
        "system",
};

// One finding per critical or warn item of OpenClaw's audit: the id ends in the item's
// `checkId`, the summary is its title (make_member_finding).
inline constexpr Check k_openclaw_audit_item{
    .id = "openclaw.audit.<checkId>",
    .layer = "openclaw",
    .summary = "<the audit finding's title>",
    .fails_when =
        "one per critical (fail) or warn (warn) finding of OpenClaw's audit, "
        "named by its own `checkId`",
};

}  // namespace clawshield::checks
