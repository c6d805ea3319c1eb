// Turns sshd events into ban decisions, fail2ban-style: a source whose failures (weighted by
// kind) reach `maxretry` within `findtime` is banned for `bantime`, longer for repeat
// offenders. Sources are IPv4 addresses or IPv6 prefixes (/64 by default). Memory is bounded:
// at most `max_tracked` sources have counters, the oldest evicted first; bans are never
// evicted.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/error.h"
#include "guard/address.h"
#include "guard/sshd_parser.h"
#include "policy/policy.h"

namespace clawshield::guard {

struct GuardSettings {
  double maxretry = 5;
  int64_t findtime = 600;
  int64_t bantime = 3600;
  double bantime_factor = 2.0;          // each repeat ban lasts this much longer
  int64_t bantime_max = 7 * 24 * 3600;  // ... up to this
  int ipv6_prefix = 64;
  std::vector<Address> allowlist;
  std::array<double, k_event_kinds> weights{};
  size_t max_tracked = 131072;
};

// What may be banned at all, whoever asks (the detector, `clawshield bans ban`, the control
// socket): never a prefix shorter than these (a /8 or ::/0 bans a continent), and never a
// prefix that covers an allowlisted address or network.
inline constexpr int k_min_ban_prefix_v4 = 24;
inline constexpr int k_min_ban_prefix_v6 = 48;

// Whether networks `a` and `b` share any address (one contains the other).
bool overlaps(const Address& a, const Address& b);
// The widest prefix of `address`, `prefix` bits long or longer (never shorter than the minimum
// above), that covers no network in `allowlist`; the address itself when every prefix does.
Address widest_ban_excluding(const Address& address, int prefix,
                             const std::vector<Address>& allowlist);
// Parses and checks a ban asked for by hand, "ADDR" or "ADDR/LEN": bad_input (with the reason)
// when it is no address, shorter than the minimum prefix, or overlaps `allowlist`.
Result<Address> check_ban_request(std::string_view text, const std::vector<Address>& allowlist);

// The guard's settings from the policy (validated there): the seed's 5 in 600 s -> 3600 s,
// the allowlist, per-kind weights.
GuardSettings settings_from_policy(const GuardPolicy& policy);
// settings_from_policy of the built-in policy.
GuardSettings default_guard_settings();

struct BanDecision {
  Address source;    // the address, or the IPv6 prefix
  double score = 0;  // weighted failures in the window
  int failures = 0;  // events in the window
  int64_t first = 0, last = 0;
  int64_t duration = 0;
  int offence = 1;  // 1 for a first ban, 2 for the second, ...
};

class Detector {
 public:
  explicit Detector(GuardSettings settings);

  // Counts `event` at `time`; returns a ban when it crosses the threshold. Allowlisted and
  // already-banned sources return nothing.
  std::optional<BanDecision> observe(const Event& event, int64_t time);

  // The source an address is counted as (itself, or its IPv6 prefix).
  Address source_of(const Address& address) const;
  bool allowlisted(const Address& address) const;

  // Bans known to the detector (restored on start, made by observe, or by hand).
  void note_ban(const Address& source, int64_t until);
  // Whether `address` (or its source) is under a ban in force at `now`, exact or by prefix.
  bool banned(const Address& address, int64_t now) const;
  // Whether a ban wider than a source (a prefix banned by hand) covers `address` at `now`.
  bool covered_by_prefix_ban(const Address& address, int64_t now) const;
  void forget_ban(const Address& source);
  // Bans still in force at `now` (and forgets the others).
  size_t active_bans(int64_t now);
  // Every ban known to be in force at `now` (exact and prefix) with the time it ends, for the
  // daemon to persist: the kernel's sets are empty after a reboot.
  std::vector<std::pair<Address, int64_t>> bans_in_force(int64_t now) const;
  // Past bans per source, for repeat-offender durations; persisted by the daemon.
  std::unordered_map<Address, int, AddressHash>& offences() { return m_offences; }
  size_t tracked() const { return m_counters.size(); }

  // Failure counters, for the daemon to persist across restarts (so a restart loses no
  // failure still inside the window): source -> (time, weight) events, oldest first.
  struct CounterSnapshot {
    Address source;
    std::vector<std::pair<int64_t, float>> events;
  };
  std::vector<CounterSnapshot> counters() const;
  void restore_counter(const CounterSnapshot& snapshot);
  const GuardSettings& settings() const { return m_settings; }

 private:
  static constexpr int k_slots = 16;
  struct Counter {
    std::array<int64_t, k_slots> times{};
    std::array<float, k_slots> weights{};
    uint8_t start = 0, count = 0;
  };
  void evict_if_full();

  GuardSettings m_settings;
  std::unordered_map<Address, Counter, AddressHash> m_counters;
  std::deque<Address> m_order;  // insertion order, for eviction (may hold stale keys)
  std::unordered_map<Address, int64_t, AddressHash> m_bans;  // source -> until
  std::vector<std::pair<Address, int64_t>> m_prefix_bans;    // wider than a source, by hand
  std::unordered_map<Address, int, AddressHash> m_offences;
};

}  // namespace clawshield::guard
