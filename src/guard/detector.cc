// Sliding-window counting with a fixed ring of the last 16 events per source: enough for any
// weight >= maxretry/16, and constant memory per source. Eviction is first-in first-out over a
// ring of keys, which keeps the cost per event constant (no LRU list to maintain) while still
// evicting the sources that have been tracked longest.
#include "guard/detector.h"

#include <algorithm>
#include <cmath>

namespace clawshield::guard {

GuardSettings settings_from_policy(const GuardPolicy& policy) {
  GuardSettings settings;
  settings.maxretry = policy.maxretry;
  settings.findtime = policy.findtime;
  settings.bantime = policy.bantime;
  settings.bantime_factor = policy.bantime_factor;
  settings.bantime_max = policy.bantime_max;
  settings.ipv6_prefix = policy.ipv6_prefix;
  settings.max_tracked = static_cast<size_t>(policy.max_tracked);
  for (const auto& network : policy.allowlist)
    if (auto parsed = parse_network(network))
      settings.allowlist.push_back(*parsed);
  for (const auto& [kind, weight] : policy.weights)
    for (int k = 0; k < k_event_kinds; ++k)
      if (kind == event_kind_name(static_cast<EventKind>(k)))
        settings.weights[static_cast<size_t>(k)] = weight;
  return settings;
}

GuardSettings default_guard_settings() {
  return settings_from_policy(GuardPolicy{});
}

bool overlaps(const Address& a, const Address& b) {
  return a.v6 == b.v6 && (contains(a, b) || contains(b, a));
}

Address widest_ban_excluding(const Address& address, int prefix,
                             const std::vector<Address>& allowlist) {
  const int width = address.v6 ? 128 : 32;
  const int minimum = address.v6 ? k_min_ban_prefix_v6 : k_min_ban_prefix_v4;
  for (int length = std::clamp(prefix, minimum, width); length < width; ++length) {
    const Address candidate = masked(address, length);
    if (std::ranges::none_of(allowlist,
                             [&](const Address& network) { return overlaps(candidate, network); }))
      return candidate;
  }
  return masked(address, width);
}

Result<Address> check_ban_request(std::string_view text, const std::vector<Address>& allowlist) {
  auto target = parse_network(text);
  if (!target)
    return fail(ErrorCode::bad_input,
                "\"" + std::string(text) + "\" is not an address or ADDRESS/PREFIX");
  const int minimum = target->v6 ? k_min_ban_prefix_v6 : k_min_ban_prefix_v4;
  if (target->prefix < minimum)
    return fail(ErrorCode::bad_input, "refusing to ban " + target->text() +
                                          ": prefixes shorter than /" + std::to_string(minimum) +
                                          " are never banned");
  for (const auto& network : allowlist)
    if (overlaps(*target, network))
      return fail(ErrorCode::bad_input, "refusing to ban " + target->text() + ": it covers " +
                                            network.text() + ", which is on the allowlist");
  return *target;
}

Detector::Detector(GuardSettings settings) : m_settings(std::move(settings)) {
  m_settings.max_tracked = std::max<size_t>(m_settings.max_tracked, 1);
}

Address Detector::source_of(const Address& address) const {
  if (!address.v6)
    return address;
  // Per prefix, but never one that covers the allowlist (an allowlisted neighbour in the same
  // /64, or the tailnet under a short prefix): then the widest prefix that leaves it out.
  const Address source = masked(address, std::max(m_settings.ipv6_prefix, k_min_ban_prefix_v6));
  if (std::ranges::none_of(m_settings.allowlist,
                           [&](const Address& network) { return overlaps(source, network); }))
    return source;
  return widest_ban_excluding(address, m_settings.ipv6_prefix, m_settings.allowlist);
}

bool Detector::allowlisted(const Address& address) const {
  return std::ranges::any_of(m_settings.allowlist,
                             [&](const Address& network) { return contains(network, address); });
}

void Detector::evict_if_full() {
  // m_order lists keys in insertion order; some are gone already (banned). Drop those from
  // the front so the queue stays bounded, and evict the oldest live counter when full.
  while (!m_order.empty() && (m_counters.size() >= m_settings.max_tracked ||
                              m_order.size() > 2 * m_settings.max_tracked)) {
    m_counters.erase(m_order.front());
    m_order.pop_front();
  }
}

std::optional<BanDecision> Detector::observe(const Event& event, int64_t time) {
  const double weight = m_settings.weights[static_cast<size_t>(event.kind)];
  if (weight <= 0 || allowlisted(event.address))
    return std::nullopt;
  const Address source = source_of(event.address);
  if (auto ban = m_bans.find(source); ban != m_bans.end()) {
    if (ban->second > time)
      return std::nullopt;
    m_bans.erase(ban);
  }
  if (covered_by_prefix_ban(source, time))
    return std::nullopt;  // a wider ban covers it: the set must not get an overlapping element

  auto it = m_counters.find(source);
  if (it == m_counters.end()) {
    evict_if_full();
    it = m_counters.emplace(source, Counter{}).first;
    m_order.push_back(source);
  }
  Counter& counter = it->second;
  // Drop events that left the window, then add this one (dropping the oldest if full).
  while (counter.count > 0 && counter.times[counter.start] <= time - m_settings.findtime) {
    counter.start = static_cast<uint8_t>((counter.start + 1) % k_slots);
    --counter.count;
  }
  if (counter.count == k_slots) {
    counter.start = static_cast<uint8_t>((counter.start + 1) % k_slots);
    --counter.count;
  }
  const size_t slot = (counter.start + counter.count) % k_slots;
  counter.times[slot] = time;
  counter.weights[slot] = static_cast<float>(weight);
  ++counter.count;

  double score = 0;
  for (uint8_t i = 0; i < counter.count; ++i)
    score += counter.weights[(counter.start + i) % k_slots];
  if (score + 1e-9 < m_settings.maxretry)
    return std::nullopt;

  BanDecision decision;
  decision.source = source;
  decision.score = score;
  decision.failures = counter.count;
  decision.first = counter.times[counter.start];
  decision.last = time;
  decision.offence = ++m_offences[source];
  double duration = static_cast<double>(m_settings.bantime) *
                    std::pow(m_settings.bantime_factor, decision.offence - 1);
  decision.duration =
      static_cast<int64_t>(std::min(duration, static_cast<double>(m_settings.bantime_max)));
  m_counters.erase(it);
  m_bans[source] = time + decision.duration;
  return decision;
}

std::vector<Detector::CounterSnapshot> Detector::counters() const {
  std::vector<CounterSnapshot> out;
  out.reserve(m_counters.size());
  for (const auto& [source, counter] : m_counters) {
    CounterSnapshot snapshot{source, {}};
    for (uint8_t i = 0; i < counter.count; ++i) {
      size_t slot = (counter.start + i) % k_slots;
      snapshot.events.emplace_back(counter.times[slot], counter.weights[slot]);
    }
    out.push_back(std::move(snapshot));
  }
  return out;
}

void Detector::restore_counter(const CounterSnapshot& snapshot) {
  if (snapshot.events.empty())
    return;
  evict_if_full();
  Counter counter;
  for (const auto& [time, weight] : snapshot.events) {
    if (counter.count == k_slots)
      break;
    counter.times[counter.count] = time;
    counter.weights[counter.count] = weight;
    ++counter.count;
  }
  if (m_counters.emplace(snapshot.source, counter).second)
    m_order.push_back(snapshot.source);
}

void Detector::note_ban(const Address& source, int64_t until) {
  if (source.prefix < (source.v6 ? m_settings.ipv6_prefix : 32)) {
    std::erase_if(m_prefix_bans, [&](const auto& entry) { return entry.first == source; });
    m_prefix_bans.emplace_back(source, until);
  } else {
    m_bans[source] = until;
  }
}

void Detector::forget_ban(const Address& source) {
  m_bans.erase(source);
  std::erase_if(m_prefix_bans, [&](const auto& entry) { return entry.first == source; });
}

bool Detector::banned(const Address& address, int64_t now) const {
  const Address source = source_of(address);
  if (auto ban = m_bans.find(source); ban != m_bans.end() && ban->second > now)
    return true;
  return covered_by_prefix_ban(address, now);
}

bool Detector::covered_by_prefix_ban(const Address& address, int64_t now) const {
  const Address source = address.prefix < (address.v6 ? 128 : 32) ? address : source_of(address);
  for (const auto& [network, until] : m_prefix_bans)
    if (until > now && network != source && contains(network, source))
      return true;
  return false;
}

size_t Detector::active_bans(int64_t now) {
  std::erase_if(m_bans, [now](const auto& entry) { return entry.second <= now; });
  std::erase_if(m_prefix_bans, [now](const auto& entry) { return entry.second <= now; });
  return m_bans.size() + m_prefix_bans.size();
}

std::vector<std::pair<Address, int64_t>> Detector::bans_in_force(int64_t now) const {
  std::vector<std::pair<Address, int64_t>> bans;
  for (const auto& [source, until] : m_bans)
    if (until > now)
      bans.emplace_back(source, until);
  for (const auto& [network, until] : m_prefix_bans)
    if (until > now)
      bans.emplace_back(network, until);
  return bans;
}

}  // namespace clawshield::guard
