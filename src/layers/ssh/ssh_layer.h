// sshd's authentication settings (layer 2: what a brute-force attacker can try at all).
// Verified only: changing how people log in is left to the admin, with the finding saying how.
#pragma once

#include "layers/layer.h"

namespace clawshield {

class SshLayer final : public Layer {
 public:
  int number() const override { return 2; }
  std::string_view id() const override { return "ssh"; }
  std::string_view title() const override { return "sshd authentication settings"; }
  Result<std::vector<Action>> desired(const Context&) const override {
    return std::vector<Action>{};
  }
  std::vector<Finding> verify(const Context& context) const override;
};

}  // namespace clawshield
