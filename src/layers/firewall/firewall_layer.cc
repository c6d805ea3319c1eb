// Layer 1 (with layer 3's network half) — the firewall. The table is rendered from the policy
// and sshd's real ports, written to /etc/clawshield/firewall.nft (loaded at boot by a oneshot
// unit, before the network comes up) and loaded into the kernel in one transaction. Loading
// refuses a ruleset that would cut the admin's own SSH session; apply then arms a
// commit-confirmed rollback (engine/confirm.cc). A second unit, clawshield-firewall-revert,
// rolls back at boot a change the machine rebooted before confirming (both backends); the
// firewall unit does not load while such a change is pending.
//
// verify reads the kernel: the table is ours and unchanged, the default policies drop, only
// the intended ports are open to untrusted interfaces, our forward chain runs before Docker's
// (iptables-nft, priority 0) and drops DNAT'd connections, no other firewall manager competes,
// and every socket listening on a non-loopback address is accounted for.
#include "layers/firewall/firewall_layer.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "core/diff.h"
#include "core/parse.h"
#include "core/text.h"
#include "host/listeners.h"
#include "host/nft_state.h"
#include "layers/firewall/checks.h"
#include "layers/firewall/kernel_rules.h"
#include "layers/firewall/ruleset.h"
#include "layers/firewall/sshd_ports.h"
#include "layers/openclaw/gateway_service.h"

namespace clawshield {
namespace {

const char* k_wants_link = "/etc/systemd/system/sysinit.target.wants/clawshield-firewall.service";
const char* k_revert_wants_link =
    "/etc/systemd/system/sysinit.target.wants/clawshield-firewall-revert.service";

std::string systemctl_root(const HostView& host) {
  return "--root=" + (host.fs.root().empty() ? std::string("/") : host.fs.root());
}

// The revert unit and its wants link, for either backend: both load a firewall under
// commit-confirmed apply, and a reboot before the deadline must not keep it.
Result<std::vector<Action>> revert_unit_actions(const HostView& host, const Policy& policy) {
  std::vector<Action> actions;
  actions.push_back(WriteFile{k_revert_unit, render_revert_unit(policy.guard.executable),
                              FileSpec{0644, "root", "root"}, std::nullopt});
  CS_TRY(auto link, host.fs.stat(k_revert_wants_link));
  if (!link)
    actions.push_back(RunCommand{
        "enable clawshield-firewall-revert.service (rolls back an unconfirmed firewall at boot)",
        Command({"systemctl", systemctl_root(host), "--quiet", "enable",
                 "clawshield-firewall-revert.service"}),
        Requirement::none,
        {},
        {parent_path(k_revert_wants_link), k_revert_wants_link}});
  return actions;
}

// pass: nothing unconfirmed; warn: a change awaits `confirm` before its deadline; fail: a
// change was neither confirmed nor rolled back by its deadline (the watchdog or the boot
// revert died), so the next boot loads no clawshield firewall until it is settled.
Finding unconfirmed_finding(const HostView& host) {
  auto text = host.fs.read(k_unconfirmed_marker);
  if (!text) {
    if (text.error().code == ErrorCode::not_found)
      return make_finding(checks::k_firewall_unconfirmed, Status::pass,
                          "every firewall change was confirmed or rolled back");
    return make_finding(checks::k_firewall_unconfirmed, Status::unknown, text.error().message);
  }
  auto marker = parse_unconfirmed_marker(*text);
  if (!marker)
    return make_finding(checks::k_firewall_unconfirmed, Status::fail,
                        host.fs.host_path(k_unconfirmed_marker) + " is not clawshield's marker");
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(host.clock.now().time_since_epoch()).count();
  if (marker->deadline > now)
    return make_finding(checks::k_firewall_unconfirmed, Status::warn,
                        "apply " + marker->journal + " awaits `clawshield confirm` for " +
                            std::to_string(marker->deadline - now) +
                            " s more; until then a reboot rolls it back");
  return make_finding(
      checks::k_firewall_unconfirmed, Status::fail,
      "apply " + marker->journal +
          (marker->deadline == 0
               ? std::string(" did not finish arming its confirmation")
               : " passed its confirmation deadline (" + std::to_string(marker->deadline) + ")") +
          " and was not rolled back: clawshield-firewall.service will not load at boot; run "
          "`clawshield rollback --unconfirmed`" +
          (marker->deadline == 0 ? std::string() : " (or `clawshield confirm` to keep it)"));
}

}  // namespace

std::string render_unconfirmed_marker(const UnconfirmedMarker& marker) {
  return "journal " + marker.journal + "\ndeadline " + std::to_string(marker.deadline) + "\n";
}

std::optional<UnconfirmedMarker> parse_unconfirmed_marker(std::string_view text) {
  UnconfirmedMarker marker;
  bool has_deadline = false;
  for (const auto& line : split_lines(text)) {
    if (line.starts_with("journal ")) {
      marker.journal = line.substr(8);
    } else if (line.starts_with("deadline ")) {
      auto value = std::string_view(line).substr(9);
      auto deadline = parse_int(value, std::numeric_limits<int64_t>::min(),
                                std::numeric_limits<int64_t>::max());
      has_deadline = deadline.has_value();
      marker.deadline = deadline.value_or(marker.deadline);
    }
  }
  if (marker.journal.empty() || marker.journal.find('/') != std::string::npos || !has_deadline)
    return std::nullopt;
  return marker;
}

std::string render_boot_unit() {
  return std::string(
             "# Managed by clawshield: loads the firewall before any network interface comes "
             "up.\n"
             "[Unit]\n"
             "Description=clawshield firewall (nftables table inet clawshield)\n"
             "DefaultDependencies=no\n"
             "Before=network-pre.target\n"
             "Wants=network-pre.target\n"
             "After=local-fs.target\n"
             "# A firewall change not yet confirmed never loads at boot: "
             "clawshield-firewall-revert.service\n"
             "# (ordered before this unit) rolls it back and removes the marker; if that "
             "failed, the host\n"
             "# boots without this table rather than with a ruleset that may lock the admin "
             "out.\n"
             "ConditionPathExists=!") +
         k_unconfirmed_marker +
         "\n"
         "# Nothing to load once a boot revert removed the file (the first apply was not "
         "confirmed).\n"
         "ConditionPathExists=" +
         k_firewall_file +
         "\n"
         "\n"
         "[Service]\n"
         "Type=oneshot\n"
         "RemainAfterExit=yes\n"
         "ExecStart=/usr/sbin/nft -f " +
         std::string(k_firewall_file) +
         "\n"
         "\n"
         "[Install]\n"
         "WantedBy=sysinit.target\n";
}

std::string render_revert_unit(const std::string& executable) {
  return std::string(
             "# Managed by clawshield: at boot, rolls back a firewall change that was never "
             "confirmed\n"
             "# (the machine rebooted before `clawshield confirm` or the deadline), as the "
             "watchdog would\n"
             "# have at the deadline: the whole apply, boot files included.\n"
             "[Unit]\n"
             "Description=clawshield: roll back an unconfirmed firewall change\n"
             "# Early boot, like the firewall it guards: none of basic.target's ordering.\n"
             "DefaultDependencies=no\n"
             "# It reads the journal in /var/lib/clawshield and restores files in /etc.\n"
             "After=local-fs.target\n"
             "# Before anything loads a firewall from the files it restores (our table, "
             "ufw's rules)\n"
             "# and before any interface comes up.\n"
             "Before=clawshield-firewall.service ufw.service network-pre.target\n"
             "# Only while a change awaits confirmation (apply creates the marker; confirm, "
             "the\n"
             "# watchdog and rollback remove it).\n"
             "ConditionPathExists=") +
         k_unconfirmed_marker +
         "\n"
         "\n"
         "[Service]\n"
         "Type=oneshot\n"
         "ExecStart=" +
         executable +
         " rollback --unconfirmed\n"
         "# A oneshot has no start timeout by default: never hold the boot forever.\n"
         "TimeoutStartSec=120\n"
         "\n"
         "[Install]\n"
         "WantedBy=sysinit.target\n";
}

namespace {

Result<FirewallSpec> resolve_spec(const HostView& host, const Policy& policy, std::string* source) {
  CS_TRY(SshdPorts ports, ssh_ports_to_open(host, policy.firewall.ssh_ports));
  if (source)
    *source = ports.source;
  return make_firewall_spec(policy.firewall, ports.ports, gateway_app_ports(host, policy));
}

bool in_tailnet(const std::string& address) {
  in_addr v4{};
  if (::inet_pton(AF_INET, address.c_str(), &v4) == 1) {
    uint32_t host_order = ntohl(v4.s_addr);
    return (host_order & 0xFFC00000u) == 0x64400000u;  // 100.64.0.0/10
  }
  return address.starts_with("fd7a:115c:a1e0:");  // Tailscale's ULA /48
}

// ufw, firewalld and other tables' input chains that drop by default: they would make two
// sources of truth, or drop the SSH and Tailscale traffic we mean to accept.
std::vector<std::string> competing_firewalls(const Filesystem& fs, const NftState& headers) {
  auto others = competing_tables(headers, std::string("inet ") + k_firewall_table);
  auto ufw = fs.read("/etc/ufw/ufw.conf");
  if (ufw && ufw->find("ENABLED=yes") != std::string::npos)
    others.push_back("ufw is enabled in /etc/ufw/ufw.conf");
  return others;
}

}  // namespace

std::vector<std::string> FirewallLayer::notes(const Context& context) const {
  const HostView& host = context.host;
  if (m_role == Role::retiring)
    return {};  // ufw is the intended firewall; the ufw layer reports the native one if loaded
  NftState headers;
  if (host.own_network) {
    auto everything = read_nft_chain_headers(host.nft);
    if (!everything)
      return {"cannot read the kernel's ruleset: " + everything.error().message};
    headers = std::move(*everything);
  }
  auto others = competing_firewalls(host.fs, headers);
  for (auto& note : others)
    note += ": clawshield's drops still hold, but two firewalls confuse admins";
  return others;
}

std::optional<std::string> lockout_problem(const std::string& ssh_connection,
                                           const std::vector<int>& public_tcp,
                                           const std::vector<int>& trusted_tcp) {
  auto words = split_words(ssh_connection);
  if (words.size() != 4)
    return std::nullopt;  // not an SSH session we can read
  const int server_port = parse_int(words[3], 0, 65535).value_or(0);
  if (std::ranges::find(public_tcp, server_port) != public_tcp.end())
    return std::nullopt;
  if (in_tailnet(words[0]) && std::ranges::find(trusted_tcp, server_port) != trusted_tcp.end())
    return std::nullopt;
  return "the new ruleset would not accept your SSH session (" + words[0] + " to port " + words[3] +
         "); rerun with --force if you have console access";
}

std::optional<std::string> session_problem(const HostView& host, const std::vector<int>& public_tcp,
                                           const std::vector<int>& trusted_tcp,
                                           FirewallChange change) {
  if (!host.own_network || host.lockout_guard == LockoutGuard::forced)
    return std::nullopt;
  if (host.ssh_connection)
    return lockout_problem(*host.ssh_connection, public_tcp, trusted_tcp);
  if (host.session_unknown && change == FirewallChange::yes)
    return "cannot tell which SSH session this runs in (" + *host.session_unknown +
           "), so nothing shows the new firewall keeps it; rerun with --force if you have "
           "console access";
  return std::nullopt;
}

Result<std::vector<Action>> FirewallLayer::desired(const Context& context) const {
  const HostView& host = context.host;
  if (m_role == Role::retiring) {
    // Another backend (ufw) guards the host: nothing of ours may stay loaded or start at boot.
    CS_TRY(std::vector<Action> actions,
           retire_service(host, "clawshield-firewall.service", k_firewall_unit, k_wants_link));
    actions.push_back(RemoveFile{k_firewall_file});
    // The revert unit stays (ordered before ufw.service): ufw's firewall is commit-confirmed
    // too, and a reboot before its confirmation must roll it back as well.
    CS_TRY(auto revert, revert_unit_actions(host, context.policy));
    actions.insert(actions.end(), revert.begin(), revert.end());
    actions.push_back(LoadFirewall{k_firewall_table, "", delete_table_transaction(), {}});
    return actions;
  }
  CS_TRY(FirewallSpec spec, resolve_spec(host, context.policy, nullptr));
  // Only a ruleset that is actually loaded here can cut the session.
  const std::string ruleset = render_ruleset(spec);
  FirewallChange change = FirewallChange::yes;
  if (host.session_unknown && host.own_network) {
    // Only a ruleset that differs from the loaded one changes anything.
    CS_TRY(auto loaded, list_table(host.nft, k_firewall_table, NftOutput::terse));
    if (loaded && *loaded == ruleset)
      change = FirewallChange::no;
  }
  if (auto problem = session_problem(host, public_tcp_ports(spec), spec.app_ports, change))
    return fail(ErrorCode::refused, *problem);
  // The revert unit first: from here on, a crash or reboot before `confirm` must find it.
  CS_TRY(std::vector<Action> actions, revert_unit_actions(host, context.policy));
  actions.push_back(EnsureDirectory{"/etc/clawshield", FileSpec{0755, "root", "root"}});
  actions.push_back(WriteFile{k_firewall_file,
                              "#!/usr/sbin/nft -f\n# Managed by clawshield: `clawshield apply` "
                              "rewrites this file.\n" +
                                  replace_table_transaction(ruleset),
                              FileSpec{0600, "root", "root"}, std::nullopt});
  actions.push_back(
      WriteFile{k_firewall_unit, render_boot_unit(), FileSpec{0644, "root", "root"}, std::nullopt});
  CS_TRY(auto link, host.fs.stat(k_wants_link));
  if (!link) {
    std::vector<std::string> argv = {"systemctl", systemctl_root(host), "--quiet", "enable",
                                     "clawshield-firewall.service"};
    actions.push_back(RunCommand{"enable clawshield-firewall.service (loads the table at boot)",
                                 Command(argv),
                                 Requirement::none,
                                 {},
                                 {parent_path(k_wants_link), k_wants_link}});
  }
  actions.push_back(LoadFirewall{
      k_firewall_table, ruleset, replace_table_transaction(ruleset), {k_ban_set_v4, k_ban_set_v6}});
  return actions;
}

std::vector<Finding> FirewallLayer::verify(const Context& context) const {
  const HostView& host = context.host;
  std::vector<Finding> findings;
  static constexpr const Check* k_kernel_checks[] = {
      &checks::k_firewall_table_loaded,   &checks::k_firewall_default_deny,
      &checks::k_firewall_open_ports,     &checks::k_firewall_docker_isolation,
      &checks::k_firewall_other_managers, &checks::k_firewall_listening};
  // From the files, whatever the backend and namespace: a change awaiting confirmation.
  findings.push_back(unconfirmed_finding(host));
  auto all_unknown = [&](const std::string& why) {
    for (const Check* check : k_kernel_checks)
      findings.push_back(
          make_finding(*check, Status::unknown, why, SummaryOverride{"kernel firewall"}));
    return findings;
  };
  if (!host.own_network)
    return all_unknown("kernel not inspected: --root is not the running system (use --netns)");
  if (m_role == Role::retiring) {
    // ufw guards the host: our table must be gone (the ufw layer checks ufw itself).
    auto table = list_table(host.nft, k_firewall_table, NftOutput::terse);
    findings.push_back(make_finding(
        checks::k_firewall_retired,
        !table   ? Status::unknown
        : *table ? Status::fail
                 : Status::pass,
        !table   ? table.error().message
        : *table ? "table inet clawshield is loaded while ufw is the backend (both run)"
                 : "no table inet clawshield (backend: " +
                       firewall_backend_name(context.policy.firewall.backend) + ")"));
    return findings;
  }
  std::string source;
  auto spec = resolve_spec(host, context.policy, &source);
  if (!spec)
    return all_unknown(spec.error().message);
  const std::string ruleset = render_ruleset(*spec);
  // The text listing for the table's diff (its evidence quotes it), the JSON for the judging.
  auto table = list_table(host.nft, k_firewall_table, NftOutput::terse);
  auto everything = read_nft_chain_headers(host.nft);
  if (!table)
    return all_unknown(table.error().message);
  if (!everything)
    return all_unknown(everything.error().message);
  auto table_state = read_nft_table(host.nft, k_firewall_table);
  if (!table_state)
    return all_unknown(table_state.error().message);

  // The table: ours and unchanged.
  if (!*table) {
    findings.push_back(make_finding(checks::k_firewall_table_loaded, Status::fail,
                                    "no table inet clawshield in the kernel"));
  } else if (**table != ruleset) {
    std::string diff = unified_diff(**table, ruleset, "kernel", "rendered", 0);
    auto lines = split_lines(diff);
    std::string first = lines.size() > 3 ? lines[3] : diff;
    findings.push_back(
        make_finding(checks::k_firewall_table_loaded, Status::fail,
                     "kernel table differs from the render (plan --diff): " + first));
  } else {
    findings.push_back(make_finding(checks::k_firewall_table_loaded, Status::pass,
                                    "identical to the render (ssh ports from " + source + ")"));
  }

  // Our chains with their rules (from our table), the others' headers.
  const std::string ours = std::string("inet ") + k_firewall_table;
  const NftState our_table = table_state->value_or(NftState{});
  const NftChain* input = our_table.find_chain("inet", k_firewall_table, "input");
  const NftChain* forward = our_table.find_chain("inet", k_firewall_table, "forward");

  // Default deny, for IPv4 and IPv6 alike (an inet table sees both).
  bool deny = input && forward && input->hook == "input" && input->policy == "drop" &&
              forward->hook == "forward" && forward->policy == "drop";
  findings.push_back(
      make_finding(checks::k_firewall_default_deny, deny ? Status::pass : Status::fail,
                   deny ? "inet clawshield: input policy drop, forward policy drop"
                        : "input/forward base chains with policy drop missing in inet clawshield"));

  // Exactly the intended ports open to untrusted interfaces.
  std::set<std::string> open, intended;
  if (input)
    open = open_ports(our_table, *input);
  for (int port : public_tcp_ports(*spec)) intended.insert(std::to_string(port) + "/tcp");
  for (int port : spec->public_udp) intended.insert(std::to_string(port) + "/udp");
  findings.push_back(make_finding(
      checks::k_firewall_open_ports, open == intended ? Status::pass : Status::fail,
      "open: " + join(std::vector<std::string>(open.begin(), open.end()), ", ") +
          (open == intended
               ? ""
               : "; intended: " +
                     join(std::vector<std::string>(intended.begin(), intended.end()), ", "))));

  // Docker isolation: our forward chain drops DNAT'd connections, ahead of everyone else's.
  std::vector<std::string> behind = forward_chains_before(*everything, ours, k_chain_priority);
  bool dnat_drop = forward && drops_dnat(our_table, *forward);
  Status isolation = dnat_drop && behind.empty() ? Status::pass : Status::fail;
  findings.push_back(make_finding(
      checks::k_firewall_docker_isolation, isolation,
      !dnat_drop       ? "no `ct status dnat drop` in forward"
      : behind.empty() ? "forward priority " + std::to_string(k_chain_priority) +
                             " runs before every other forward chain; DNAT'd connections dropped"
                       : "forward chains run before ours: " + join(behind, "; ")));

  // Other firewall managers and tables that drop what we accept.
  auto others = competing_firewalls(host.fs, *everything);
  findings.push_back(
      make_finding(checks::k_firewall_other_managers, others.empty() ? Status::pass : Status::warn,
                   others.empty() ? "only inet clawshield filters input" : join(others, "; ")));

  // Listening sockets on non-loopback addresses.
  std::vector<std::string> unreadable;
  const std::vector<Listener> listeners = read_listeners(unreadable);
  std::vector<std::string> unexpected;
  auto public_tcp = public_tcp_ports(*spec);
  std::set<std::string> seen;
  for (const auto& listener : listeners) {
    if (listener.loopback)
      continue;
    bool allowed =
        listener.protocol == "tcp"
            ? std::ranges::find(public_tcp, listener.port) != public_tcp.end()
            : std::ranges::find(spec->public_udp, listener.port) != spec->public_udp.end();
    if (allowed)
      continue;
    std::string what =
        listener.address + ":" + std::to_string(listener.port) + "/" + listener.protocol;
    bool app = listener.protocol == "tcp" &&
               std::ranges::find(spec->app_ports, listener.port) != spec->app_ports.end();
    if (seen.insert(what).second)
      unexpected.push_back(what + (app ? " (app port: trusted interfaces only)" : " (filtered)"));
  }
  Status listening = !unreadable.empty()  ? Status::unknown
                     : unexpected.empty() ? Status::pass
                                          : Status::warn;
  findings.push_back(make_finding(checks::k_firewall_listening, listening,
                                  !unreadable.empty() ? "cannot read " + join(unreadable, ", ")
                                  : unexpected.empty()
                                      ? "every non-loopback listener is an allowed service"
                                      : "also listening: " + join(unexpected, ", ")));
  return findings;
}

}  // namespace clawshield
