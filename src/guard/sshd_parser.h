// Recognises the OpenSSH (8.x-10.x) log messages that indicate an attack, and the syslog or
// journal framing around them. Every message is parsed from its fixed end (or its fixed
// start, where sshd puts the address before any attacker-controlled text), so a crafted user
// name such as "admin from 10.0.0.1 port 22" can never make another address the culprit.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "guard/address.h"

namespace clawshield::guard {

enum class EventKind : uint8_t {
  failed_password,     // Failed password / keyboard-interactive / none
  failed_publickey,    // Failed publickey (normal when a client offers several keys)
  invalid_user,        // Invalid user X from A
  not_allowed,         // User X from A not allowed because ...
  max_auth_attempts,   // maximum authentication attempts exceeded / Too many auth failures
  pam_failure,         // pam_unix(sshd:auth): authentication failure; ... rhost=A
  preauth_disconnect,  // Connection closed/reset, Disconnected, Received disconnect [preauth]
  auth_disconnect,     // the same after "authenticating user X" / "invalid user X": that
                       // attempt was counted already (Failed password, Invalid user)
  no_identification,   // Did not receive identification string
  banner_error,        // banner exchange: Connection from A port P: invalid format
  kex_error,           // ssh_dispatch_run_fatal: Connection from A port P: ...
  negotiation_failed,  // Unable to negotiate with A port P
  preauth_timeout,     // Timeout before authentication for A port P
  penalty,             // PerSourcePenalties: drop connection #N from [A]:P ... penalty: ...
  accepted,            // Accepted ... for X from A (not an attack; counted for statistics)
};
inline constexpr int k_event_kinds = 15;
const char* event_kind_name(EventKind kind);

struct Event {
  EventKind kind;
  Address address;
};

// Parses one sshd message (what follows "sshd[PID]: "); nullopt when it is not one of ours.
std::optional<Event> parse_sshd_message(std::string_view message);

struct LogLine {
  int64_t time = 0;    // seconds since the epoch; 0 when the line carries no time
  int32_t micros = 0;  // the fraction of the second, where the line has one
  std::string_view program;
  std::string_view message;
};

// Splits a syslog line: RFC 3339 ("2026-11-25T12:00:00.123+00:00 host sshd[1]: msg") or
// traditional ("Nov 25 12:00:00 host sshd[1]: msg", in `year`, UTC). nullopt otherwise.
std::optional<LogLine> parse_syslog_line(std::string_view line, int year);

// sshd, sshd-session (OpenSSH >= 9.8) and sshd-auth (10.x).
bool is_sshd_program(std::string_view program);

}  // namespace clawshield::guard
