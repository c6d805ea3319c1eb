// Layer 1 and 3 with the seed's own tools (`firewall.backend: ufw`): ufw's default policies and
// rules, and the DOCKER-USER drops in ufw's after.rules/after6.rules. With the native backend,
// the same layer makes sure ufw is off and nothing of it is left in DOCKER-USER.
#pragma once

#include <compare>
#include <string>
#include <vector>

#include "layers/layer.h"

namespace clawshield {

class UfwLayer final : public Layer {
 public:
  // Active with `firewall.backend: ufw`; retiring, it turns ufw off and takes our DOCKER-USER
  // rules out.
  explicit UfwLayer(Role role) : m_role(role) {}
  int number() const override { return 1; }
  std::string_view id() const override { return "ufw"; }
  std::string_view title() const override { return "ufw backend (the seed's stack)"; }
  Result<std::vector<Action>> desired(const Context& context) const override;
  std::vector<Finding> verify(const Context& context) const override;

 private:
  Role m_role;
};

// One ufw rule as user.rules records it ("### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0
// in"), without the address family: "allow tcp 22 any any in" (v4 and v6 alike).
struct UfwRule {
  std::string action;     // allow, deny, reject, limit
  std::string protocol;   // tcp, udp, any
  std::string port;       // "22", "any"
  std::string interface;  // "" or "tailscale0"
  std::string destination = "any";
  std::string source_port = "any";
  std::string source = "any";
  auto operator<=>(const UfwRule&) const = default;
};

// The rules of a user.rules/user6.rules file.
std::vector<UfwRule> parse_ufw_tuples(const std::string& text);
// The `ufw ...` arguments that add (or, with `delete`, remove) `rule`.
std::vector<std::string> ufw_rule_arguments(const UfwRule& rule);
// after.rules with clawshield's DOCKER-USER block set (`block` non-empty) or removed.
std::string with_docker_user_block(const std::string& after_rules, const std::string& block);
// The block, the same for after.rules (iptables) and after6.rules (ip6tables).
std::string render_docker_user_block(const Policy& policy);

inline constexpr const char* k_ufw_defaults = "/etc/default/ufw";
inline constexpr const char* k_ufw_after_rules = "/etc/ufw/after.rules";
inline constexpr const char* k_ufw_after6_rules = "/etc/ufw/after6.rules";

}  // namespace clawshield
