// The root-prefixed filesystem: nothing escapes the root, writes are atomic with the asked
// owner and mode, and a missing file is told apart from an unreadable one.
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <optional>
#include <thread>

#include "host/accounts.h"
#include "host/filesystem.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

using testing::TempDir;

TEST(Filesystem, ReadsUnderTheRoot) {
  TempDir dir;
  testing::write_file(dir.path(), "/etc/hostname", "box\n");
  auto fs = Filesystem::open(dir.path());
  ASSERT_TRUE(fs);
  EXPECT_FALSE(fs->is_system_root());
  auto text = fs->read("/etc/hostname");
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "box\n");
}

TEST(Filesystem, MissingFileIsNotFoundNotEmpty) {
  TempDir dir;
  auto fs = Filesystem::open(dir.path());
  auto text = fs->read("/etc/nothing");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, ErrorCode::not_found);
  auto st = fs->stat("/etc/nothing");
  ASSERT_TRUE(st);
  EXPECT_FALSE(st->has_value());
}

TEST(Filesystem, AbsoluteSymlinksResolveInsideTheRoot) {
  TempDir dir;
  testing::write_file(dir.path(), "/etc/inside", "inside\n");
  std::filesystem::create_symlink("/etc/inside", dir.path() + "/link");
  // A link to the machine's /etc/hostname must not reach it.
  std::filesystem::create_symlink("/etc/hostname", dir.path() + "/escape");
  auto fs = Filesystem::open(dir.path());
  EXPECT_EQ(*fs->read("/link"), "inside\n");
  auto escaped = fs->read("/escape");
  ASSERT_FALSE(escaped);
  EXPECT_EQ(escaped.error().code, ErrorCode::not_found);
}

TEST(Filesystem, DotDotIsRejected) {
  TempDir dir;
  auto fs = Filesystem::open(dir.path());
  auto text = fs->read("/etc/../../etc/passwd");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, ErrorCode::bad_input);
}

TEST(Filesystem, UnreadableIsPermissionNotNotFound) {
  TempDir dir;
  // Root reads everything: check as an unprivileged user, in a child. Unprivileged already,
  // the owner could read a 0600 file of its own, so then take every bit away.
  testing::write_file(dir.path(), "/secret", "x", ::geteuid() == 0 ? 0600 : 0000);
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::geteuid() == 0 &&
        (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
         ::setresuid(65534, 65534, 65534) != 0))
      ::_exit(10);
    if (::geteuid() == 0)
      ::_exit(11);
    auto fs = Filesystem::open(dir.path());
    if (!fs)
      ::_exit(12);
    auto text = fs->read("/secret");
    if (text)
      ::_exit(13);
    ::_exit(text.error().code == ErrorCode::permission ? 0 : 14);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(Filesystem, AtomicWriteSetsModeAndReplacesContent) {
  TempDir dir;
  testing::write_file(dir.path(), "/etc/f", "old\n");
  auto fs = Filesystem::open(dir.path());
  Ownership me{::geteuid(), ::getegid()};
  ASSERT_TRUE(fs->write_atomic("/etc/f", "new\n", 0440, me));
  EXPECT_EQ(testing::read_file(dir.path(), "/etc/f"), "new\n");
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() + "/etc/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0440u);
  // No temp files left behind.
  auto names = fs->list("/etc");
  ASSERT_TRUE(names);
  EXPECT_EQ(*names, std::vector<std::string>{"f"});
}

TEST(Filesystem, WriteAsRootSetsOwner) {
  SKIP_UNLESS_ROOT();
  TempDir dir;
  auto fs = Filesystem::open(dir.path());
  ASSERT_TRUE(fs->write_atomic("/owned", "x", 0600, Ownership{1234, 5678}));
  struct stat st {};
  ::stat((dir.path() + "/owned").c_str(), &st);
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 5678u);
}

TEST(Filesystem, WriteIntoMissingFolderFails) {
  TempDir dir;
  auto fs = Filesystem::open(dir.path());
  auto written = fs->write_atomic("/no/such/dir/f", "x", 0644, Ownership{::geteuid(), ::getegid()});
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::not_found);
}

TEST(Filesystem, RemoveDeletesTreesAndIgnoresMissing) {
  TempDir dir;
  testing::write_file(dir.path(), "/home/u/.config/a", "x");
  testing::write_file(dir.path(), "/home/u/b", "y");
  auto fs = Filesystem::open(dir.path());
  ASSERT_TRUE(fs->remove("/home/u"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/home/u"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/home"));
  EXPECT_TRUE(fs->remove("/home/u"));
  EXPECT_FALSE(fs->remove("/"));
}

TEST(Filesystem, LockIsExclusive) {
  TempDir dir;
  auto fs = Filesystem::open(dir.path());
  auto first = fs->lock_exclusive("/lock");
  ASSERT_TRUE(first);
  auto other = Filesystem::open(dir.path());
  auto second = other->lock_exclusive("/lock");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::refused);
}

TEST(Filesystem, NormalizePath) {
  EXPECT_EQ(*normalize_path("//etc///passwd/"), "/etc/passwd");
  EXPECT_EQ(*normalize_path("/"), "/");
  EXPECT_FALSE(normalize_path("etc/passwd"));
  EXPECT_EQ(parent_path("/a/b"), "/a");
  EXPECT_EQ(parent_path("/a"), "/");
  EXPECT_EQ(base_name("/a/b"), "b");
}

// --- Paths an unprivileged user controls (the app user's home) ---

class Untrusted : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(m_dir.path() + "/home/app/.openclaw");
    testing::write_file(m_dir.path(), "/root/secret", "KEY", 0600);
    auto fs = Filesystem::open(m_dir.path());
    ASSERT_TRUE(fs);
    m_fs.emplace(std::move(*fs));
  }
  std::string host(const std::string& path) const { return m_dir.path() + path; }
  Result<UntrustedFile> open(const std::string& path, UntrustedKind kind = UntrustedKind::regular) {
    return m_fs->open_untrusted(path, "/home/app", kind);
  }
  TempDir m_dir;
  std::optional<Filesystem> m_fs;
};

TEST_F(Untrusted, ASymlinkIsRefusedAndNamed) {
  ASSERT_EQ(::symlink("/root/secret", host("/home/app/.openclaw/openclaw.json").c_str()), 0);
  auto file = open("/home/app/.openclaw/openclaw.json");
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, ErrorCode::refused);
  EXPECT_NE(
      file.error().message.find("openclaw.json is a symlink to /root/secret: refusing to follow"),
      std::string::npos)
      << file.error().message;
}

TEST_F(Untrusted, ASymlinkedFolderOnTheWayIsRefused) {
  std::filesystem::remove_all(host("/home/app/.openclaw"));
  std::filesystem::create_directories(host("/elsewhere"));
  testing::write_file(m_dir.path(), "/elsewhere/openclaw.json", "{}", 0600);
  ASSERT_EQ(::symlink("/elsewhere", host("/home/app/.openclaw").c_str()), 0);
  auto file = open("/home/app/.openclaw/openclaw.json");
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, ErrorCode::refused);
  EXPECT_NE(file.error().message.find(".openclaw is a symlink to /elsewhere"), std::string::npos)
      << file.error().message;
  EXPECT_FALSE(open("/home/app/.openclaw", UntrustedKind::directory));
}

TEST_F(Untrusted, FifoDeviceDirectoryAndHugeFilesAreRefusedWithoutBlocking) {
  ASSERT_EQ(::mkfifo(host("/home/app/.openclaw/fifo").c_str(), 0600), 0);
  auto fifo = open("/home/app/.openclaw/fifo");  // would block forever if opened for reading
  ASSERT_FALSE(fifo);
  EXPECT_NE(fifo.error().message.find("is a FIFO, not a regular file"), std::string::npos)
      << fifo.error().message;
  auto dir = open("/home/app/.openclaw");
  ASSERT_FALSE(dir);
  EXPECT_NE(dir.error().message.find("is a directory, not a regular file"), std::string::npos);
  testing::write_file(m_dir.path(), "/home/app/.openclaw/big", "");
  ASSERT_EQ(::truncate(host("/home/app/.openclaw/big").c_str(), 17 << 20), 0);
  auto big = open("/home/app/.openclaw/big");
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::refused);
  EXPECT_NE(big.error().message.find("larger than"), std::string::npos);
  EXPECT_EQ(open("/home/app/.openclaw/missing").error().code, ErrorCode::not_found);
}

TEST_F(Untrusted, ReadsAndChangesTheFileByDescriptor) {
  testing::write_file(m_dir.path(), "/home/app/.openclaw/openclaw.json", "{}", 0644);
  auto file = open("/home/app/.openclaw/openclaw.json");
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->read().value_or("?"), "{}");
  // Swapped for a link after opening: the descriptor still names the file that was checked.
  ASSERT_EQ(::rename(host("/home/app/.openclaw/openclaw.json").c_str(),
                     host("/home/app/.openclaw/old").c_str()),
            0);
  ASSERT_EQ(::symlink("/root/secret", host("/home/app/.openclaw/openclaw.json").c_str()), 0);
  ASSERT_TRUE(file->set_attributes(0600, Ownership{::geteuid(), ::getegid()}));
  struct stat st {};
  ASSERT_EQ(::stat(host("/home/app/.openclaw/old").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  ASSERT_EQ(::stat(host("/root/secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST_F(Untrusted, AHardLinkedFileIsNotChanged) {
  testing::write_file(m_dir.path(), "/root/shared", "x", 0640);
  testing::write_file(m_dir.path(), "/home/app/.openclaw/openclaw.json", "{}", 0644);
  auto file = open("/home/app/.openclaw/openclaw.json");
  ASSERT_TRUE(file);
  // Linked after opening: the descriptor's change is refused too.
  ASSERT_EQ(::link(host("/home/app/.openclaw/openclaw.json").c_str(),
                   host("/home/app/.openclaw/second").c_str()),
            0);
  auto changed = file->set_attributes(0600, Ownership{::geteuid(), ::getegid()});
  ASSERT_FALSE(changed);
  EXPECT_NE(changed.error().message.find("hard links"), std::string::npos);
  ASSERT_EQ(::unlink(host("/home/app/.openclaw/openclaw.json").c_str()), 0);
  ASSERT_EQ(::link(host("/root/shared").c_str(), host("/home/app/.openclaw/openclaw.json").c_str()),
            0);
  auto linked = open("/home/app/.openclaw/openclaw.json");
  ASSERT_FALSE(linked);
  EXPECT_EQ(linked.error().code, ErrorCode::refused);
  EXPECT_NE(linked.error().message.find("has 2 hard links"), std::string::npos)
      << linked.error().message;
  struct stat st {};
  ::stat(host("/root/shared").c_str(), &st);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
}

TEST_F(Untrusted, MakeDirectoryRefusesANameThatIsALink) {
  std::filesystem::remove_all(host("/home/app/.openclaw"));
  std::filesystem::create_directories(host("/outside"));
  ::chmod(host("/outside").c_str(), 0755);
  ASSERT_EQ(::symlink("/outside", host("/home/app/.openclaw").c_str()), 0);
  auto home = open("/home/app", UntrustedKind::directory);
  ASSERT_TRUE(home);
  EXPECT_FALSE(home->make_directory(".openclaw", 0700, Ownership{::geteuid(), ::getegid()}));
  EXPECT_FALSE(
      m_fs->make_directory("/home/app/.openclaw", 0700, Ownership{::geteuid(), ::getegid()}));
  struct stat st {};
  ::stat(host("/outside").c_str(), &st);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
}

// Item 7: between mkdir and chmod, the owner of the parent swaps the new directory for a link
// to a directory elsewhere. The chmod must land on the directory made, never through the link.
TEST_F(Untrusted, MakeDirectoryRacingASwapNeverChangesTheLinkTarget) {
  std::filesystem::remove_all(host("/home/app/.openclaw"));
  std::filesystem::create_directories(host("/outside"));
  ::chmod(host("/outside").c_str(), 0755);
  const std::string name = host("/home/app/.openclaw");
  const std::string moved = host("/home/app/.moved");
  const std::string outside = host("/outside");  // a chmod by name follows the machine's path
  std::atomic<bool> stop = false;
  std::thread swapper([&] {
    while (!stop) {
      if (::rename(name.c_str(), moved.c_str()) == 0) {
        // Fails when make_directory took the name back first: the race this test runs.
        [[maybe_unused]] const int linked = ::symlink(outside.c_str(), name.c_str());
      }
    }
  });
  for (int i = 0; i < 400; ++i) {
    (void)m_fs->make_directory("/home/app/.openclaw", 0711, Ownership{::geteuid(), ::getegid()});
    ::unlink(name.c_str());
    ::rmdir(name.c_str());
    ::rmdir(moved.c_str());
  }
  stop = true;
  swapper.join();
  struct stat st {};
  ::stat(host("/outside").c_str(), &st);
  EXPECT_EQ(st.st_mode & 07777, 0755u) << "a chmod followed the swapped-in link";
}

TEST_F(Untrusted, TrustedParentIsTheHomeForPathsUnderIt) {
  EXPECT_EQ(trusted_parent_of("/home/app/.openclaw/openclaw.json", "/home/app"), "/home/app");
  EXPECT_EQ(trusted_parent_of("/home/app", "/home/app"), "/home/app");
  EXPECT_EQ(trusted_parent_of("/home/apple/x", "/home/app"), "/home/apple");
  EXPECT_EQ(trusted_parent_of("/srv/app/c.yml", "/home/app"), "/srv/app");
}

// --- What a killed writer leaves behind ---

pid_t dead_pid() {
  pid_t child = ::fork();
  if (child == 0)
    ::_exit(0);
  ::waitpid(child, nullptr, 0);
  return child;
}

TEST(Filesystem, WriteAtomicRemovesTempFilesOfAKilledWrite) {
  TempDir dir;
  testing::write_file(dir.path(), "/etc/x.conf", "old");
  const std::string stale_old = "/etc/.x.conf.clawshield-123456";
  const std::string stale_new = "/etc/.x.conf.clawshield-" + std::to_string(dead_pid()) + "-42";
  const std::string live = "/etc/.x.conf.clawshield-1-42";  // pid 1 runs
  const std::string other = "/etc/.y.conf.clawshield-123456";
  for (const auto& path : {stale_old, stale_new, live, other})
    testing::write_file(dir.path(), path, "t");
  ASSERT_EQ(::symlink("/etc/x.conf", (dir.path() + "/etc/.x.conf.clawshield-7").c_str()), 0);
  auto fs = Filesystem::open(dir.path());
  ASSERT_TRUE(fs->write_atomic("/etc/x.conf", "new", 0644, Ownership{::geteuid(), ::getegid()}));
  namespace sfs = std::filesystem;
  EXPECT_FALSE(sfs::exists(dir.path() + stale_old));
  EXPECT_FALSE(sfs::exists(dir.path() + stale_new));
  EXPECT_TRUE(sfs::exists(dir.path() + live));
  EXPECT_TRUE(sfs::exists(dir.path() + other));
  EXPECT_TRUE(sfs::is_symlink(dir.path() + "/etc/.x.conf.clawshield-7"));
  EXPECT_EQ(testing::read_file(dir.path(), "/etc/x.conf"), "new");
}

TEST(Accounts, StaleLocksAreListedLiveOnesRefused) {
  TempDir dir;
  testing::write_file(dir.path(), "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
  auto fs = Filesystem::open(dir.path());
  auto none = stale_account_locks(*fs);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  testing::write_file(dir.path(), "/etc/passwd.lock", std::to_string(dead_pid()));
  testing::write_file(dir.path(), "/etc/shadow.lock", "");  // shadow refuses these, "without a PID"
  testing::write_file(dir.path(), "/etc/passwd+", "half");
  auto stale = stale_account_locks(*fs);
  ASSERT_TRUE(stale) << stale.error().message;
  EXPECT_EQ(*stale,
            (std::vector<std::string>{"/etc/passwd.lock", "/etc/passwd+", "/etc/shadow.lock"}));
  testing::write_file(dir.path(), "/etc/group.lock", std::to_string(::getpid()));
  auto live = stale_account_locks(*fs);
  ASSERT_FALSE(live);
  EXPECT_EQ(live.error().code, ErrorCode::refused);
  EXPECT_NE(live.error().message.find("/etc/group.lock is held by running process " +
                                      std::to_string(::getpid())),
            std::string::npos)
      << live.error().message;
}

}  // namespace
}  // namespace clawshield
