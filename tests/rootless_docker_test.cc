// Issue 14 below the booted host: subordinate-id allocation (the admin's lines kept byte for
// byte, a hostile file neither wrapping ids nor hiding the user's range), what apply writes for
// app.sandbox rootless and what switching away removes, rollback to the seed's setup byte for
// byte, the system socket judged from owners and modes, the user's socket reached by
// descriptor only, and a Docker answer bounded in size. The daemon itself runs in
// booted_sandbox_test.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "host/docker_api.h"
#include "host/filesystem.h"
#include "layers/rootless_docker/rootless_docker_layer.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

using nlohmann::json;

TEST(SubordinateIds, AppendsAfterEveryRangeAndKeepsTheAdminsLines) {
  const std::string admin =
      "# the admin's note\n"
      "admin:100000:65536\n"
      "broken line\n"
      "ci:300000:1000";  // no final newline
  auto added = with_subordinate_range(admin, "openclaw", 1000, 65536);
  ASSERT_TRUE(added) << added.error().message;
  ASSERT_TRUE(*added);
  EXPECT_EQ(**added, admin + "\nopenclaw:301000:65536\n");
  // Already there, by name or by uid: nothing to write.
  auto by_name = with_subordinate_range(**added, "openclaw", 1000, 65536);
  ASSERT_TRUE(by_name);
  EXPECT_FALSE(*by_name);
  auto by_uid = with_subordinate_range("1000:500000:65536\n", "openclaw", 1000, 65536);
  ASSERT_TRUE(by_uid);
  EXPECT_FALSE(*by_uid);
  // Too small a range is no range: a new one is added (the old line stays).
  auto small = with_subordinate_range("openclaw:100000:10\n", "openclaw", 1000, 65536);
  ASSERT_TRUE(small && *small);
  EXPECT_EQ(**small, "openclaw:100000:10\nopenclaw:100010:65536\n");
  // An empty file starts where shadow does; ranges below it do not pull the start down.
  auto empty = with_subordinate_range("low:1000:10\n", "openclaw", std::nullopt, 65536);
  ASSERT_TRUE(empty && *empty);
  EXPECT_EQ(**empty, "low:1000:10\nopenclaw:100000:65536\n");
}

TEST(SubordinateIds, HostileLinesNeitherWrapIdsNorHideTheUser) {
  // A line whose end overflows 64 bits, or lies past 2^32, is not a range (it would wrap the
  // next start to a low id, i.e. a real account's).
  auto ranges = parse_subordinate_ids(
      "x:18446744073709551615:2\ny:4294967295:1\nz:4294967000:65536\nok:200000:5\n"
      "openclaw:abc:65536\n:1:2\nw:-5:10\n");
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges[0].owner, "ok");
  auto added =
      with_subordinate_range("x:18446744073709551615:2\nok:200000:5\n", "openclaw", 1000, 65536);
  ASSERT_TRUE(added && *added);
  EXPECT_NE((*added)->find("openclaw:200005:65536\n"), std::string::npos) << **added;
  // No room below 2^32: refused, not wrapped.
  auto full = with_subordinate_range("big:100000:4294860000\n", "openclaw", 1000, 65536);
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code, ErrorCode::refused);
}

// Container ids map onto the host through these ranges: one over a real account's uid makes
// container root able to create files as that account (a setuid binary of bob's in ~openclaw).
TEST(SubordinateIds, RangesSkipRealAccountsAndHonourLoginDefs) {
  SubordinateSpace space{200000, {0, 1000, 210000, 300000}};
  auto added = with_subordinate_range("", "openclaw", 1000, 65536, space);
  ASSERT_TRUE(added && *added);
  EXPECT_EQ(**added, "openclaw:210001:65536\n");  // past 210000, before 300000
  // An existing range of the user's that maps root or a real account does not count.
  auto rooted = with_subordinate_range("openclaw:0:65536\n", "openclaw", 1000, 65536, space);
  ASSERT_TRUE(rooted && *rooted);
  EXPECT_EQ(**rooted, "openclaw:0:65536\nopenclaw:210001:65536\n");
  EXPECT_NE(subordinate_range_fault({"openclaw", 0, 65536}, space).find("maps root"),
            std::string::npos);
  EXPECT_NE(subordinate_range_fault({"openclaw", 205000, 65536}, space).find("210000"),
            std::string::npos);
  EXPECT_EQ(subordinate_range_fault({"openclaw", 210001, 65536}, space), "");
  // A range that would cover 300000 moves past it.
  auto past = with_subordinate_range("a:250000:40000\n", "openclaw", 1000, 65536, space);
  ASSERT_TRUE(past && *past);
  EXPECT_EQ(**past, "a:250000:40000\nopenclaw:300001:65536\n");
}

TEST(RootlessDocker, UnitAndSettingsAreRootsAndKeepRootlesskitWorking) {
  Policy policy;
  const std::string unit = render_rootless_unit(policy, rootless_script("docker.io"));
  EXPECT_NE(unit.find("User=openclaw\n"), std::string::npos);
  EXPECT_NE(unit.find("ExecStart=/usr/share/docker.io/contrib/dockerd-rootless.sh --config-file "
                      "/etc/clawshield/docker-rootless-openclaw.json\n"),
            std::string::npos)
      << unit;
  EXPECT_NE(unit.find("RuntimeDirectory=docker-rootless-openclaw\nRuntimeDirectoryMode=0700\n"),
            std::string::npos);
  EXPECT_NE(unit.find("Environment=XDG_RUNTIME_DIR=/run/docker-rootless-openclaw\n"),
            std::string::npos);
  EXPECT_NE(unit.find("ProtectSystem=strict\n"), std::string::npos);
  EXPECT_NE(unit.find("\nTasksMax=4096\n"), std::string::npos);
  // newuidmap is setuid: no_new_privs (set by NoNewPrivileges or any syscall filter) breaks it.
  for (const char* breaks : {"NoNewPrivileges=", "SystemCallFilter=", "ProtectKernelModules=",
                             "ProtectClock=", "RestrictRealtime=", "CapabilityBoundingSet="})
    EXPECT_EQ(unit.find(std::string("\n") + breaks), std::string::npos) << breaks;
  EXPECT_EQ(rootless_script("docker-ce"), "/usr/bin/dockerd-rootless.sh");

  json config = json::parse(render_rootless_config(policy));
  EXPECT_EQ(config["ip"], "127.0.0.1");
  EXPECT_EQ(config["no-new-privileges"], true);
  EXPECT_EQ(config["log-opts"]["max-size"], "10m");
  // Ports are published through the userland proxy rootless: never turned off here.
  EXPECT_FALSE(config.contains("userland-proxy"));
  EXPECT_FALSE(config.contains("live-restore"));
}

// A unix socket listening at `path` (the caller removes it).
int listen_at(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0) << path;
  EXPECT_EQ(::listen(fd, 4), 0);
  return fd;
}

// Accepts one connection on `listener` and reads its request (what it asks does not matter
// here); -1 once the listener is shut down.
int accept_request(int listener) {
  int client = ::accept(listener, nullptr, nullptr);
  if (client >= 0) {
    char buffer[4096];
    (void)::recv(client, buffer, sizeof buffer, 0);
  }
  return client;
}

// A Docker daemon that answers each request with the next of `bodies` (HTTP 200), then hangs
// up: what a compromised app user can put behind its rootless daemon's socket.
class FakeDaemon {
 public:
  FakeDaemon(const std::string& path, std::vector<std::string> bodies)
      : m_listener(listen_at(path)), m_thread([this, bodies = std::move(bodies)] {
          for (const auto& body : bodies) {
            int client = accept_request(m_listener);
            if (client < 0)
              return;
            const std::string reply =
                "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\nConnection: close\r\n\r\n" + body;
            (void)::send(client, reply.data(), reply.size(), MSG_NOSIGNAL);
            ::close(client);
          }
        }) {}
  ~FakeDaemon() {
    ::shutdown(m_listener, SHUT_RDWR);
    m_thread.join();
    ::close(m_listener);
  }

 private:
  int m_listener;
  std::thread m_thread;
};

// The user's socket is reached through a descriptor of the object checked, never a link: a
// link planted at its name is refused, and so is a file that is no socket.
TEST(RootlessDocker, TheUsersSocketIsReachedByDescriptorNeverThroughALink) {
  testing::TempDir root;
  std::filesystem::create_directories(root.path() + "/run/docker-rootless-openclaw");
  std::filesystem::create_directories(root.path() + "/run/elsewhere");
  auto fs = Filesystem::open(root.path());
  ASSERT_TRUE(fs);
  const std::string socket = "/run/docker-rootless-openclaw/docker.sock";

  int listener = listen_at(root.path() + "/run/elsewhere/docker.sock");
  std::filesystem::create_symlink(root.path() + "/run/elsewhere/docker.sock", root.path() + socket);
  auto linked = fs->open_untrusted(socket, "/run", UntrustedKind::socket);
  ASSERT_FALSE(linked);
  EXPECT_EQ(linked.error().code, ErrorCode::refused);
  EXPECT_NE(linked.error().message.find("symlink"), std::string::npos) << linked.error().message;
  std::filesystem::remove(root.path() + socket);

  testing::write_file(root.path(), socket, "not a socket");
  auto file = fs->open_untrusted(socket, "/run", UntrustedKind::socket);
  ASSERT_FALSE(file);
  EXPECT_NE(file.error().message.find("not a socket"), std::string::npos);
  std::filesystem::remove(root.path() + socket);

  // A real socket: connected through /proc/self/fd/N, the request reaches it.
  FakeDaemon daemon(root.path() + socket, {R"({"SecurityOptions":["name=rootless"]})"});
  auto opened = fs->open_untrusted(socket, "/run", UntrustedKind::socket);
  ASSERT_TRUE(opened) << opened.error().message;
  CurlDockerApi api("/proc/self/fd/" + std::to_string(opened->descriptor()));
  auto info = api.get("/info");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_NE(info->find("name=rootless"), std::string::npos);
  ::close(listener);
}

// The rootless daemon is the app user's: an answer without end is cut, not held in memory.
TEST(RootlessDocker, ADaemonsAnswerIsBounded) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/docker.sock";
  int listener = listen_at(path);
  std::thread server([listener] {
    int client = accept_request(listener);
    if (client < 0)
      return;
    const std::string head = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n[";
    // MSG_NOSIGNAL: the client hangs up once it has had enough, and that is the point.
    (void)::send(client, head.data(), head.size(), MSG_NOSIGNAL);
    const std::string chunk(1 << 16, ' ');
    for (int i = 0; i < 1024; ++i)  // 64 MiB
      if (::send(client, chunk.data(), chunk.size(), MSG_NOSIGNAL) < 0)
        break;
    ::close(client);
  });
  CurlDockerApi api(path);
  auto listed = api.get("/containers/json");
  server.join();
  ::close(listener);
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().code, ErrorCode::bad_input);
  EXPECT_NE(listed.error().message.find("answered more than"), std::string::npos)
      << listed.error().message;
}

class RootlessApply : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_UNLESS_ROOT();
    testing::seed_minimal_root(root());
    testing::add_installed_package(root(), "docker.io", "20.10.24+dfsg1-1+deb12u1+b6");
    testing::write_file(root(), "/etc/subuid", "admin:100000:65536\n");
    testing::write_file(root(), "/etc/subgid", "admin:100000:65536\n");
  }
  const std::string& root() const { return m_root.path(); }
  CommandResult cs(std::vector<std::string> args) {
    args.insert(args.end(), {"--root", root(), "--offline"});
    return testing::run_clawshield(args);
  }
  std::string policy_file(const std::string& content) {
    testing::write_file(root(), "/etc/clawshield/policy.yaml", content);
    return root() + "/etc/clawshield/policy.yaml";
  }
  testing::TempDir m_root;
};

TEST_F(RootlessApply, WritesTheDaemonAndPointsTheGatewayAtIt) {
  auto plan = cs({"plan"});
  EXPECT_NE(plan.out.find("apt-get install rootlesskit slirp4netns uidmap"), std::string::npos)
      << plan.out;
  auto applied = cs({"apply"});
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  EXPECT_EQ(testing::read_file(root(), "/etc/subuid"),
            "admin:100000:65536\nopenclaw:165536:65536\n");
  EXPECT_EQ(testing::read_file(root(), "/etc/subgid"),
            "admin:100000:65536\nopenclaw:165536:65536\n");
  const std::string unit =
      testing::read_file(root(), "/etc/systemd/system/docker-rootless-openclaw.service");
  EXPECT_NE(unit.find("User=openclaw\n"), std::string::npos);
  const std::string gateway = testing::read_file(root(), "/etc/systemd/system/openclaw.service");
  EXPECT_NE(gateway.find("Environment=DOCKER_HOST=unix:///run/docker-rootless-openclaw/"
                         "docker.sock\n"),
            std::string::npos)
      << gateway;
  EXPECT_NE(gateway.find("Wants=docker-rootless-openclaw.service\n"
                         "After=docker-rootless-openclaw.service\n"),
            std::string::npos);
  // The daemon's data root is its own to make (the app's data): rollback must not own it.
  EXPECT_FALSE(std::filesystem::exists(root() + "/home/openclaw/.local/share/docker"));
  EXPECT_NE(unit.find("\nProtectHome=read-only\n"), std::string::npos);
  EXPECT_NE(unit.find("\nReadWritePaths=/home/openclaw\n"), std::string::npos) << unit;

  // Offline, the verdicts that need the running daemon are unknown, the files' are not.
  auto verified = cs({"verify", "--json", "--only", "rootless_docker"});
  json document = json::parse(verified.out);
  std::map<std::string, std::string> status;
  for (const auto& check : document["checks"]) status[check["id"]] = check["status"];
  EXPECT_EQ(status["rootless_docker.subordinate_ids"], "pass");
  EXPECT_EQ(status["rootless_docker.daemon_config"], "pass");
  EXPECT_EQ(status["rootless_docker.system_socket_closed"], "pass");  // no system socket
  for (const char* id :
       {"rootless_docker.daemon_rootless", "rootless_docker.socket_private",
        "rootless_docker.no_docker_group_left", "rootless_docker.gateway_docker_host"})
    EXPECT_EQ(status[id], "unknown") << id;

  // With the packages installed, nothing is left to do.
  for (const char* package : {"rootlesskit", "slirp4netns", "uidmap"})
    testing::add_installed_package(root(), package, "1.0");
  auto again = cs({"plan"});
  EXPECT_EQ(again.out.find("apt-get install"), std::string::npos) << again.out;
  EXPECT_EQ(again.exit_code, 0) << again.out;

  // An admin's edit of the daemon's settings is caught.
  testing::write_file(root(), "/etc/clawshield/docker-rootless-openclaw.json",
                      "{\"ip\": \"0.0.0.0\"}\n");
  auto edited = cs({"verify", "--only", "rootless_docker"});
  EXPECT_NE(edited.out.find("fail     rootless_docker.daemon_config"), std::string::npos)
      << edited.out;
}

// The seed's setup (system Docker, the user in `docker`), rootless applied, then rolled back:
// every file as it was, byte for byte.
TEST_F(RootlessApply, RollbackReturnsTheSystemDockerSetupByteForByte) {
  auto first = cs({"apply", "--policy", policy_file("app:\n  sandbox: system-docker\n")});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  ProcessRunner runner;
  auto added = runner.run(
      Command({"usermod", "--prefix", root(), "--append", "--groups", "docker", "openclaw"}));
  ASSERT_TRUE(added && added->ok());
  std::filesystem::remove(root() + "/etc/clawshield/policy.yaml");
  const auto before = testing::snapshot(root());

  auto applied = cs({"apply"});
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  EXPECT_NE(applied.out.find("remove openclaw from docker"), std::string::npos) << applied.out;
  EXPECT_NE(applied.out.find("restart user@"), std::string::npos) << applied.out;
  EXPECT_NE(testing::read_file(root(), "/etc/group").find("docker:x:990:admin\n"),
            std::string::npos)
      << testing::read_file(root(), "/etc/group");
  auto rolled = cs({"rollback"});
  ASSERT_EQ(rolled.exit_code, 0) << rolled.out << rolled.err;
  EXPECT_EQ(testing::tree_difference(before, testing::snapshot(root())), "");
}

// verify reads every range of the user's: a second, root-mapping line fails it, and the
// admin's SUB_UID_MIN is where apply starts.
TEST_F(RootlessApply, ARangeOverRealIdsFailsAndLoginDefsIsHonoured) {
  testing::write_file(root(), "/etc/login.defs", "# shadow\nSUB_UID_MIN\t\t300000\n");
  ASSERT_EQ(cs({"apply"}).exit_code, 0);
  EXPECT_EQ(testing::read_file(root(), "/etc/subuid"),
            "admin:100000:65536\nopenclaw:300000:65536\n");
  EXPECT_EQ(testing::read_file(root(), "/etc/subgid"),
            "admin:100000:65536\nopenclaw:165536:65536\n");
  testing::write_file(root(), "/etc/subuid",
                      "admin:100000:65536\nopenclaw:300000:65536\nopenclaw:0:65536\n");
  auto verified = cs({"verify", "--only", "rootless_docker"});
  EXPECT_NE(verified.out.find("fail     rootless_docker.subordinate_ids"), std::string::npos)
      << verified.out;
  EXPECT_NE(verified.out.find("openclaw:0:65536 starts at 0, below 300000 (maps root)"),
            std::string::npos)
      << verified.out;
}

// Switching to another sandbox retires the daemon's unit and settings (rollback brings them
// back); the gateway unit loses DOCKER_HOST.
TEST_F(RootlessApply, AnotherSandboxRetiresTheDaemon) {
  ASSERT_EQ(cs({"apply"}).exit_code, 0);
  const auto rootless = testing::snapshot(root());
  auto switched = cs({"apply", "--policy", policy_file("app:\n  sandbox: none\n")});
  ASSERT_EQ(switched.exit_code, 0) << switched.out << switched.err;
  EXPECT_NE(switched.out.find("systemctl disable --now docker-rootless-openclaw.service"),
            std::string::npos)
      << switched.out;
  EXPECT_FALSE(
      std::filesystem::exists(root() + "/etc/systemd/system/docker-rootless-openclaw.service"));
  EXPECT_FALSE(std::filesystem::exists(root() + "/etc/clawshield/docker-rootless-openclaw.json"));
  EXPECT_EQ(testing::read_file(root(), "/etc/systemd/system/openclaw.service").find("DOCKER_HOST"),
            std::string::npos);
  auto verified = cs({"verify", "--json", "--only", "rootless_docker"});
  EXPECT_TRUE(json::parse(verified.out)["checks"].empty()) << verified.out;
  ASSERT_EQ(cs({"rollback"}).exit_code, 0);
  std::filesystem::remove(root() + "/etc/clawshield/policy.yaml");
  auto after = testing::snapshot(root());
  EXPECT_EQ(testing::tree_difference(rootless, after), "");
}

// A rootless Docker the user set up itself (Docker's setup tool: the user unit docker.service)
// would share the data root: verify fails while it is enabled (apply retires it through the
// user's manager when that runs; here, a temp root, none does).
TEST_F(RootlessApply, TheUsersOwnRootlessDockerIsNotLeftBesideIt) {
  ASSERT_EQ(cs({"apply"}).exit_code, 0);
  const std::string units = "/home/openclaw/.config/systemd/user";
  testing::write_file(root(), units + "/docker.service", "[Service]\nExecStart=/bin/true\n");
  std::filesystem::create_directories(root() + units + "/default.target.wants");
  std::filesystem::create_symlink(units + "/docker.service",
                                  root() + units + "/default.target.wants/docker.service");
  auto verified = cs({"verify", "--json", "--only", "rootless_docker"});
  const json document = json::parse(verified.out);
  bool seen = false;
  for (const auto& check : document["checks"]) {
    if (check["id"] != "rootless_docker.user_daemon_retired")
      continue;
    seen = true;
    EXPECT_EQ(check["status"], "fail");
    EXPECT_NE(check["evidence"].get<std::string>().find("default.target.wants/docker.service"),
              std::string::npos);
  }
  EXPECT_TRUE(seen) << verified.out;
}

// A daemon's answers are hostile input: wrong types, absurd nesting, an id that is no id are
// an unknown with the reason — never "internal error", never a pass.
TEST_F(RootlessApply, ADaemonsHostileAnswersAreUnknownNeverACrash) {
  const std::string socket = root() + "-daemon.sock";
  const std::string policy = policy_file("docker:\n  socket: " + socket + "\n");
  const std::vector<std::vector<std::string>> answers = {
      {R"([{"Id":"ab12"}])", R"({"Name":"/x","HostConfig":{"Privileged":"yes"},"Config":7})"},
      {R"([1])"},
      {std::string(200, '[') + std::string(200, ']')},
      {R"([{"Id":"../../../info?x="}])"},
      {R"({"not":"an array"})"},
  };
  for (const auto& bodies : answers) {
    std::filesystem::remove(socket);
    CommandResult verified;
    {
      FakeDaemon daemon(socket, bodies);
      verified = cs({"verify", "--json", "--only", "containers", "--policy", policy});
    }
    EXPECT_EQ(verified.err.find("internal error"), std::string::npos) << verified.err;
    ASSERT_TRUE(json::accept(verified.out)) << bodies.front() << ": " << verified.out;
    const json document = json::parse(verified.out);
    for (const auto& check : document["checks"])
      EXPECT_NE(check["status"], "pass") << bodies.front() << ": " << check.dump();
  }
  std::filesystem::remove(socket);
}

// The system daemon's socket, judged from owners and modes: a group the user is in, or a mode
// open to all, is root for the user.
TEST_F(RootlessApply, TheSystemSocketIsJudgedFromOwnersAndModes) {
  ASSERT_EQ(cs({"apply"}).exit_code, 0);
  std::filesystem::create_directories(root() + "/var/run");
  const std::string socket = root() + "/var/run/docker.sock";
  int listener = listen_at(socket);
  ASSERT_EQ(::chown(socket.c_str(), 0, 990), 0);  // the seeded docker group
  ASSERT_EQ(::chmod(socket.c_str(), 0660), 0);
  auto status_of = [&]() {
    auto verified = cs({"verify", "--json", "--only", "rootless_docker"});
    const json document = json::parse(verified.out);
    for (const auto& check : document["checks"])
      if (check["id"] == "rootless_docker.system_socket_closed")
        return check["status"].get<std::string>() + " " + check["evidence"].get<std::string>();
    return "missing: " + verified.out + verified.err;
  };
  EXPECT_TRUE(status_of().starts_with("pass")) << status_of();
  ASSERT_EQ(::chmod(socket.c_str(), 0666), 0);
  EXPECT_NE(status_of().find("fail /var/run/docker.sock: mode 0666: anyone may connect"),
            std::string::npos)
      << status_of();
  ASSERT_EQ(::chmod(socket.c_str(), 0660), 0);
  ProcessRunner runner;
  auto added = runner.run(
      Command({"usermod", "--prefix", root(), "--append", "--groups", "docker", "openclaw"}));
  ASSERT_TRUE(added && added->ok());
  EXPECT_NE(status_of().find("which openclaw is in"), std::string::npos) << status_of();
  ::close(listener);
  ProcessRunner again;
  ASSERT_TRUE(again.run(Command({"gpasswd", "--root", root(), "-d", "openclaw", "docker"})));
  EXPECT_TRUE(status_of().starts_with("pass")) << status_of();
  // An ACL granting the user (uid 1000: rw-), as `setfacl -m u:1000:rw` writes it: the mode
  // bits are no answer any more.
  struct AclEntry {
    uint16_t tag, perm;
    uint32_t id;
  };
  const uint32_t version = 2;
  const AclEntry entries[] = {
      {0x01, 6, ~0u}, {0x02, 6, 1000}, {0x04, 6, ~0u}, {0x10, 6, ~0u}, {0x20, 0, ~0u}};
  std::string blob(reinterpret_cast<const char*>(&version), sizeof version);
  blob.append(reinterpret_cast<const char*>(entries), sizeof entries);
  if (::setxattr(socket.c_str(), "system.posix_acl_access", blob.data(), blob.size(), 0) == 0) {
    EXPECT_TRUE(status_of().starts_with("unknown")) << status_of();
    EXPECT_NE(status_of().find("carries an ACL"), std::string::npos) << status_of();
    ASSERT_EQ(::removexattr(socket.c_str(), "system.posix_acl_access"), 0);
  } else {
    std::cout << "[ note ] no POSIX ACLs on " << socket << ": " << std::strerror(errno) << "\n";
  }
  // A daemon listening on TCP without TLS verification: any local user.
  testing::write_file(root(), "/etc/docker/daemon.json",
                      R"({"hosts": ["unix:///var/run/docker.sock", "tcp://127.0.0.1:2375"]})");
  EXPECT_NE(status_of().find("tcp://127.0.0.1:2375 without tlsverify"), std::string::npos)
      << status_of();
}

}  // namespace
}  // namespace clawshield
