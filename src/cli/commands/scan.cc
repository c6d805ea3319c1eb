// `clawshield scan TARGET`: the server seen from outside, as the seed's `nmap -p-` sees it.
// Turns a scan into the answer an admin wants from the seed's checklist: which ports answer
// from here, whether that is exactly what was expected, and what a connect scan cannot know
// (UDP: a silent port is open or filtered alike, so 41641/udp is reported as not judged).
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/app.h"
#include "cli/commands/command.h"
#include "core/text.h"
#include "scan/port_set.h"
#include "scan/syn_scan.h"
#include "scan/tcp_scan.h"

namespace clawshield {
namespace {

using scan::PortState;
using scan::Protocol;

struct ScanOptions {
  std::string target;
  std::string ports = "1-65535";
  std::string expect;  // "22/tcp,41641/udp"; empty: no expectation
  int timeout_ms = 1000;
  int min_timeout_ms = 100;
  int retries = 1;
  int rate = 0;
  int parallel = 0;
  bool ipv4 = false;
  bool ipv6 = false;
  std::string method = "auto";  // auto (syn with CAP_NET_RAW, else connect), syn, connect
};

constexpr const char* k_udp_reason =
    "not judged: a TCP scan cannot probe UDP, and an open UDP port (WireGuard) answers no "
    "stranger either, so open and filtered look the same (check it with `tailscale ping`)";

struct Expectation {
  std::vector<int> tcp;
  std::vector<int> udp;
  std::vector<int> unexpected_open;  // open, not expected
  std::vector<int> missing;          // expected, not open
};

// Expected TCP ports that were not scanned cannot be judged and are left out of "missing".
Expectation judge(const std::vector<scan::PortSpec>& specs, const scan::ScanResult& result) {
  Expectation expectation;
  for (const auto& spec : specs)
    (spec.protocol == Protocol::tcp ? expectation.tcp : expectation.udp).push_back(spec.port);
  std::ranges::sort(expectation.tcp);
  std::ranges::sort(expectation.udp);
  for (const auto& port : result.ports)
    if (port.state == PortState::open && !std::ranges::binary_search(expectation.tcp, port.port))
      expectation.unexpected_open.push_back(port.port);
  for (int port : expectation.tcp) {
    auto found = std::ranges::find(result.ports, port, &scan::PortResult::port);
    if (found != result.ports.end() && found->state != PortState::open)
      expectation.missing.push_back(port);
  }
  return expectation;
}

std::string tcp_list(const std::vector<int>& ports) {
  std::vector<std::string> items;
  for (int port : ports) items.push_back(std::to_string(port) + "/tcp");
  return join(items, ", ");
}

// Exit codes: 0 scanned (and, with --expect, exactly the expected TCP ports open); 1 the open
// ports differ from --expect; 2 bad arguments or the scan could not run. From the outside:
// needs no root, no policy, no host.
int run_scan_command(const ScanOptions& command, Invocation& invocation) {
  std::ostream& out = invocation.out;
  std::ostream& err = invocation.err;
  const Style style = invocation.style();
  // Progress on stderr, when that is a terminal.
  const bool show_progress = ::isatty(STDERR_FILENO) == 1;
  // Arguments: the target, the ports, the expectation, the timing.
  auto ports = scan::parse_port_ranges(command.ports);
  if (!ports) {
    err << "clawshield: --ports: " << ports.error().message << "\n";
    return k_exit_bad_input;
  }
  std::optional<std::vector<scan::PortSpec>> expected;
  if (!command.expect.empty()) {
    auto specs = scan::parse_port_specs(command.expect);
    if (!specs) {
      err << "clawshield: --expect: " << specs.error().message << "\n";
      return k_exit_bad_input;
    }
    expected = *specs;
  }
  if (command.ipv4 && command.ipv6) {
    err << "clawshield: -4 and -6 exclude each other\n";
    return k_exit_bad_input;
  }
  auto target = scan::resolve_target(command.target, command.ipv4   ? scan::FamilyPreference::ipv4
                                                     : command.ipv6 ? scan::FamilyPreference::ipv6
                                                                    : scan::FamilyPreference::any);
  if (!target) {
    err << "clawshield: " << target.error().message << "\n";
    return k_exit_bad_input;
  }
  scan::ScanOptions options;
  options.ports = *ports;
  options.max_timeout = std::chrono::milliseconds(command.timeout_ms);
  options.min_timeout =
      std::chrono::milliseconds(std::min(command.min_timeout_ms, command.timeout_ms));
  options.retries = command.retries;
  options.rate = command.rate;
  options.parallel = command.parallel;
  if (show_progress && style.format == Format::text)
    options.progress = [&err](const scan::ScanProgress& progress) {
      err << "\rscanning: " << progress.done << "/" << progress.total << " ports, " << progress.open
          << " open" << (progress.done == progress.total ? "\n" : "") << std::flush;
    };

  // The scan: raw SYNs where allowed (or asked for), else connects.
  std::string method = "tcp-connect";
  Result<scan::ScanResult> result = fail(ErrorCode::internal, "no scan ran");
  if (command.method == "syn" || command.method == "auto") {
    result = scan::tcp_syn_scan(*target, options);
    method = "tcp-syn";
    if (!result && result.error().code == ErrorCode::permission && command.method == "auto")
      method.clear();  // no CAP_NET_RAW: connect scan
  }
  if (command.method == "connect" || method.empty()) {
    result = scan::tcp_connect_scan(*target, options);
    method = "tcp-connect";
  }
  if (!result) {
    err << "clawshield: scan: " << result.error().message << "\n";
    return k_exit_bad_input;
  }

  // The verdicts, grouped by state.
  std::vector<int> open, closed, filtered;
  for (const auto& port : result->ports)
    (port.state == PortState::open     ? open
     : port.state == PortState::closed ? closed
                                       : filtered)
        .push_back(port.port);
  std::optional<Expectation> expectation;
  if (expected)
    expectation = judge(*expected, *result);
  const bool mismatch =
      expectation && (!expectation->unexpected_open.empty() || !expectation->missing.empty());

  if (style.format == Format::json) {
    nlohmann::json document;
    document["target"] = result->target.name;
    document["address"] = result->target.address;
    document["family"] = result->target.family == AF_INET ? "ipv4" : "ipv6";
    document["method"] = method;
    document["ports_scanned"] = ports->size();
    document["elapsed_ms"] = result->elapsed.count();
    document["probes"] = result->probes;
    document["parallel"] = result->parallel;
    document["rtt_us"] = result->smoothed_rtt.count();
    document["open"] = open;
    document["closed"] = scan::port_range_items(closed);
    document["filtered"] = scan::port_range_items(filtered);
    document["counts"] = {
        {"open", open.size()}, {"closed", closed.size()}, {"filtered", filtered.size()}};
    nlohmann::json reasons = nlohmann::json::object();
    // Only answers other than each state's usual one (syn-ack, reset, no answer).
    for (const auto& port : result->ports)
      if (port.reason != "syn-ack" && port.reason != "reset" && port.reason != "no-response")
        reasons[std::to_string(port.port)] = port.reason;
    document["reasons"] = reasons;
    if (expectation) {
      nlohmann::json udp = nlohmann::json::array();
      for (int port : expectation->udp)
        udp.push_back({{"port", port}, {"state", "unknown"}, {"reason", k_udp_reason}});
      document["expect"] = {{"tcp", expectation->tcp},
                            {"matched", !mismatch},
                            {"unexpected_open", expectation->unexpected_open},
                            {"missing", expectation->missing},
                            {"udp", udp}};
    }
    // The target is whatever was typed: not necessarily UTF-8.
    out << document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return mismatch ? k_exit_pending : k_exit_ok;
  }

  out << "clawshield scan " << result->target.name;
  if (result->target.name != result->target.address)
    out << " (" << result->target.address << ")";
  out << ": " << ports->size() << " TCP port(s) in "
      << static_cast<double>(result->elapsed.count()) / 1000.0 << " s ("
      << (method == "tcp-syn" ? "SYN scan, " : "connect scan, ") << result->probes << " probes)\n";
  for (const auto& port : result->ports)
    if (port.state == PortState::open)
      out << "  " << port.port << "/tcp  open\n";
  if (closed.size() <= 20) {
    for (int port : closed) out << "  " << port << "/tcp  closed\n";
  }
  out << open.size() << " open, " << closed.size() << " closed"
      << (closed.size() > 20 ? " (" + scan::format_port_ranges(closed) + ")" : "") << ", "
      << filtered.size() << " filtered\n";
  if (expectation) {
    for (int port : expectation->udp)
      out << "  " << port << "/udp  unknown: " << k_udp_reason << "\n";
    if (!mismatch) {
      out << "as expected: open TCP ports are exactly "
          << (expectation->tcp.empty() ? "none" : tcp_list(expectation->tcp)) << "\n";
    } else {
      if (!expectation->unexpected_open.empty())
        out << "NOT as expected: also open: " << tcp_list(expectation->unexpected_open) << "\n";
      if (!expectation->missing.empty())
        out << "NOT as expected: not open: " << tcp_list(expectation->missing) << "\n";
    }
  }
  return mismatch ? k_exit_pending : k_exit_ok;
}

}  // namespace

CliCommand add_scan_command(CLI::App& app) {
  auto options = std::make_shared<ScanOptions>();
  auto* scan = app.add_subcommand(
      "scan", "Scan a server's TCP ports from here, as nmap -p- would (run it from outside)");
  scan->add_option("target", options->target, "Address or host name")->required();
  scan->add_option("-p,--ports", options->ports, "Ports: 1-65535 (default), 22,80,8000-8100");
  scan->add_option("--expect", options->expect,
                   "Exactly these must be open, e.g. 22/tcp,41641/udp (exit 1 otherwise)");
  scan->add_option("--timeout", options->timeout_ms,
                   "Longest wait for an answer, ms (default 1000; shorter once RTT is known)")
      ->check(CLI::Range(1, 60000));
  scan->add_option("--min-timeout", options->min_timeout_ms,
                   "Shortest wait for an answer, ms (default 100)")
      ->check(CLI::Range(1, 60000));
  scan->add_option("--retries", options->retries,
                   "Probe unanswered ports again this many times (default 1)")
      ->check(CLI::Range(0, 10));
  scan->add_option("--rate", options->rate, "Probes per second at most (default: no limit)")
      ->check(CLI::Range(0, 10000000));
  scan->add_option("--parallel", options->parallel,
                   "Probes in flight at most (default: as the descriptor limit allows)")
      ->check(CLI::Range(0, 1000000));
  scan->add_option("--method", options->method,
                   "syn (raw SYNs, needs CAP_NET_RAW), connect (no privileges) or auto (default: "
                   "syn where allowed)")
      ->check(CLI::IsMember({"auto", "syn", "connect"}));
  scan->add_flag("-4", options->ipv4, "Use the target's IPv4 address");
  scan->add_flag("-6", options->ipv6, "Use the target's IPv6 address");
  return {scan,
          [options](Invocation& invocation) { return run_scan_command(*options, invocation); }};
}

}  // namespace clawshield
