// Layers 1 and 3 (network side): the nftables firewall with Docker isolation.
#pragma once

#include "layers/layer.h"

namespace clawshield {

class FirewallLayer final : public Layer {
 public:
  // Active with `firewall.backend: nftables`; retiring (ufw chosen), it unloads the table and
  // takes its boot unit out of service.
  explicit FirewallLayer(Role role) : m_role(role) {}
  int number() const override { return 1; }
  std::string_view id() const override { return "firewall"; }
  std::string_view title() const override { return "nftables firewall and Docker isolation"; }
  Result<std::vector<Action>> desired(const Context& context) const override;
  std::vector<Finding> verify(const Context& context) const override;
  std::vector<std::string> notes(const Context& context) const override;

 private:
  Role m_role;
};

inline constexpr const char* k_firewall_file = "/etc/clawshield/firewall.nft";
inline constexpr const char* k_firewall_unit = "/etc/systemd/system/clawshield-firewall.service";
inline constexpr const char* k_revert_unit =
    "/etc/systemd/system/clawshield-firewall-revert.service";
// Exists (on persistent storage) from before an apply changes the firewall until that change is
// confirmed or rolled back. At boot it keeps clawshield-firewall.service from loading the
// unconfirmed ruleset and starts clawshield-firewall-revert.service, which rolls it back.
inline constexpr const char* k_unconfirmed_marker = "/var/lib/clawshield/firewall-unconfirmed";

// The marker's content: the apply's journal and, once armed, the confirmation deadline.
struct UnconfirmedMarker {
  std::string journal;
  int64_t deadline = 0;  // seconds since the epoch; 0 while the apply runs
};
std::string render_unconfirmed_marker(const UnconfirmedMarker& marker);
// Nothing when `text` is not a marker clawshield wrote.
std::optional<UnconfirmedMarker> parse_unconfirmed_marker(std::string_view text);

// The boot units, as written to k_firewall_unit and k_revert_unit. `executable` is the
// clawshield binary the revert runs (guard.executable of the policy).
std::string render_boot_unit();
std::string render_revert_unit(const std::string& executable);

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
std::optional<std::string> session_problem(const HostView& host, const std::vector<int>& public_tcp,
                                           const std::vector<int>& trusted_tcp,
                                           FirewallChange change);

}  // namespace clawshield
