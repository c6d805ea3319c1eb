// Layer 2: the brute-force guard as a hardened systemd service, and its ban sets in place.
#pragma once

#include "layers/layer.h"

namespace clawshield {

class GuardLayer final : public Layer {
 public:
  // Active with `guard.engine: clawshield`; retiring (fail2ban chosen), it takes the guard's
  // service out.
  explicit GuardLayer(Role role) : m_role(role) {}
  int number() const override { return 2; }
  std::string_view id() const override { return "guard"; }
  std::string_view title() const override { return "brute-force guard"; }
  Result<std::vector<Action>> desired(const Context& context) const override;
  std::vector<Finding> verify(const Context& context) const override;

 private:
  Role m_role;
};

inline constexpr const char* k_guard_unit = "/etc/systemd/system/clawshield-guard.service";
std::string render_guard_unit(const Policy& policy);

}  // namespace clawshield
