// Network namespaces for tests that send real traffic. Names carry the test process's pid and
// a counter, so parallel tests never collide; the destructor stops every process it started
// and deletes the namespaces (and with them their interfaces and firewall tables).
#include "support/netns.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/text.h"
#include "support/temp_root.h"

extern char** environ;

namespace clawshield::testing {

namespace {

std::atomic<int> g_counter{0};

}  // namespace

const char* port_state_name(PortState state) {
  switch (state) {
    case PortState::open:
      return "open";
    case PortState::closed:
      return "closed";
    case PortState::filtered:
      return "filtered";
  }
  return "?";
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv, const std::string& log) {
  std::vector<std::string> copy = argv;
  std::vector<char*> args;
  for (auto& word : copy) args.push_back(word.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  const std::string sink = log.empty() ? "/dev/null" : log;
  posix_spawn_file_actions_addopen(&actions, 1, sink.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  int error = ::posix_spawnp(&m_pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0)
    ADD_FAILURE() << "cannot start " << argv[0] << ": " << std::strerror(error);
}

bool BackgroundProcess::running() const {
  return m_pid > 0 && ::waitpid(m_pid, nullptr, WNOHANG) == 0;
}

BackgroundProcess::~BackgroundProcess() {
  if (m_pid <= 0)
    return;
  ::kill(m_pid, SIGTERM);
  for (int i = 0; i < 50; ++i) {
    if (::waitpid(m_pid, nullptr, WNOHANG) != 0)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(m_pid, SIGKILL);
  ::waitpid(m_pid, nullptr, 0);
}

bool netns_available(std::string& why) {
  if (!running_as_root()) {
    why = "needs root (network namespaces)";
    return false;
  }
  ProcessRunner runner;
  for (const auto& argv : {std::vector<std::string>{"ip", "netns", "list"},
                           std::vector<std::string>{"nft", "--version"}}) {
    auto result = runner.run(Command(argv));
    if (!result || !result->ok()) {
      why = argv.front() + " is not usable here";
      return false;
    }
  }
  return true;
}

NetnsHarness::NetnsHarness() {
  const std::string tag = "cs" + std::to_string(::getpid()) + "x" + std::to_string(g_counter++);
  m_outside = tag + "o";
  m_server = tag + "s";
  m_tailnet = tag + "t";
  m_work = (std::filesystem::temp_directory_path() / (tag + "-work")).string();
  std::filesystem::create_directories(m_work);
  for (const auto& ns : {m_outside, m_server, m_tailnet}) {
    ip({"netns", "add", ns});
    ip({"-n", ns, "link", "set", "lo", "up"});
  }
  // outside <-> server: the internet side.
  ip({"link", "add", "uplink", "netns", m_outside, "type", "veth", "peer", "name", "eth0", "netns",
      m_server});
  // server <-> tailnet: Tailscale's interface name on the server.
  ip({"link", "add", "ts0", "netns", m_tailnet, "type", "veth", "peer", "name", "tailscale0",
      "netns", m_server});
  auto address = [&](const std::string& ns, const std::string& dev, const std::string& v4,
                     const std::string& v6) {
    ip({"-n", ns, "addr", "add", v4, "dev", dev});
    ip({"-n", ns, "addr", "add", v6, "dev", dev, "nodad"});
    ip({"-n", ns, "link", "set", dev, "up"});
  };
  address(m_outside, "uplink", "10.77.0.1/24", "fd00:77::1/64");
  address(m_server, "eth0", "10.77.0.2/24", "fd00:77::2/64");
  address(m_server, "tailscale0", "100.64.0.1/10", "fd7a:115c:a1e0::1/48");
  address(m_tailnet, "ts0", "100.64.0.2/10", "fd7a:115c:a1e0::2/48");
  // The server routes, as a Docker host does (Docker turns IPv4 forwarding on itself).
  run_in(m_server, {"sysctl", "-q", "-w", "net.ipv4.ip_forward=1"});
  run_in(m_server, {"sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1"});
}

NetnsHarness::~NetnsHarness() {
  stop_docker();
  m_processes.clear();
  for (const auto& ns : {m_outside, m_server, m_tailnet}) {
    ProcessRunner runner;
    (void)runner.run(Command({"ip", "netns", "del", ns}));
  }
  std::error_code ignored;
  std::filesystem::remove_all(m_work, ignored);
}

void NetnsHarness::ip(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessRunner runner;
  auto result = runner.run(Command(argv));
  if (!result || !result->ok())
    ADD_FAILURE() << display_command(argv) << ": "
                  << (result ? result->err : result.error().message);
}

CommandResult NetnsHarness::run_in(const std::string& ns, const std::vector<std::string>& argv) {
  std::vector<std::string> full = {"ip", "netns", "exec", ns};
  full.insert(full.end(), argv.begin(), argv.end());
  ProcessRunner runner;
  Command command(full);
  command.timeout = std::chrono::minutes(5);
  auto result = runner.run(command);
  if (!result) {
    ADD_FAILURE() << result.error().message;
    return CommandResult{};
  }
  return *result;
}

BackgroundProcess& NetnsHarness::start_in(const std::string& ns,
                                          const std::vector<std::string>& argv) {
  std::vector<std::string> full = {"ip", "netns", "exec", ns};
  full.insert(full.end(), argv.begin(), argv.end());
  m_processes.push_back(std::make_unique<BackgroundProcess>(full));
  return *m_processes.back();
}

void NetnsHarness::start_sshd(int port) {
  std::filesystem::create_directories("/run/sshd");
  const std::string dir = m_work + "/sshd-" + std::to_string(port);
  std::filesystem::create_directories(dir);
  ProcessRunner runner;
  (void)runner.run(
      Command({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir + "/host_key"}));
  std::ofstream(dir + "/sshd_config") << "Port " << port << "\n"
                                      << "ListenAddress 0.0.0.0\nListenAddress ::\n"
                                      << "HostKey " << dir << "/host_key\n"
                                      << "PidFile " << dir << "/sshd.pid\n"
                                      << "UsePAM no\nStrictModes no\n";
  start_in(m_server, {"/usr/sbin/sshd", "-D", "-f", dir + "/sshd_config", "-E", dir + "/log"});
  // Wait until it accepts connections.
  for (int i = 0; i < 50; ++i) {
    if (probe_one(m_server, "127.0.0.1", port, 200) == PortState::open)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "sshd did not start on port " << port;
}

void NetnsHarness::start_logged_sshd(const std::string& log_file) {
  std::filesystem::create_directories("/run/sshd");
  const std::string dir = m_work + "/logged-sshd";
  std::filesystem::create_directories(dir + "/rsyslog");
  std::filesystem::create_directories(std::filesystem::path(log_file).parent_path());
  ProcessRunner runner;
  (void)runner.run(
      Command({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir + "/host_key"}));
  std::ofstream(dir + "/rsyslog.conf") << "global(workDirectory=\"" << dir << "/rsyslog\")\n"
                                       << "module(load=\"imuxsock\")\n"
                                       << "auth,authpriv.* action(type=\"omfile\" file=\""
                                       << log_file << "\" template=\"RSYSLOG_FileFormat\")\n";
  std::ofstream(dir + "/sshd_config") << "Port 22\nListenAddress 0.0.0.0\nListenAddress ::\n"
                                      << "HostKey " << dir << "/host_key\n"
                                      << "PidFile " << dir << "/sshd.pid\n"
                                      << "UsePAM no\nStrictModes no\nPasswordAuthentication yes\n"
                                      << "PermitRootLogin yes\nSyslogFacility AUTH\nLogLevel INFO\n"
                                      << "MaxStartups 200\n";
  m_processes.push_back(std::make_unique<BackgroundProcess>(
      std::vector<std::string>{CLAWSHIELD_SSHD_SANDBOX, m_server, dir, dir + "/rsyslog.conf",
                               dir + "/sshd_config"},
      dir + "/sandbox.log"));
  for (int i = 0; i < 50; ++i) {
    if (probe_one(m_server, "127.0.0.1", 22, 200) == PortState::open)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "logged sshd did not start";
}

void NetnsHarness::ssh_failures(const std::string& ns, const std::string& address, int count) {
  for (int i = 0; i < count; ++i) {
    run_in(ns, {"sshpass",
                "-p",
                "wrong-password",
                "ssh",
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
                "-o",
                "PreferredAuthentications=password",
                "-o",
                "PubkeyAuthentication=no",
                "-o",
                "NumberOfPasswordPrompts=1",
                "-o",
                "ConnectTimeout=3",
                "-o",
                "LogLevel=ERROR",
                "root@" + address,
                "true"});
  }
}

void NetnsHarness::start_http(const std::string& ns, int port) {
  const std::string dir = m_work + "/www";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/index.html") << "hello from " << ns << "\n";
  start_in(ns, {"busybox", "httpd", "-f", "-p", std::to_string(port), "-h", dir});
  for (int i = 0; i < 50; ++i) {
    if (probe_one(ns, "127.0.0.1", port, 200) == PortState::open)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "httpd did not start on port " << port;
}

bool NetnsHarness::start_docker(std::string& why, const std::string& config_file) {
  if (!std::filesystem::exists("/usr/sbin/dockerd")) {
    why = "dockerd is not installed (Debian package docker.io)";
    return false;
  }
  const std::string run_dir = "/run/" + m_server + "-docker";
  std::filesystem::create_directories(run_dir);
  std::filesystem::create_directories(m_work + "/docker");
  std::vector<std::string> argv = {"nsenter",
                                   "--net=/run/netns/" + m_server,
                                   "dockerd",
                                   "--data-root",
                                   m_work + "/docker",
                                   "--exec-root",
                                   run_dir + "/exec",
                                   "--pidfile",
                                   run_dir + "/pid",
                                   "-H",
                                   "unix://" + run_dir + "/sock",
                                   "--storage-driver",
                                   "overlay2"};
  if (config_file.empty()) {
    // IPv6 for containers, with Docker's ip6tables DNAT (experimental in 20.10): the
    // published port must be isolated on both families.
    argv.insert(argv.end(),
                {"--experimental", "--ipv6", "--fixed-cidr-v6", "fd00:d0c::/80", "--ip6tables"});
  } else {
    argv.insert(argv.end(), {"--config-file", config_file});
  }
  m_dockerd = std::make_unique<BackgroundProcess>(argv, m_work + "/dockerd.log");
  for (int i = 0; i < 100; ++i) {
    auto info = docker({"info", "--format", "{{.ServerVersion}}"});
    if (info.exit_code == 0)
      return true;
    if (!m_dockerd->running())
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  why = "dockerd did not start in the server namespace: " +
        read_file("", m_work + "/dockerd.log").substr(0, 2000);
  m_dockerd.reset();
  return false;
}

void NetnsHarness::stop_docker() {
  if (!m_dockerd)
    return;
  auto containers = docker({"ps", "-aq"});
  for (const auto& id : split_lines(containers.out)) docker({"rm", "-f", id});
  m_dockerd.reset();  // SIGTERM; dockerd stops its containerd with it
  std::error_code ignored;
  std::filesystem::remove_all("/run/" + m_server + "-docker", ignored);
}

CommandResult NetnsHarness::docker(const std::vector<std::string>& args) {
  return docker_with_input(args, "");
}

CommandResult NetnsHarness::docker_with_input(const std::vector<std::string>& args,
                                              const std::string& input) {
  std::vector<std::string> argv = {"docker", "-H", "unix:///run/" + m_server + "-docker/sock"};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessRunner runner;
  Command command(argv);
  command.stdin_data = input;
  command.timeout = std::chrono::minutes(2);
  auto result = runner.run(command);
  return result ? *result : CommandResult{-1, "", result.error().message};
}

CommandResult NetnsHarness::run_web_container(const std::string& publish) {
  import_busybox_image();
  return docker({"run", "-d", "--name", "web", "-p", publish, "local/busybox:1"});
}

void NetnsHarness::import_busybox_image() {
  const std::string rootfs = m_work + "/rootfs";
  std::filesystem::create_directories(rootfs + "/bin");
  std::filesystem::create_directories(rootfs + "/www");
  std::filesystem::copy_file("/bin/busybox", rootfs + "/bin/busybox",
                             std::filesystem::copy_options::overwrite_existing);
  for (const char* applet : {"sh", "httpd", "wget", "nc", "echo", "cat", "sleep"}) {
    std::error_code ignored;
    std::filesystem::create_symlink("busybox", rootfs + "/bin/" + applet, ignored);
  }
  std::ofstream(rootfs + "/www/index.html") << "hello from a container\n";
  ProcessRunner runner;
  // tar | docker import, without a shell: tar writes the archive to a file first.
  auto tar = runner.run(Command({"tar", "-C", rootfs, "-cf", m_work + "/rootfs.tar", "."}));
  ASSERT_TRUE(tar && tar->ok());
  auto imported =
      docker({"import", "-c", "CMD [\"/bin/httpd\",\"-f\",\"-p\",\"80\",\"-h\",\"/www\"]",
              m_work + "/rootfs.tar", "local/busybox:1"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
}

std::map<int, PortState> NetnsHarness::probe(const std::string& ns, const std::string& address,
                                             const std::vector<int>& ports, int timeout_ms) {
  // A child enters the namespace, connects to every port at once and reports one byte per
  // port through a pipe.
  int fds[2];
  if (::pipe(fds) != 0) {
    ADD_FAILURE() << "pipe";
    return {};
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    int ns_fd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY);
    if (ns_fd < 0 || ::setns(ns_fd, CLONE_NEWNET) != 0)
      ::_exit(2);
    bool v6 = address.find(':') != std::string::npos;
    sockaddr_storage storage{};
    socklen_t length = 0;
    std::vector<int> sockets;
    std::vector<char> states(ports.size(), 'f');
    for (size_t i = 0; i < ports.size(); ++i) {
      int s = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      if (v6) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(static_cast<uint16_t>(ports[i]));
        ::inet_pton(AF_INET6, address.c_str(), &a->sin6_addr);
        length = sizeof(sockaddr_in6);
      } else {
        auto* a = reinterpret_cast<sockaddr_in*>(&storage);
        a->sin_family = AF_INET;
        a->sin_port = htons(static_cast<uint16_t>(ports[i]));
        ::inet_pton(AF_INET, address.c_str(), &a->sin_addr);
        length = sizeof(sockaddr_in);
      }
      int rc = ::connect(s, reinterpret_cast<sockaddr*>(&storage), length);
      if (rc == 0)
        states[i] = 'o';
      else if (errno == ECONNREFUSED)
        states[i] = 'c';
      sockets.push_back(s);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      std::vector<pollfd> waiting;
      std::vector<size_t> index;
      for (size_t i = 0; i < sockets.size(); ++i)
        if (states[i] == 'f' && sockets[i] >= 0) {
          waiting.push_back({sockets[i], POLLOUT, 0});
          index.push_back(i);
        }
      if (waiting.empty())
        break;
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      deadline - std::chrono::steady_clock::now())
                                      .count());
      if (::poll(waiting.data(), waiting.size(), std::max(left, 1)) <= 0)
        break;
      for (size_t k = 0; k < waiting.size(); ++k) {
        if (!waiting[k].revents)
          continue;
        int error = 0;
        socklen_t size = sizeof error;
        ::getsockopt(waiting[k].fd, SOL_SOCKET, SO_ERROR, &error, &size);
        size_t i = index[k];
        if (error == 0)
          states[i] = 'o';
        else if (error == ECONNREFUSED)
          states[i] = 'c';
        else
          sockets[i] = -1;  // unreachable: stays filtered
      }
    }
    (void)!::write(fds[1], states.data(), states.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::vector<char> states(ports.size(), '?');
  size_t got = 0;
  while (got < states.size()) {
    ssize_t n = ::read(fds[0], states.data() + got, states.size() - got);
    if (n <= 0)
      break;
    got += static_cast<size_t>(n);
  }
  ::close(fds[0]);
  ::waitpid(pid, nullptr, 0);
  std::map<int, PortState> result;
  for (size_t i = 0; i < ports.size(); ++i)
    result[ports[i]] = states[i] == 'o'   ? PortState::open
                       : states[i] == 'c' ? PortState::closed
                                          : PortState::filtered;
  EXPECT_EQ(got, ports.size()) << "probe child failed in " << ns;
  return result;
}

PortState NetnsHarness::probe_one(const std::string& ns, const std::string& address, int port,
                                  int timeout_ms) {
  return probe(ns, address, {port}, timeout_ms)[port];
}

}  // namespace clawshield::testing
