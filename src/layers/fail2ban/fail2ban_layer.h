// Layer 2 with the seed's own tool (`guard.engine: fail2ban`): a jail.local with the seed's
// values, the journald backend where there is no /var/log/auth.log, the allowlist, and bans
// on the input *and* forward paths. With clawshield's guard as the engine, the same layer
// makes sure fail2ban does not ban sshd failures beside it.
#pragma once

#include "layers/layer.h"

namespace clawshield {

class Fail2banLayer final : public Layer {
 public:
  // Active with `guard.engine: fail2ban`; retiring, it makes sure fail2ban bans no sshd
  // failures beside the guard.
  explicit Fail2banLayer(Role role) : m_role(role) {}
  int number() const override { return 2; }
  std::string_view id() const override { return "fail2ban"; }
  std::string_view title() const override { return "fail2ban engine (the seed's stack)"; }
  Result<std::vector<Action>> desired(const Context& context) const override;
  std::vector<Finding> verify(const Context& context) const override;

 private:
  Role m_role;
};

enum class Fail2banBackend { systemd, log_file };
std::string render_jail_local(const Policy& policy, const std::vector<int>& ssh_ports,
                              Fail2banBackend backend);

inline constexpr const char* k_jail_local = "/etc/fail2ban/jail.local";
// fail2ban-server's socket under the root (its default on the live system).
inline constexpr const char* k_fail2ban_socket = "/run/fail2ban/fail2ban.sock";

}  // namespace clawshield
