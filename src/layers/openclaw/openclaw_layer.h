// Layer 4 (the app's side): OpenClaw's gateway listens on loopback (or the tailnet), and its
// configuration file is private to the app user.
#pragma once

#include "layers/layer.h"

namespace clawshield {

class OpenClawLayer final : public Layer {
 public:
  int number() const override { return 4; }
  std::string_view id() const override { return "openclaw"; }
  std::string_view title() const override { return "OpenClaw gateway exposure"; }
  Result<std::vector<Action>> desired(const Context& context) const override;
  std::vector<Finding> verify(const Context& context) const override;
};

}  // namespace clawshield
