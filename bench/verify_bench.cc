// Issue 6's verify benchmark: `clawshield verify` (every check) on the hardened harness
// server — clawshield's firewall in the server namespace, a real dockerd running a published
// container, the guard running, real sshd — timed over repeated runs, next to
// `lynis audit system --quick` on the same machine.
//   build/bench/verify_bench [--runs N] [--skip-lynis]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/netns.h"
#include "support/temp_root.h"

using namespace clawshield;
using testing::NetnsHarness;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 10;
  bool skip_lynis = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--skip-lynis") == 0)
      skip_lynis = true;
    else if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
      runs = std::max(1, std::atoi(argv[++i]));
  }
  std::string why;
  if (!testing::netns_available(why)) {
    std::fprintf(stderr, "verify_bench: skipped: %s\n", why.c_str());
    return 0;
  }
  // The hardened server.
  NetnsHarness net;
  testing::TempDir root, policy_dir;
  testing::seed_minimal_root(root.path());
  testing::add_installed_package(root.path(), "docker.io", "20.10.24+dfsg1-1+deb12u1+b6");
  testing::write_file(root.path(), "/etc/ssh/sshd_config",
                      "Port 22\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                      "PermitRootLogin no\nMaxAuthTries 3\n");
  const std::string policy = policy_dir.path() + "/policy.yaml";
  // The seeded root's admin is a docker group member by the admin's choice.
  testing::write_file("", policy,
                      "docker:\n  socket: " + net.docker_socket() + "\n  group_members: [admin]\n");
  net.start_sshd(22);
  std::vector<std::string> common = {"--root",     root.path(), "--netns",
                                     net.server(), "--policy",  policy};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), common.begin(), common.end());
    return args;
  };
  // OpenClaw's gateway configured for loopback (apply fixes the file's owner and mode).
  testing::write_file(root.path(), "/home/openclaw/.openclaw/openclaw.json",
                      "{ \"gateway\": { \"bind\": \"loopback\", \"port\": 18789 } }\n", 0644);
  auto applied = testing::run_clawshield(with({"apply", "--confirm-timeout", "0"}));
  if (applied.exit_code != 0) {
    std::fprintf(stderr, "apply failed: %s%s\n", applied.out.c_str(), applied.err.c_str());
    return 1;
  }
  if (!net.start_docker(why, root.path() + "/etc/docker/daemon.json")) {
    std::fprintf(stderr, "verify_bench: no dockerd: %s\n", why.c_str());
    return 1;
  }
  net.import_busybox_image();
  net.docker({"run", "-d", "--name", "web", "--user", "65534", "-p", "8080:8080", "local/busybox:1",
              "httpd", "-f", "-p", "8080"});
  net.start_in(net.server(), {CLAWSHIELD_BINARY, "guard", "--root", root.path(), "--no-journal",
                              "--log-file", "/var/log/auth.log"});
  for (int i = 0; i < 50 && !std::filesystem::exists(root.path() + "/run/clawshield/guard.sock");
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));

  // clawshield verify, every check.
  std::vector<double> times;
  nlohmann::json last;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto result = testing::run_clawshield(with({"verify", "--json"}));
    times.push_back(seconds_since(start));
    last = nlohmann::json::parse(result.out, nullptr, false);
  }
  std::sort(times.begin(), times.end());
  const double median = times[times.size() / 2];
  std::printf(
      "clawshield verify on the hardened harness server (%d runs): median %.3f s, "
      "min %.3f s, max %.3f s\n",
      runs, median, times.front(), times.back());
  if (!last.is_discarded())
    std::printf("  %zu checks: %d pass, %d fail, %d warn, %d unknown\n", last["checks"].size(),
                last["summary"]["pass"].get<int>(), last["summary"]["fail"].get<int>(),
                last["summary"]["warn"].get<int>(), last["summary"]["unknown"].get<int>());
  if (!last.is_discarded())
    for (const auto& check : last["checks"])
      if (check["status"] == "fail" || check["status"] == "unknown")
        std::printf("  %-8s %-28s %s\n", check["status"].get<std::string>().c_str(),
                    check["id"].get<std::string>().c_str(),
                    check["evidence"].get<std::string>().substr(0, 90).c_str());

  if (!skip_lynis) {
    auto start = std::chrono::steady_clock::now();
    ProcessRunner runner;
    Command audit({"lynis", "audit", "system", "--quick", "--no-colors"});
    audit.timeout = std::chrono::minutes(20);
    auto lynis = runner.run(audit);
    const double lynis_seconds = seconds_since(start);
    if (!lynis) {
      std::printf("lynis: %s\n", lynis.error().message.c_str());
    } else {
      std::printf("lynis audit system --quick on the same machine: %.1f s (exit %d)\n",
                  lynis_seconds, lynis->exit_code);
      std::printf("ratio: clawshield verify is %.0fx faster\n", lynis_seconds / median);
    }
  }
  return median < 1.0 ? 0 : 1;
}
