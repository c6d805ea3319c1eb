// Shared bits of the layer interface: status names and the finding constructor.
#include "layers/layer.h"

namespace clawshield {

std::string_view status_name(Status status) {
  switch (status) {
    case Status::pass:
      return "pass";
    case Status::fail:
      return "fail";
    case Status::warn:
      return "warn";
    case Status::unknown:
      return "unknown";
  }
  return "unknown";
}

Result<std::vector<Action>> retire_service(const HostView& host, const std::string& unit_name,
                                           const std::string& unit_path,
                                           const std::string& wants_link) {
  std::vector<Action> actions;
  CS_TRY(auto unit, host.fs.stat(unit_path));
  CS_TRY(auto link, host.fs.stat(wants_link));
  if (!unit && !link)
    return actions;
  const std::string root = host.fs.root().empty() ? std::string("/") : host.fs.root();
  actions.push_back(RunCommand{"systemctl stop " + unit_name,
                               Command({"systemctl", "stop", unit_name}),
                               Requirement::systemd,
                               {},
                               {},
                               {Command({"systemctl", "start", unit_name})}});
  if (link)
    actions.push_back(
        RunCommand{"disable " + unit_name,
                   Command({"systemctl", "--root=" + root, "--quiet", "disable", unit_name}),
                   Requirement::none,
                   {},
                   {},
                   {Command({"systemctl", "--root=" + root, "--quiet", "enable", unit_name})}});
  actions.push_back(RemoveFile{unit_path});
  return actions;
}

Finding make_finding(const Check& check, Status status, std::string evidence) {
  return make_finding(check, status, std::move(evidence),
                      SummaryOverride{std::string(check.summary)});
}

Finding make_finding(const Check& check, Status status, std::string evidence,
                     SummaryOverride summary) {
  return Finding{std::string(check.id), std::string(check.layer), status, std::move(summary.text),
                 std::move(evidence)};
}

Finding make_member_finding(const Check& family, std::string_view member, Status status,
                            std::string evidence, SummaryOverride summary) {
  const std::string_view prefix = family.id.substr(0, family.id.rfind('<'));
  return Finding{std::string(prefix) + std::string(member), std::string(family.layer), status,
                 std::move(summary.text), std::move(evidence)};
}

}  // namespace clawshield
