// Layer 3 (daemon side): Docker's own configuration, /etc/docker/daemon.json, merged with the
// keys the policy sets.
#pragma once

#include <optional>
#include <string>

#include "layers/layer.h"

namespace clawshield {

class DockerLayer final : public Layer {
 public:
  int number() const override { return 3; }
  std::string_view id() const override { return "docker"; }
  std::string_view title() const override { return "Docker daemon hardening"; }
  Result<std::vector<Action>> desired(const Context& context) const override;
  std::vector<Finding> verify(const Context& context) const override;
  std::vector<std::string> notes(const Context& context) const override;

 private:
  // The docker group's members and the policy's compose files.
  void audit_group_and_compose(const Context& context, std::vector<Finding>& findings) const;
};

inline constexpr const char* k_daemon_json = "/etc/docker/daemon.json";

struct DockerInstall {
  bool installed = false;
  int major = 0;          // 0 when unknown
  std::string evidence;   // what told us
  std::string package;    // "docker.io", "docker-ce", "moby-engine"; "" for a bare binary
};
// Whether Docker is installed under the root (its dpkg database, else a dockerd binary).
DockerInstall detect_docker(const HostView& host);

// `existing` (the admin's daemon.json, "" when absent) with the policy's keys set; the
// admin's other keys are kept. Errors name the file's line and column.
Result<std::string> merge_daemon_json(const std::string& existing, const DockerPolicy& policy,
                                      int docker_major, const std::string& file);

}  // namespace clawshield
