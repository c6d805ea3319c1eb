// Address handling for the guard: a hand-written IPv4 parser for the hot path, inet_pton for
// IPv6, and prefix arithmetic for per-/64 counting and allowlist CIDRs.
#include "guard/address.h"

#include "core/parse.h"

#include <arpa/inet.h>

#include <cstring>

namespace clawshield::guard {

namespace {

std::optional<Address> parse_v4(std::string_view text) {
  Address a;
  int part = 0;
  size_t i = 0;
  while (part < 4) {
    unsigned value = 0;
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 3)
      value = value * 10 + static_cast<unsigned>(text[i++] - '0');
    if (i == start || value > 255)
      return std::nullopt;
    a.bytes[static_cast<size_t>(part++)] = static_cast<uint8_t>(value);
    if (part < 4) {
      if (i >= text.size() || text[i] != '.')
        return std::nullopt;
      ++i;
    }
  }
  if (i != text.size())
    return std::nullopt;
  a.prefix = 32;
  return a;
}

}  // namespace

std::optional<Address> parse_address(std::string_view text) {
  if (text.empty() || text.size() > 45)
    return std::nullopt;
  if (text.find(':') == std::string_view::npos)
    return parse_v4(text);
  char buffer[64];
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  in6_addr raw{};
  if (::inet_pton(AF_INET6, buffer, &raw) != 1)
    return std::nullopt;
  Address a;
  if (IN6_IS_ADDR_V4MAPPED(&raw)) {
    std::memcpy(a.bytes.data(), &raw.s6_addr[12], 4);
    a.prefix = 32;
    return a;
  }
  a.v6 = true;
  std::memcpy(a.bytes.data(), raw.s6_addr, 16);
  a.prefix = 128;
  return a;
}

std::optional<Address> parse_network(std::string_view text) {
  size_t slash = text.find('/');
  auto address = parse_address(text.substr(0, slash));
  if (!address || slash == std::string_view::npos)
    return address;
  auto length = parse_int(text.substr(slash + 1), 0, address->v6 ? 128 : 32);
  if (!length)
    return std::nullopt;
  return masked(*address, *length);
}

Address masked(const Address& address, int prefix) {
  Address out = address;
  out.prefix = prefix;
  const int width = address.v6 ? 16 : 4;
  for (int byte = 0; byte < width; ++byte) {
    int bits_left = prefix - byte * 8;
    if (bits_left >= 8)
      continue;
    uint8_t mask = bits_left <= 0 ? uint8_t{0} : static_cast<uint8_t>(0xFF << (8 - bits_left));
    out.bytes[static_cast<size_t>(byte)] &= mask;
  }
  return out;
}

bool contains(const Address& network, const Address& address) {
  if (network.v6 != address.v6 || address.prefix < network.prefix)
    return false;
  return masked(address, network.prefix).bytes == network.bytes;
}

std::string Address::text() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buffer, sizeof buffer);
  std::string out = buffer;
  if (prefix < (v6 ? 128 : 32))
    out += "/" + std::to_string(prefix);
  return out;
}

size_t AddressHash::operator()(const Address& a) const noexcept {
  uint64_t h1 = 0, h2 = 0;
  std::memcpy(&h1, a.bytes.data(), 8);
  std::memcpy(&h2, a.bytes.data() + 8, 8);
  uint64_t h = h1 * 0x9E3779B97F4A7C15ull ^ (h2 + 0x632BE59BD9B4E019ull + (h1 << 6) + (h1 >> 2));
  h ^= static_cast<uint64_t>(a.prefix) << 57 ^ (a.v6 ? 1ull : 0ull);
  h ^= h >> 31;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 29;
  return static_cast<size_t>(h);
}

}  // namespace clawshield::guard
