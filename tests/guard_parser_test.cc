// The sshd parser against a corpus of real OpenSSH messages and crafted ones (tests/data/
// sshd_corpus.tsv): the right kind and the real peer's address, never an address the client
// typed into its user name. Plus the syslog framing and a fuzz-style run of random lines.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "core/text.h"
#include "guard/address.h"
#include "guard/sshd_parser.h"

namespace clawshield::guard {
namespace {

TEST(SshdParser, Corpus) {
  std::ifstream in(CLAWSHIELD_TEST_DATA "/sshd_corpus.tsv");
  ASSERT_TRUE(in) << "corpus missing";
  std::string line;
  int cases = 0, injections = 0;
  bool in_injection = false;
  while (std::getline(in, line)) {
    if (line.starts_with("# --- injection"))
      in_injection = true;
    if (line.empty() || line.starts_with("#"))
      continue;
    auto fields = split(line, '\t');
    ASSERT_EQ(fields.size(), 3u) << line;
    auto event = parse_sshd_message(fields[2]);
    ++cases;
    injections += in_injection;
    if (fields[0] == "-") {
      EXPECT_FALSE(event) << "should not match: " << fields[2] << " (got "
                          << (event ? event->address.text() : "") << ")";
      continue;
    }
    ASSERT_TRUE(event) << "no match: " << fields[2];
    EXPECT_STREQ(event_kind_name(event->kind), fields[0].c_str()) << fields[2];
    EXPECT_EQ(event->address.text(), fields[1]) << fields[2];
  }
  EXPECT_GE(cases, 50);
  EXPECT_GE(injections, 10);
}

TEST(SshdParser, SyslogFormats) {
  auto rfc = parse_syslog_line(
      "2026-11-25T12:00:01.123456+01:00 box sshd[123]: Invalid user x from 1.2.3.4 port 5", 2026);
  ASSERT_TRUE(rfc);
  EXPECT_EQ(rfc->program, "sshd");
  EXPECT_EQ(rfc->message, "Invalid user x from 1.2.3.4 port 5");
  EXPECT_EQ(rfc->time, 1795608001 - 3600);  // 2026-11-25T12:00:01Z is 1795608001
  auto zulu = parse_syslog_line("2026-11-25T12:00:01Z box sshd-session[9]: x", 2000);
  ASSERT_TRUE(zulu);
  EXPECT_EQ(zulu->time, 1795608001);
  EXPECT_EQ(zulu->program, "sshd-session");
  auto classic = parse_syslog_line("Nov  5 07:08:09 box sshd[1]: hello", 2026);
  ASSERT_TRUE(classic);
  EXPECT_EQ(classic->time, 1793862489);  // 2026-11-05T07:08:09Z
  EXPECT_EQ(classic->message, "hello");
  EXPECT_FALSE(parse_syslog_line("garbage", 2026));
  EXPECT_FALSE(parse_syslog_line("2026-11-25T12:00:01", 2026));
  EXPECT_TRUE(is_sshd_program("sshd-session"));
  EXPECT_FALSE(is_sshd_program("sshdx"));
}

TEST(Address, ParsingAndPrefixes) {
  EXPECT_EQ(parse_address("1.2.3.4")->text(), "1.2.3.4");
  EXPECT_FALSE(parse_address("1.2.3.256"));
  EXPECT_FALSE(parse_address("1.2.3"));
  EXPECT_FALSE(parse_address("1.2.3.4.5"));
  EXPECT_FALSE(parse_address("01234.1.1.1"));
  EXPECT_EQ(parse_address("::ffff:10.0.0.1")->text(), "10.0.0.1");
  EXPECT_EQ(masked(*parse_address("2001:db8:1:2:3:4:5:6"), 64).text(), "2001:db8:1:2::/64");
  EXPECT_TRUE(contains(*parse_network("100.64.0.0/10"), *parse_address("100.127.1.1")));
  EXPECT_FALSE(contains(*parse_network("100.64.0.0/10"), *parse_address("100.128.0.1")));
  EXPECT_TRUE(
      contains(*parse_network("fd7a:115c:a1e0::/48"), *parse_address("fd7a:115c:a1e0:ab::1")));
  EXPECT_FALSE(contains(*parse_network("10.0.0.0/8"), *parse_address("::1")));
}

TEST(SshdParser, RandomLinesNeverCrashAndOnlyBlameAddressesInTheLine) {
  std::mt19937_64 random(20261125);
  const std::vector<std::string> pieces = {"Failed password for ",
                                           "Invalid user ",
                                           " from ",
                                           " port ",
                                           " ssh2",
                                           " [preauth]",
                                           "1.2.3.4",
                                           "::1",
                                           "2001:db8::",
                                           "User ",
                                           " not allowed because ",
                                           "listed in DenyUsers",
                                           "Connection closed by ",
                                           "Disconnecting ",
                                           ": Too many authentication failures",
                                           "drop connection #",
                                           " from [",
                                           "]:",
                                           " penalty: ",
                                           "rhost=",
                                           "pam_unix(sshd:auth): authentication failure; ",
                                           "Received disconnect from ",
                                           ":11: ",
                                           "Unable to negotiate with ",
                                           "999999",
                                           " ",
                                           "\t",
                                           "\xff",
                                           "banner exchange: Connection from ",
                                           "Timeout before authentication for ",
                                           "[",
                                           "]",
                                           ":"};
  for (int i = 0; i < 200000; ++i) {
    std::string line;
    int parts = static_cast<int>(random() % 12);
    for (int p = 0; p < parts; ++p) line += pieces[random() % pieces.size()];
    if (random() % 4 == 0)
      for (int b = static_cast<int>(random() % 20); b > 0; --b)
        line += static_cast<char>(random() % 256);
    auto event = parse_sshd_message(line);
    if (event) {
      // Whatever matched, the blamed address is written in the line.
      std::string text = event->address.text();
      bool present =
          line.find(text) != std::string::npos || line.find("::ffff:" + text) != std::string::npos;
      EXPECT_TRUE(present) << text << " not in: " << line;
    }
    auto framed = parse_syslog_line(line, 2026);
    (void)framed;
  }
}

}  // namespace
}  // namespace clawshield::guard
