// Layer 4 (and 5 for containers): what actually runs in Docker, read from the Engine API —
// published ports on loopback only, no root, no privileged, no host namespaces, no Docker
// socket inside, no added capabilities.
#pragma once

#include "layers/layer.h"

namespace clawshield {

class ContainersLayer final : public Layer {
 public:
  int number() const override { return 4; }
  std::string_view id() const override { return "containers"; }
  std::string_view title() const override { return "running containers"; }
  // Nothing to apply: containers are audited, not rewritten (the daemon's defaults are layer 3's).
  Result<std::vector<Action>> desired(const Context&) const override {
    return std::vector<Action>{};
  }
  std::vector<Finding> verify(const Context& context) const override;
};

}  // namespace clawshield
