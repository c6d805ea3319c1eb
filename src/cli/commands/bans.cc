// `clawshield bans list|ban|unban`: the running guard's bans, through its control socket. The
// guard owns the bans; this command only asks it, and prints its reply as a list or JSON.
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/app.h"
#include "cli/commands/command.h"
#include "core/bounded_json.h"
#include "core/parse.h"
#include "guard/control_client.h"
#include "guard/daemon.h"
#include "guard/detector.h"

namespace clawshield {
namespace {

struct BansOptions {
  std::string target;           // ban, unban: an address or CIDR prefix
  std::string duration = "1h";  // ban --for
  // Which of the three was asked for.
  CLI::App* list = nullptr;
  CLI::App* ban = nullptr;
};

// "3600", "90s", "30m", "12h", "7d" -> seconds.
std::optional<int64_t> parse_duration(const std::string& text) {
  if (text.empty())
    return std::nullopt;
  int64_t unit = 1;
  std::string number = text;
  switch (text.back()) {
    case 's':
      unit = 1;
      number.pop_back();
      break;
    case 'm':
      unit = 60;
      number.pop_back();
      break;
    case 'h':
      unit = 3600;
      number.pop_back();
      break;
    case 'd':
      unit = 86400;
      number.pop_back();
      break;
    default:
      break;
  }
  auto value = parse_int<int64_t>(number, 1, int64_t{3650} * 86400 / unit);
  if (!value)
    return std::nullopt;
  return *value * unit;
}

// The request for the guard's control socket: "list", "ban TARGET SECONDS", "unban TARGET".
Result<std::string> control_request_for(const BansOptions& options, const Policy& policy) {
  if (options.list->parsed())
    return "list";
  auto seconds = parse_duration(options.duration);
  if (!seconds)
    return fail(ErrorCode::bad_input, "--for: bad duration \"" + options.duration + "\"");
  if (options.ban->parsed()) {
    // Never a prefix wider than the minimum, never one covering the allowlist (the daemon
    // checks again: it is the trust boundary).
    CS_TRY_VOID(guard::check_ban_request(options.target,
                                         guard::settings_from_policy(policy.guard).allowlist));
    return "ban " + options.target + " " + std::to_string(*seconds);
  }
  return "unban " + options.target;
}

// The guard's reply, as JSON (--json) or as people read it.
void print_bans_reply(std::ostream& out, const guard::ControlReply& reply,
                      const BansOptions& options, const Style& style) {
  if (style.format == Format::json) {
    out << dump_json(reply.document, 2) << "\n";
  } else if (options.list->parsed()) {
    for (const auto& ban : reply.bans)
      out << ban.source << "  " << ban.remaining << "s left"
          << (ban.offences > 1 ? "  (offence " + std::to_string(ban.offences) + ")" : "") << "\n";
    out << reply.bans.size() << " ban(s)\n";
  } else {
    out << (options.ban->parsed() ? "banned " + reply.banned : "unbanned " + reply.unbanned)
        << "\n";
  }
}

int run_bans_command(const BansOptions& options, Invocation& invocation) {
  std::ostream& err = invocation.err;
  auto host = invocation.host();
  if (!host)
    return report_error(err, host.error());
  auto policy = invocation.policy();
  if (!policy)
    return report_error(err, policy.error());
  // Through the running guard's control socket.
  auto request = control_request_for(options, **policy);
  if (!request)
    return report_error(err, request.error());
  auto reply = guard::ControlClient((*host)->fs).send(*request);
  if (!reply)
    return report_error(err, reply.error());
  if (reply->status != guard::ReplyStatus::ok) {
    err << "clawshield: " << reply->error << "\n";
    return reply->status == guard::ReplyStatus::refused ? k_exit_bad_input : k_exit_pending;
  }
  print_bans_reply(invocation.out, *reply, options, invocation.style());
  return k_exit_ok;
}

}  // namespace

CliCommand add_bans_command(CLI::App& app) {
  auto options = std::make_shared<BansOptions>();
  auto* bans = app.add_subcommand("bans", "List, add or remove bans (through the running guard)");
  bans->require_subcommand(1);
  options->list = bans->add_subcommand("list", "Every ban in the kernel with its remaining time");
  options->ban = bans->add_subcommand("ban", "Ban an address or prefix");
  options->ban->add_option("address", options->target, "Address or CIDR")->required();
  options->ban->add_option("--for", options->duration,
                           "Duration: 3600, 90s, 30m, 12h, 7d (default 1h)");
  auto* unban = bans->add_subcommand(
      "unban", "Lift a ban (an address inside a banned prefix lifts the prefix)");
  unban->add_option("address", options->target, "Address or CIDR")->required();
  return {bans,
          [options](Invocation& invocation) { return run_bans_command(*options, invocation); }};
}

}  // namespace clawshield
