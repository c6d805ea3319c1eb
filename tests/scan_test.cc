// `clawshield scan` against real servers in namespaces the test makes, judged against nmap on
// the same ports in the same test: a real sshd, a real dockerd publishing a container port,
// a closed port (RST), a dropped one and ones rejected with ICMP; the raw SYN scan and the
// unprivileged connect scan both. Before hardening the published port is found open; after
// `apply` only SSH answers, over IPv4 and IPv6.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/text.h"
#include "scan/port_set.h"
#include "support/netns.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

using testing::NetnsHarness;

// --- port lists (no root needed) ------------------------------------------------------------

TEST(PortSet, ParsesRangesAndListsSortedWithoutDuplicates) {
  auto ports = scan::parse_port_ranges("80,20-22,22, 443");
  ASSERT_TRUE(ports) << ports.error().message;
  EXPECT_EQ(*ports, (std::vector<int>{20, 21, 22, 80, 443}));
  auto all = scan::parse_port_ranges("1-65535");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 65535u);
}

TEST(PortSet, BadItemsNameTheirColumn) {
  auto bad = scan::parse_port_ranges("22,8o,443");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("column 4"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("8o"), std::string::npos);
  EXPECT_FALSE(scan::parse_port_ranges("0"));
  EXPECT_FALSE(scan::parse_port_ranges("65536"));
  EXPECT_FALSE(scan::parse_port_ranges("90-80"));
  EXPECT_FALSE(scan::parse_port_ranges(""));
  EXPECT_FALSE(scan::parse_port_ranges("22,"));
  auto protocol = scan::parse_port_specs("22/tcp,41641/sctp");
  ASSERT_FALSE(protocol);
  EXPECT_NE(protocol.error().message.find("column 8"), std::string::npos);
}

TEST(PortSet, SpecsDefaultToTcpAndRangesCollapse) {
  auto specs = scan::parse_port_specs("22,41641/udp,443/tcp");
  ASSERT_TRUE(specs);
  ASSERT_EQ(specs->size(), 3u);
  EXPECT_EQ((*specs)[0], (scan::PortSpec{22, scan::Protocol::tcp}));
  EXPECT_EQ((*specs)[1], (scan::PortSpec{41641, scan::Protocol::udp}));
  EXPECT_EQ(scan::format_port_ranges({1, 2, 3, 5, 7, 8}), "1-3,5,7-8");
  EXPECT_EQ(scan::format_port_ranges({}), "");
}

TEST(ScanCli, BadArgumentsExitTwo) {
  EXPECT_EQ(testing::run_clawshield({"scan", "127.0.0.1", "--ports", "1-x"}).exit_code, 2);
  EXPECT_EQ(testing::run_clawshield({"scan", "127.0.0.1", "--expect", "22/icmp"}).exit_code, 2);
  EXPECT_EQ(testing::run_clawshield({"scan", "no such host.invalid"}).exit_code, 2);
  EXPECT_EQ(testing::run_clawshield({"scan", "127.0.0.1", "-4", "-6"}).exit_code, 2);
}

// --- against real servers -------------------------------------------------------------------

// Port -> "open" | "closed" | "filtered".
using Verdicts = std::map<int, std::string>;

// nmap's grepable output: listed ports with their state, the rest in "Ignored State".
Verdicts nmap_verdicts(const std::string& output, const std::vector<int>& ports) {
  Verdicts verdicts;
  std::string ignored;
  if (size_t at = output.find("Ignored State: "); at != std::string::npos)
    ignored = output.substr(at + 15, output.find(' ', at + 15) - at - 15);
  for (int port : ports) verdicts[port] = ignored;
  size_t at = output.find("Ports: ");
  if (at == std::string::npos)
    return verdicts;
  std::string line = output.substr(at + 7, output.find_first_of("\t\n", at + 7) - at - 7);
  for (const auto& item : split(line, ',')) {
    auto fields = split(std::string(trim(item)), '/');
    if (fields.size() >= 2)
      verdicts[std::stoi(fields[0])] = fields[1];
  }
  return verdicts;
}

Verdicts scan_verdicts(const nlohmann::json& document, const std::vector<int>& ports) {
  Verdicts verdicts;
  for (int port : ports) verdicts[port] = "?";
  for (int port : document["open"]) verdicts[port] = "open";
  for (const char* state : {"closed", "filtered"})
    for (const auto& item : document[state]) {
      auto range = scan::parse_port_ranges(item.get<std::string>());
      for (int port : *range) verdicts[port] = state;
    }
  return verdicts;
}

std::string describe(const Verdicts& verdicts) {
  std::map<std::string, std::vector<int>> by_state;
  for (const auto& [port, state] : verdicts) by_state[state].push_back(port);
  std::string text;
  for (const auto& [state, ports] : by_state)
    text += state + ": " + scan::format_port_ranges(ports) + "\n";
  return text;
}

class ScanAgainstServer : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_UNLESS_NETNS();
    m_net = std::make_unique<NetnsHarness>();
    testing::seed_minimal_root(m_root.path());
    testing::write_file(m_root.path(), "/etc/ssh/sshd_config", "Port 22\n");
    m_net->start_sshd(22);
    std::string why;
    if (!m_net->start_docker(why))
      GTEST_SKIP() << why;
    auto run = m_net->run_web_container();
    ASSERT_EQ(run.exit_code, 0) << run.err;
    // The container answers (and its IPv6 address is past duplicate address detection).
    for (int i = 0; i < 100; ++i) {
      if (m_net->probe_one(m_net->outside(), NetnsHarness::server_outside_address().v6, 8080,
                           200) == testing::PortState::open)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  nlohmann::json scan(const std::string& address, const std::string& ports,
                      const std::string& method = "auto") {
    auto result = m_net->run_in(m_net->outside(), {CLAWSHIELD_BINARY, "scan", address, "--ports",
                                                   ports, "--method", method, "--json"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    auto document = nlohmann::json::parse(result.out, nullptr, false);
    EXPECT_FALSE(document.is_discarded()) << result.out << result.err;
    return document;
  }

  Verdicts nmap(const std::string& address, const std::string& ports,
                const std::vector<int>& listed) {
    std::vector<std::string> argv = {"nmap", "-Pn",        "-n",   "-sS",           "-p",
                                     ports,  "--min-rate", "4000", "--max-retries", "1",
                                     "-oG",  "-"};
    if (address.find(':') != std::string::npos)
      argv.push_back("-6");
    argv.push_back(address);
    auto result = m_net->run_in(m_net->outside(), argv);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return nmap_verdicts(result.out, listed);
  }

  void apply() {
    auto applied = testing::run_clawshield(
        {"apply", "--root", m_root.path(), "--netns", m_net->server(), "--confirm-timeout", "0"});
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  }

  NetnsHarness& net() { return *m_net; }

 private:
  testing::TempDir m_root;
  std::unique_ptr<NetnsHarness> m_net;
};

TEST_F(ScanAgainstServer, UnhardenedServerShowsThePublishedPortAndAgreesWithNmap) {
  // Ports dropped, rejected with ICMP admin-prohibited and with ICMP port-unreachable (all
  // "filtered" to nmap), next to closed ones (RST).
  auto rules = net().run_in(
      net().server(),
      {"nft",
       "add table inet probe_test ; "
       "add chain inet probe_test input { type filter hook input priority 0 ; } ; "
       "add rule inet probe_test input tcp dport 9997 reject with icmpx type port-unreachable ; "
       "add rule inet probe_test input tcp dport 9998 drop ; "
       "add rule inet probe_test input tcp dport 9999 reject with icmpx type admin-prohibited"});
  ASSERT_EQ(rules.exit_code, 0) << rules.err;
  const std::string ports = "1-1024,8080,9990-9999";
  const auto listed = *scan::parse_port_ranges(ports);
  for (const auto& address :
       {NetnsHarness::server_outside_address().v4, NetnsHarness::server_outside_address().v6}) {
    SCOPED_TRACE(address);
    Verdicts theirs = nmap(address, ports, listed);
    // The SYN scan (we are root) tells everything nmap tells.
    auto syn = scan(address, ports);
    EXPECT_EQ(syn["method"], "tcp-syn");
    Verdicts ours = scan_verdicts(syn, listed);
    EXPECT_EQ(ours[22], "open");
    EXPECT_EQ(ours[8080], "open") << "the published container port answers from outside";
    EXPECT_EQ(ours[23], "closed");
    for (int port : {9997, 9998, 9999}) EXPECT_EQ(ours[port], "filtered") << port;
    if (address == NetnsHarness::server_outside_address().v4) {  // (ICMPv6 errors are rate-limited)
      EXPECT_EQ(syn["reasons"].value("9997", ""), "port-unreachable") << syn.dump();
      EXPECT_EQ(syn["reasons"].value("9999", ""), "admin-prohibited") << syn.dump();
    }
    EXPECT_EQ(ours, theirs) << "clawshield:\n" << describe(ours) << "nmap:\n" << describe(theirs);
    // The connect scan agrees too, but for ICMP port-unreachable: the kernel reports it to
    // connect() as ECONNREFUSED, the same as a RST, so that one port reads "closed".
    auto connect = scan(address, ports, "connect");
    EXPECT_EQ(connect["method"], "tcp-connect");
    Verdicts unprivileged = scan_verdicts(connect, listed);
    if (address == NetnsHarness::server_outside_address().v4) {  // (v6: maybe no ICMPv6 left)
      EXPECT_EQ(unprivileged[9997], "closed");
    }
    unprivileged[9997] = theirs[9997];
    EXPECT_EQ(unprivileged, theirs) << "clawshield:\n"
                                    << describe(unprivileged) << "nmap:\n"
                                    << describe(theirs);
  }
}

TEST_F(ScanAgainstServer, HardenedServerShowsOnlySshOverBothFamiliesAsNmapDoes) {
  apply();
  for (const auto& address :
       {NetnsHarness::server_outside_address().v4, NetnsHarness::server_outside_address().v6}) {
    SCOPED_TRACE(address);
    // Every port, both methods: exactly 22 open, everything else filtered (no RST either).
    for (const char* method : {"syn", "connect"}) {
      auto all = scan(address, "1-65535", method);
      EXPECT_EQ(all["open"], nlohmann::json::array({22})) << method << " " << all.dump();
      EXPECT_EQ(all["counts"]["filtered"], 65534) << method;
      EXPECT_EQ(all["counts"]["closed"], 0) << method;
    }
    // nmap agrees, port by port, on a sample with the interesting ones in it.
    const std::string ports = "1-1024,2375,3000,8080,18789,41641";
    const auto listed = *scan::parse_port_ranges(ports);
    auto document = scan(address, ports);
    Verdicts ours = scan_verdicts(document, listed);
    EXPECT_EQ(ours[8080], "filtered");
    Verdicts theirs = nmap(address, ports, listed);
    EXPECT_EQ(ours, theirs) << "clawshield:\n" << describe(ours) << "nmap:\n" << describe(theirs);
  }
  // The seed's "only port 22" as one command, and what it cannot judge.
  auto expected = net().run_in(
      net().outside(), {CLAWSHIELD_BINARY, "scan", NetnsHarness::server_outside_address().v4,
                        "--expect", "22/tcp,41641/udp"});
  EXPECT_EQ(expected.exit_code, 0) << expected.out << expected.err;
  EXPECT_NE(expected.out.find("41641/udp  unknown: not judged"), std::string::npos) << expected.out;
  auto wrong = net().run_in(net().outside(),
                            {CLAWSHIELD_BINARY, "scan", NetnsHarness::server_outside_address().v4,
                             "--ports", "1-1024,8080", "--expect", "22/tcp,8080/tcp"});
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out;
  EXPECT_NE(wrong.out.find("not open: 8080/tcp"), std::string::npos) << wrong.out;
}

}  // namespace
}  // namespace clawshield
