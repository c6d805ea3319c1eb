// The list of layers, written out in order: no registration magic, so reading this file tells
// what clawshield manages and in which order apply touches it.
#include "engine/layers.h"

#include "layers/app_user/app_user_layer.h"
#include "layers/containers/containers_layer.h"
#include "layers/docker/docker_layer.h"
#include "layers/fail2ban/fail2ban_layer.h"
#include "layers/firewall/firewall_layer.h"
#include "layers/guard/guard_layer.h"
#include "layers/kernel/kernel_layer.h"
#include "layers/openclaw/openclaw_layer.h"
#include "layers/rootless_docker/rootless_docker_layer.h"
#include "layers/ssh/ssh_layer.h"
#include "layers/sudo/sudo_layer.h"
#include "layers/systemd_unit/systemd_unit_layer.h"
#include "layers/tailscale/tailscale_layer.h"
#include "layers/ufw/ufw_layer.h"
#include "layers/updates/updates_layer.h"

namespace clawshield {

namespace {

Role role(bool chosen) {
  return chosen ? Role::active : Role::retiring;
}

}  // namespace

LayerList all_layers(const Policy& policy) {
  const FirewallBackend firewall = policy.firewall.backend;
  const GuardEngine guard = policy.guard.engine;
  LayerList layers;
  // 1, 3: nftables, Docker isolation; or the seed's ufw stack.
  layers.push_back(std::make_unique<FirewallLayer>(role(firewall == FirewallBackend::nftables)));
  layers.push_back(std::make_unique<UfwLayer>(role(firewall == FirewallBackend::ufw)));
  layers.push_back(std::make_unique<KernelLayer>());     // 1: the network stack under it
  layers.push_back(std::make_unique<TailscaleLayer>());  // 1: the tailnet door (verify only)
  layers.push_back(std::make_unique<SshLayer>());        // 2: what sshd lets anyone try
  // 2: brute-force guard service; or the seed's fail2ban jail.
  layers.push_back(std::make_unique<GuardLayer>(role(guard == GuardEngine::clawshield)));
  layers.push_back(std::make_unique<Fail2banLayer>(role(guard == GuardEngine::fail2ban)));
  layers.push_back(std::make_unique<DockerLayer>());      // 3: Docker daemon configuration
  layers.push_back(std::make_unique<ContainersLayer>());  // 4-5: what runs in Docker
  layers.push_back(std::make_unique<AppUserLayer>());     // 5: unprivileged app user
  // 5, its sandboxes on a rootless Docker of its own: before the gateway's unit points at it.
  layers.push_back(std::make_unique<RootlessDockerLayer>());
  // 4, the gateway's own binding and config file: after the user its file belongs to exists.
  layers.push_back(std::make_unique<OpenClawLayer>());
  layers.push_back(std::make_unique<SystemdUnitLayer>());  // 6: sandboxed systemd unit
  layers.push_back(std::make_unique<SudoLayer>());         // 7: scoped sudo
  layers.push_back(std::make_unique<UpdatesLayer>());      // 8: automatic security updates
  return layers;
}

bool is_layer_name(const LayerList& layers, const std::string& name) {
  for (const auto& layer : layers)
    if (name == layer->id() || name == std::to_string(layer->number()))
      return true;
  return false;
}

}  // namespace clawshield
