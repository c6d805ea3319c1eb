// The guard daemon's control socket from the client's side: typed requests (list, ban,
// unban) and a parsed reply. `clawshield bans` and the guard layer's guard.active ask
// through it, so neither reads the daemon's JSON by hand.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "host/filesystem.h"

namespace clawshield::guard {

// How the daemon answered.
enum class ReplyStatus {
  ok,          // done; the fields of the request's kind are set
  refused,     // the daemon refused the request itself (too wide a ban, the allowlist)
  failed,      // the daemon could not do it (the kernel said no, no such ban...)
  unreadable,  // not a reply of the daemon's shape: `error` holds the text as received
};

struct ListedBan {
  std::string source;     // "203.0.113.7", "2001:db8::/64"
  int64_t remaining = 0;  // seconds
  int offences = 0;       // this source's offence count, 0 when unknown
};

struct ControlReply {
  ReplyStatus status = ReplyStatus::unreadable;
  std::string error;            // failed/refused: the daemon's message; unreadable: the raw reply
  std::vector<ListedBan> bans;  // list
  std::string banned;           // ban: the source as the daemon banned it
  int64_t seconds = 0;          // ban
  std::string unbanned;         // unban
  nlohmann::json document;      // ok: the reply as sent (what `bans --json` prints)
};

// Decodes one reply. Never fails: text that is not the daemon's JSON, or keys of the wrong
// type, give ReplyStatus::unreadable with the text kept for the message.
ControlReply parse_control_reply(std::string_view text);

class ControlClient {
 public:
  // The guard of the root `fs` (its /run/clawshield/guard.sock).
  explicit ControlClient(const Filesystem& fs) : m_fs(fs) {}

  // Sends one request ("list", "ban ADDR SECONDS", "unban ADDR") and decodes the reply.
  // An error when nothing answers (ErrorCode::not_found: no guard running) or the exchange
  // fails; a reply, whatever its status, means a guard answered.
  Result<ControlReply> send(const std::string& request) const;
  Result<ControlReply> list() const { return send("list"); }
  Result<ControlReply> ban(const std::string& target, int64_t seconds) const {
    return send("ban " + target + " " + std::to_string(seconds));
  }
  Result<ControlReply> unban(const std::string& target) const { return send("unban " + target); }

 private:
  const Filesystem& m_fs;
};

}  // namespace clawshield::guard
