// Renders replay results. Like fail2ban-regex's summary, it is what an admin reads to tune a
// policy against their own logs, so it names every would-be ban with its evidence.
#include "cli/guard_output.h"

#include <nlohmann/json.hpp>

#include <ctime>

namespace clawshield {

std::string utc_time(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

void print_replay(std::ostream& out, const guard::ReplayResult& result, const Style& style) {
  using nlohmann::json;
  const auto& stats = result.stats;
  if (style.format == Format::json) {
    json kinds = json::object();
    for (int k = 0; k < guard::k_event_kinds; ++k)
      kinds[guard::event_kind_name(static_cast<guard::EventKind>(k))] =
          stats.by_kind[static_cast<size_t>(k)];
    json bans = json::array();
    for (const auto& ban : result.bans)
      bans.push_back({{"source", ban.source.text()},
                      {"failures", ban.failures},
                      {"score", ban.score},
                      {"first", utc_time(ban.first)},
                      {"last", utc_time(ban.last)},
                      {"duration", ban.duration},
                      {"offence", ban.offence}});
    out << json{{"lines", stats.lines},
                {"sshd_lines", stats.sshd_lines},
                {"events", stats.events},
                {"by_kind", kinds},
                {"bans", bans}}
               .dump(2, ' ', false, json::error_handler_t::replace)
        << "\n";
    return;
  }
  char row[256];
  std::snprintf(row, sizeof row, "%-28s %8s %6s  %-20s  %-20s  %9s\n", "SOURCE", "FAILURES",
                "SCORE", "FIRST", "LAST", "BAN");
  out << row;
  for (const auto& ban : result.bans) {
    std::snprintf(row, sizeof row, "%-28s %8d %6.1f  %-20s  %-20s  %8llds\n",
                  ban.source.text().c_str(), ban.failures, ban.score, utc_time(ban.first).c_str(),
                  utc_time(ban.last).c_str(), static_cast<long long>(ban.duration));
    out << row;
  }
  out << stats.lines << " lines, " << stats.sshd_lines << " from sshd, " << stats.events
      << " matched; " << result.bans.size() << " ban(s) would be made\n";
  for (int k = 0; k < guard::k_event_kinds; ++k)
    if (stats.by_kind[static_cast<size_t>(k)])
      out << "  " << guard::event_kind_name(static_cast<guard::EventKind>(k)) << ": "
          << stats.by_kind[static_cast<size_t>(k)] << "\n";
  (void)style;
}

}  // namespace clawshield
