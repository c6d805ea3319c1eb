// The CLI as packaged tools behave (issue 15): `clawshield --version` answers with the version
// and exit 0, the internal watchdog command stays out of --help, nothing but clawshield's own
// messages reaches stderr (libxtables used to print "XT target DNAT not found" from inside
// libnftables when ip6tables-nft rules were loaded), and the generated units run the binary
// the policy names, or else the default.
#include <gtest/gtest.h>
#include <unistd.h>

#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli/app.h"
#include "support/fake_nftables.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

// run_cli in this process, against no kernel.
Outcome cli(std::vector<std::string> args) {
  std::vector<const char*> argv = {"clawshield"};
  for (const auto& arg : args) argv.push_back(arg.c_str());
  ProcessRunner runner;
  SystemClock clock;
  testing::EmptyNftables nft;
  std::ostringstream out, err;
  int code = run_cli(static_cast<int>(argv.size()), argv.data(), runner, nft, clock, out, err);
  return {code, out.str(), err.str()};
}

CommandResult run(const std::vector<std::string>& argv) {
  ProcessRunner runner;
  auto result = runner.run(Command(argv));
  if (!result)
    return CommandResult{-1, "", result.error().message};
  return *result;
}

TEST(Cli, VersionPrintsTheProjectVersionAndExits0) {
  auto in_process = cli({"--version"});
  EXPECT_EQ(in_process.code, 0) << in_process.err;
  EXPECT_EQ(in_process.out, std::string("clawshield ") + CLAWSHIELD_PROJECT_VERSION + "\n");
  EXPECT_EQ(in_process.err, "");
  // The binary as installed, with a global option before it as well.
  auto binary = testing::run_clawshield({"--version"});
  EXPECT_EQ(binary.exit_code, 0) << binary.err;
  EXPECT_EQ(binary.out, std::string("clawshield ") + CLAWSHIELD_PROJECT_VERSION + "\n");
  EXPECT_EQ(binary.err, "");
  // Without a command it is still an error (exit 2), as before.
  auto nothing = cli({});
  EXPECT_EQ(nothing.code, k_exit_bad_input);
}

TEST(Cli, HelpListsTheCommandsButNotTheInternalWatchdog) {
  auto help = cli({"--help"});
  EXPECT_EQ(help.code, 0) << help.err;
  for (const char* command : {"plan", "apply", "confirm", "rollback", "verify", "scan", "guard",
                              "bans", "policy", "--version"})
    EXPECT_NE(help.out.find(command), std::string::npos) << command << "\n" << help.out;
  EXPECT_EQ(help.out.find("firewall-revert"), std::string::npos) << help.out;
  // Hidden, not gone: the watchdog apply starts still parses.
  auto revert = cli({"firewall-revert", "--help"});
  EXPECT_EQ(revert.code, 0) << revert.err;
  EXPECT_NE(revert.out.find("--deadline"), std::string::npos) << revert.out;
}

// The items `--help` lists under Positionals, Options and Subcommands, in order, without
// -h,--help: the first word of each entry line (a description wrapped onto a line of its own
// starts with more than two spaces and is skipped).
std::vector<std::string> help_items(const std::string& help) {
  std::vector<std::string> items;
  std::istringstream lines(help);
  bool in_section = false;
  for (std::string line; std::getline(lines, line);) {
    if (line == "Positionals:" || line == "Options:" || line == "Subcommands:") {
      in_section = true;
      continue;
    }
    if (line.empty() || line[0] != ' ') {
      in_section = false;
      continue;
    }
    if (!in_section || line.size() < 3 || line[2] == ' ')
      continue;
    std::string item = line.substr(2, line.find(' ', 2) - 2);
    if (item != "-h,--help")
      items.push_back(item);
  }
  return items;
}

// Each command declares its options in its own file (cli/commands/): its --help must list
// every one of them, in order, so an option lost (or added) in a move fails here.
TEST(Cli, HelpOfEveryCommandListsItsOptions) {
  const std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> commands = {
      {{},
       {"--version", "--root", "--policy", "--offline", "--json", "--no-color", "--netns", "plan",
        "apply", "confirm", "guard", "bans", "rollback", "verify", "scan", "policy"}},
      {{"plan"}, {"--diff"}},
      {{"apply"}, {"--force", "--confirm-timeout"}},
      {{"confirm"}, {}},
      {{"guard"}, {"--replay", "--year", "--log-file", "--no-journal", "--journal-dir"}},
      {{"bans"}, {"list", "ban", "unban"}},
      {{"bans", "list"}, {}},
      {{"bans", "ban"}, {"address", "--for"}},
      {{"bans", "unban"}, {"address"}},
      {{"firewall-revert"}, {"--journal", "--deadline"}},
      {{"rollback"}, {"--force", "--unconfirmed"}},
      {{"verify"}, {"--only", "--checklist"}},
      {{"scan"},
       {"target", "-p,--ports", "--expect", "--timeout", "--min-timeout", "--retries", "--rate",
        "--parallel", "--method", "-4", "-6"}},
      {{"policy"}, {"show", "check"}},
      {{"policy", "show"}, {}},
      {{"policy", "check"}, {"file"}},
  };
  for (const auto& [command, expected] : commands) {
    std::vector<std::string> args = command;
    args.push_back("--help");
    auto help = cli(args);
    EXPECT_EQ(help.code, 0) << help.err;
    EXPECT_EQ(help.err, "");
    EXPECT_NE(help.out.find("Usage:"), std::string::npos) << help.out;
    EXPECT_EQ(help_items(help.out), expected) << help.out;
  }
}

TEST(Cli, GuardExecutableIsThePoliciesOrTheDefaultOutsideAnInstall) {
  testing::TempDir root;
  // This test's process lives in the build folder, not where only root installs programs:
  // the built-in default stays.
  auto shown = cli({"policy", "show", "--root", root.path()});
  ASSERT_EQ(shown.code, 0) << shown.err;
  EXPECT_NE(shown.out.find("  executable: /usr/local/bin/clawshield\n"), std::string::npos)
      << shown.out;
  // A policy that names it keeps it.
  testing::write_file(root.path(), "/policy.yaml", "guard:\n  executable: /usr/sbin/clawshield\n");
  auto named =
      cli({"policy", "show", "--root", root.path(), "--policy", root.path() + "/policy.yaml"});
  ASSERT_EQ(named.code, 0) << named.err;
  EXPECT_NE(named.out.find("  executable: /usr/sbin/clawshield\n"), std::string::npos) << named.out;
}

// Docker's rules as iptables-nft loads them; the ip6 DNAT keeps an xtables target in the
// kernel, which `nft list ruleset` prints through libxtables.
TEST(Cli, VerifyWithDockersIptablesNftRulesPrintsNothingOnStderr) {
  SKIP_UNLESS_ROOT();
  const std::string ns = "clixt" + std::to_string(::getpid());
  ASSERT_EQ(run({"ip", "netns", "add", ns}).exit_code, 0);
  struct Cleanup {
    std::string ns;
    ~Cleanup() { run({"ip", "netns", "del", ns}); }
  } cleanup{ns};
  for (const auto& rule : std::vector<std::vector<std::string>>{
           {"iptables", "-t", "nat", "-N", "DOCKER"},
           {"iptables", "-t", "nat", "-A", "PREROUTING", "-m", "addrtype", "--dst-type", "LOCAL",
            "-j", "DOCKER"},
           {"iptables", "-t", "nat", "-A", "DOCKER", "!", "-i", "docker0", "-p", "tcp", "-m", "tcp",
            "--dport", "8080", "-j", "DNAT", "--to-destination", "172.17.0.2:80"},
           {"ip6tables", "-t", "nat", "-N", "DOCKER"},
           {"ip6tables", "-t", "nat", "-A", "DOCKER", "!", "-i", "docker0", "-p", "tcp", "-m",
            "tcp", "--dport", "8080", "-j", "DNAT", "--to-destination", "[fd00::2]:80"}}) {
    std::vector<std::string> argv = {"ip", "netns", "exec", ns};
    argv.insert(argv.end(), rule.begin(), rule.end());
    auto added = run(argv);
    ASSERT_EQ(added.exit_code, 0) << rule[0] << ": " << added.err;
  }
  // The premise: listing the whole ruleset at once makes libxtables complain on stderr.
  auto listed = run({"ip", "netns", "exec", ns, "nft", "list", "ruleset"});
  EXPECT_NE(listed.err.find("XT target DNAT not found"), std::string::npos)
      << "premise: nft list ruleset no longer prints the xtables noise\n"
      << listed.err;

  testing::TempDir root;
  testing::seed_minimal_root(root.path());
  auto verified = testing::run_clawshield(
      {"verify", "--only", "firewall", "--root", root.path(), "--netns", ns});
  EXPECT_EQ(verified.exit_code, 1) << verified.out << verified.err;  // no table of ours yet
  EXPECT_EQ(verified.err, "");
  EXPECT_NE(verified.out.find("firewall."), std::string::npos) << verified.out;
  auto noted = testing::run_clawshield({"plan", "--root", root.path(), "--netns", ns, "--offline"});
  EXPECT_EQ(noted.err, "") << noted.out;
}

}  // namespace
}  // namespace clawshield
