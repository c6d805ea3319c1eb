// Unit tests for src/core: text helpers and the unified diff used by `plan --diff`.
#include <gtest/gtest.h>

#include "core/diff.h"
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

}  // namespace
}  // namespace clawshield
