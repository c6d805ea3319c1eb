// /proc/net's socket tables as the kernel prints them, parsed once: each 32-bit address word
// in this machine's byte order (x86: little-endian), ports and states in hex, uid and inode
// in decimal. Lines that do not parse are skipped, never thrown on.
#include <gtest/gtest.h>

#include "host/proc_net.h"

namespace clawshield {
namespace {

constexpr const char* k_header =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
    "timeout inode\n";

TEST(ProcNet, Ipv4RowsWithStatesUidsAndInodes) {
  const std::string text =
      std::string(k_header) +
      "   0: 0100007F:4965 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 "
      "0 31337 1 0000000000000000 100 0 0 10 0\n"
      "   1: 0F02000A:0016 6400A8C0:D431 01 00000000:00000000 02:000A7E6F 00000000     0 "
      "0 4242 4 0000000000000000 20 4 31 10 -1\n";
  auto rows = parse_proc_net_table(text, IpVersion::v4);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].local.text(), "127.0.0.1");
  EXPECT_EQ(rows[0].local.port, 18789);
  EXPECT_TRUE(rows[0].local.loopback());
  EXPECT_EQ(rows[0].remote.text(), "0.0.0.0");
  EXPECT_EQ(rows[0].state, k_tcp_listen);
  EXPECT_EQ(rows[0].uid, 1000u);
  EXPECT_EQ(rows[0].inode, 31337u);
  // 10.0.2.15:22 <- 192.168.0.100:54321, established
  EXPECT_EQ(rows[1].local.text(), "10.0.2.15");
  EXPECT_EQ(rows[1].local.port, 22);
  EXPECT_FALSE(rows[1].local.loopback());
  EXPECT_EQ(rows[1].remote.text(), "192.168.0.100");
  EXPECT_EQ(rows[1].remote.port, 54321);
  EXPECT_EQ(rows[1].state, k_tcp_established);
  EXPECT_EQ(rows[1].uid, 0u);
  EXPECT_EQ(rows[1].inode, 4242u);
}

TEST(ProcNet, Ipv6WordsAndMappedAddresses) {
  const std::string text =
      std::string(k_header) +
      "   0: 00000000000000000000000001000000:4965 00000000000000000000000000000000:0000 0A "
      "00000000:00000000 00:00000000 00000000  1000 0 11 1\n"
      "   1: B80D0120000000000000000001000000:0016 B80D0120000000000000000099000000:C350 01 "
      "00000000:00000000 00:00000000 00000000 0 0 12 1\n"
      "   2: 0000000000000000FFFF00000100007F:0050 0000000000000000FFFF00000900000A:9C40 07 "
      "00000000:00000000 00:00000000 00000000 0 0 13 1\n";
  auto rows = parse_proc_net_table(text, IpVersion::v6);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].local.text(), "::1");
  EXPECT_TRUE(rows[0].local.loopback());
  EXPECT_EQ(rows[1].local.text(), "2001:db8::1");
  EXPECT_EQ(rows[1].remote.text(), "2001:db8::99");
  EXPECT_EQ(rows[1].remote.port, 50000);
  EXPECT_FALSE(rows[1].remote.loopback());
  EXPECT_EQ(rows[2].local.text(), "::ffff:127.0.0.1");
  EXPECT_EQ(rows[2].local.unmapped_text(), "127.0.0.1");
  EXPECT_TRUE(rows[2].local.loopback());
  EXPECT_EQ(rows[2].remote.unmapped_text(), "10.0.0.9");
  EXPECT_EQ(rows[1].remote.unmapped_text(), "2001:db8::99");  // not mapped: unchanged
  EXPECT_EQ(rows[2].state, k_udp_unconnected);
  // The same text read as IPv4 has no row: the widths do not match.
  EXPECT_TRUE(parse_proc_net_table(text, IpVersion::v4).empty());
}

TEST(ProcNet, OddLinesAreSkipped) {
  const std::string text = std::string(k_header) +
                           "   0: ZZZZZZZZ:4965 00000000:0000 0A\n"   // not hex
                           "   1: 0100007F:ZZ 00000000:0000 0A\n"     // port not hex
                           "   2: 0100007F:10000 00000000:0000 0A\n"  // port above 65535
                           "   3: 0100007F 00000000:0000 0A\n"        // no port
                           "   4: 0100007F:4965\n"                    // short
                           "   5: 0100007F:4965 0000:0000 0A\n"       // remote too narrow
                           "   6: 0100007F:4965 00000000:0000 XYZ\n"  // state not two hex digits
                           "   7: +100007F:4965 00000000:0000 0A\n"   // a sign is not a digit
                           "   8: 0100007F:4965 00000000:0000 0A 0:0 0:0 0 uid 0 inode\n"
                           "   9: 0100007F:4965 00000000:0000 0A\n";
  auto rows = parse_proc_net_table(text, IpVersion::v4);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].local.port, 18789);
  EXPECT_FALSE(rows[0].uid);  // not a number: absent, not 0
  EXPECT_FALSE(rows[0].inode);
  EXPECT_FALSE(rows[1].inode);  // a short line
  EXPECT_TRUE(parse_proc_net_table("", IpVersion::v6).empty());
  EXPECT_TRUE(parse_proc_net_table(k_header, IpVersion::v4).empty());
}

}  // namespace
}  // namespace clawshield
