// The guard's control client against a fake daemon: a socket server in a temp root at the
// daemon's path, answering what the test scripts. Replies of the daemon's shape decode into
// typed fields; anything else is "unreadable" with the text kept, never an exception.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <thread>

#include "guard/control_client.h"
#include "guard/daemon.h"
#include "support/temp_root.h"

namespace clawshield::guard {
namespace {

// Listens at ROOT/run/clawshield/guard.sock and answers one connection with `reply`,
// keeping the request it read.
class FakeGuard {
 public:
  FakeGuard(const std::string& root, std::string reply) : m_reply(std::move(reply)) {
    const std::string path = root + k_control_socket;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::filesystem::remove(path);  // the previous fake's
    m_listen = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    EXPECT_EQ(::bind(m_listen, reinterpret_cast<sockaddr*>(&address), sizeof address), 0)
        << std::strerror(errno);
    EXPECT_EQ(::listen(m_listen, 1), 0);
    m_thread = std::thread([this] {
      int client = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0)
        return;
      char buffer[512];
      ssize_t n;
      while ((n = ::recv(client, buffer, sizeof buffer, 0)) > 0)
        request.append(buffer, static_cast<size_t>(n));  // until the client's shutdown
      (void)!::send(client, m_reply.data(), m_reply.size(), MSG_NOSIGNAL);
      ::close(client);
    });
  }
  ~FakeGuard() {
    ::shutdown(m_listen, SHUT_RDWR);
    if (m_thread.joinable())
      m_thread.join();
    ::close(m_listen);
  }
  void wait() { m_thread.join(); }
  std::string request;

 private:
  std::string m_reply;
  int m_listen = -1;
  std::thread m_thread;
};

TEST(GuardControl, ListsBansThroughTheSocket) {
  testing::TempDir root;
  auto fs = Filesystem::open(root.path());
  ASSERT_TRUE(fs);
  FakeGuard guard(root.path(),
                  R"({"ok":true,"bans":[{"source":"203.0.113.7","remaining":3599,"offences":2},)"
                  R"({"source":"2001:db8::/64","remaining":60,"offences":0}]})"
                  "\n");
  auto reply = ControlClient(*fs).list();
  guard.wait();
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(guard.request, "list");
  EXPECT_EQ(reply->status, ReplyStatus::ok);
  ASSERT_EQ(reply->bans.size(), 2u);
  EXPECT_EQ(reply->bans[0].source, "203.0.113.7");
  EXPECT_EQ(reply->bans[0].remaining, 3599);
  EXPECT_EQ(reply->bans[0].offences, 2);
  EXPECT_EQ(reply->bans[1].source, "2001:db8::/64");
  EXPECT_EQ(reply->document["bans"].size(), 2u);  // kept for --json
}

TEST(GuardControl, BanAndRefusal) {
  testing::TempDir root;
  auto fs = Filesystem::open(root.path());
  ASSERT_TRUE(fs);
  {
    FakeGuard guard(root.path(), R"({"ok":true,"banned":"198.51.100.0/24","seconds":3600})");
    auto reply = ControlClient(*fs).ban("198.51.100.0/24", 3600);
    guard.wait();
    ASSERT_TRUE(reply) << reply.error().message;
    EXPECT_EQ(guard.request, "ban 198.51.100.0/24 3600");
    EXPECT_EQ(reply->status, ReplyStatus::ok);
    EXPECT_EQ(reply->banned, "198.51.100.0/24");
    EXPECT_EQ(reply->seconds, 3600);
  }
  {
    FakeGuard guard(root.path(),
                    R"({"ok":false,"refused":true,"error":"10.0.0.0/8 covers the allowlist"})");
    auto reply = ControlClient(*fs).unban("10.0.0.0/8");
    guard.wait();
    ASSERT_TRUE(reply);
    EXPECT_EQ(guard.request, "unban 10.0.0.0/8");
    EXPECT_EQ(reply->status, ReplyStatus::refused);
    EXPECT_EQ(reply->error, "10.0.0.0/8 covers the allowlist");
  }
}

TEST(GuardControl, NoGuardIsAnErrorNotAnEmptyList) {
  testing::TempDir root;
  auto fs = Filesystem::open(root.path());
  ASSERT_TRUE(fs);
  auto reply = ControlClient(*fs).list();
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, ErrorCode::not_found);
  EXPECT_NE(reply.error().message.find("the guard is not running"), std::string::npos);
}

TEST(GuardControl, RepliesOfTheWrongShape) {
  // A failure without a message names the whole reply.
  ControlReply failed = parse_control_reply(R"({"ok":false})");
  EXPECT_EQ(failed.status, ReplyStatus::failed);
  EXPECT_EQ(failed.error, R"({"ok":false})");
  EXPECT_EQ(parse_control_reply(R"({"error":"no"})").status, ReplyStatus::failed);
  for (const char* text :
       {"", "not json", "[1]", R"({"ok":"yes"})", R"({"ok":false,"refused":1})",
        R"({"ok":false,"error":3})", R"({"ok":true,"bans":{}})", R"({"ok":true,"bans":[1]})",
        R"({"ok":true,"bans":[{"source":"1.2.3.4","remaining":"soon"}]})",
        R"({"ok":true,"bans":[{"source":7}]})", R"({"ok":true,"seconds":1.5})",
        R"({"ok":true,"banned":false})"}) {
    ControlReply reply = parse_control_reply(text);
    EXPECT_EQ(reply.status, ReplyStatus::unreadable) << text;
    EXPECT_EQ(reply.error, text);
    EXPECT_TRUE(reply.bans.empty()) << text;
  }
}

}  // namespace
}  // namespace clawshield::guard
