// Running OpenClaw's own `security audit` and reading its answer. It runs as the app user (the
// code under ~/.local is the user's: root never executes it), from a clean environment built
// of the gateway unit's own Environment= values, so it reads the config the gateway reads.
// Its output is the app's text: parsed with the bounded JSON reader, every field checked for
// type, nothing else trusted.
#include "layers/openclaw/security_audit.h"

#include <algorithm>

#include "core/bounded_json.h"
#include "core/text.h"

namespace clawshield {
namespace {

// `A=b` or `"A=b c"` (systemd's quoting of one Environment= value) to `A=b c` words.
std::vector<std::string> environment_words(const std::vector<std::string>& lines) {
  std::vector<std::string> words;
  for (const auto& line : lines) {
    std::string current;
    bool quoted = false;
    bool any = false;
    for (char c : line) {
      if (c == '"') {
        quoted = !quoted;
        any = true;
      } else if ((c == ' ' || c == '\t') && !quoted) {
        if (any || !current.empty())
          words.push_back(current);
        current.clear();
        any = false;
      } else {
        current += c;
        any = true;
      }
    }
    if (any || !current.empty())
      words.push_back(current);
  }
  std::erase_if(words, [](const std::string& w) { return w.find('=') == std::string::npos; });
  return words;
}

std::string string_field(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<std::vector<std::string>> openclaw_cli(const AppPolicy& app, const GatewayService& gateway,
                                              const std::vector<std::string>& arguments) {
  std::vector<std::string> words = split_words(gateway.exec_start);
  auto sub = std::ranges::find(words, "gateway");
  if (sub == words.end() || sub == words.begin())
    return fail(ErrorCode::not_found,
                "cannot tell how to run OpenClaw's CLI: the gateway's ExecStart (" +
                    gateway.exec_start + ") has no `gateway` subcommand");
  // setsid --wait: a session of its own (no terminal of ours); timeout: the app user's own
  // process dies with it, not only runuser.
  std::vector<std::string> argv = {"setsid",
                                   "--wait",
                                   "runuser",
                                   "-u",
                                   app.user,
                                   "--",
                                   "timeout",
                                   "110",
                                   "env",
                                   "-i",
                                   "HOME=" + app.home,
                                   "PATH=" + app.home + "/.local/bin:/usr/local/bin:/usr/bin:/bin"};
  for (auto& word : environment_words(gateway.environment))
    if (!word.starts_with("HOME=") && !word.starts_with("PATH="))
      argv.push_back(std::move(word));
  argv.insert(argv.end(), words.begin(), sub);
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return argv;
}

Result<AuditReport> parse_audit_report(const std::string& text) {
  CS_TRY(nlohmann::json document,
         parse_json_bounded(text, "openclaw security audit --json", JsonComments::rejected));
  if (!document.is_object() || !document.contains("findings") || !document["findings"].is_array())
    return fail(ErrorCode::bad_input, "openclaw security audit --json printed no findings array");
  AuditReport report;
  for (const auto& item : document["findings"]) {
    if (!item.is_object())
      return fail(ErrorCode::bad_input, "openclaw security audit: a finding is not an object");
    AuditFinding finding{string_field(item, "checkId"), string_field(item, "severity"),
                         string_field(item, "title"), string_field(item, "detail")};
    if (finding.check_id.empty() || (finding.severity != "info" && finding.severity != "warn" &&
                                     finding.severity != "critical"))
      return fail(ErrorCode::bad_input,
                  "openclaw security audit: a finding without checkId or "
                  "with an unknown severity (" +
                      finding.severity + ")");
    (finding.severity == "critical" ? report.critical
     : finding.severity == "warn"   ? report.warn
                                    : report.info)++;
    report.findings.push_back(std::move(finding));
  }
  return report;
}

Result<AuditReport> run_security_audit(const HostView& host, const AppPolicy& app,
                                       const GatewayService& gateway) {
  CS_TRY(std::vector<std::string> argv,
         openclaw_cli(app, gateway, {"security", "audit", "--json"}));
  Command command{argv};
  command.timeout = std::chrono::seconds(120);
  CS_TRY(CommandResult result, host.runner.run(command));
  // It exits non-zero when it has critical findings; the JSON says which.
  auto report = parse_audit_report(result.out);
  if (!report)
    return fail(report.error().code,
                describe_failure(command, result) + ": " + report.error().message);
  report->command = "openclaw security audit --json (as " + app.user + ")";
  return report;
}

}  // namespace clawshield
