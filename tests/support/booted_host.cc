// The booted-host harness from C++: a thin wrapper over tests/booted_host/lab (the shell
// script owns booting, overlays and namespaces; this file only runs it, argv only, and reads
// what it prints), plus the few probes every booted-host test needs. Kept separate from
// NetnsHarness: a booted host is a whole machine, not a namespace with a process in it.
#include "support/booted_host.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "core/text.h"
#include "support/temp_root.h"

namespace clawshield::testing {

namespace {

bool installed(const std::string& program) {
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin"})
    if (::access((std::string(dir) + "/" + program).c_str(), X_OK) == 0)
      return true;
  return false;
}

std::string last_lines(const std::string& text, size_t count) {
  auto lines = split_lines(text);
  std::string tail;
  for (size_t i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); ++i)
    tail += std::string(lines[i]) + "\n";
  return tail;
}

}  // namespace

std::string booted_host_unavailable() {
  if (::geteuid() != 0)
    return "needs root (systemd-nspawn, overlay mounts, network namespaces)";
  for (const char* tool : {"systemd-nspawn", "mmdebstrap", "nsenter"})
    if (!installed(tool))
      return std::string(tool) + " is not installed (scripts/setup installs it)";
  return "";
}

BootedHost::~BootedHost() {
  destroy();
}

CommandResult BootedHost::lab(std::vector<std::string> args, std::chrono::seconds timeout) {
  args.insert(args.begin(), CLAWSHIELD_LAB);
  Command command(std::move(args));
  command.timeout = timeout;
  ProcessRunner runner;
  auto result = runner.run(command);
  if (!result)
    return CommandResult{-1, "", "lab: " + result.error().message};
  return *result;
}

bool BootedHost::start(const std::string& name, const std::vector<std::string>& binds,
                       std::string& why) {
  m_name = name;
  // The image first, on its own: a failure here is "cannot boot on this machine" (skip), and
  // in CI it may still be building in the background (build-image waits on its lock).
  ProcessRunner runner;
  Command build({CLAWSHIELD_BUILD_IMAGE});
  build.timeout = std::chrono::minutes(15);
  auto built = runner.run(build);
  if (!built || !built->ok()) {
    why = "build-image failed: " + (built ? last_lines(built->err, 8) : built.error().message);
    return false;
  }
  std::vector<std::string> args = {"start", name};
  for (const auto& bind : binds) {
    args.push_back("--bind-ro");
    args.push_back(bind);
  }
  m_started = true;  // from here on, destroy() has something to remove
  auto started = lab(args, std::chrono::seconds(600));
  m_state = std::string(trim(started.out));
  if (!started.ok() || m_state.empty()) {
    why = "the booted host did not boot (lab start: exit " + std::to_string(started.exit_code) +
          "): " + last_lines(started.err, 8);
    return false;
  }
  return true;
}

CommandResult BootedHost::exec(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
  std::vector<std::string> args = {"exec", m_name};
  args.insert(args.end(), argv.begin(), argv.end());
  return lab(args, timeout);
}

CommandResult BootedHost::as_app(const std::vector<std::string>& argv,
                                 std::chrono::seconds timeout) {
  std::vector<std::string> args = {"as-app", m_name};
  args.insert(args.end(), argv.begin(), argv.end());
  return lab(args, timeout);
}

std::string BootedHost::reboot() {
  auto rebooted = lab({"reboot", m_name}, std::chrono::seconds(600));
  m_state = std::string(trim(rebooted.out));
  if (m_state.empty())
    ADD_FAILURE() << "lab reboot " << m_name << ": exit " << rebooted.exit_code << "\n"
                  << rebooted.err;
  return m_state;
}

void BootedHost::destroy() {
  if (!m_started)
    return;
  auto destroyed = lab({"destroy", m_name}, std::chrono::seconds(180));
  if (!destroyed.ok())
    ADD_FAILURE() << "lab destroy " << m_name << ": " << destroyed.err;
  m_started = false;
}

std::string BootedHost::root() {
  return std::string(trim(lab({"root", m_name}, std::chrono::seconds(10)).out));
}

void BootedHost::write_file(const std::string& path, const std::string& content, unsigned mode) {
  testing::write_file(root(), path, content, mode);
}

bool BootedHost::wait_until(const std::function<bool()>& predicate, std::chrono::seconds timeout,
                            std::chrono::milliseconds interval) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (predicate())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(interval);
  }
}

bool BootedHost::listening(int port) {
  auto listed = exec({"ss", "-Hltn", "sport = :" + std::to_string(port)});
  return listed.ok() && !trim(listed.out).empty();
}

bool BootedHost::answers(int port) {
  // Test code, inside the test host: bash's /dev/tcp is the smallest TCP client there is.
  return exec({"timeout", "5", "bash", "-c", "</dev/tcp/127.0.0.1/" + std::to_string(port)}).ok();
}

std::string BootedHost::unit_state(const std::string& unit) {
  return std::string(trim(exec({"systemctl", "is-active", unit}).out));
}

std::string BootedHost::user_unit_state(const std::string& unit) {
  return std::string(trim(as_app({"systemctl", "--user", "is-active", unit}).out));
}

std::string BootedHost::property(const std::string& unit, const std::string& name) {
  return std::string(trim(exec({"systemctl", "show", unit, "-p", name, "--value"}).out));
}

std::string BootedHost::listener_cgroup(int port) {
  auto listed = exec({"ss", "-Hltnp", "sport = :" + std::to_string(port)});
  const std::string marker = "pid=";
  size_t at = listed.out.find(marker);
  if (at == std::string::npos)
    return "";
  size_t end = listed.out.find_first_not_of("0123456789", at + marker.size());
  const std::string pid = listed.out.substr(at + marker.size(), end - at - marker.size());
  return std::string(trim(exec({"cat", "/proc/" + pid + "/cgroup"}).out));
}

}  // namespace clawshield::testing
