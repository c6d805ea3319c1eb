// IP addresses as the guard counts and bans them: IPv4, IPv6, and IPv4-mapped IPv6 folded to
// IPv4. A source is an address or, for IPv6, a prefix (one host owns a whole /64).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clawshield::guard {

struct Address {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 in the first 4
  int prefix = 32;                  // 32 or 128 for a single address

  bool operator==(const Address&) const = default;
  // "1.2.3.4", "2001:db8::/64" (prefix shown when shorter than the family's width).
  std::string text() const;
};

// Parses "1.2.3.4", "2001:db8::1", "::ffff:1.2.3.4" (folded to IPv4); nullopt otherwise.
std::optional<Address> parse_address(std::string_view text);
// Parses "ADDR" or "ADDR/LEN".
std::optional<Address> parse_network(std::string_view text);
// `address` with host bits cleared down to `prefix` bits.
Address masked(const Address& address, int prefix);
// Whether `address` lies in `network`.
bool contains(const Address& network, const Address& address);

struct AddressHash {
  size_t operator()(const Address& a) const noexcept;
};

}  // namespace clawshield::guard
