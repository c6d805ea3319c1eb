// Shared helpers for tests that work on whole temporary roots.
#include "support/temp_root.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace clawshield::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "clawshield-test-XXXXXX").string();
  if (!::mkdtemp(pattern.data()))
    throw std::runtime_error("mkdtemp failed");
  m_path = pattern;
  fs::permissions(m_path, fs::perms(0755));
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(m_path, ignored);
}

void write_file(const std::string& root, const std::string& path, const std::string& content,
                unsigned mode) {
  fs::path full = fs::path(root + path);
  fs::create_directories(full.parent_path());
  std::ofstream(full, std::ios::binary | std::ios::trunc) << content;
  fs::permissions(full, fs::perms(mode));
}

std::string read_file(const std::string& root, const std::string& path) {
  std::ifstream in(root + path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void seed_minimal_root(const std::string& root) {
  write_file(root, "/etc/passwd",
             "root:x:0:0:root:/root:/bin/bash\n"
             "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
             "admin:x:1000:1000:Admin:/home/admin:/bin/bash\n");
  write_file(root, "/etc/group",
             "root:x:0:\ndaemon:x:1:\nsudo:x:27:admin\nadmin:x:1000:\ndocker:x:990:admin\n");
  write_file(root, "/etc/shadow",
             "root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nadmin:!:19000:0:99999:7:::\n",
             0640);
  write_file(root, "/etc/gshadow",
             "root:*::\ndaemon:*::\nsudo:*::admin\nadmin:!::\ndocker:!::admin\n", 0640);
  write_file(root, "/etc/apt/apt.conf.d/50unattended-upgrades",
             "Unattended-Upgrade::Origins-Pattern {\n"
             "  \"origin=Debian,codename=${distro_codename},label=Debian\";\n"
             "  \"origin=Debian,codename=${distro_codename},label=Debian-Security\";\n"
             "};\n");
  write_file(root, "/var/lib/dpkg/status",
             "Package: unattended-upgrades\nStatus: install ok installed\nPriority: optional\n"
             "Section: admin\nMaintainer: Debian\nArchitecture: all\nVersion: 2.9.1+nmu3\n"
             "Description: automatic installation of security upgrades\n");
  fs::create_directories(root + "/home");
  fs::create_directories(root + "/run");
}

Tree snapshot(const std::string& root, const std::string& exclude) {
  Tree tree;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    std::string relative = fs::relative(it->path(), root).string();
    if (!exclude.empty() && (relative == exclude || relative.starts_with(exclude + "/"))) {
      if (it->is_directory() && !it->is_symlink())
        it.disable_recursion_pending();
      continue;
    }
    struct stat st {};
    ::lstat(it->path().c_str(), &st);
    TreeEntry entry{'?', st.st_mode & 07777u, st.st_uid, st.st_gid, {}};
    if (S_ISLNK(st.st_mode)) {
      entry.type = 'l';
      entry.content = fs::read_symlink(it->path()).string();
    } else if (S_ISDIR(st.st_mode)) {
      entry.type = 'd';
    } else if (S_ISREG(st.st_mode)) {
      entry.type = 'f';
      entry.content = read_file(root, "/" + relative);
    }
    tree.emplace(relative, std::move(entry));
  }
  return tree;
}

std::string tree_difference(const Tree& before, const Tree& after) {
  std::ostringstream out;
  for (const auto& [path, entry] : before) {
    auto it = after.find(path);
    if (it == after.end())
      out << "missing after: " << path << "\n";
    else if (!(it->second == entry))
      out << "changed: " << path << "\n";
  }
  for (const auto& [path, entry] : after)
    if (!before.contains(path))
      out << "added: " << path << "\n";
  return out.str();
}

namespace {

// With CLAWSHIELD_TEST_JSON_CAPTURE=DIR, every run of clawshield leaves its arguments, exit code
// and output in DIR/<suite>.<test>.<n>.json (or .txt without --json): issue 16's "the plan/verify
// JSON is unchanged" is a diff of two such folders, one made before a refactoring and one after.
void capture_json_output(const std::vector<std::string>& args, const CommandResult& result) {
  const char* dir = std::getenv("CLAWSHIELD_TEST_JSON_CAPTURE");
  if (dir == nullptr)
    return;
  const bool json = std::find(args.begin(), args.end(), "--json") != args.end();
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string test = info == nullptr
                               ? std::string("none")
                               : std::string(info->test_suite_name()) + "." + info->name();
  static std::map<std::string, int> counts;
  const int n = counts[test]++;
  std::string name = test;
  for (char& c : name)
    if (c == '/')
      c = '_';
  std::ofstream out(std::string(dir) + "/" + name + "." + std::to_string(n) +
                    (json ? ".json" : ".txt"));
  out << "args:";
  for (const auto& arg : args) out << " " << arg;
  out << "\nexit: " << result.exit_code << "\n" << result.out << "\nstderr:\n" << result.err;
}

}  // namespace

CommandResult run_clawshield(const std::vector<std::string>& args,
                             const std::vector<std::pair<std::string, std::string>>& env) {
  // CLAWSHIELD_TEST_BINARY runs the tests against another build's binary: a refactoring's
  // output diffed before and after (with CLAWSHIELD_TEST_JSON_CAPTURE).
  const char* other = std::getenv("CLAWSHIELD_TEST_BINARY");
  std::vector<std::string> argv = {other != nullptr && *other != '\0' ? other : CLAWSHIELD_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessRunner runner;
  Command command(argv);
  command.env.push_back({"SSH_CONNECTION", ""});
  command.env.push_back({"SUDO_USER", ""});
  command.env.push_back({"SUDO_UID", ""});
  command.env.insert(command.env.end(), env.begin(), env.end());
  auto result = runner.run(command);
  if (!result) {
    ADD_FAILURE() << result.error().message;
    return CommandResult{};
  }
  capture_json_output(args, *result);
  return *result;
}

bool running_as_root() {
  return ::geteuid() == 0;
}

void add_installed_package(const std::string& root, const std::string& package,
                           const std::string& version) {
  write_file(root, "/var/lib/dpkg/status",
             read_file(root, "/var/lib/dpkg/status") + "\nPackage: " + package +
                 "\nStatus: install ok installed\nPriority: optional\nSection: admin\n"
                 "Maintainer: Debian\nArchitecture: amd64\nVersion: " +
                 version + "\nDescription: " + package + "\n");
}

int kill_watchdogs(const std::string& root) {
  int killed = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::vector<std::string> argv;
    for (std::string word; std::getline(in, word, '\0');) argv.push_back(word);
    if (std::find(argv.begin(), argv.end(), "firewall-revert") == argv.end() ||
        std::find(argv.begin(), argv.end(), root) == argv.end())
      continue;
    const pid_t pid = std::stoi(name);
    if (::kill(pid, SIGKILL) == 0)
      ++killed;
    for (int i = 0; i < 50 && ::kill(pid, 0) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return killed;
}

}  // namespace clawshield::testing
