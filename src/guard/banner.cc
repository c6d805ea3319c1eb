// Ban set maintenance through libnftables. The sets are interval sets with auto-merge, so a
// prefix ban absorbs addresses inside it, and re-adding an element refreshes its timeout.
#include "guard/banner.h"

#include <limits>

#include "core/parse.h"
#include "core/text.h"
#include "host/nft_names.h"

namespace clawshield::guard {
namespace {

std::string set_of(const Address& address) {
  return address.v6 ? k_ban_set_v6 : k_ban_set_v4;
}

}  // namespace

Result<void> Banner::ban(const std::vector<Ban>& bans) {
  if (bans.empty())
    return {};
  std::string commands;
  const std::string table = std::string("inet ") + k_firewall_table;
  // A prefix ban replaces the bans inside it (the sets do not merge overlapping elements),
  // in the same transaction.
  bool any_prefix = false;
  for (const auto& ban : bans) any_prefix |= ban.source.prefix < (ban.source.v6 ? 128 : 32);
  if (any_prefix) {
    CS_TRY(auto current, list());
    for (const auto& ban : bans)
      for (const auto& existing : current)
        if (contains(ban.source, existing.source))
          commands += "delete element " + table + " " + set_of(existing.source) + " { " +
                      existing.source.text() + " }\n";
  }
  std::string v4, v6;
  for (const auto& ban : bans) {
    std::string& list = ban.source.v6 ? v6 : v4;
    if (!list.empty())
      list += ", ";
    list +=
        ban.source.text() + " timeout " + std::to_string(std::max<int64_t>(ban.seconds, 1)) + "s";
  }
  if (!v4.empty())
    commands += "add element " + table + " " + k_ban_set_v4 + " { " + v4 + " }\n";
  if (!v6.empty())
    commands += "add element " + table + " " + k_ban_set_v6 + " { " + v6 + " }\n";
  CS_TRY(std::string ignored, m_nft.run(commands, NftOutput::plain));
  return {};
}

Result<void> Banner::unban(const Address& source) {
  auto removed = m_nft.run("delete element inet " + std::string(k_firewall_table) + " " +
                               set_of(source) + " { " + source.text() + " }\n",
                           NftOutput::plain);
  if (!removed) {
    if (removed.error().code == ErrorCode::not_found ||
        removed.error().message.find("No such file") != std::string::npos ||
        removed.error().message.find("not exist") != std::string::npos)
      return fail(ErrorCode::not_found, "no ban on " + source.text());
    return std::unexpected(removed.error());
  }
  return {};
}

Result<std::vector<Ban>> Banner::list() {
  std::vector<Ban> bans;
  for (const char* set : {k_ban_set_v4, k_ban_set_v6}) {
    CS_TRY(std::string elements, set_elements(m_nft, k_firewall_table, set));
    if (elements.empty())
      continue;
    for (const auto& item : split(elements, ',')) {
      auto words = split_words(std::string(trim(item)));
      if (words.empty())
        continue;
      auto source = parse_network(words[0]);
      if (!source)
        continue;
      Ban ban{*source, 0};
      if (words.size() >= 3 && words[1] == "timeout") {
        std::string_view value = words[2];
        if (value.ends_with("s"))
          value.remove_suffix(1);
        ban.seconds = parse_int(value, std::numeric_limits<int64_t>::min(),
                                std::numeric_limits<int64_t>::max())
                          .value_or(0);
      }
      bans.push_back(ban);
    }
  }
  return bans;
}

Result<bool> Banner::ready() {
  auto listed = m_nft.run("list set inet " + std::string(k_firewall_table) + " " + k_ban_set_v4,
                          NftOutput::terse);
  if (!listed) {
    if (listed.error().code == ErrorCode::not_found)
      return false;
    return std::unexpected(listed.error());
  }
  return true;
}

}  // namespace clawshield::guard
