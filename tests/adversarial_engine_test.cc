// The engine against what happens after an apply and around it: data the app writes, a user
// added by the admin, an edited managed file, symlinks that were there before, a typo in
// --root. Rollback must refuse to destroy what changed since the apply (listing it, changing
// nothing) unless forced, and undo exactly what the apply did — a link comes back as the same
// link, dangling or not. Run as root on temp roots (real useradd, visudo, chown).
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <thread>

#include "engine/journal.h"
#include "host/path_entry.h"
#include "support/fake_nftables.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

class AdversarialEngine : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_UNLESS_ROOT();
    testing::seed_minimal_root(root());
    testing::write_file(root(), "/etc/ssh/sshd_config",
                        "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication no\n");
  }
  const std::string& root() const { return m_dir.path(); }

  CommandResult cs(std::vector<std::string> args) {
    args.insert(args.end(), {"--root", root(), "--offline"});
    return testing::run_clawshield(args);
  }
  void apply_clean() {
    auto applied = cs({"apply"});
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  }
  // rollback refuses with exit 2, names `path` with `how`, and changes nothing at all.
  void expect_refused(const std::string& path, const std::string& how) {
    const auto before = testing::snapshot(root(), "");
    auto refused = cs({"rollback"});
    EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
    EXPECT_NE(refused.err.find(path + ": "), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find(how), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("--force"), std::string::npos) << refused.err;
    EXPECT_EQ(testing::tree_difference(before, testing::snapshot(root(), "")), "");
  }

 private:
  testing::TempDir m_dir;
};

TEST_F(AdversarialEngine, RollbackRefusesToDeleteAppDataWrittenAfterTheApply) {
  const auto pristine = testing::snapshot(root());
  apply_clean();
  testing::write_file(root(), "/home/openclaw/.openclaw/openclaw.json", "{\"gateway\":{}}\n");
  testing::write_file(root(), "/home/openclaw/.openclaw/agents/main/session.jsonl", "{}\n");
  expect_refused("/home/openclaw", "holds what the apply did not put there");
  // Forced, it undoes the apply (the data goes with it: that is what --force says).
  auto forced = cs({"rollback", "--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.out << forced.err;
  EXPECT_EQ(testing::tree_difference(pristine, testing::snapshot(root())), "");
}

// The app user names its files as it likes, not necessarily in UTF-8: the refusal still comes
// out as JSON, and the journal keeps the exact bytes (the forced rollback works from it).
TEST_F(AdversarialEngine, NonUtf8NamesInTheAppsDataKeepRollbackJsonValid) {
  const auto pristine = testing::snapshot(root());
  apply_clean();
  testing::write_file(root(), "/home/openclaw/.openclaw/caf\xe9-\xff.json", "{}\n");
  auto refused = cs({"rollback", "--json"});
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  auto document = nlohmann::json::parse(refused.out, nullptr, false);
  ASSERT_FALSE(document.is_discarded()) << refused.out;
  EXPECT_TRUE(document.value("refused", false)) << refused.out;
  auto forced = cs({"rollback", "--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.out << forced.err;
  EXPECT_EQ(testing::tree_difference(pristine, testing::snapshot(root())), "");
}

// Found by the attacker's review: a SIGHUP (the admin's SSH session dropping, maybe because of
// the very firewall being loaded) or a Ctrl-C in the middle of apply killed it between two
// steps. Now the signals wait until apply has finished (and armed its watchdog): whenever the
// signal lands, the newest journal is never left half-applied.
TEST_F(AdversarialEngine, HangupOrInterruptDuringApplyNeverLeavesItHalfDone) {
  // A sweep of delays, so that some land inside the apply (how long planning takes varies).
  for (int signal : {SIGHUP, SIGINT, SIGTERM}) {
    for (int delay_ms = 0; delay_ms <= 400; delay_ms += signal == SIGHUP ? 8 : 40) {
      testing::TempDir dir;
      testing::seed_minimal_root(dir.path());
      const std::string binary = CLAWSHIELD_BINARY;
      pid_t child = ::fork();
      if (child == 0) {
        ::setenv("SSH_CONNECTION", "", 1);
        ::unsetenv("SUDO_USER");
        ::unsetenv("SUDO_UID");
        ::execl(binary.c_str(), binary.c_str(), "apply", "--root", dir.path().c_str(), "--offline",
                static_cast<char*>(nullptr));
        ::_exit(127);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      ::kill(child, signal);
      int status = 0;
      ::waitpid(child, &status, 0);
      const std::string journals = dir.path() + "/var/lib/clawshield/journal";
      if (!std::filesystem::exists(journals))
        continue;  // the signal came before apply began: nothing was changed
      for (const auto& item : std::filesystem::directory_iterator(journals)) {
        const std::string text = testing::read_file("", item.path().string() + "/journal.json");
        EXPECT_EQ(text.find("\"in_progress\""), std::string::npos)
            << "signal " << signal << " after " << delay_ms << " ms left " << item.path();
      }
    }
  }
}

TEST_F(AdversarialEngine, RollbackRefusesToDropAUserAddedAfterTheApply) {
  apply_clean();
  testing::write_file(
      root(), "/etc/passwd",
      testing::read_file(root(), "/etc/passwd") + "alice:x:1001:1001::/home/alice:/bin/bash\n");
  expect_refused("/etc/passwd", "content changed since the apply");
  auto json = cs({"rollback", "--json"});
  EXPECT_EQ(json.exit_code, 2);
  EXPECT_NE(json.out.find("\"changed_since_apply\""), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("/etc/passwd: content changed"), std::string::npos) << json.out;
}

TEST_F(AdversarialEngine, RollbackRefusesToDeleteAnEditedManagedFile) {
  apply_clean();
  const std::string sudoers = "/etc/sudoers.d/openclaw";
  testing::write_file(root(), sudoers,
                      testing::read_file(root(), sudoers) + "# the admin's own note\n", 0440);
  expect_refused(sudoers, "content changed since the apply");
  // A mode change alone is a change too.
  testing::write_file(root(), sudoers, testing::read_file(root(), sudoers), 0400);
  expect_refused(sudoers, "mode");
}

TEST_F(AdversarialEngine, UnchangedApplyStillRollsBackWithoutForce) {
  const auto pristine = testing::snapshot(root());
  apply_clean();
  auto rolled = cs({"rollback"});
  EXPECT_EQ(rolled.exit_code, 0) << rolled.out << rolled.err;
  EXPECT_EQ(testing::tree_difference(pristine, testing::snapshot(root())), "");
}

TEST_F(AdversarialEngine, DanglingEtcClawshieldLinkSurvivesTheApplysRollback) {
  // /etc/clawshield is a dangling link the admin left; the apply cannot make its folder there
  // and rolls back. The link must still be there afterwards, as it was.
  std::filesystem::create_symlink("/srv/clawshield-config", root() + "/etc/clawshield");
  const auto before = testing::snapshot(root());
  auto applied = cs({"apply"});
  EXPECT_EQ(applied.exit_code, 3) << applied.out << applied.err;
  EXPECT_EQ(testing::tree_difference(before, testing::snapshot(root())), "");
  std::error_code error;
  EXPECT_TRUE(std::filesystem::is_symlink(root() + "/etc/clawshield", error));
  EXPECT_EQ(std::filesystem::read_symlink(root() + "/etc/clawshield", error),
            "/srv/clawshield-config");
}

// The journal by itself: a managed file that is a symlink comes back as the same symlink.
TEST_F(AdversarialEngine, SymlinkedManagedFileComesBackAsASymlink) {
  testing::write_file(root(), "/etc/shared/managed.conf", "the real file\n");
  std::filesystem::create_symlink("../shared/managed.conf", root() + "/etc/ssh/managed.conf");
  std::filesystem::create_symlink("/nowhere/at/all", root() + "/etc/ssh/dangling.conf");
  ASSERT_EQ(::lchown((root() + "/etc/ssh/dangling.conf").c_str(), 1234, 1234), 0);
  const auto before = testing::snapshot(root());
  auto fs = Filesystem::open(root());
  ASSERT_TRUE(fs);
  SystemClock clock;
  auto journal = Journal::begin(*fs, clock);
  ASSERT_TRUE(journal) << journal.error().message;
  for (const char* path : {"/etc/ssh/managed.conf", "/etc/ssh/dangling.conf"}) {
    ASSERT_TRUE(journal->record(path));
    ASSERT_TRUE(fs->write_atomic(path, "managed by clawshield\n", 0644, Ownership{0, 0}));
  }
  ASSERT_TRUE(journal->finish());
  testing::EmptyNftables nft;
  ProcessRunner runner;
  auto restored = journal->roll_back(nft, runner, ChangedPaths::refuse);
  ASSERT_TRUE(restored) << restored.error().message;
  EXPECT_EQ(testing::tree_difference(before, testing::snapshot(root())), "");
  auto link = read_entry(*fs, "/etc/ssh/dangling.conf", EntryDetail::attributes);
  ASSERT_TRUE(link && *link);
  EXPECT_EQ((*link)->type, FileType::symlink);
  EXPECT_EQ((*link)->link_target, "/nowhere/at/all");
  EXPECT_EQ((*link)->uid, 1234u);
  EXPECT_EQ(testing::read_file(root(), "/etc/shared/managed.conf"), "the real file\n");
}

// A rollback that stopped half-way (paths already back as before) is finished without --force.
TEST_F(AdversarialEngine, PathsAlreadyRestoredDoNotCountAsChanged) {
  auto fs = Filesystem::open(root());
  ASSERT_TRUE(fs);
  SystemClock clock;
  auto journal = Journal::begin(*fs, clock);
  ASSERT_TRUE(journal);
  const std::string original = testing::read_file(root(), "/etc/passwd");
  ASSERT_TRUE(journal->record("/etc/passwd"));
  ASSERT_TRUE(
      fs->write_atomic("/etc/passwd", original + "x:x:5:5::/:/bin/false\n", 0644, Ownership{0, 0}));
  ASSERT_TRUE(journal->record("/etc/made"));
  ASSERT_TRUE(fs->make_directory("/etc/made", 0755, Ownership{0, 0}));
  ASSERT_TRUE(journal->finish());
  // The first half of a rollback: passwd back as it was, the folder not yet removed.
  ASSERT_TRUE(fs->write_atomic("/etc/passwd", original, 0644, Ownership{0, 0}));
  auto changed = journal->changes_since_apply();
  ASSERT_TRUE(changed);
  EXPECT_TRUE(changed->empty()) << changed->front();
  // A folder the apply made that only lost entries (a removal killed half-way) is not one.
  testing::write_file(root(), "/etc/made/a", "x");
  testing::write_file(root(), "/etc/made/b", "y");
  ASSERT_TRUE(journal->finish());
  ASSERT_TRUE(fs->remove("/etc/made/a"));
  testing::write_file(root(), "/etc/made/.b.clawshield-123456", "a killed write's temp file");
  changed = journal->changes_since_apply();
  ASSERT_TRUE(changed);
  EXPECT_TRUE(changed->empty()) << changed->front();
  ASSERT_TRUE(fs->remove("/etc/made/b"));
  ASSERT_TRUE(fs->remove("/etc/made/.b.clawshield-123456"));
  // Something new in the folder the apply made is a change.
  testing::write_file(root(), "/etc/made/new", "x");
  changed = journal->changes_since_apply();
  ASSERT_TRUE(changed);
  ASSERT_EQ(changed->size(), 1u);
  EXPECT_NE(changed->front().find("/etc/made: holds what the apply did not put there: new"),
            std::string::npos)
      << changed->front();
}

TEST_F(AdversarialEngine, RelativeRootIsRefusedUpFrontAndNothingChanges) {
  const auto before = testing::snapshot(root(), "");
  const std::string relative =
      std::filesystem::relative(root(), std::filesystem::current_path()).string();
  ASSERT_NE(relative.front(), '/');
  for (const char* command : {"apply", "plan", "rollback", "verify"}) {
    auto refused = testing::run_clawshield({command, "--root", relative, "--offline"});
    EXPECT_EQ(refused.exit_code, 2) << command << "\n" << refused.out << refused.err;
    EXPECT_NE(refused.err.find("not an absolute path"), std::string::npos) << command << "\n"
                                                                           << refused.err;
  }
  EXPECT_EQ(testing::tree_difference(before, testing::snapshot(root(), "")), "");
}

// The watchdog's revert keeps what changed after the apply (the app wrote its data in the
// confirm window) and undoes the rest.
TEST_F(AdversarialEngine, WatchdogRevertKeepsDataWrittenSinceTheApply) {
  auto fs = Filesystem::open(root());
  ASSERT_TRUE(fs);
  SystemClock clock;
  auto journal = Journal::begin(*fs, clock);
  ASSERT_TRUE(journal);
  for (const char* dir : {"/srv", "/srv/app", "/srv/app/data", "/srv/boot"}) {
    ASSERT_TRUE(journal->record(dir));
    ASSERT_TRUE(fs->make_directory(dir, 0755, Ownership{0, 0}));
  }
  ASSERT_TRUE(journal->record("/srv/boot/firewall.nft"));
  ASSERT_TRUE(fs->write_atomic("/srv/boot/firewall.nft", "table\n", 0600, Ownership{0, 0}));
  ASSERT_TRUE(journal->finish());
  testing::write_file(root(), "/srv/app/data/session.jsonl", "{}\n");
  testing::EmptyNftables nft;
  ProcessRunner runner;
  auto done = journal->restore_firewall(nft, runner);
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(testing::read_file(root(), "/srv/app/data/session.jsonl"), "{}\n");
  EXPECT_FALSE(std::filesystem::exists(root() + "/srv/boot"));
  const std::string lines = ::testing::PrintToString(*done);
  EXPECT_NE(lines.find("kept /srv/app/data (holds what the apply did not put there: "
                       "session.jsonl)"),
            std::string::npos)
      << lines;
  EXPECT_NE(lines.find("removed /srv/boot"), std::string::npos) << lines;
  EXPECT_EQ(journal->status(), JournalStatus::rolled_back);
}

// A watchdog that died half-way through its revert leaves "reverting": apply refuses, confirm
// says it is too late, rollback finishes the job (and settles the pending state).
TEST_F(AdversarialEngine, HalfDoneRevertBlocksApplyUntilRollbackFinishesIt) {
  const auto pristine = testing::snapshot(root());
  apply_clean();
  const std::string journal_dir = root() + "/var/lib/clawshield/journal";
  const std::string id = std::filesystem::directory_iterator(journal_dir)->path().filename();
  testing::write_file(
      root(), "/var/lib/clawshield/firewall-pending.json",
      "{\"journal\": \"" + id + "\", \"deadline\": 0, \"state\": \"reverting\", \"note\": \"\"}\n",
      0600);
  auto blocked = cs({"apply"});
  EXPECT_EQ(blocked.exit_code, 2) << blocked.out << blocked.err;
  EXPECT_NE(blocked.err.find("did not finish"), std::string::npos) << blocked.err;
  auto late = cs({"confirm"});
  EXPECT_EQ(late.exit_code, 1) << late.out << late.err;
  EXPECT_NE(late.err.find("clawshield rollback"), std::string::npos) << late.err;
  auto rolled = cs({"rollback"});
  EXPECT_EQ(rolled.exit_code, 0) << rolled.out << rolled.err;
  EXPECT_EQ(testing::tree_difference(pristine, testing::snapshot(root())), "");
  EXPECT_NE(
      testing::read_file(root(), "/var/lib/clawshield/firewall-pending.json").find("\"reverted\""),
      std::string::npos);
  apply_clean();
}

// Issue 11 item 2: an apply killed (or a machine rebooted) after its first change and before
// its confirmation was armed leaves an unfinished journal and the unconfirmed marker with no
// deadline and no pending file. verify fails on it; the boot revert (`rollback
// --unconfirmed`, needing no policy) rolls the apply back and removes the marker.
TEST_F(AdversarialEngine, ApplyKilledBeforeArmingIsRolledBackAtBoot) {
  const auto pristine = testing::snapshot(root());
  apply_clean();
  const std::string marker = "/var/lib/clawshield/firewall-unconfirmed";
  // Offline under another root, no firewall is loaded: nothing is left to confirm.
  EXPECT_FALSE(std::filesystem::exists(root() + marker));
  const std::string journal_dir = root() + "/var/lib/clawshield/journal";
  const std::string id = std::filesystem::directory_iterator(journal_dir)->path().filename();
  {
    auto fs = Filesystem::open(root());
    ASSERT_TRUE(fs);
    auto journal = Journal::load(*fs, id);
    ASSERT_TRUE(journal);
    ASSERT_TRUE(journal->set_status(JournalStatus::in_progress));
  }
  testing::write_file(root(), marker, "journal " + id + "\ndeadline 0\n", 0600);
  auto verified = cs({"verify", "--only", "firewall"});
  EXPECT_NE(verified.out.find("fail     firewall.unconfirmed"), std::string::npos) << verified.out;
  EXPECT_NE(verified.out.find("apply " + id + " did not finish"), std::string::npos)
      << verified.out;
  // No apply on top of it: it would become what a later rollback returns to.
  const auto marked = testing::snapshot(root(), "");
  auto refused = cs({"apply"});
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("clawshield rollback --unconfirmed"), std::string::npos)
      << refused.err;
  EXPECT_EQ(testing::tree_difference(marked, testing::snapshot(root(), "")), "");
  // A policy that no longer loads must not keep the revert from running at boot.
  testing::write_file(root(), "/etc/clawshield/policy.yaml", "firewall: [\n");
  auto booted = cs({"rollback", "--unconfirmed"});
  EXPECT_EQ(booted.exit_code, 0) << booted.out << booted.err;
  EXPECT_FALSE(std::filesystem::exists(root() + marker));
  EXPECT_NE(
      testing::read_file(root(), "/var/lib/clawshield/firewall-pending.json").find("\"reverted\""),
      std::string::npos);
  // The folder the apply made holds the policy written since: kept, with it; the rest is undone.
  EXPECT_NE(booted.out.find("kept, changed since the apply: /etc/clawshield"), std::string::npos)
      << booted.out;
  std::filesystem::remove(root() + "/etc/clawshield/policy.yaml");
  std::filesystem::remove(root() + "/etc/clawshield");
  EXPECT_EQ(testing::tree_difference(pristine, testing::snapshot(root())), "");
  apply_clean();
}

// A plain `rollback` of the apply the marker names settles it too (no revert at the next boot).
TEST_F(AdversarialEngine, RollbackOfTheUnconfirmedApplyRemovesTheMarker) {
  apply_clean();
  const std::string marker = "/var/lib/clawshield/firewall-unconfirmed";
  const std::string journal_dir = root() + "/var/lib/clawshield/journal";
  const std::string id = std::filesystem::directory_iterator(journal_dir)->path().filename();
  testing::write_file(root(), marker, "journal " + id + "\ndeadline 4102444800\n", 0600);
  auto verified = cs({"verify", "--only", "firewall"});
  EXPECT_NE(verified.out.find("warn     firewall.unconfirmed"), std::string::npos) << verified.out;
  auto rolled = cs({"rollback"});
  EXPECT_EQ(rolled.exit_code, 0) << rolled.out << rolled.err;
  EXPECT_FALSE(std::filesystem::exists(root() + marker));
}

// A confirm killed between recording "confirmed" and removing the marker: the change was
// confirmed, so the boot revert rolls nothing back (only the marker goes), and so does a
// second confirm.
TEST_F(AdversarialEngine, MarkerLeftByAConfirmThatDiedRollsNothingBack) {
  apply_clean();
  const std::string marker = "/var/lib/clawshield/firewall-unconfirmed";
  const std::string pending = "/var/lib/clawshield/firewall-pending.json";
  const std::string journal_dir = root() + "/var/lib/clawshield/journal";
  const std::string id = std::filesystem::directory_iterator(journal_dir)->path().filename();
  const std::string confirmed =
      "{\"journal\": \"" + id + "\", \"deadline\": 0, \"state\": \"confirmed\", \"note\": \"\"}\n";
  testing::write_file(root(), pending, confirmed, 0600);
  testing::write_file(root(), marker, "journal " + id + "\ndeadline 1\n", 0600);
  const auto applied = testing::snapshot(root());
  auto booted = cs({"rollback", "--unconfirmed"});
  EXPECT_EQ(booted.exit_code, 0) << booted.out << booted.err;
  EXPECT_NE(booted.out.find("was confirmed"), std::string::npos) << booted.out;
  EXPECT_FALSE(std::filesystem::exists(root() + marker));
  EXPECT_EQ(testing::tree_difference(applied, testing::snapshot(root())), "");
  testing::write_file(root(), marker, "journal " + id + "\ndeadline 1\n", 0600);
  auto again = cs({"confirm"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_FALSE(std::filesystem::exists(root() + marker));
  EXPECT_EQ(testing::tree_difference(applied, testing::snapshot(root())), "");
}

}  // namespace
}  // namespace clawshield
