// Verification: every layer's findings, in layer order.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/plan.h"

namespace clawshield {

struct VerifyReport {
  std::vector<Finding> findings;
  bool any_fail() const;
};

// Runs the checks of every layer in `layers`, or only of the layer whose id or number is
// `only`.
VerifyReport run_verify(const Context& context, const LayerList& layers,
                        const std::optional<std::string>& only);

}  // namespace clawshield
