// The guard's parser and detector against its peers, side by side in one run on the same
// generated 1M-line sshd log (failures from many addresses, successful logins, noise):
// `clawshield guard --replay` vs `fail2ban-regex` (Debian's sshd filter) vs sshguard's parser
// (`sshg-parser`), each as a whole process, lines/s and ratios. Before that, 250k/500k/1M
// distinct sources (linear time, bounded peak RSS). Run: `build/bench/guard_bench` (the peers come
// from scripts/setup; a missing one is reported and skipped).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "guard/replay.h"
#include "host/runner.h"

namespace {

using namespace clawshield;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string ipv4(uint32_t value) {
  return std::to_string(value >> 24 & 255) + "." + std::to_string(value >> 16 & 255) + "." +
         std::to_string(value >> 8 & 255) + "." + std::to_string(value & 255);
}

std::string stamp(int second) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "Nov 25 %02d:%02d:%02d", second / 3600 % 24,
                second / 60 % 60, second % 60);
  return buffer;
}

// A realistic mix: 60% attack lines from 5,000 addresses, 10% legitimate logins, 30% noise.
void write_mixed_log(const std::string& path, int lines) {
  std::mt19937 random(42);
  std::ofstream out(path);
  const char* users[] = {"root", "admin", "ubuntu", "oracle", "test", "git", "postgres", "pi"};
  for (int i = 0; i < lines; ++i) {
    const std::string prefix =
        stamp(i / 12) + " server sshd[" + std::to_string(1000 + i % 30000) + "]: ";
    const std::string attacker = ipv4(0xCB007100u + static_cast<uint32_t>(random() % 5000));
    const std::string user = users[random() % 8];
    const std::string port = std::to_string(30000 + random() % 30000);
    auto roll = static_cast<unsigned>(random() % 100);
    if (roll < 25)
      out << prefix << "Failed password for " << user << " from " << attacker << " port " << port
          << " ssh2\n";
    else if (roll < 40)
      out << prefix << "Invalid user " << user << " from " << attacker << " port " << port << "\n";
    else if (roll < 50)
      out << prefix << "Connection closed by invalid user " << user << " " << attacker << " port "
          << port << " [preauth]\n";
    else if (roll < 55)
      out << prefix << "Received disconnect from " << attacker << " port " << port
          << ":11: Bye Bye [preauth]\n";
    else if (roll < 60)
      out << prefix
          << "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
             "rhost="
          << attacker << "  user=" << user << "\n";
    else if (roll < 65)
      out << prefix << "Accepted publickey for deploy from 192.0.2.10 port " << port
          << " ssh2: ED25519 SHA256:Zm9vYmFyYmF6\n";
    else if (roll < 70)
      out << prefix
          << "pam_unix(sshd:session): session opened for user deploy(uid=1000) by (uid=0)\n";
    else if (roll < 85)
      out << stamp(i / 12) << " server CRON[" << (2000 + i % 1000)
          << "]: (root) CMD (command -v debian-sa1 > /dev/null)\n";
    else
      out << stamp(i / 12) << " server systemd[1]: Started session-" << i
          << ".scope - Session of User deploy.\n";
  }
}

void write_distinct_log(const std::string& path, int lines) {
  std::ofstream out(path);
  for (int i = 0; i < lines; ++i)
    out << stamp(i / 2000) << " server sshd[1]: Failed password for root from "
        << ipv4(0x0B000000u + static_cast<uint32_t>(i)) << " port 40000 ssh2\n";
}

struct Timed {
  bool ok = false;
  double seconds = 0;
  std::string note;
};

Timed time_command(const std::vector<std::string>& argv, const std::string& stdin_file = "") {
  ProcessRunner runner;
  Command command(argv);
  command.timeout = std::chrono::minutes(15);
  if (!stdin_file.empty()) {
    std::ifstream in(stdin_file);
    command.stdin_data.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto start = Clock::now();
  auto result = runner.run(command);
  Timed timed;
  timed.seconds = seconds_since(start);
  timed.ok = result && result->ok();
  if (!result)
    timed.note = result.error().message;
  else if (!result->ok())
    timed.note = describe_failure(command, *result);
  return timed;
}

}  // namespace

int main() {
  const std::string dir = std::filesystem::temp_directory_path() /
                          ("clawshield-guard-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const int lines = 1'000'000;
  const std::string log = dir + "/auth.log";
  write_mixed_log(log, lines);
  std::printf("generated %d lines (%.1f MB): %s\n", lines,
              static_cast<double>(std::filesystem::file_size(log)) / 1e6, log.c_str());

  // Many distinct sources, first (peak RSS of children only grows): time should grow
  // linearly and the guard's memory stay bounded (<= 64 MB), as a whole `guard --replay`.
  for (int count : {250'000, 500'000, 1'000'000}) {
    const std::string distinct = dir + "/distinct-" + std::to_string(count) + ".log";
    write_distinct_log(distinct, count);
    Timed run = time_command(
        {CLAWSHIELD_BINARY, "guard", "--replay", distinct, "--year", "2026", "--json"});
    rusage usage{};
    ::getrusage(RUSAGE_CHILDREN, &usage);
    std::printf(
        "%7d distinct sources: %6.3f s (%5.0f ns/source), peak RSS %6.1f MB (target <= 64 MB: "
        "%s)%s\n",
        count, run.seconds, run.seconds * 1e9 / count,
        static_cast<double>(usage.ru_maxrss) / 1024.0,
        usage.ru_maxrss <= 64 * 1024 ? "met" : "MISSED", run.ok ? "" : " (failed)");
    std::filesystem::remove(distinct);
  }

  Timed ours =
      time_command({CLAWSHIELD_BINARY, "guard", "--replay", log, "--year", "2026", "--json"});
  Timed sshguard = time_command({"/usr/libexec/sshguard/sshg-parser"}, log);
  Timed fail2ban = time_command({"fail2ban-regex", log, "/etc/fail2ban/filter.d/sshd.conf"});
  auto rate = [&](const Timed& t) { return t.ok ? lines / t.seconds : 0.0; };
  std::printf("%-34s %8.2f s  %12.0f lines/s\n", "clawshield guard --replay", ours.seconds,
              rate(ours));
  for (const auto& [name, peer, target] :
       {std::tuple{"sshg-parser (sshguard)", sshguard, 10.0},
        std::tuple{"fail2ban-regex (sshd filter)", fail2ban, 100.0}}) {
    if (!peer.ok) {
      std::printf("%-34s unavailable: %s\n", name, peer.note.c_str());
      continue;
    }
    double ratio = rate(ours) / rate(peer);
    std::printf(
        "%-34s %8.2f s  %12.0f lines/s   clawshield is %.1fx faster (target >= %.0fx: %s)\n", name,
        peer.seconds, rate(peer), ratio, target, ratio >= target ? "met" : "MISSED");
  }

  std::filesystem::remove_all(dir);
  return 0;
}
