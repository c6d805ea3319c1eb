// Layer 5, the sandboxes' side: OpenClaw's Docker sandboxes on a rootless Docker daemon of the
// app user's own (`app.sandbox: rootless`), so the user needs no `docker` membership (root).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "layers/layer.h"

namespace clawshield {

// Where the app user's rootless Docker lives; every name follows from the app user's.
struct RootlessDocker {
  std::string unit;        // "docker-rootless-openclaw.service"
  std::string unit_file;   // /etc/systemd/system/<unit>
  std::string wants_link;  // multi-user.target.wants/<unit>
  std::string
      config_file;  // /etc/clawshield/docker-rootless-openclaw.json (root's, not the user's)
  std::string runtime_dir;  // /run/docker-rootless-openclaw: its XDG_RUNTIME_DIR, 0700, the user's
  std::string socket;       // runtime_dir/docker.sock
  std::string docker_host() const { return "unix://" + socket; }
};
RootlessDocker rootless_docker(const AppPolicy& app);

// True when the gateway is to use the rootless daemon: app.sandbox is rootless and Docker is
// installed under the root (without Docker there are no sandboxes to run).
bool rootless_docker_wanted(const HostView& host, const Policy& policy);

// One line of /etc/subuid or /etc/subgid: `owner` (a name or a numeric id) may map `count` ids
// from `start`.
struct SubordinateRange {
  std::string owner;
  uint64_t start = 0;
  uint64_t count = 0;
  // Whether the range is `user`'s: by name, or by `uid` where it is known.
  bool belongs_to(const std::string& user, std::optional<uid_t> uid) const;
};
// The ranges in a subuid/subgid file; lines that are not `owner:start:count` with the range
// inside the 32-bit id space are skipped.
std::vector<SubordinateRange> parse_subordinate_ids(std::string_view text);
// Where subordinate ids may come from: at `first` or above (shadow's SUB_UID_MIN, 100000 unless
// /etc/login.defs says otherwise) and never over an id in `taken` (a real account's uid or a
// group's gid: container ids mapped there would be that account's files on the host).
inline constexpr uint64_t k_first_subordinate_id = 100000;  // shadow's SUB_UID_MIN default
struct SubordinateSpace {
  uint64_t first = k_first_subordinate_id;
  std::vector<uint64_t> taken;
};
// Whether `range` is one to map a user's containers through: not below `space.first` and over
// no taken id. "" when it is, else why not.
std::string subordinate_range_fault(const SubordinateRange& range, const SubordinateSpace& space);
// The file with a range of `count` ids for `user` appended after every range already given out
// and past every taken id, or nullopt when `user` (by name or `uid`) already has a sound range
// of at least `count`. Every existing line is kept as it is. ErrorCode::refused when no range
// fits below 2^32 (ids are 32-bit).
Result<std::optional<std::string>> with_subordinate_range(std::string_view text,
                                                          const std::string& user,
                                                          std::optional<uid_t> uid, uint64_t count,
                                                          const SubordinateSpace& space = {});
inline constexpr uint64_t k_subordinate_ids = 65536;

// dockerd-rootless.sh as the installed Docker package ships it.
std::string rootless_script(const std::string& docker_package);
// The daemon's configuration (the system daemon's hardening where it applies rootless) and its
// unit (a system unit with User=, so its settings are root's, not the app user's, to edit).
std::string render_rootless_config(const Policy& policy);
std::string render_rootless_unit(const Policy& policy, const std::string& script);

class RootlessDockerLayer final : public Layer {
 public:
  int number() const override { return 5; }
  std::string_view id() const override { return "rootless_docker"; }
  std::string_view title() const override { return "rootless Docker for the app's sandboxes"; }
  Result<std::vector<Action>> desired(const Context& context) const override;
  std::vector<Finding> verify(const Context& context) const override;
  std::vector<std::string> notes(const Context& context) const override;
};

}  // namespace clawshield
