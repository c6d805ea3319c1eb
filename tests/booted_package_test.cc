// Issue 15 on the booted host: the .deb that scripts/package builds installs with apt-get on a
// fresh Debian 12 booted by systemd (no network inside: every Depends must already be in the
// image), the packaged clawshield works (--version, plan, its man page and example policy),
// and `apt-get remove` says, and leaves, the hardened posture in place: a firewall table, units
// and sudoers applied before the removal are all still there after it. The example policy sets
// no guard.executable, so the generated units must run the packaged /usr/bin/clawshield.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>

#include "support/booted_host.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

using std::chrono::seconds;
using testing::BootedHost;

// The newest clawshield_*_amd64.deb scripts/package left in the build folder, "" if none.
std::string built_package() {
  std::string found;
  std::filesystem::file_time_type newest{};
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(CLAWSHIELD_PACKAGE_DIR, error)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("clawshield_") || !name.ends_with("_amd64.deb"))
      continue;
    if (found.empty() || entry.last_write_time() > newest) {
      found = entry.path().string();
      newest = entry.last_write_time();
    }
  }
  return found;
}

TEST(BootedPackage, InstallsWorksAndRemovalLeavesThePostureInPlace) {
  SKIP_UNLESS_ROOT();
  const std::string deb = built_package();
  if (deb.empty())
    GTEST_SKIP() << "no clawshield_*_amd64.deb in " << CLAWSHIELD_PACKAGE_DIR
                 << ": run scripts/package first";
  if (auto why = testing::booted_host_unavailable(); !why.empty())
    GTEST_SKIP() << why;
  const auto started = std::chrono::steady_clock::now();
  BootedHost host;
  std::string why;
  ASSERT_TRUE(host.start("pk" + std::to_string(::getpid()), {}, why)) << why;
  // Nothing of clawshield in the image: what runs below is the package's.
  ASSERT_NE(host.exec({"sh", "-c", "command -v clawshield"}).exit_code, 0);

  // Install the .deb, offline, with apt-get as the README says.
  const std::string inside = "/root/" + std::filesystem::path(deb).filename().string();
  std::filesystem::copy_file(deb, host.root() + inside);
  auto installed = host.exec(
      {"env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", inside}, seconds(300));
  ASSERT_EQ(installed.exit_code, 0) << installed.out << installed.err;
  EXPECT_EQ(host.exec({"sh", "-c", "command -v clawshield"}).out, "/usr/bin/clawshield\n");

  // The packaged tool.
  auto version = host.exec({"clawshield", "--version"});
  EXPECT_EQ(version.exit_code, 0) << version.err;
  EXPECT_TRUE(version.out.starts_with("clawshield ")) << version.out;
  EXPECT_EQ(version.err, "");
  auto planned = host.exec({"clawshield", "plan"}, seconds(300));
  EXPECT_TRUE(planned.exit_code == 0 || planned.exit_code == 1) << planned.exit_code << "\n"
                                                                << planned.out << planned.err;
  EXPECT_NE(planned.out.find("firewall"), std::string::npos) << planned.out;
  if (host.exec({"sh", "-c", "command -v man"}).exit_code == 0) {
    auto page = host.exec({"man", "-w", "clawshield"});
    EXPECT_EQ(page.out, "/usr/share/man/man8/clawshield.8.gz\n") << page.err;
  } else {
    EXPECT_EQ(host.exec({"test", "-s", "/usr/share/man/man8/clawshield.8.gz"}).exit_code, 0);
  }
  auto pages = host.exec({"sh", "-c", "zcat /usr/share/man/man8/clawshield.8.gz | head -c 2000"});
  EXPECT_NE(pages.out.find(".TH CLAWSHIELD 8"), std::string::npos) << pages.out;
  EXPECT_EQ(pages.out.find("@PROJECT_VERSION@"), std::string::npos) << pages.out;
  EXPECT_EQ(
      host.exec({"test", "-s", "/usr/share/bash-completion/completions/clawshield"}).exit_code, 0);
  const std::string example = "/usr/share/doc/clawshield/examples/policy.yaml";
  auto checked = host.exec({"clawshield", "policy", "check", example});
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;

  // The admin applies the example policy (guard.executable unset) and confirms.
  ASSERT_EQ(
      host.exec({"install", "-D", "-m", "0600", example, "/etc/clawshield/policy.yaml"}).exit_code,
      0);
  auto applied = host.exec({"clawshield", "apply"}, seconds(300));
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  auto confirmed = host.exec({"clawshield", "confirm"});
  EXPECT_EQ(confirmed.exit_code, 0) << confirmed.out << confirmed.err;
  for (const char* unit : {"/etc/systemd/system/clawshield-firewall-revert.service",
                           "/etc/systemd/system/clawshield-guard.service"}) {
    auto text = host.exec({"cat", unit});
    EXPECT_NE(text.out.find("ExecStart=/usr/bin/clawshield "), std::string::npos) << unit << ":\n"
                                                                                  << text.out;
  }
  EXPECT_TRUE(BootedHost::wait_until(
      [&] { return host.unit_state("clawshield-guard.service") == "active"; }, seconds(30)))
      << host.exec({"journalctl", "-b", "-u", "clawshield-guard", "--no-pager"}).out;

  // Removal: exit 0, the message, and the posture stays.
  auto removed =
      host.exec({"env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "remove", "-y", "clawshield"},
                seconds(300));
  ASSERT_EQ(removed.exit_code, 0) << removed.out << removed.err;
  const std::string said = removed.out + removed.err;
  EXPECT_NE(said.find("the hardened posture that `clawshield apply` made stays"), std::string::npos)
      << said;
  EXPECT_NE(said.find("`clawshield rollback`"), std::string::npos) << said;
  EXPECT_NE(host.exec({"test", "-e", "/usr/bin/clawshield"}).exit_code, 0);
  auto table = host.exec({"nft", "list", "table", "inet", "clawshield"});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("policy drop"), std::string::npos) << table.out;
  for (const char* path :
       {"/etc/sudoers.d/openclaw", "/etc/clawshield/firewall.nft",
        "/etc/systemd/system/clawshield-firewall.service", "/etc/clawshield/policy.yaml"})
    EXPECT_EQ(host.exec({"test", "-e", path}).exit_code, 0) << path << " is gone";
  std::cout
      << "[ figures  ] booted package test: "
      << std::chrono::duration_cast<seconds>(std::chrono::steady_clock::now() - started).count()
      << " s\n";
}

}  // namespace
}  // namespace clawshield
