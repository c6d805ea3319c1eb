// Layer 7: the app user may run exactly a few service commands as root, nothing more.
#pragma once

#include "layers/layer.h"

namespace clawshield {

class SudoLayer final : public Layer {
 public:
  int number() const override { return 7; }
  std::string_view id() const override { return "sudo"; }
  std::string_view title() const override { return "scoped sudo"; }
  Result<std::vector<Action>> desired(const Context& context) const override;
  std::vector<Finding> verify(const Context& context) const override;
};

// `visudo -cf -`: checks sudoers text given on stdin.
Command visudo_check_command(const std::string& content);

}  // namespace clawshield
