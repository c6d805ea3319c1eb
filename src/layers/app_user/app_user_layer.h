// Layer 5: the app runs as an unprivileged system account outside the root-equivalent groups
// (docker only as `app.sandbox` allows, with a warning), its login shell as OpenClaw needs it.
#pragma once

#include "layers/layer.h"

namespace clawshield {

class AppUserLayer final : public Layer {
 public:
  int number() const override { return 5; }
  std::string_view id() const override { return "app_user"; }
  std::string_view title() const override { return "non-root app user"; }
  Result<std::vector<Action>> desired(const Context& context) const override;
  std::vector<Finding> verify(const Context& context) const override;
};

// The account files useradd/usermod rewrite, with the backups they leave beside them.
const std::vector<std::string>& account_files();

}  // namespace clawshield
