// Unit tests for src/core: text helpers, the unified diff used by `plan --diff`, the checked
// parse_int and the Fd owner.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <limits>

#include "core/diff.h"
#include "core/fd.h"
#include "core/parse.h"
#include "core/text.h"

namespace clawshield {
namespace {

TEST(Text, LexicalNormalizeResolvesDotsByName) {
  EXPECT_EQ(lexical_normalize("/a/./b/../c"), "/a/c");
  EXPECT_EQ(lexical_normalize("/../../etc//sudoers.d/"), "/etc/sudoers.d");
  EXPECT_EQ(lexical_normalize(""), "/");
}

TEST(Text, SplitLinesDropsOnlyTheFinalNewline) {
  EXPECT_EQ(split_lines("a\nb\n"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(split_lines("a\n\nb"), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_TRUE(split_lines("").empty());
}

TEST(Text, SplitKeepsEmptyFields) {
  EXPECT_EQ(split("a::b:", ':'), (std::vector<std::string>{"a", "", "b", ""}));
}

TEST(Text, DisplayQuoteQuotesShellMetacharacters) {
  EXPECT_EQ(display_quote("plain"), "plain");
  EXPECT_EQ(display_quote("a b"), "'a b'");
  EXPECT_EQ(display_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(display_quote(""), "''");
}

TEST(Text, FormatModeIsFourOctalDigits) {
  EXPECT_EQ(format_mode(0440), "0440");
  EXPECT_EQ(format_mode(04755), "4755");
}

TEST(Diff, EqualTextsGiveNoDiff) {
  EXPECT_EQ(unified_diff("a\nb\n", "a\nb\n", "x", "y"), "");
}

TEST(Diff, ShowsChangedLineWithContext) {
  std::string before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
  std::string after = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
  EXPECT_EQ(unified_diff(before, after, "a/f", "b/f"),
            "--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
}

TEST(Diff, NewFileIsAllAdditions) {
  EXPECT_EQ(unified_diff("", "x\ny\n", "/dev/null", "b/f"),
            "--- /dev/null\n+++ b/f\n@@ -0,0 +1,2 @@\n+x\n+y\n");
}

TEST(Diff, DistantChangesMakeSeparateHunks) {
  std::string before, after;
  for (int i = 0; i < 30; ++i) {
    before += std::to_string(i) + "\n";
    after += (i == 2 || i == 25 ? "changed" : std::to_string(i)) + "\n";
  }
  std::string diff = unified_diff(before, after, "a", "b");
  size_t hunks = 0;
  for (size_t at = diff.find("@@ "); at != std::string::npos; at = diff.find("\n@@ ", at + 1))
    ++hunks;
  EXPECT_EQ(hunks, 2u) << diff;
}

}  // namespace
}  // namespace clawshield

namespace clawshield {
namespace {

// Text from the host printed on the admin's terminal: a container named
// "\e[1A\e[2K\rpass     containers.privileged" must not overwrite the line above it.
TEST(Text, TerminalSafeEscapesEveryControlCharacter) {
  EXPECT_EQ(terminal_safe("\x1b[1A\x1b[2K\rpass"), "\\x1b[1A\\x1b[2K\\x0dpass");
  EXPECT_EQ(terminal_safe("a\nb\tc\x7f"), "a\\x0ab\\x09c\\x7f");
  EXPECT_EQ(terminal_safe("plain ünïcode"), "plain ünïcode");
}

TEST(ParseInt, ReadsTheWholeTextInsideTheRange) {
  EXPECT_EQ(parse_int<int>("0", 0, 10).value(), 0);
  EXPECT_EQ(parse_int<int>("10", 0, 10).value(), 10);
  EXPECT_EQ(parse_int<int>("-5", -5, 5).value(), -5);
  EXPECT_EQ(parse_int<int>("007", 0, 10).value(), 7);
  EXPECT_EQ(parse_int<uint16_t>("65535", 1, 65535).value(), 65535);
  EXPECT_EQ(
      parse_int<int64_t>("9223372036854775807", 0, std::numeric_limits<int64_t>::max()).value(),
      std::numeric_limits<int64_t>::max());
}

TEST(ParseInt, RefusesTheEdgesJustOutsideTheRange) {
  EXPECT_FALSE(parse_int<int>("-1", 0, 10));
  EXPECT_FALSE(parse_int<int>("11", 0, 10));
  EXPECT_FALSE(parse_int<int>("-6", -5, 5));
  EXPECT_FALSE(parse_int<uint16_t>("0", 1, 65535));
}

TEST(ParseInt, RefusesOverflowInsteadOfWrappingOrThrowing) {
  EXPECT_FALSE(parse_int<int>("2147483648", 0, std::numeric_limits<int>::max()));
  EXPECT_FALSE(parse_int<uint16_t>("65536", 0, 65535));
  EXPECT_FALSE(parse_int<int64_t>("99999999999999999999", 0, std::numeric_limits<int64_t>::max()));
  EXPECT_FALSE(parse_int<unsigned>("4294967296", 0, std::numeric_limits<unsigned>::max()));
}

TEST(ParseInt, RefusesAnythingButDigits) {
  for (const char* text : {"", "+1", " 1", "1 ", "1x", "x1", "0x10", "1.5", "-", "1e3"})
    EXPECT_FALSE(parse_int<int>(text, -100, 100)) << '"' << text << '"';
  // No sign at all for an unsigned type.
  EXPECT_FALSE(parse_int<unsigned>("-0", 0, 10));
  EXPECT_FALSE(parse_int<unsigned>("-1", 0, 10));
}

TEST(ParseInt, TheErrorNamesTheTextAndTheRange) {
  auto parsed = parse_int<int>("1x", 1, 65535);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, ErrorCode::bad_input);
  EXPECT_EQ(parsed.error().message, "\"1x\" is not a whole number from 1 to 65535");
}

bool is_open(int fd) {
  return ::fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

TEST(Fd, ClosesOnceWhenItsLastOwnerGoes) {
  int raw = -1;
  {
    Fd first(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(first.valid());
    raw = first.get();
    Fd second(std::move(first));
    EXPECT_FALSE(first.valid());
    EXPECT_EQ(second.get(), raw);
    EXPECT_TRUE(is_open(raw));
  }
  EXPECT_FALSE(is_open(raw));
}

TEST(Fd, AssignmentClosesTheOldDescriptorAndReleaseGivesItUp) {
  Fd held(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  const int old = held.get();
  held = Fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));  // opened while `old` is open
  ASSERT_NE(held.get(), old);
  EXPECT_FALSE(is_open(old));
  const int kept = held.release();
  EXPECT_FALSE(held.valid());
  EXPECT_TRUE(is_open(kept));
  Fd again(kept);  // closes it at the end of the test
}

}  // namespace
}  // namespace clawshield
