// Layers 1 and 3 (network side): the nftables firewall with Docker isolation.
#pragma once

#include "layers/layer.h"

namespace clawshield {

class FirewallLayer final : public Layer {
 public:
  int number() const override { return 1; }
  std::string_view id() const override { return "firewall"; }
  std::string_view title() const override { return "nftables firewall and Docker isolation"; }
  Result<std::vector<Action>> desired(const Context& context) const override;
  std::vector<Finding> verify(const Context& context) const override;
  std::vector<std::string> notes(const Context& context) const override;
};

inline constexpr const char* k_firewall_file = "/etc/clawshield/firewall.nft";
inline constexpr const char* k_firewall_unit = "/etc/systemd/system/clawshield-firewall.service";

// Refuses a ruleset that would not accept the admin's SSH session (`ssh_connection` in
// SSH_CONNECTION form) given the TCP ports open to all and the app ports open on trusted
// interfaces; returns why, or nothing when the session survives.
std::optional<std::string> lockout_problem(const std::string& ssh_connection,
                                           const std::vector<int>& public_tcp,
                                           const std::vector<int>& trusted_tcp);

// The lockout check both backends run before a firewall is loaded here: lockout_problem for
// the admin's session, or — when clawshield looks remote (sudo, an sshd ancestor) but the
// session cannot be found and `change` says the firewall would change — a refusal, since
// nothing shows SSH stays reachable. Nothing when the firewall is not loaded in this
// namespace or --force was given.
std::optional<std::string> session_problem(const Host& host, const std::vector<int>& public_tcp,
                                           const std::vector<int>& trusted_tcp,
                                           FirewallChange change);

}  // namespace clawshield
