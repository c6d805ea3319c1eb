// The names of clawshield's own nftables objects: the `inet` table the firewall layer loads and
// the two ban sets in it that the guard daemon fills. They live here, below both, so that the
// guard (which must not know the layers) and the firewall layer name the same objects.
#pragma once

namespace clawshield {

inline constexpr const char* k_firewall_table = "clawshield";
inline constexpr const char* k_ban_set_v4 = "ban_v4";
inline constexpr const char* k_ban_set_v6 = "ban_v6";

}  // namespace clawshield
