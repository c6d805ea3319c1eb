// sshd's effective configuration: `sshd -T` on the live system, else the root's sshd_config
// with its Include files, read as sshd reads it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "host/host.h"

namespace clawshield {

struct SshdSettings {
  // Lower-case keyword -> its values. Most keywords keep the first value sshd saw (sshd's
  // rule); Port and ListenAddress keep every one.
  std::map<std::string, std::vector<std::string>> values;
  std::string source;         // "sshd -T" or the config file
  bool match_blocks = false;  // the config has Match blocks (not evaluated: global settings)

  // The first value of `keyword`, or `fallback` (sshd's built-in default) when unset.
  std::string get(const std::string& keyword, const std::string& fallback) const;
};

// On the live root: `sshd -T` (needs root and host keys). Otherwise, or when that fails: the
// root's /etc/ssh/sshd_config and its Include files. Missing config: empty settings (every
// keyword at its default). An unreadable or malformed one is an error, never "defaults".
Result<SshdSettings> sshd_settings(const HostView& host);

}  // namespace clawshield
