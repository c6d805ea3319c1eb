// The kernel's socket tables as /proc/net prints them: addresses in the raw word's byte order,
// ports in hex, LISTEN as 0A. Malformed lines are skipped, never an exception.
#include <gtest/gtest.h>

#include "host/listeners.h"

namespace clawshield {
namespace {

constexpr const char* k_header =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
    "timeout inode\n";

TEST(Listeners, ReadsLoopbackAndWildcardListenersOfBothFamilies) {
  std::string v4 = std::string(k_header) +
                   "   0: 0100007F:4965 00000000:0000 0A 00000000:00000000 00:00000000 00000000  "
                   "1000 0 1 1 0 100 0 0 10 0\n"
                   "   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000  "
                   "0 0 2 1 0 100 0 0 10 0\n"
                   "   2: 0100007F:4965 0100007F:C350 01 00000000:00000000 00:00000000 00000000  "
                   "1000 0 3 1 0 100 0 0 10 0\n";
  auto found = parse_proc_net(v4, "tcp", IpVersion::v4);
  ASSERT_EQ(found.size(), 2u);  // the established connection is not a listener
  EXPECT_EQ(found[0].address, "127.0.0.1");
  EXPECT_EQ(found[0].port, 18789);
  EXPECT_TRUE(found[0].loopback);
  EXPECT_EQ(found[1].address, "0.0.0.0");
  EXPECT_EQ(found[1].port, 22);
  EXPECT_FALSE(found[1].loopback);

  std::string v6 = std::string(k_header) +
                   "   0: 00000000000000000000000001000000:4965 "
                   "00000000000000000000000000000000:0000 0A 0 0 0 1000 0 4\n"
                   "   1: 0000000000000000FFFF00000100007F:0050 "
                   "00000000000000000000000000000000:0000 0A 0 0 0 0 0 5\n"
                   "   2: 00000000000000000000000000000000:4965 "
                   "00000000000000000000000000000000:0000 0A 0 0 0 0 0 6\n";
  found = parse_proc_net(v6, "tcp", IpVersion::v6);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].address, "::1");
  EXPECT_TRUE(found[0].loopback);
  EXPECT_TRUE(found[1].loopback);  // ::ffff:127.0.0.1
  EXPECT_EQ(found[2].address, "::");
  EXPECT_FALSE(found[2].loopback);
}

TEST(Listeners, MalformedLinesAreSkippedNotThrown) {
  std::string text = std::string(k_header) +
                     "   0: ZZZZZZZZ:4965 00000000:0000 0A\n"
                     "   1: 0100007F:ZZ 00000000:0000 0A\n"
                     "   2: 0100007F:FFFFFFFFFFFF 00000000:0000 0A\n"
                     "   3: 0100007F 00000000:0000 0A\n"
                     "   4: 0100007F:4965\n"
                     "   5: 0100007F:4965 00000000:0000 0A\n";
  auto found = parse_proc_net(text, "tcp", IpVersion::v4);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].port, 18789);
  EXPECT_TRUE(parse_proc_net("", "tcp", IpVersion::v6).empty());
}

}  // namespace
}  // namespace clawshield
