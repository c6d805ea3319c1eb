// Why a connect scan on one epoll loop: it needs no privileges (an admin's laptop, a CI
// runner), the kernel does the handshake and the retransmission bookkeeping, and with
// thousands of sockets in flight the wall time of a default-drop host is bounded by
// ports / parallel x timeout rather than by ports x timeout. The timeout follows the measured
// round-trip time the way TCP's own retransmission timer does, so a host that answers on one
// port (SSH) lets every filtered port be given up on quickly, while a host that answers on
// none keeps the full timeout. Unanswered ports are probed again before being called filtered.
#include "scan/tcp_scan.h"

#include "core/fd.h"
#include "scan/rtt_estimator.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <optional>

namespace clawshield::scan {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr int k_max_parallel = 16384;

// Raises the soft descriptor limit to the hard one and says how many probes fit under it.
int parallel_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
    return 256;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
      limit = raised;
  }
  const auto usable = static_cast<long long>(limit.rlim_cur) - 64;
  return static_cast<int>(std::clamp<long long>(usable, 16, k_max_parallel));
}

// One connect() in flight, owning its socket. `serial` tells a reused descriptor from the
// probe it replaced.
struct Probe {
  int port = 0;
  uint64_t serial = 0;
  SteadyClock::time_point started;
  Fd socket;

  bool active() const { return socket.valid(); }
};

// What an error from connect() or SO_ERROR says about the port; nullopt for errors that say
// nothing about it (the probe is tried again).
struct Verdict {
  PortState state;
  const char* reason;
};
std::optional<Verdict> verdict_of(int error) {
  switch (error) {
    case 0:
      return Verdict{PortState::open, "syn-ack"};
    case ECONNREFUSED:
      return Verdict{PortState::closed, "reset"};
    case EHOSTUNREACH:
      return Verdict{PortState::filtered, "host-unreachable"};
    case ENETUNREACH:
      return Verdict{PortState::filtered, "net-unreachable"};
    case EACCES:
    case EPERM:
      return Verdict{PortState::filtered, "admin-prohibited"};
    case ETIMEDOUT:
      return Verdict{PortState::filtered, "no-response"};
    default:
      return std::nullopt;
  }
}

// On a local target the kernel may pick the destination port as the source port, and TCP's
// simultaneous open then "connects" a socket to itself: that says nothing about a listener.
bool connected_to_itself(int fd) {
  sockaddr_storage local{}, peer{};
  socklen_t local_length = sizeof local, peer_length = sizeof peer;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_length) != 0 ||
      ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_length) != 0)
    return false;
  return local_length == peer_length && std::memcmp(&local, &peer, local_length) == 0;
}

// The handshake's round-trip time as the kernel measured it (SYN to SYN-ACK), free of the
// time this loop was busy starting other probes.
std::optional<microseconds> handshake_rtt(int fd) {
  tcp_info info{};
  socklen_t length = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0 || info.tcpi_rtt == 0)
    return std::nullopt;
  return microseconds(info.tcpi_rtt);
}

// Closes a probe's socket; a connected one with RST instead of FIN, so an open port is left
// with no half-closed connection and this host with no TIME_WAIT. (An unanswered connect
// sends nothing on close.)
enum class Connected { yes, no };
void close_probe_socket(Fd socket, Connected connected) {
  if (connected == Connected::yes) {
    linger hard_close{1, 0};
    ::setsockopt(socket.get(), SOL_SOCKET, SO_LINGER, &hard_close, sizeof hard_close);
  }
}  // `socket` closes here

class Scanner {
 public:
  Scanner(const Target& target, const ScanOptions& options, int epoll_fd, int parallel)
      : m_target(target), m_options(options), m_epoll(epoll_fd), m_parallel(parallel) {
    for (int port : options.ports) m_pending.push_back(port);
  }

  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  Result<ScanResult> run() {
    const auto start = SteadyClock::now();
    auto last_progress = start;
    int round = 0;
    std::vector<epoll_event> events(1024);
    while (true) {
      CS_TRY_VOID(launch(start));
      if (m_in_flight == 0 && m_pending.empty()) {
        // A round is over: ports that never answered get another probe.
        if (m_unanswered.empty() || round >= m_options.retries)
          break;
        ++round;
        std::ranges::sort(m_unanswered);
        m_pending.assign(m_unanswered.begin(), m_unanswered.end());
        m_unanswered.clear();
        continue;
      }
      int ready = ::epoll_wait(m_epoll, events.data(), static_cast<int>(events.size()),
                               wait_milliseconds());
      if (ready < 0 && errno != EINTR)
        return fail(ErrorCode::io, std::string("epoll_wait: ") + std::strerror(errno));
      const auto now = SteadyClock::now();
      for (int i = 0; i < std::max(ready, 0); ++i) finish_answered(events[i].data.fd, now);
      expire(now);
      if (m_options.progress && now - last_progress >= milliseconds(100)) {
        last_progress = now;
        m_options.progress(progress());
      }
    }
    // Whatever never answered, in any round, is filtered.
    for (int port : m_unanswered) record(port, PortState::filtered, "no-response");
    ScanResult result;
    result.target = m_target;
    result.elapsed = duration_cast<milliseconds>(SteadyClock::now() - start);
    result.probes = m_probes;
    result.parallel = m_parallel;
    result.smoothed_rtt = m_rtt.smoothed();
    for (const auto& [port, found] : m_results) result.ports.push_back(found);
    if (m_options.progress)
      m_options.progress(progress());
    return result;
  }

 private:
  ScanProgress progress() const { return {m_results.size(), m_options.ports.size(), m_open}; }

  // Starts probes while there is room, pending ports and (with --rate) budget.
  // At most k_batch per turn, so answers are read while a large window is still being filled.
  Result<void> launch(SteadyClock::time_point start) {
    constexpr int k_batch = 512;
    for (int started = 0; started < k_batch && m_in_flight < m_parallel && !m_pending.empty();
         ++started) {
      if (m_options.rate > 0) {
        const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
        if (static_cast<double>(m_probes) >= seconds * m_options.rate + 1)
          return {};
      }
      const int port = m_pending.front();
      m_pending.pop_front();
      CS_TRY_VOID(start_probe(port));
    }
    return {};
  }

  Result<void> start_probe(int port) {
    Fd socket(::socket(m_target.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
    if (!socket.valid()) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Fewer descriptors than we thought: shrink and try again later.
        m_pending.push_front(port);
        if (m_in_flight == 0)
          return fail(ErrorCode::io, std::string("socket: ") + std::strerror(errno));
        m_parallel = std::max(1, m_in_flight);
        return {};
      }
      return fail(ErrorCode::io, std::string("socket: ") + std::strerror(errno));
    }
    const int fd = socket.get();
    sockaddr_storage address = m_target.sockaddr;
    if (m_target.family == AF_INET)
      reinterpret_cast<sockaddr_in*>(&address)->sin_port = htons(static_cast<uint16_t>(port));
    else
      reinterpret_cast<sockaddr_in6*>(&address)->sin6_port = htons(static_cast<uint16_t>(port));
    ++m_probes;
    const auto started = SteadyClock::now();
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), m_target.length) == 0) {
      const bool self = connected_to_itself(fd);
      close_probe_socket(std::move(socket), Connected::yes);
      if (self)
        m_pending.push_back(port);
      else
        record(port, PortState::open, "syn-ack");
      return {};
    }
    const int error = errno;
    if (error != EINPROGRESS) {
      socket.reset();
      if (error == EADDRNOTAVAIL || error == EAGAIN) {
        // Out of local ports for the moment: retry once others finish.
        m_pending.push_front(port);
        m_parallel = std::max(1, m_in_flight);
        return {};
      }
      if (auto verdict = verdict_of(error)) {
        record(port, verdict->state, verdict->reason);
        return {};
      }
      return fail(ErrorCode::io, "connect to " + m_target.address + " port " +
                                     std::to_string(port) + ": " + std::strerror(error));
    }
    epoll_event event{};
    event.events = EPOLLOUT | EPOLLERR | EPOLLHUP;
    event.data.fd = fd;
    if (::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &event) != 0)
      return fail(ErrorCode::io, std::string("epoll_ctl: ") + std::strerror(errno));
    if (static_cast<size_t>(fd) >= m_probes_by_fd.size())
      m_probes_by_fd.resize(static_cast<size_t>(fd) + 1024);
    Probe& probe = m_probes_by_fd[static_cast<size_t>(fd)];
    probe = Probe{port, ++m_serial, started, std::move(socket)};
    m_order.push_back({fd, probe.serial});
    ++m_in_flight;
    return {};
  }

  void finish_answered(int fd, SteadyClock::time_point now) {
    Probe& probe = m_probes_by_fd[static_cast<size_t>(fd)];
    if (!probe.active())
      return;
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0)
      error = errno;
    auto verdict = verdict_of(error);
    if (verdict && verdict->state == PortState::open)
      m_rtt.sample(handshake_rtt(fd).value_or(duration_cast<microseconds>(now - probe.started)));
    else if (verdict && verdict->state == PortState::closed)
      m_rtt.sample(duration_cast<microseconds>(now - probe.started));
    const int port = probe.port;
    const bool self = error == 0 && connected_to_itself(fd);
    end_probe(fd, error == 0 ? Connected::yes : Connected::no);
    if (self)
      m_pending.push_back(port);  // probe again from another local port
    else if (verdict)
      record(port, verdict->state, verdict->reason);
    else
      m_unanswered.push_back(port);  // a local error: probe it again
  }

  // Gives up on probes older than the current timeout (oldest first).
  void expire(SteadyClock::time_point now) {
    const auto timeout = m_rtt.timeout(m_options.min_timeout, m_options.max_timeout);
    while (!m_order.empty()) {
      auto [fd, serial] = m_order.front();
      Probe& probe = m_probes_by_fd[static_cast<size_t>(fd)];
      if (!probe.active() || probe.serial != serial) {
        m_order.pop_front();
        continue;
      }
      if (now - probe.started < timeout)
        break;
      m_order.pop_front();
      const int port = probe.port;
      end_probe(fd);
      m_unanswered.push_back(port);
    }
  }

  int wait_milliseconds() const {
    const auto now = SteadyClock::now();
    auto wait = milliseconds(100);
    const auto timeout = m_rtt.timeout(m_options.min_timeout, m_options.max_timeout);
    for (const auto& [fd, serial] : m_order) {
      const Probe& probe = m_probes_by_fd[static_cast<size_t>(fd)];
      if (!probe.active() || probe.serial != serial)
        continue;
      auto left = duration_cast<milliseconds>(probe.started + timeout - now) + milliseconds(1);
      wait = std::min(wait, std::max(left, milliseconds(0)));
      break;
    }
    if (!m_pending.empty() && m_in_flight < m_parallel)
      wait = m_options.rate > 0 ? std::min(wait, milliseconds(std::max(1, 1000 / m_options.rate)))
                                : milliseconds(0);  // more to start: only collect answers
    return static_cast<int>(wait.count());
  }

  void end_probe(int fd, Connected connected = Connected::no) {
    close_probe_socket(std::move(m_probes_by_fd[static_cast<size_t>(fd)].socket),
                       connected);  // also leaves the epoll set
    --m_in_flight;
  }

  void record(int port, PortState state, const char* reason) {
    auto [it, inserted] = m_results.try_emplace(port, PortResult{port, state, reason});
    if (inserted && state == PortState::open)
      ++m_open;
  }

  const Target& m_target;
  const ScanOptions& m_options;
  int m_epoll;
  int m_parallel;
  std::deque<int> m_pending;
  std::vector<int> m_unanswered;
  std::vector<Probe> m_probes_by_fd;  // owns the sockets in flight (closed on an early return)
  std::deque<std::pair<int, uint64_t>> m_order;  // probes in start order
  std::map<int, PortResult> m_results;
  RttEstimator m_rtt;
  int m_in_flight = 0;
  uint64_t m_serial = 0;
  size_t m_probes = 0;
  size_t m_open = 0;
};

}  // namespace

std::string_view port_state_name(PortState state) {
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

Result<Target> resolve_target(const std::string& name, FamilyPreference preference) {
  if (name.empty())
    return fail(ErrorCode::bad_input, "empty target");
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = preference == FamilyPreference::ipv4   ? AF_INET
                    : preference == FamilyPreference::ipv6 ? AF_INET6
                                                           : AF_UNSPEC;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &found);
  if (rc != 0 || found == nullptr)
    return fail(ErrorCode::bad_input, "target \"" + name + "\": " + ::gai_strerror(rc));
  Target target;
  target.name = name;
  target.family = found->ai_family;
  target.length = found->ai_addrlen;
  std::memcpy(&target.sockaddr, found->ai_addr, found->ai_addrlen);
  char text[INET6_ADDRSTRLEN] = {};
  const void* raw =
      target.family == AF_INET
          ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr)
          : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(found->ai_addr)->sin6_addr);
  ::inet_ntop(target.family, raw, text, sizeof text);
  target.address = text;
  ::freeaddrinfo(found);
  return target;
}

Result<ScanResult> tcp_connect_scan(const Target& target, const ScanOptions& options) {
  if (options.ports.empty())
    return fail(ErrorCode::bad_input, "no ports to scan");
  if (options.min_timeout <= milliseconds(0) || options.max_timeout < options.min_timeout)
    return fail(ErrorCode::bad_input, "timeouts must be positive, the minimum at most the maximum");
  int parallel = parallel_limit();
  if (options.parallel > 0)
    parallel = std::min(parallel, options.parallel);
  Fd epoll(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll.valid())
    return fail(ErrorCode::io, std::string("epoll_create1: ") + std::strerror(errno));
  Scanner scanner(target, options, epoll.get(), parallel);
  return scanner.run();
}

}  // namespace clawshield::scan
