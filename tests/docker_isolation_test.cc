// The seed's "docker run -p 80:80 nginx, curl from outside must fail" test, for real: a real
// dockerd (Debian's docker.io) in the server namespace publishes a busybox httpd container on
// 8080. Docker's own iptables rules DNAT and accept it; clawshield's table must still keep it
// unreachable from outside, reachable from the tailnet and the server itself, and let the
// container reach out — also after dockerd restarts and rewrites its rules, and with Docker
// 28's extra DOCKER-FORWARD chain in front.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "support/netns.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

using testing::NetnsHarness;
using testing::PortState;

class DockerIsolation : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_UNLESS_NETNS();
    m_net = std::make_unique<NetnsHarness>();
    std::string why;
    if (!m_net->start_docker(why))
      GTEST_SKIP() << why;
    auto run = m_net->run_web_container();
    ASSERT_EQ(run.exit_code, 0) << run.err;
    testing::seed_minimal_root(m_root.path());
    for (int i = 0; i < 50; ++i) {
      if (m_net->probe_one(m_net->server(), "127.0.0.1", 8080, 200) == PortState::open)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  void apply() {
    auto applied = testing::run_clawshield(
        {"apply", "--root", m_root.path(), "--netns", m_net->server(), "--confirm-timeout", "0"});
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  }

  PortState from_outside(int port,
                         const std::string& address = NetnsHarness::server_outside_address().v4) {
    return m_net->probe_one(m_net->outside(), address, port, 1000);
  }

  NetnsHarness& net() { return *m_net; }

  testing::TempDir m_root;

 private:
  std::unique_ptr<NetnsHarness> m_net;
};

TEST_F(DockerIsolation, PublishedPortIsClosedToOutsideOpenToTailnetAndLocalhost) {
  // The seed's problem: Docker's DNAT makes the published port answer from outside. (The
  // container's IPv6 address needs a moment for duplicate address detection.)
  ASSERT_EQ(from_outside(8080), PortState::open);
  PortState v6 = PortState::filtered;
  for (int i = 0; i < 10 && v6 != PortState::open; ++i)
    v6 = from_outside(8080, NetnsHarness::server_outside_address().v6);
  ASSERT_EQ(v6, PortState::open);

  apply();
  EXPECT_EQ(from_outside(8080), PortState::filtered);
  EXPECT_EQ(from_outside(8080, NetnsHarness::server_outside_address().v6), PortState::filtered);
  EXPECT_EQ(from_outside(23), PortState::filtered) << "closed ports must not even answer RST";
  EXPECT_EQ(net().probe_one(net().tailnet(), NetnsHarness::server_tailnet_address().v4, 8080),
            PortState::open);
  EXPECT_EQ(net().probe_one(net().tailnet(), NetnsHarness::server_tailnet_address().v6, 8080),
            PortState::open);
  EXPECT_EQ(net().probe_one(net().server(), "127.0.0.1", 8080), PortState::open);
  EXPECT_EQ(net().probe_one(net().server(), "::1", 8080), PortState::open);

  // The container still reaches the outside world.
  net().start_http(net().outside(), 8081);
  // (busybox nc: the static busybox's wget crashes resolving names under glibc.)
  auto fetched = net().docker_with_input(
      {"exec", "-i", "web", "nc", "-w", "3", "10.77.0.1", "8081"}, "GET / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(fetched.exit_code, 0) << fetched.err;
  EXPECT_NE(fetched.out.find("hello from"), std::string::npos) << fetched.out;
  auto fetched6 = net().docker_with_input(
      {"exec", "-i", "web", "nc", "-w", "3", "fd00:77::1", "8081"}, "GET / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(fetched6.exit_code, 0) << fetched6.err;
  EXPECT_NE(fetched6.out.find("hello from"), std::string::npos) << fetched6.out;
}

TEST_F(DockerIsolation, HoldsAfterDockerRestartsAndWithDocker28sForwardChain) {
  apply();
  ASSERT_EQ(from_outside(8080), PortState::filtered);

  // dockerd rewrites its iptables rules when it starts again.
  net().stop_docker();
  std::string why;
  ASSERT_TRUE(net().start_docker(why)) << why;
  auto started = net().docker({"start", "web"});
  if (started.exit_code != 0) {
    auto run = net().docker({"run", "-d", "--name", "web2", "-p", "8080:80", "local/busybox:1"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }
  for (int i = 0;
       i < 50 && net().probe_one(net().server(), "127.0.0.1", 8080, 200) != PortState::open; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(net().probe_one(net().server(), "127.0.0.1", 8080), PortState::open);
  EXPECT_EQ(from_outside(8080), PortState::filtered);
  EXPECT_EQ(from_outside(8080, NetnsHarness::server_outside_address().v6), PortState::filtered);
  EXPECT_EQ(net().probe_one(net().tailnet(), NetnsHarness::server_tailnet_address().v4, 8080),
            PortState::open);

  // Docker 28 puts DOCKER-FORWARD in front and accepts there; ours still runs first.
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"iptables", "-N", "DOCKER-FORWARD"},
           {"iptables", "-I", "FORWARD", "1", "-j", "DOCKER-FORWARD"},
           {"iptables", "-A", "DOCKER-FORWARD", "-j", "ACCEPT"},
           {"iptables", "-I", "DOCKER-USER", "1", "-j", "ACCEPT"},
           {"ip6tables", "-N", "DOCKER-FORWARD"},
           {"ip6tables", "-I", "FORWARD", "1", "-j", "DOCKER-FORWARD"},
           {"ip6tables", "-A", "DOCKER-FORWARD", "-j", "ACCEPT"}}) {
    auto result = net().run_in(net().server(), args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
  }
  EXPECT_EQ(from_outside(8080), PortState::filtered);
  EXPECT_EQ(from_outside(8080, NetnsHarness::server_outside_address().v6), PortState::filtered);

  // verify sees Docker's chains (priority 0) behind ours.
  auto verified = testing::run_clawshield({"verify", "--only", "firewall", "--json", "--root",
                                           m_root.path(), "--netns", net().server()});
  auto document = nlohmann::json::parse(verified.out, nullptr, false);
  ASSERT_FALSE(document.is_discarded()) << verified.out;
  bool seen = false;
  for (const auto& check : document["checks"]) {
    if (check["id"] != "firewall.docker_isolation")
      continue;
    seen = true;
    EXPECT_EQ(check["status"], "pass") << check.dump();
  }
  EXPECT_TRUE(seen) << verified.out;
}

}  // namespace
}  // namespace clawshield
