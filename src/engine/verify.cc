// Collects the findings of each layer. Layers never throw or stop early: a check that cannot
// see its evidence reports `unknown` with the reason, so one broken layer never hides another.
#include "engine/verify.h"

namespace clawshield {

bool VerifyReport::any_fail() const {
  for (const auto& finding : findings)
    if (finding.status == Status::fail)
      return true;
  return false;
}

VerifyReport run_verify(const Context& context, const LayerList& layers,
                        const std::optional<std::string>& only) {
  VerifyReport report;
  for (const auto& layer : layers) {
    if (only && *only != layer->id() && *only != std::to_string(layer->number()))
      continue;
    auto findings = layer->verify(context);
    report.findings.insert(report.findings.end(), findings.begin(), findings.end());
  }
  return report;
}

}  // namespace clawshield
