// Firewall load times, in a network namespace of its own (never the machine's firewall):
//  - the full clawshield ruleset, replaced atomically through libnftables (target < 50 ms);
//  - 100,000 ban elements added to the ban set in one transaction (target < 1 s);
// each side by side with the same text given to the `nft -f` command line. Run as root:
// `build/bench/firewall_bench`.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "host/nftables.h"
#include "host/runner.h"
#include "layers/firewall/ruleset.h"

namespace {

using namespace clawshield;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::ranges::sort(values);
  return values[values.size() / 2];
}

std::string ban_elements(int count) {
  std::string text =
      std::string("add element inet ") + k_firewall_table + " " + k_ban_set_v4 + " { ";
  for (int i = 0; i < count; ++i) {
    if (i)
      text += ", ";
    // 10.0.0.0/8 and up: distinct single addresses.
    text += "11." + std::to_string((i >> 16) & 255) + "." + std::to_string((i >> 8) & 255) + "." +
            std::to_string(i & 255) + " timeout 1h";
  }
  return text + " }\n";
}

// Times `commands` loaded by libnftables and by `nft -f`, after `reset` each run.
void compare(const char* what, const std::string& reset, const std::string& commands, int runs,
             double target_ms) {
  LibNftables nft;
  ProcessRunner runner;
  const std::string file = "/tmp/clawshield-bench-" + std::to_string(::getpid()) + ".nft";
  std::ofstream(file) << commands;
  std::vector<double> ours, cli;
  for (int i = 0; i < runs; ++i) {
    if (!reset.empty() && !nft.run(reset, NftOutput::plain)) {
      std::printf("reset failed\n");
      return;
    }
    auto start = Clock::now();
    auto loaded = nft.run(commands, NftOutput::plain);
    ours.push_back(ms_since(start));
    if (!loaded) {
      std::printf("%s: libnftables failed: %s\n", what, loaded.error().message.c_str());
      return;
    }
    if (!reset.empty())
      (void)nft.run(reset, NftOutput::plain);
    start = Clock::now();
    // Children inherit our network namespace: the CLI loads into the same one.
    auto result = runner.run(Command({"nft", "-f", file}));
    cli.push_back(ms_since(start));
    if (!result || !result->ok()) {
      std::printf("%s: nft -f failed\n", what);
      return;
    }
  }
  std::filesystem::remove(file);
  double a = median(ours), b = median(cli);
  std::printf(
      "%-34s clawshield (libnftables) %8.2f ms   nft -f %8.2f ms   ratio %.2fx   target < %.0f ms: "
      "%s\n",
      what, a, b, b / a, target_ms, a < target_ms ? "met" : "MISSED");
}

}  // namespace

int main() {
  if (::geteuid() != 0) {
    std::printf("firewall_bench: skipped (needs root for a network namespace)\n");
    return 0;
  }
  const std::string netns = "csbench" + std::to_string(::getpid());
  ProcessRunner runner;
  if (auto made = runner.run(Command({"ip", "netns", "add", netns})); !made || !made->ok()) {
    std::printf("firewall_bench: cannot create a network namespace\n");
    return 1;
  }
  int fd = ::open(("/run/netns/" + netns).c_str(), O_RDONLY);
  if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
    std::printf("firewall_bench: cannot enter the namespace\n");
    return 1;
  }
  ::close(fd);

  FirewallPolicy policy;
  const std::string ruleset = render_ruleset(make_firewall_spec(policy, {22}, policy.app_ports));
  const std::string load = replace_table_transaction(ruleset);
  compare("full ruleset (atomic replace)", "", load, 21, 50.0);

  const std::string flush =
      std::string("flush set inet ") + k_firewall_table + " " + k_ban_set_v4 + "\n";
  compare("100k ban elements, one transaction", flush, ban_elements(100000), 3, 1000.0);

  (void)runner.run(Command({"ip", "netns", "del", netns}));
  return 0;
}
