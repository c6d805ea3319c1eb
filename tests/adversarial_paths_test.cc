// Attacks through paths a hostile app user controls (issue 11, items 1, 6, 7, 12, 13, 14):
// links, FIFOs and directories planted at ~/.openclaw/openclaw.json, a ~/.openclaw swapped
// for a link while apply runs, config shapes the judgement never saw, non-UTF-8 host text in
// --json output, daemon.json built to exhaust the parser, and what a killed writer or a killed
// useradd leaves behind. Run as root in temp roots; the attacker's actions run under the app
// user's real uid (setresuid in a forked child) where the actor matters.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/text.h"
#include "host/runner.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

namespace sfs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* k_config = "/home/openclaw/.openclaw/openclaw.json";

class AdversarialPaths : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_UNLESS_ROOT();
    ::chmod(root().c_str(), 0755);  // the app user must reach its home inside the temp root
    testing::seed_minimal_root(root());
    auto applied = cs({"apply"});
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
    for (const auto& line : split_lines(testing::read_file(root(), "/etc/passwd"))) {
      auto fields = split(line, ':');
      if (fields.size() == 7 && fields[0] == "openclaw") {
        m_uid = static_cast<uid_t>(std::stoul(fields[2]));
        m_gid = static_cast<gid_t>(std::stoul(fields[3]));
      }
    }
    ASSERT_NE(m_uid, 0u) << "no openclaw user after the first apply";
  }
  const std::string& root() const { return m_root.path(); }
  std::string host(const std::string& path) const { return root() + path; }
  // clawshield against the temp root, killed (and the test failed) past `limit`.
  CommandResult cs(std::vector<std::string> args, std::chrono::milliseconds limit = 60s) {
    args.insert(args.end(), {"--root", root(), "--offline"});
    args.insert(args.begin(), CLAWSHIELD_BINARY);
    Command command(args);
    command.env.push_back({"SSH_CONNECTION", ""});
    command.timeout = limit;
    ProcessRunner runner;
    auto result = runner.run(command);
    if (!result) {
      ADD_FAILURE() << display_command(args) << ": " << result.error().message;
      return CommandResult{};
    }
    return *result;
  }
  // Runs `action` as the app user in a child; true when it returned true.
  bool as_app_user(const std::function<bool()>& action) {
    pid_t child = ::fork();
    if (child == 0) {
      if (::setgroups(0, nullptr) != 0 || ::setresgid(m_gid, m_gid, m_gid) != 0 ||
          ::setresuid(m_uid, m_uid, m_uid) != 0)
        ::_exit(10);
      ::_exit(action() ? 0 : 1);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  // verify --json of one layer: id -> "status: evidence".
  std::map<std::string, std::string> checks(const std::string& layer) {
    auto verified = cs({"verify", "--only", layer, "--json"});
    std::map<std::string, std::string> out;
    auto document = nlohmann::json::parse(verified.out, nullptr, false);
    EXPECT_FALSE(document.is_discarded()) << verified.out << verified.err;
    if (document.is_discarded())
      return out;
    for (const auto& check : document["checks"])
      out[check["id"]] = std::string(check["status"]) + ": " + std::string(check["evidence"]);
    return out;
  }
  // Every regular file in the root owned by the app user that holds `needle`.
  std::vector<std::string> app_owned_copies(const std::string& needle) {
    std::vector<std::string> found;
    for (const auto& [path, entry] : testing::snapshot(root(), ""))
      if (entry.type == 'f' && entry.uid == m_uid &&
          entry.content.find(needle) != std::string::npos)
        found.push_back(path);
    return found;
  }

  testing::TempDir m_root;
  uid_t m_uid = 0;
  gid_t m_gid = 0;
};

// Item 1: a link planted at openclaw.json never makes apply copy or chown what it points to.
TEST_F(AdversarialPaths, SymlinkAtConfigToARootOnlyFileIsNeverCopiedOrChanged) {
  testing::write_file(root(), "/root/.ssh/id_ed25519", "PRIVATE-KEY-MATERIAL\n", 0600);
  ASSERT_TRUE(
      as_app_user([&] { return ::symlink("/root/.ssh/id_ed25519", host(k_config).c_str()) == 0; }));
  auto plan = cs({"plan"});
  EXPECT_NE(plan.out.find("is a symlink to /root/.ssh/id_ed25519: refusing to follow"),
            std::string::npos)
      << plan.out << plan.err;
  auto applied = cs({"apply"});
  EXPECT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  EXPECT_TRUE(sfs::is_symlink(host(k_config)));
  struct stat st {};
  ASSERT_EQ(::stat(host("/root/.ssh/id_ed25519").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(testing::read_file(root(), "/root/.ssh/id_ed25519"), "PRIVATE-KEY-MATERIAL\n");
  EXPECT_EQ(app_owned_copies("PRIVATE-KEY-MATERIAL"), std::vector<std::string>{});
  auto found = checks("openclaw");
  EXPECT_TRUE(found["openclaw.config_mode"].starts_with("fail: ")) << found["openclaw.config_mode"];
  EXPECT_NE(found["openclaw.config_mode"].find("symlink"), std::string::npos);
  EXPECT_TRUE(found["openclaw.gateway_bind"].starts_with("unknown: "));
}

// Item 1 with a hard link (possible where protected_hardlinks is off, or made by root before):
// apply must not chown the second name of a root-only file.
TEST_F(AdversarialPaths, HardLinkAtConfigIsNotChanged) {
  testing::write_file(root(), "/etc/secret.conf", "TOKEN=abc\n", 0600);
  ASSERT_EQ(::link(host("/etc/secret.conf").c_str(), host(k_config).c_str()), 0);
  auto applied = cs({"apply"});
  EXPECT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  struct stat st {};
  ASSERT_EQ(::stat(host("/etc/secret.conf").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_NE(checks("openclaw")["openclaw.config_mode"].find("hard links"), std::string::npos);
}

// Item 1, a link on the way: ~/.openclaw itself points at a root-only folder.
TEST_F(AdversarialPaths, SymlinkedStateDirIsNotFollowed) {
  testing::write_file(root(), "/root/private/openclaw.json", "{\"secret\": 1}\n", 0600);
  ASSERT_TRUE(as_app_user([&] {
    return ::rmdir(host("/home/openclaw/.openclaw").c_str()) == 0 &&
           ::symlink("/root/private", host("/home/openclaw/.openclaw").c_str()) == 0;
  }));
  auto applied = cs({"apply"});
  EXPECT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  struct stat st {};
  ASSERT_EQ(::stat(host("/root/private").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
  ASSERT_EQ(::stat(host("/root/private/openclaw.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_TRUE(checks("app_user")["app_user.state_dir"].starts_with("fail: "));
}

// Rollback is a write too: after an apply fixed openclaw.json's mode, the app user swaps
// ~/.openclaw for a link to a folder of root's. A forced rollback must neither write the file
// (the app's token, under the app's name) there nor chmod/chown through the link, and it never
// writes the app's content back at all: only the old mode and owner, on a descriptor.
TEST_F(AdversarialPaths, RollbackThroughASwappedStateDirWritesNothingOutside) {
  ASSERT_TRUE(as_app_user([&] {
    const std::string text = "{\"gateway\":{\"bind\":\"loopback\"},\"token\":\"T\"}\n";
    FILE* file = ::fopen(host(k_config).c_str(), "w");
    return file && ::fputs(text.c_str(), file) >= 0 && ::fclose(file) == 0 &&
           ::chmod(host(k_config).c_str(), 0644) == 0;
  }));
  auto applied = cs({"apply"});
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  struct stat st {};
  ASSERT_EQ(::stat(host(k_config).c_str(), &st), 0);
  ASSERT_EQ(st.st_mode & 07777, 0600u);
  sfs::create_directories(host("/etc/victim.d"));
  ::chmod(host("/etc/victim.d").c_str(), 0755);
  ASSERT_TRUE(as_app_user([&] {
    return ::rename(host("/home/openclaw/.openclaw").c_str(),
                    host("/home/openclaw/.openclaw-moved").c_str()) == 0 &&
           ::symlink("/etc/victim.d", host("/home/openclaw/.openclaw").c_str()) == 0;
  }));
  auto refused = cs({"rollback"});
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  auto forced = cs({"rollback", "--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.out << forced.err;
  EXPECT_FALSE(sfs::exists(host("/etc/victim.d/openclaw.json")));
  ASSERT_EQ(::stat(host("/etc/victim.d").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_TRUE(sfs::is_symlink(host("/home/openclaw/.openclaw")));
}

// The app's content is the app's: a rollback restores only the mode and owner apply changed,
// keeps what the app wrote since, and a content change alone does not need --force.
TEST_F(AdversarialPaths, RollbackKeepsTheAppsContentAndRestoresOnlyItsMode) {
  testing::write_file(root(), k_config, "{\"gateway\":{}}\n", 0644);
  ASSERT_EQ(::chown(host(k_config).c_str(), m_uid, m_gid), 0);
  auto applied = cs({"apply"});
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  ASSERT_TRUE(as_app_user([&] {
    FILE* file = ::fopen(host(k_config).c_str(), "w");
    return file && ::fputs("{\"gateway\":{\"port\":18789}}\n", file) >= 0 && ::fclose(file) == 0;
  }));
  auto rolled = cs({"rollback"});
  EXPECT_EQ(rolled.exit_code, 0) << rolled.out << rolled.err;
  EXPECT_EQ(testing::read_file(root(), k_config), "{\"gateway\":{\"port\":18789}}\n");
  struct stat st {};
  ASSERT_EQ(::stat(host(k_config).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
}

// Found by the attacker's review: a 40 GB sparse openclaw.json (free for its owner) made every
// non-forced rollback — the confirm watchdog's and the boot revert's included — read it whole
// and die. The app's content is never read for a rollback now.
TEST_F(AdversarialPaths, HugeSparseConfigDoesNotStopARollback) {
  testing::write_file(root(), k_config, "{}\n", 0644);
  ASSERT_EQ(::chown(host(k_config).c_str(), m_uid, m_gid), 0);
  auto applied = cs({"apply"});
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  ASSERT_TRUE(as_app_user([&] { return ::truncate(host(k_config).c_str(), 40ll << 30) == 0; }));
  auto rolled = cs({"rollback"}, 30s);
  EXPECT_EQ(rolled.exit_code, 0) << rolled.out << rolled.err;
  // Never read, never written back: still the app's sparse file (its mode is left at 0600,
  // the stricter one: a file that large is not opened even to set attributes).
  struct stat st {};
  ASSERT_EQ(::stat(host(k_config).c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 40ll << 30);
  EXPECT_LT(st.st_blocks, 1024);
}

// Found by the attacker's review: 1,100 nested folders in ~/.openclaw ran rollback out of
// descriptors (one per level) under the default limit of 1024, --force included.
TEST_F(AdversarialPaths, DeeplyNestedAppDataNeitherCrashesNorBlocksRollback) {
  const auto pristine_passwd = testing::read_file(root(), "/etc/passwd");
  ASSERT_TRUE(as_app_user([&] {
    int dir = ::open(host("/home/openclaw/.openclaw").c_str(), O_RDONLY | O_DIRECTORY);
    for (int level = 0; level < 1100 && dir >= 0; ++level) {
      if (::mkdirat(dir, "d", 0700) != 0)
        return false;
      int next = ::openat(dir, "d", O_RDONLY | O_DIRECTORY);
      ::close(dir);
      dir = next;
    }
    return dir >= 0 && ::close(dir) == 0;
  }));
  // The default soft limit of a service; clawshield raises it to the hard limit itself.
  Command limited({"prlimit", "--nofile=1024:", "--", CLAWSHIELD_BINARY, "rollback", "--root",
                   root(), "--offline"});
  limited.timeout = 60s;
  ProcessRunner runner;
  auto refused = runner.run(limited);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->exit_code, 2) << refused->out << refused->err;  // the app's data: refused
  limited.argv.push_back("--force");
  auto forced = runner.run(limited);
  ASSERT_TRUE(forced);
  EXPECT_EQ(forced->exit_code, 0) << forced->out << forced->err;
  EXPECT_FALSE(sfs::exists(host("/home/openclaw/.openclaw")));
  EXPECT_NE(testing::read_file(root(), "/etc/passwd"), pristine_passwd);  // rolled back
}

// Found by the attacker's review: with a nested state dir, ~/.openclaw swapped for a link to a
// folder of root's made a forced rollback remove that folder's "state" by name.
TEST_F(AdversarialPaths, ForcedRollbackNeverRemovesThroughASwappedFolder) {
  const std::string policy = root() + "-nested.yaml";
  testing::write_file("", policy, "app:\n  state_dir: ~/.openclaw/state\n");
  auto applied = cs({"apply", "--policy", policy});
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  ASSERT_TRUE(sfs::is_directory(host("/home/openclaw/.openclaw/state")));
  testing::write_file(root(), "/var/lib/victim/state/keep", "root's data\n", 0600);
  ASSERT_TRUE(as_app_user([&] {
    return ::rename(host("/home/openclaw/.openclaw").c_str(), host("/home/openclaw/.oc").c_str()) ==
               0 &&
           ::symlink("/var/lib/victim", host("/home/openclaw/.openclaw").c_str()) == 0;
  }));
  auto forced = cs({"rollback", "--force", "--policy", policy});
  EXPECT_EQ(forced.exit_code, 0) << forced.out << forced.err;
  EXPECT_EQ(testing::read_file(root(), "/var/lib/victim/state/keep"), "root's data\n");
  EXPECT_TRUE(sfs::is_symlink(host("/home/openclaw/.openclaw")));
  sfs::remove(policy);
}

// Found by the attacker's review: the app user owns openclaw.json, so it may hold a write lease
// on it; every open of root's then fails (EWOULDBLOCK). That skips the config's own change and
// leaves its checks unknown — it never stops apply for every other layer.
TEST_F(AdversarialPaths, ALeaseOnTheConfigDoesNotBlockApply) {
  testing::write_file(root(), k_config, "{}\n", 0644);
  ASSERT_EQ(::chown(host(k_config).c_str(), m_uid, m_gid), 0);
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t holder = ::fork();
  if (holder == 0) {
    ::close(ready[0]);
    ::signal(SIGIO, SIG_IGN);
    if (::setgroups(0, nullptr) != 0 || ::setresgid(m_gid, m_gid, m_gid) != 0 ||
        ::setresuid(m_uid, m_uid, m_uid) != 0)
      ::_exit(10);
    int fd = ::open(host(k_config).c_str(), O_RDONLY);
    const char ok = fd >= 0 && ::fcntl(fd, F_SETLEASE, F_WRLCK) == 0 ? 'y' : 'n';
    (void)!::write(ready[1], &ok, 1);
    ::sleep(30);  // holds the lease (the kernel breaks it only after lease-break-time)
    ::_exit(0);
  }
  ::close(ready[1]);
  char ok = 'n';
  ASSERT_EQ(::read(ready[0], &ok, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(ok, 'y') << "could not take a write lease as the app user";
  auto applied = cs({"apply"});
  ::kill(holder, SIGKILL);
  ::waitpid(holder, nullptr, 0);
  EXPECT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  EXPECT_NE(applied.out.find("skipped"), std::string::npos) << applied.out;
}

// Item 6: a FIFO must not hang anything.
TEST_F(AdversarialPaths, FifoAtConfigDoesNotHangPlanVerifyOrApply) {
  ASSERT_TRUE(as_app_user([&] { return ::mkfifo(host(k_config).c_str(), 0600) == 0; }));
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"plan"}, {"verify"}, {"verify", "--checklist"}, {"apply"}}) {
    const auto start = std::chrono::steady_clock::now();
    auto result = cs(args, 30s);
    EXPECT_NE(result.exit_code, -1) << args[0];
    EXPECT_LT(std::chrono::steady_clock::now() - start, 20s) << args[0];
    EXPECT_EQ(result.err.find("internal error"), std::string::npos) << result.err;
  }
  struct stat st {};
  ASSERT_EQ(::lstat(host(k_config).c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_NE(checks("openclaw")["openclaw.config_mode"].find("is a FIFO, not a regular file"),
            std::string::npos);
}

// Item 6: a directory there reports the config and lets every other layer apply.
TEST_F(AdversarialPaths, DirectoryAtConfigDoesNotBlockTheOtherLayers) {
  ASSERT_TRUE(as_app_user([&] {
    return ::mkdir(host(k_config).c_str(), 0755) == 0 &&
           ::chmod(host("/home/openclaw/.openclaw").c_str(), 0755) == 0;
  }));
  auto applied = cs({"apply"});
  EXPECT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  struct stat st {};
  ASSERT_EQ(::stat(host("/home/openclaw/.openclaw").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u) << "the app_user layer was not applied";
  auto found = checks("openclaw");
  EXPECT_TRUE(found["openclaw.config_mode"].starts_with("fail: ")) << found["openclaw.config_mode"];
  EXPECT_TRUE(found["openclaw.gateway_bind"].starts_with("unknown: "))
      << found["openclaw.gateway_bind"];
}

// Item 6: every JSON shape gets a judgement with evidence; garbage is never a pass.
TEST_F(AdversarialPaths, EveryGatewayShapeIsJudgedWithoutInternalError) {
  for (const char* text : {R"({"gateway":{"bind":null}})", R"({"gateway":{"bind":5}})",
                           R"({"gateway":{"bind":["x"]}})", R"({"gateway":"lan"})",
                           R"({"gateway":{"bind":"custom","customBindHost":5}})",
                           R"({"gateway":{"bind":"custom","customBindHost":null}})",
                           R"({"gateway":{"bind":"lan"},"x":1e999})", R"([1,2])"}) {
    testing::write_file(root(), k_config, text, 0600);
    ASSERT_EQ(::chown(host(k_config).c_str(), m_uid, m_gid), 0);
    auto result = cs({"verify", "--only", "openclaw", "--json"});
    EXPECT_EQ(result.err.find("internal error"), std::string::npos) << text << result.err;
    auto bind = checks("openclaw")["openclaw.gateway_bind"];
    EXPECT_TRUE(bind.starts_with("fail: ") || bind.starts_with("unknown: "))
        << text << " -> " << bind;
    auto checklist = cs({"verify", "--checklist"});
    EXPECT_EQ(checklist.err.find("internal error"), std::string::npos) << text << checklist.err;
  }
}

// Item 7: the app user swaps ~/.openclaw between a folder and a link to a folder outside the
// root while apply creates it, again and again. The outside folder is never changed.
TEST_F(AdversarialPaths, StateDirSwapRaceNeverChangesAnOutsideDirectory) {
  testing::TempDir outside;
  ::chmod(outside.path().c_str(), 0755);
  const std::string state = host("/home/openclaw/.openclaw");
  const std::string moved = host("/home/openclaw/.moved");
  const std::string target = outside.path();
  pid_t swapper = ::fork();
  if (swapper == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setresgid(m_gid, m_gid, m_gid) != 0 ||
        ::setresuid(m_uid, m_uid, m_uid) != 0)
      ::_exit(10);
    while (true) {
      if (::rename(state.c_str(), moved.c_str()) == 0) {
        // A relative link climbing out of the temp root: "../" resolution stays inside the
        // root for RESOLVE_IN_ROOT, so point at the outside folder by its machine path too.
        // Fails when apply took the name back first: the race this test runs.
        [[maybe_unused]] const int linked = ::symlink(target.c_str(), state.c_str());
        ::rmdir(moved.c_str());
        ::unlink(state.c_str());
      }
    }
  }
  for (int round = 0; round < 25; ++round) {
    auto result = cs({"apply"});
    EXPECT_NE(result.exit_code, -1);
    EXPECT_EQ(result.err.find("internal error"), std::string::npos) << result.err;
    ::rmdir(state.c_str());  // as root: make apply create it again next round
  }
  ::kill(swapper, SIGKILL);
  ::waitpid(swapper, nullptr, 0);
  struct stat st {};
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_EQ(st.st_uid, 0u);
}

// Item 12: one non-UTF-8 byte in host text that ends up in evidence.
TEST_F(AdversarialPaths, NonUtf8HostTextStillGivesValidJson) {
  testing::write_file(root(), "/etc/sudoers.d/zz-local",
                      "openclaw ALL=(root) NOPASSWD: /usr/bin/caf\xe9 *\n", 0440);
  testing::write_file(root(), "/etc/ssh/sshd_config",
                      "PermitRootLogin yes\xff\nPasswordAuthentication ye\xe9s\n", 0644);
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"verify", "--json"}, {"plan", "--json"}}) {
    auto result = cs(args);
    EXPECT_EQ(result.err.find("internal error"), std::string::npos) << result.err;
    auto document = nlohmann::json::parse(result.out, nullptr, false);
    EXPECT_FALSE(document.is_discarded()) << args[0] << ": " << result.out << result.err;
    if (args[0] == "verify") {
      EXPECT_NE(result.out.find("\xEF\xBF\xBD"), std::string::npos)
          << "the byte did not reach the evidence: " << result.out;
    }
  }
}

// Item 13: daemon.json built to break the parser: a clear error, fast, nothing changed.
TEST_F(AdversarialPaths, HostileDaemonJsonFailsCleanlyAndQuickly) {
  testing::add_installed_package(root(), "docker.io", "20.10.24+dfsg1-1");
  for (const std::string& text :
       {std::string("{\"x\":1e999}"), std::string(200000, '[') + std::string(200000, ']'),
        "{\"a\":" + std::string(5000, '[') + std::string(5000, ']') + "}"}) {
    testing::write_file(root(), "/etc/docker/daemon.json", text, 0644);
    const auto before = testing::snapshot(root());
    for (const char* command : {"plan", "apply", "verify"}) {
      const auto start = std::chrono::steady_clock::now();
      auto result = cs({command}, 30s);
      EXPECT_LT(std::chrono::steady_clock::now() - start, 10s) << command;
      EXPECT_NE(result.exit_code, -1) << command << " crashed";
      EXPECT_EQ(result.err.find("internal error"), std::string::npos) << result.err;
      const std::string said = result.out + result.err;
      EXPECT_TRUE(said.find("is out of range") != std::string::npos ||
                  said.find("nested deeper than 64 levels") != std::string::npos)
          << command << ": " << said.substr(0, 2000);
    }
    EXPECT_EQ(testing::tree_difference(before, testing::snapshot(root())), "");
  }
}

// Item 14: a temp file a killed write left is removed by the next write of that path.
TEST_F(AdversarialPaths, StaleTempFileIsRemovedByTheNextApply) {
  // A file apply manages, changed so the next apply writes it again.
  const std::string managed = "/etc/docker/daemon.json";
  testing::add_installed_package(root(), "docker.io", "20.10.24+dfsg1-1");
  const std::string stale = "/etc/docker/.daemon.json.clawshield-123456";
  testing::write_file(root(), stale, "half-written");
  auto applied = cs({"apply"});
  EXPECT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  EXPECT_TRUE(sfs::exists(host(managed)));
  EXPECT_FALSE(sfs::exists(host(stale)));
}

// Item 14: a useradd killed earlier left its lock; the next apply clears it, or refuses while
// a live process holds it.
TEST_F(AdversarialPaths, StaleAccountLockIsClearedLiveOneRefused) {
  testing::TempDir fresh;
  testing::seed_minimal_root(fresh.path());
  auto run = [&](const std::string& command) {
    return testing::run_clawshield({command, "--root", fresh.path(), "--offline"});
  };
  testing::write_file(fresh.path(), "/etc/passwd.lock", "");  // shadow: "without a PID"
  testing::write_file(fresh.path(), "/etc/passwd+", "half\n");
  auto applied = run("apply");
  EXPECT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  EXPECT_FALSE(sfs::exists(fresh.path() + "/etc/passwd.lock"));
  EXPECT_FALSE(sfs::exists(fresh.path() + "/etc/passwd+"));
  EXPECT_NE(testing::read_file(fresh.path(), "/etc/passwd").find("openclaw:x:"), std::string::npos);

  testing::TempDir busy;
  testing::seed_minimal_root(busy.path());
  testing::write_file(busy.path(), "/etc/group.lock", std::to_string(::getpid()));
  const auto before = testing::snapshot(busy.path());
  auto refused = testing::run_clawshield({"apply", "--root", busy.path(), "--offline"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE((refused.out + refused.err).find("/etc/group.lock is held by running process"),
            std::string::npos)
      << refused.out << refused.err;
  EXPECT_EQ(testing::tree_difference(before, testing::snapshot(busy.path())), "");
}

}  // namespace
}  // namespace clawshield
