// The root-prefixed filesystem: nothing escapes the root, writes are atomic with the asked
// owner and mode, and a missing file is told apart from an unreadable one.
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

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

}  // namespace
}  // namespace clawshield
