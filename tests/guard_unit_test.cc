// The guard's pieces without root: the detector's window, weights, allowlist, IPv6 prefixes,
// repeat offenders and bounded memory; the file follower's tail -F behaviour (rotation,
// truncation, partial lines, resuming at a saved position); replay of each input format.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "guard/detector.h"
#include "guard/log_source.h"
#include "guard/replay.h"
#include "support/temp_root.h"

namespace clawshield::guard {
namespace {

Event failure(const std::string& address) {
  return Event{EventKind::failed_password, *parse_address(address)};
}

TEST(Detector, FiveFailuresInTheWindowBan) {
  Detector detector(default_guard_settings());
  for (int i = 0; i < 4; ++i)
    EXPECT_FALSE(detector.observe(failure("203.0.113.1"), 1000 + i));
  auto ban = detector.observe(failure("203.0.113.1"), 1004);
  ASSERT_TRUE(ban);
  EXPECT_EQ(ban->source.text(), "203.0.113.1");
  EXPECT_EQ(ban->failures, 5);
  EXPECT_EQ(ban->duration, 3600);
  EXPECT_EQ(ban->first, 1000);
  // Banned: further failures are not counted again.
  EXPECT_FALSE(detector.observe(failure("203.0.113.1"), 1005));
}

TEST(Detector, FailuresOutsideFindtimeDoNotCount) {
  Detector detector(default_guard_settings());
  // Five failures, but spread over 800 s: at 800 the window (200, 800] holds three.
  for (int i = 0; i <= 4; ++i)
    EXPECT_FALSE(detector.observe(failure("203.0.113.1"), i * 200));
  EXPECT_FALSE(detector.observe(failure("203.0.113.1"), 801));  // four
  EXPECT_TRUE(detector.observe(failure("203.0.113.1"), 802));   // five
}

TEST(Detector, WeightsAndAllowlist) {
  Detector detector(default_guard_settings());
  for (int i = 0; i < 9; ++i)
    EXPECT_FALSE(detector.observe(Event{EventKind::preauth_disconnect, *parse_address("198.51.100.1")}, i));
  EXPECT_TRUE(detector.observe(Event{EventKind::preauth_disconnect, *parse_address("198.51.100.1")}, 9));
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(detector.observe(failure("100.100.1.1"), i));  // Tailscale range
    EXPECT_FALSE(detector.observe(failure("127.0.0.1"), i));
    EXPECT_FALSE(detector.observe(Event{EventKind::pam_failure, *parse_address("198.51.100.2")}, i));
  }
}

TEST(Detector, IPv6IsCountedPerPrefix) {
  Detector detector(default_guard_settings());
  for (int i = 0; i < 4; ++i)
    EXPECT_FALSE(detector.observe(failure("2001:db8:1:2::" + std::to_string(i + 1)), i));
  auto ban = detector.observe(failure("2001:db8:1:2:ffff::9"), 5);
  ASSERT_TRUE(ban);
  EXPECT_EQ(ban->source.text(), "2001:db8:1:2::/64");
}

TEST(Detector, RepeatOffendersGetLongerBansUpToTheMaximum) {
  auto settings = default_guard_settings();
  settings.bantime_max = 10000;
  Detector detector(settings);
  std::vector<int64_t> durations;
  int64_t t = 0;
  for (int round = 0; round < 4; ++round) {
    std::optional<BanDecision> ban;
    for (int i = 0; i < 5; ++i)
      ban = detector.observe(failure("203.0.113.9"), t++);
    ASSERT_TRUE(ban);
    durations.push_back(ban->duration);
    t += ban->duration + 1;  // the ban expires
  }
  EXPECT_EQ(durations, (std::vector<int64_t>{3600, 7200, 10000, 10000}));
  EXPECT_EQ(detector.offences()[*parse_address("203.0.113.9")], 4);
}

TEST(Detector, MemoryIsBoundedButBansAreKept) {
  auto settings = default_guard_settings();
  settings.max_tracked = 1000;
  Detector detector(settings);
  for (int i = 0; i < 4; ++i)
    detector.observe(failure("203.0.113.200"), i);
  for (uint32_t i = 0; i < 100000; ++i) {
    std::string address = "10." + std::to_string(i >> 16 & 255) + "." + std::to_string(i >> 8 & 255) +
                          "." + std::to_string(i & 255);
    detector.observe(failure(address), 10);
    EXPECT_LE(detector.tracked(), 1000u);
  }
  // The oldest counter was evicted: four more failures are needed again.
  for (int i = 0; i < 4; ++i)
    EXPECT_FALSE(detector.observe(failure("203.0.113.200"), 20 + i));
  EXPECT_TRUE(detector.observe(failure("203.0.113.200"), 25));
}

TEST(Detector, CountersSurviveASnapshot) {
  Detector first(default_guard_settings());
  for (int i = 0; i < 3; ++i)
    first.observe(failure("203.0.113.3"), i);
  Detector second(default_guard_settings());
  for (const auto& counter : first.counters())
    second.restore_counter(counter);
  EXPECT_FALSE(second.observe(failure("203.0.113.3"), 3));
  EXPECT_TRUE(second.observe(failure("203.0.113.3"), 4));
}

class FileFollower : public ::testing::Test {
 protected:
  std::string path() const { return m_dir.path() + "/auth.log"; }
  void append(const std::string& text) { std::ofstream(path(), std::ios::app) << text; }
  std::vector<std::string> poll(LogSource& source) {
    std::vector<std::string> messages;
    auto polled = source.poll([&](const Entry& entry) { messages.emplace_back(entry.message); });
    EXPECT_TRUE(polled);
    return messages;
  }
  static std::string line(const std::string& message) {
    return "2026-11-25T12:00:00+00:00 box sshd[1]: " + message + "\n";
  }
  testing::TempDir m_dir;
};

TEST_F(FileFollower, StartsAtTheEndThenFollowsPartialLinesRotationAndTruncation) {
  append(line("old"));
  auto source = make_file_source(path(), std::nullopt, 2026);
  EXPECT_TRUE(poll(*source).empty());  // history is not replayed
  append(line("one"));
  append("2026-11-25T12:00:00+00:00 box sshd[1]: tw");  // partial
  EXPECT_EQ(poll(*source), std::vector<std::string>{"one"});
  append("o\n");
  EXPECT_EQ(poll(*source), std::vector<std::string>{"two"});

  // Rotation: a last line lands in the old file after the rename; the new file follows.
  std::filesystem::rename(path(), path() + ".1");
  std::ofstream(path() + ".1", std::ios::app) << line("late in the old file");
  append(line("first in the new file"));
  EXPECT_EQ(poll(*source), (std::vector<std::string>{"late in the old file", "first in the new file"}));

  // Truncation in place: read again from the start.
  std::filesystem::resize_file(path(), 0);
  append(line("after truncation"));
  EXPECT_EQ(poll(*source), std::vector<std::string>{"after truncation"});
}

TEST_F(FileFollower, ResumesAtASavedPositionAndNotOnAnotherFile) {
  append(line("a"));
  auto source = make_file_source(path(), std::nullopt, 2026);
  append(line("b"));
  EXPECT_EQ(poll(*source), std::vector<std::string>{"b"});
  const std::string saved = source->position();
  append(line("c"));  // while "stopped"
  auto resumed = make_file_source(path(), saved, 2026);
  EXPECT_EQ(poll(*resumed), std::vector<std::string>{"c"});
  // The saved position of a file that was replaced: the new file is read from its start.
  std::filesystem::remove(path());
  append(line("d"));
  auto replaced = make_file_source(path(), saved, 2026);
  EXPECT_EQ(poll(*replaced), std::vector<std::string>{"d"});
}

TEST(Replay, JournalJsonAndExportFormats) {
  const std::string json =
      "{\"__REALTIME_TIMESTAMP\":\"1795608000000000\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"MESSAGE\":\"Invalid user a from 203.0.113.8 port 1\"}\n"
      "{\"__REALTIME_TIMESTAMP\":\"1795608001000000\",\"_COMM\":\"sshd-session\",\"MESSAGE\":\"Invalid user b from 203.0.113.8 port 2\"}\n";
  auto from_json = replay_text(json, default_guard_settings(), 2026);
  EXPECT_EQ(from_json.stats.events, 2u);
  std::string exported;
  for (int i = 0; i < 5; ++i)
    exported += "__REALTIME_TIMESTAMP=179560800" + std::to_string(i) + "000000\nSYSLOG_IDENTIFIER=sshd\nMESSAGE=Failed password for root from 203.0.113.8 port 9 ssh2\n\n";
  auto from_export = replay_text(exported, default_guard_settings(), 2026);
  EXPECT_EQ(from_export.stats.events, 5u);
  ASSERT_EQ(from_export.bans.size(), 1u);
  EXPECT_EQ(from_export.bans[0].first, 1795608000);
}

}  // namespace
}  // namespace clawshield::guard
