// OpenClaw's own auditor, `openclaw security audit --json`, run as the app user with the
// gateway's environment. OpenClaw knows its config better than any reader of ours; its
// critical and warn findings become clawshield findings (`openclaw.audit.<checkId>`), and an
// auditor that is missing, fails or answers something unreadable is `unknown`, never a pass.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "host/host.h"
#include "layers/openclaw/gateway_service.h"
#include "policy/policy.h"

namespace clawshield {

struct AuditFinding {
  std::string check_id;
  std::string severity;  // info | warn | critical
  std::string title;
  std::string detail;
};

struct AuditReport {
  std::vector<AuditFinding> findings;
  int critical = 0;
  int warn = 0;
  int info = 0;
  std::string command;  // what ran, for evidence
};

// The argv that runs OpenClaw's CLI with `arguments`, as the gateway's ExecStart runs it (the
// words before its `gateway` subcommand: `node …/dist/index.js` or `…/bin/openclaw`), as
// `app.user` with a clean environment: HOME, a PATH, and the gateway unit's Environment=.
// ErrorCode::not_found when ExecStart names no `gateway` subcommand.
Result<std::vector<std::string>> openclaw_cli(const AppPolicy& app, const GatewayService& gateway,
                                              const std::vector<std::string>& arguments);

// Parses the JSON `openclaw security audit --json` prints ({summary, findings[]}).
Result<AuditReport> parse_audit_report(const std::string& text);

// Runs the auditor on the live host (120 s at most).
Result<AuditReport> run_security_audit(const HostView& host, const AppPolicy& app,
                                       const GatewayService& gateway);

}  // namespace clawshield
