// Issue 6's scan benchmark: one hardened server namespace (clawshield's firewall, real sshd),
// scanned over all 65,535 TCP ports from the outside namespace by clawshield, by
// `nmap -p- -T4` and by masscan (under `timeout`: it hangs in its wait phase), side by side in
// one run; clawshield with both of its methods (raw SYN as root, connect as anyone). Prints
// wall times, the ratios and whether the verdicts agree.
//   build/bench/scan_bench [--skip-nmap] [--skip-masscan]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/text.h"
#include "scan/port_set.h"
#include "support/netns.h"
#include "support/temp_root.h"

using namespace clawshield;
using testing::NetnsHarness;

namespace {

struct Outcome {
  std::string tool;
  double seconds = 0;
  std::set<int> open;
  long filtered = -1;  // -1: the tool does not say
  std::string note;
};

double time_it(const std::function<void()>& body) {
  auto start = std::chrono::steady_clock::now();
  body();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  bool skip_nmap = false, skip_masscan = false;
  for (int i = 1; i < argc; ++i) {
    skip_nmap = skip_nmap || std::strcmp(argv[i], "--skip-nmap") == 0;
    skip_masscan = skip_masscan || std::strcmp(argv[i], "--skip-masscan") == 0;
  }
  std::string why;
  if (!testing::netns_available(why)) {
    std::fprintf(stderr, "scan_bench: skipped: %s\n", why.c_str());
    return 0;
  }
  NetnsHarness net;
  testing::TempDir root;
  testing::seed_minimal_root(root.path());
  testing::write_file(root.path(), "/etc/ssh/sshd_config", "Port 22\n");
  net.start_sshd(22);
  auto applied = testing::run_clawshield(
      {"apply", "--root", root.path(), "--netns", net.server(), "--confirm-timeout", "0"});
  if (applied.exit_code != 0) {
    std::fprintf(stderr, "apply failed: %s%s\n", applied.out.c_str(), applied.err.c_str());
    return 1;
  }
  const std::string target = NetnsHarness::server_outside_address().v4;
  std::vector<Outcome> outcomes;

  // clawshield: the raw SYN scan (root here) and the unprivileged connect scan, all ports.
  for (const char* method : {"syn", "connect"}) {
    Outcome outcome;
    outcome.tool = std::string("clawshield scan (") + method + ")";
    CommandResult result;
    outcome.seconds = time_it([&] {
      result = net.run_in(net.outside(),
                          {CLAWSHIELD_BINARY, "scan", target, "--method", method, "--json"});
    });
    auto document = nlohmann::json::parse(result.out, nullptr, false);
    if (document.is_discarded()) {
      std::fprintf(stderr, "clawshield scan: %s\n", result.err.c_str());
      return 1;
    }
    for (int port : document["open"]) outcome.open.insert(port);
    outcome.filtered = document["counts"]["filtered"];
    outcome.note = std::to_string(document["probes"].get<long>()) + " probes";
    if (std::string(method) == "connect")
      outcome.note += ", " + std::to_string(document["parallel"].get<long>()) + " in flight";
    outcomes.push_back(outcome);
  }

  // nmap -p- -T4 (SYN scan as root), the seed's checklist command.
  if (!skip_nmap) {
    Outcome outcome;
    outcome.tool = "nmap -p- -T4";
    CommandResult result;
    outcome.seconds = time_it([&] {
      result = net.run_in(net.outside(), {"nmap", "-p-", "-T4", "-Pn", "-n", "-oG", "-", target});
    });
    if (size_t at = result.out.find("Ports: "); at != std::string::npos) {
      std::string line =
          result.out.substr(at + 7, result.out.find_first_of("\t\n", at + 7) - at - 7);
      std::istringstream items(line);
      std::string item;
      while (std::getline(items, item, ','))
        if (item.find("/open/") != std::string::npos)
          outcome.open.insert(std::stoi(item));
    }
    if (size_t at = result.out.find("Ignored State: filtered ("); at != std::string::npos)
      outcome.filtered = std::stol(result.out.substr(at + 25));
    outcomes.push_back(outcome);
  }

  // masscan, under timeout; its list output read afterwards.
  if (!skip_masscan) {
    Outcome outcome;
    outcome.tool = "masscan --rate 100000";
    const std::string list = net.work_dir() + "/masscan.txt";
    auto mac = net.run_in(net.server(), {"cat", "/sys/class/net/eth0/address"});
    std::string router_mac(trim(mac.out));
    CommandResult result;
    outcome.seconds = time_it([&] {
      result = net.run_in(net.outside(), {"timeout", "30", "masscan", "-p1-65535", target, "--rate",
                                          "100000", "--adapter", "uplink", "--router-mac",
                                          router_mac, "--wait", "2", "-oL", list});
    });
    std::ifstream in(list);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream words(line);
      std::string state, protocol;
      int port = 0;
      if (words >> state >> protocol >> port && state == "open")
        outcome.open.insert(port);
    }
    outcome.note = result.exit_code == 124 ? "killed by timeout after 30 s"
                                           : "exit " + std::to_string(result.exit_code);
    outcomes.push_back(outcome);
  }

  std::printf("Full TCP range (65,535 ports) of a default-drop server namespace, from outside:\n");
  std::printf("%-24s %10s %8s %10s  %s\n", "tool", "wall s", "ratio", "filtered", "open / notes");
  const double ours = outcomes.front().seconds;
  for (const auto& outcome : outcomes) {
    std::string open;
    for (int port : outcome.open) open += (open.empty() ? "" : ",") + std::to_string(port);
    std::printf("%-24s %10.2f %7.1fx %10s  open: %s%s%s\n", outcome.tool.c_str(), outcome.seconds,
                outcome.seconds / ours,
                outcome.filtered < 0 ? "-" : std::to_string(outcome.filtered).c_str(),
                open.empty() ? "none" : open.c_str(), outcome.note.empty() ? "" : "; ",
                outcome.note.c_str());
  }
  bool agree = true;
  for (const auto& outcome : outcomes) {
    if (!outcome.tool.starts_with("masscan"))
      agree = agree && outcome.open == outcomes.front().open &&
              outcome.filtered == outcomes.front().filtered;
  }
  std::printf("clawshield (both methods) and nmap verdicts %s\n", agree ? "identical" : "DIFFER");
  for (const auto& outcome : outcomes)
    if (outcome.tool.starts_with("nmap"))
      std::printf("nmap / clawshield SYN: %.1fx; nmap / clawshield connect: %.1fx\n",
                  outcome.seconds / outcomes[0].seconds, outcome.seconds / outcomes[1].seconds);
  return agree ? 0 : 1;
}
