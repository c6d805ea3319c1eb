// The pager escape, tried for real with sudo. `systemctl status` and `journalctl` start a pager
// (less) as root, and less runs "!sh". In a private mount namespace we install the rendered
// sudoers file and an openclaw account, put a probe where journalctl is (it execs a program,
// as starting a pager does) and run the scoped command as openclaw through sudo. With the
// rendered file the exec is refused; with the same rules minus NOEXEC it succeeds — so the
// probe can tell, and the file is what closes the escape. The same namespace shows that
// `sudo -l -U openclaw` lists exactly the scoped commands, and that verify reads it.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/text.h"
#include "engine/layers.h"
#include "engine/verify.h"
#include "layers/sudo/sudoers.h"
#include "support/fake_nftables.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

constexpr uid_t k_app_uid = 64123;

std::string text_of(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Binds `source` over `target` or exits the child. (Not named `bind`: with std::string
// arguments, ADL would pick std::bind.)
void bind_over(const std::string& source, const std::string& target) {
  if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    std::perror(("bind " + target).c_str());
    ::_exit(90);
  }
}

// Runs `body` in a child process with its own mount namespace; returns what it wrote to the
// report file.
template <typename Body>
std::string in_private_mounts(const std::string& report, Body body) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::unshare(CLONE_NEWNS) != 0 ||
        ::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      std::perror("unshare");
      ::_exit(91);
    }
    std::ofstream out(report);
    body(out);
    out.close();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  return text_of(report);
}

class SudoEscape : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_UNLESS_ROOT();
    for (const char* tool : {"/usr/bin/sudo", "/usr/bin/setpriv", "/usr/bin/journalctl"})
      if (!std::filesystem::exists(tool))
        GTEST_SKIP() << tool << " not installed";
    const std::string dir = m_dir.path();
    // Account files: the machine's, plus the app user.
    testing::write_file(dir, "/passwd",
                        text_of("/etc/passwd") + "openclaw:x:" + std::to_string(k_app_uid) + ":" +
                            std::to_string(k_app_uid) + "::/nonexistent:/usr/sbin/nologin\n");
    testing::write_file(dir, "/group",
                        text_of("/etc/group") + "openclaw:x:" + std::to_string(k_app_uid) + ":\n");
    // Locked password, as useradd --system leaves it: sudo's PAM account check needs the entry.
    testing::write_file(dir, "/shadow", text_of("/etc/shadow") + "openclaw:!:19000:0:99999:7:::\n",
                        0640);
    std::filesystem::create_directories(dir + "/scoped");
    std::filesystem::create_directories(dir + "/control");
    const std::string rendered = render_sudoers(Policy{}, "openclaw");
    testing::write_file(dir, "/scoped/openclaw", rendered, 0440);
    std::string control = rendered;
    control.erase(control.find("NOEXEC: "), 8);
    testing::write_file(dir, "/control/openclaw", control, 0440);
  }

  // Runs the scoped journalctl command as openclaw through sudo, with `sudoers_dir` as
  // /etc/sudoers.d and the exec probe in place of journalctl; returns sudo's exit code, then
  // its stderr.
  std::string probe_with(const std::string& sudoers_dir) {
    const std::string report =
        m_dir.path() + "/report-" + std::filesystem::path(sudoers_dir).filename().string();
    std::string result = in_private_mounts(report, [&](std::ostream& out) {
      bind_over(m_dir.path() + "/passwd", "/etc/passwd");
      bind_over(m_dir.path() + "/group", "/etc/group");
      bind_over(m_dir.path() + "/shadow", "/etc/shadow");
      bind_over(sudoers_dir, "/etc/sudoers.d");
      bind_over(CLAWSHIELD_EXEC_PROBE, "/usr/bin/journalctl");
      ProcessRunner runner;

      auto run = runner.run(
          Command({"setpriv", "--reuid=" + std::to_string(k_app_uid),
                   "--regid=" + std::to_string(k_app_uid), "--clear-groups", "--", "sudo",
                   "--non-interactive", "/usr/bin/journalctl", "-u", "openclaw"}));
      out << (run ? run->exit_code : -100) << "\n" << (run ? run->err : run.error().message);
    });
    return result;
  }

  testing::TempDir m_dir;
};

TEST_F(SudoEscape, ProbeCanSeeAnEscapeWhenNoexecIsMissing) {
  std::string result = probe_with(m_dir.path() + "/control");
  EXPECT_TRUE(result.starts_with("0\n")) << result;
}

TEST_F(SudoEscape, RenderedSudoersRefusesTheExecAPagerNeeds) {
  std::string result = probe_with(m_dir.path() + "/scoped");
  EXPECT_TRUE(result.starts_with("42\n")) << result;
  EXPECT_NE(result.find("exec refused"), std::string::npos) << result;
}

TEST_F(SudoEscape, SudoListsExactlyTheScopedCommandsAndVerifyReadsIt) {
  const std::string report =
      in_private_mounts(m_dir.path() + "/report-list", [&](std::ostream& out) {
        bind_over(m_dir.path() + "/passwd", "/etc/passwd");
        bind_over(m_dir.path() + "/group", "/etc/group");
        bind_over(m_dir.path() + "/shadow", "/etc/shadow");
        bind_over(m_dir.path() + "/scoped", "/etc/sudoers.d");
        ProcessRunner runner;
        auto listed = runner.run(
            Command({"sudo", "--non-interactive", "--list", "--other-user", "openclaw"}));
        if (listed)
          for (const auto& command : parse_sudo_list(listed->out)) out << "cmd " << command << "\n";
        // verify against the live root, as on a real server.
        auto fs = Filesystem::open("/");
        SystemClock clock;
        testing::EmptyNftables nft;
        Host host{*fs, runner, clock, nft, Liveness::offline, false};
        Policy policy;
        const HostView view = host.view();
        Context context{view, policy};
        auto verified = run_verify(context, all_layers(policy), std::string("sudo"));
        for (const auto& finding : verified.findings)
          out << "finding " << finding.id << " " << status_name(finding.status) << " "
              << finding.evidence << "\n";
      });
  std::vector<std::string> listed;
  for (const auto& line : split_lines(report))
    if (line.starts_with("cmd "))
      listed.push_back(line.substr(4));
  auto expected = allowed_commands(Policy{}, "openclaw");
  std::ranges::sort(listed);
  std::ranges::sort(expected);
  EXPECT_EQ(listed, expected) << report;
  EXPECT_NE(report.find("finding sudo.exact_commands pass sudo -l -U openclaw"), std::string::npos)
      << report;
  EXPECT_NE(report.find("finding sudo.valid pass"), std::string::npos) << report;
  EXPECT_NE(report.find("finding sudo.noexec pass"), std::string::npos) << report;
}

// Issue 11, item 9: for each configuration the old reader passed, sudo's own answer
// (`sudo -l -U openclaw`) and clawshield's reading of the same files agree, on the live root in
// a private mount namespace.
TEST_F(SudoEscape, ReadingAgreesWithSudoOnTheFormerBypasses) {
  struct Case {
    const char* name;
    std::string extra;      // a file beside the rendered one in /etc/sudoers.d
    const char* sudo_says;  // in `sudo -l -U openclaw`
    const char* finding;    // clawshield's verdict
  };
  const std::string gid = std::to_string(k_app_uid);
  const std::vector<Case> cases = {
      {"exec",
       "openclaw ALL = (root) NOPASSWD: NOEXEC: /usr/bin/systemctl status openclaw, "
       "EXEC: /usr/bin/journalctl -u openclaw\n",
       "EXEC: /usr/bin/journalctl -u openclaw", "finding sudo.noexec fail"},
      {"gid", "%#" + gid + " ALL=(ALL) NOPASSWD: ALL\n", "NOPASSWD: ALL",
       "finding sudo.no_broad_rules fail"},
      {"alias",
       "User_Alias AOUTER = ZINNER\nUser_Alias ZINNER = openclaw\n"
       "AOUTER ALL=(ALL) NOPASSWD: ALL\n",
       "NOPASSWD: ALL", "finding sudo.no_broad_rules fail"},
  };
  for (const auto& c : cases) {
    const std::string dir = m_dir.path() + "/case-" + c.name;
    std::filesystem::create_directories(dir);
    testing::write_file(dir, "/openclaw", render_sudoers(Policy{}, "openclaw"), 0440);
    testing::write_file(dir, "/extra", c.extra, 0440);
    const std::string report =
        in_private_mounts(m_dir.path() + "/report-" + c.name, [&](std::ostream& out) {
          bind_over(m_dir.path() + "/passwd", "/etc/passwd");
          bind_over(m_dir.path() + "/group", "/etc/group");
          bind_over(m_dir.path() + "/shadow", "/etc/shadow");
          bind_over(dir, "/etc/sudoers.d");
          ProcessRunner runner;
          auto listed = runner.run(
              Command({"sudo", "--non-interactive", "--list", "--other-user", "openclaw"}));
          out << (listed ? listed->out : listed.error().message) << "\n";
          auto fs = Filesystem::open("/");
          SystemClock clock;
          testing::EmptyNftables nft;
          Host host{*fs, runner, clock, nft, Liveness::offline, false};
          Policy policy;
          const HostView view = host.view();
          Context context{view, policy};
          auto verified = run_verify(context, all_layers(policy), std::string("sudo"));
          for (const auto& finding : verified.findings)
            out << "finding " << finding.id << " " << status_name(finding.status) << " "
                << finding.evidence << "\n";
        });
    // Collapse sudo's folding of long lines before looking for the entry.
    std::string flat;
    for (const auto& line : split_lines(report)) flat += std::string(trim(line)) + " ";
    EXPECT_NE(flat.find(c.sudo_says), std::string::npos) << c.name << "\n" << report;
    EXPECT_NE(report.find(c.finding), std::string::npos) << c.name << "\n" << report;
  }
}

}  // namespace
}  // namespace clawshield
