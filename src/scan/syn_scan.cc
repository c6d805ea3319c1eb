// Why a SYN scan next to the connect scan: with CAP_NET_RAW the whole port range is a stream
// of packets from one socket (sendmmsg in batches), not 65,535 socket/connect/close rounds,
// so the wall time is the send time plus one timeout per round. The kernel still owns the
// source port: it answers the SYN-ACKs of open ports with RST (nmap's half-open scan), since
// no socket of ours listens there. Answers are matched by source address, our source port
// and a sequence number derived from the port, so stray traffic cannot forge a verdict.
// ICMP errors are read on raw ICMP sockets and matched on the TCP header they quote.
#include "scan/syn_scan.h"

#include "core/fd.h"
#include "scan/rtt_estimator.h"

#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>

namespace clawshield::scan {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

uint32_t sum16(const void* data, size_t length, uint32_t sum = 0) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i + 1 < length; i += 2)
    sum += static_cast<uint32_t>(bytes[i] << 8 | bytes[i + 1]);
  if (length % 2)
    sum += static_cast<uint32_t>(bytes[length - 1] << 8);
  return sum;
}

uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons(static_cast<uint16_t>(~sum & 0xffff));
}

// The address the kernel would send from to reach `target` (a route lookup, nothing sent).
Result<sockaddr_storage> source_for(const Target& target) {
  Fd probe(::socket(target.family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (probe.get() < 0)
    return fail(ErrorCode::io, std::string("socket: ") + std::strerror(errno));
  sockaddr_storage to = target.sockaddr;
  if (target.family == AF_INET)
    reinterpret_cast<sockaddr_in*>(&to)->sin_port = htons(9);
  else
    reinterpret_cast<sockaddr_in6*>(&to)->sin6_port = htons(9);
  if (::connect(probe.get(), reinterpret_cast<sockaddr*>(&to), target.length) != 0)
    return fail(ErrorCode::io, "no route to " + target.address + ": " + std::strerror(errno));
  sockaddr_storage source{};
  socklen_t length = sizeof source;
  if (::getsockname(probe.get(), reinterpret_cast<sockaddr*>(&source), &length) != 0)
    return fail(ErrorCode::io, std::string("getsockname: ") + std::strerror(errno));
  return source;
}

class SynScanner {
 public:
  SynScanner(const Target& target, const ScanOptions& options)
      : m_target(target), m_options(options) {}

  Result<ScanResult> run() {
    CS_TRY_VOID(open_sockets());
    const auto start = SteadyClock::now();
    std::vector<int> pending = m_options.ports;
    for (int round = 0; round <= m_options.retries && !pending.empty(); ++round) {
      CS_TRY_VOID(send_round(pending, start));
      // Wait one timeout after the last probe of the round for late answers.
      const auto until = SteadyClock::now() + timeout();
      while (SteadyClock::now() < until) {
        auto left = duration_cast<milliseconds>(until - SteadyClock::now());
        CS_TRY_VOID(receive(static_cast<int>(std::max<int64_t>(left.count(), 1))));
        if (m_results.size() == m_options.ports.size())
          break;
      }
      std::vector<int> unanswered;
      for (int port : pending)
        if (!m_results.contains(port))
          unanswered.push_back(port);
      pending = std::move(unanswered);
    }
    ScanResult result;
    result.target = m_target;
    for (int port : m_options.ports) {
      auto found = m_results.find(port);
      result.ports.push_back(found != m_results.end()
                                 ? found->second
                                 : PortResult{port, PortState::filtered, "no-response"});
    }
    result.elapsed = duration_cast<milliseconds>(SteadyClock::now() - start);
    result.probes = m_probes;
    result.parallel = 0;
    result.smoothed_rtt = m_rtt.smoothed();
    if (m_options.progress)
      m_options.progress({m_results.size(), m_options.ports.size(), m_open});
    return result;
  }

 private:
  bool v4() const { return m_target.family == AF_INET; }

  Result<void> open_sockets() {
    const int family = m_target.family;
    m_send = Fd(::socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_TCP));
    if (!m_send.valid())
      return fail(errno == EPERM || errno == EACCES ? ErrorCode::permission : ErrorCode::io,
                  std::string("raw socket: ") + std::strerror(errno));
    const int icmp_protocol = v4() ? int{IPPROTO_ICMP} : int{IPPROTO_ICMPV6};
    m_icmp = Fd(::socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, icmp_protocol));
    if (!m_icmp.valid())
      return fail(ErrorCode::io, std::string("raw ICMP socket: ") + std::strerror(errno));
    // The send socket also receives every TCP segment addressed to this host.
    // Room for a burst of answers (RSTs from a host with every port closed); past rmem_max
    // where we may (CAP_NET_ADMIN).
    int size = 8 << 20;
    for (int fd : {m_send.get(), m_icmp.get()})
      if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    if (!v4()) {
      int offset = 16;  // the kernel fills in the TCP checksum over IPv6
      ::setsockopt(m_send.get(), IPPROTO_IPV6, IPV6_CHECKSUM, &offset, sizeof offset);
    }
    CS_TRY(m_source, source_for(m_target));
    // A source port from the ephemeral range, held by a bound (not listening) socket so no
    // connection of this host's can pick it meanwhile.
    m_port_holder = Fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_storage bind_address = m_source;
    if (v4())
      reinterpret_cast<sockaddr_in*>(&bind_address)->sin_port = 0;
    else
      reinterpret_cast<sockaddr_in6*>(&bind_address)->sin6_port = 0;
    socklen_t length = v4() ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    if (::bind(m_port_holder.get(), reinterpret_cast<sockaddr*>(&bind_address), length) != 0 ||
        ::getsockname(m_port_holder.get(), reinterpret_cast<sockaddr*>(&bind_address), &length) !=
            0)
      return fail(ErrorCode::io, std::string("bind: ") + std::strerror(errno));
    m_identity.source_port = v4()
                                 ? ntohs(reinterpret_cast<sockaddr_in*>(&bind_address)->sin_port)
                                 : ntohs(reinterpret_cast<sockaddr_in6*>(&bind_address)->sin6_port);
    uint32_t& secret = m_identity.secret;
    if (::getrandom(&secret, sizeof secret, 0) != sizeof secret)
      secret = static_cast<uint32_t>(SteadyClock::now().time_since_epoch().count());
    return {};
  }

  uint32_t sequence_for(int port) const { return probe_sequence(m_identity, port); }

  void build_syn(int port, tcphdr& tcp) const {
    std::memset(&tcp, 0, sizeof tcp);
    tcp.source = htons(m_identity.source_port);
    tcp.dest = htons(static_cast<uint16_t>(port));
    tcp.seq = htonl(sequence_for(port));
    tcp.doff = 5;
    tcp.syn = 1;
    tcp.window = htons(1024);
    if (v4()) {
      const auto& source = reinterpret_cast<const sockaddr_in&>(m_source).sin_addr;
      const auto& dest = reinterpret_cast<const sockaddr_in&>(m_target.sockaddr).sin_addr;
      uint32_t sum = sum16(&source, 4);
      sum = sum16(&dest, 4, sum);
      sum += IPPROTO_TCP + sizeof tcp;
      tcp.check = fold(sum16(&tcp, sizeof tcp, sum));
    }
  }

  Result<void> send_round(const std::vector<int>& ports, SteadyClock::time_point start) {
    constexpr size_t k_batch = 64;
    std::vector<tcphdr> segments(k_batch);
    std::vector<iovec> vectors(k_batch);
    std::vector<mmsghdr> messages(k_batch);
    sockaddr_storage to = m_target.sockaddr;
    if (v4())
      reinterpret_cast<sockaddr_in*>(&to)->sin_port = 0;
    else
      reinterpret_cast<sockaddr_in6*>(&to)->sin6_port = 0;  // raw IPv6: must be 0 or the protocol
    auto last_progress = SteadyClock::now();
    for (size_t i = 0; i < ports.size();) {
      if (m_options.rate > 0) {
        const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
        if (static_cast<double>(m_probes) >= seconds * m_options.rate + 1) {
          CS_TRY_VOID(receive(1));
          continue;
        }
      }
      size_t count = std::min(k_batch, ports.size() - i);
      if (m_options.rate > 0)
        count = std::min<size_t>(count, std::max(1, m_options.rate / 1000));
      for (size_t j = 0; j < count; ++j) {
        build_syn(ports[i + j], segments[j]);
        vectors[j] = {&segments[j], sizeof(tcphdr)};
        messages[j] = {};
        messages[j].msg_hdr.msg_name = &to;
        messages[j].msg_hdr.msg_namelen = m_target.length;
        messages[j].msg_hdr.msg_iov = &vectors[j];
        messages[j].msg_hdr.msg_iovlen = 1;
      }
      const auto sent_at = SteadyClock::now();
      int sent = ::sendmmsg(m_send.get(), messages.data(), static_cast<unsigned>(count), 0);
      if (sent < 0) {
        if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) {
          CS_TRY_VOID(receive(1));  // the queue is full: let it drain
          continue;
        }
        return fail(ErrorCode::io, std::string("sendmmsg: ") + std::strerror(errno));
      }
      for (int j = 0; j < sent; ++j)
        m_sent_at[static_cast<size_t>(ports[i + static_cast<size_t>(j)])] = sent_at;
      i += static_cast<size_t>(sent);
      m_probes += static_cast<size_t>(sent);
      CS_TRY_VOID(receive(0));
      if (m_options.progress && SteadyClock::now() - last_progress >= milliseconds(100)) {
        last_progress = SteadyClock::now();
        m_options.progress({m_results.size(), m_options.ports.size(), m_open});
      }
    }
    return {};
  }

  // Reads every answer waiting, waiting up to `wait_ms` for the first.
  Result<void> receive(int wait_ms) {
    pollfd fds[2] = {{m_send.get(), POLLIN, 0}, {m_icmp.get(), POLLIN, 0}};
    int ready = ::poll(fds, 2, wait_ms);
    if (ready < 0 && errno != EINTR)
      return fail(ErrorCode::io, std::string("poll: ") + std::strerror(errno));
    if (ready <= 0)
      return {};
    alignas(8) uint8_t buffer[2048];
    for (int which = 0; which < 2; ++which) {
      if (!(fds[which].revents & POLLIN))
        continue;
      while (true) {
        sockaddr_storage from{};
        socklen_t from_length = sizeof from;
        ssize_t length = ::recvfrom(fds[which].fd, buffer, sizeof buffer, MSG_DONTWAIT,
                                    reinterpret_cast<sockaddr*>(&from), &from_length);
        if (length <= 0)
          break;
        if (!from_target(from))
          continue;
        auto answer = parse_probe_answer({buffer, static_cast<size_t>(length)}, m_target.family,
                                         which == 0 ? RawSocket::tcp : RawSocket::icmp, m_identity);
        if (answer)
          record(*answer);
      }
    }
    return {};
  }

  bool from_target(const sockaddr_storage& from) const {
    if (v4())
      return reinterpret_cast<const sockaddr_in&>(from).sin_addr.s_addr ==
             reinterpret_cast<const sockaddr_in&>(m_target.sockaddr).sin_addr.s_addr;
    return std::memcmp(&reinterpret_cast<const sockaddr_in6&>(from).sin6_addr,
                       &reinterpret_cast<const sockaddr_in6&>(m_target.sockaddr).sin6_addr,
                       sizeof(in6_addr)) == 0;
  }

  void record(const ProbeAnswer& answer) {
    if (!std::ranges::binary_search(m_options.ports, answer.port))
      return;
    auto [it, inserted] =
        m_results.try_emplace(answer.port, PortResult{answer.port, answer.state, answer.reason});
    if (!inserted)
      return;
    if (answer.state == PortState::open)
      ++m_open;
    // (record() only sees ports of the scan, each sent before it can answer.)
    m_rtt.sample(duration_cast<microseconds>(SteadyClock::now() -
                                             m_sent_at[static_cast<size_t>(answer.port)]));
  }

  microseconds timeout() const {
    return m_rtt.timeout(m_options.min_timeout, m_options.max_timeout);
  }

  const Target& m_target;
  const ScanOptions& m_options;
  Fd m_send, m_icmp, m_port_holder;
  sockaddr_storage m_source{};
  ProbeIdentity m_identity;  // our source port and the secret behind the sequence numbers
  std::map<int, PortResult> m_results;
  // When each port's latest probe left, by port number (every port has a slot: no lookups).
  std::vector<SteadyClock::time_point> m_sent_at = std::vector<SteadyClock::time_point>(65536);
  size_t m_probes = 0;
  size_t m_open = 0;
  RttEstimator m_rtt;
};

}  // namespace

namespace {

uint16_t read16(const uint8_t* data) {
  return static_cast<uint16_t>(data[0] << 8 | data[1]);
}
uint32_t read32(const uint8_t* data) {
  return static_cast<uint32_t>(data[0]) << 24 | static_cast<uint32_t>(data[1]) << 16 |
         static_cast<uint32_t>(data[2]) << 8 | data[3];
}

// The first 8 bytes of a TCP header quoted in an ICMP error: ports and sequence number.
std::optional<ProbeAnswer> match_quoted(std::span<const uint8_t> quoted, const char* reason,
                                        const ProbeIdentity& identity) {
  if (quoted.size() < 8)
    return std::nullopt;
  const int port = read16(quoted.data() + 2);
  if (read16(quoted.data()) != identity.source_port ||
      read32(quoted.data() + 4) != probe_sequence(identity, port))
    return std::nullopt;
  return ProbeAnswer{port, PortState::filtered, reason};
}

// A TCP segment (after the IPv4 header on IPv4 raw sockets; bare on IPv6).
std::optional<ProbeAnswer> parse_tcp(std::span<const uint8_t> packet, int family,
                                     const ProbeIdentity& identity) {
  if (family == AF_INET) {
    if (packet.size() < sizeof(iphdr))
      return std::nullopt;
    const size_t header = static_cast<size_t>(packet[0] & 0x0f) * 4;  // IHL
    if (header < sizeof(iphdr) || packet.size() < header)
      return std::nullopt;
    packet = packet.subspan(header);
  }
  if (packet.size() < sizeof(tcphdr))
    return std::nullopt;
  const uint8_t* tcp = packet.data();
  if (read16(tcp + 2) != identity.source_port)
    return std::nullopt;
  const int port = read16(tcp);
  const uint8_t flags = tcp[13];
  constexpr uint8_t k_rst = 0x04, k_syn = 0x02, k_ack = 0x10;
  if (!(flags & k_ack) || read32(tcp + 8) != probe_sequence(identity, port) + 1)
    return std::nullopt;
  if (flags & k_syn)
    return ProbeAnswer{port, PortState::open, "syn-ack"};
  if (flags & k_rst)
    return ProbeAnswer{port, PortState::closed, "reset"};
  return std::nullopt;
}

// An ICMP destination-unreachable quoting one of our SYNs.
std::optional<ProbeAnswer> parse_icmp(std::span<const uint8_t> packet, int family,
                                      const ProbeIdentity& identity) {
  if (family == AF_INET) {
    if (packet.size() < sizeof(iphdr))
      return std::nullopt;
    const size_t header = static_cast<size_t>(packet[0] & 0x0f) * 4;
    if (header < sizeof(iphdr) || packet.size() < header + 8)
      return std::nullopt;
    const uint8_t type = packet[header], code = packet[header + 1];
    if (type != ICMP_DEST_UNREACH)
      return std::nullopt;
    const char* reason =
        code == ICMP_PORT_UNREACH  ? "port-unreachable"
        : code == ICMP_NET_UNREACH ? "net-unreachable"
        : code == ICMP_PKT_FILTERED || code == ICMP_NET_ANO || code == ICMP_HOST_ANO
            ? "admin-prohibited"
            : "host-unreachable";
    std::span<const uint8_t> inner = packet.subspan(header + 8);  // the quoted IPv4 packet
    if (inner.size() < sizeof(iphdr))
      return std::nullopt;
    const size_t inner_header = static_cast<size_t>(inner[0] & 0x0f) * 4;
    if (inner_header < sizeof(iphdr) || inner[9] != IPPROTO_TCP || inner.size() < inner_header)
      return std::nullopt;
    return match_quoted(inner.subspan(inner_header), reason, identity);
  }
  constexpr size_t k_icmp6_header = 8, k_ip6_header = 40;
  if (packet.size() < k_icmp6_header + k_ip6_header)
    return std::nullopt;
  const uint8_t type = packet[0], code = packet[1];
  if (type != ICMP6_DST_UNREACH)
    return std::nullopt;
  const char* reason = code == ICMP6_DST_UNREACH_NOPORT    ? "port-unreachable"
                       : code == ICMP6_DST_UNREACH_ADMIN   ? "admin-prohibited"
                       : code == ICMP6_DST_UNREACH_NOROUTE ? "net-unreachable"
                                                           : "host-unreachable";
  if (packet[k_icmp6_header + 6] != IPPROTO_TCP)  // the quoted IPv6 header's next header
    return std::nullopt;
  return match_quoted(packet.subspan(k_icmp6_header + k_ip6_header), reason, identity);
}

}  // namespace

uint32_t probe_sequence(const ProbeIdentity& identity, int port) {
  uint32_t x = static_cast<uint32_t>(port) * 0x9e3779b1u ^ identity.secret;
  x ^= x >> 16;
  x *= 0x85ebca6bu;
  x ^= x >> 13;
  return x;
}

std::optional<ProbeAnswer> parse_probe_answer(std::span<const uint8_t> packet, int family,
                                              RawSocket socket, const ProbeIdentity& identity) {
  if (family != AF_INET && family != AF_INET6)
    return std::nullopt;
  return socket == RawSocket::tcp ? parse_tcp(packet, family, identity)
                                  : parse_icmp(packet, family, identity);
}

Result<ScanResult> tcp_syn_scan(const Target& target, const ScanOptions& options) {
  if (options.ports.empty())
    return fail(ErrorCode::bad_input, "no ports to scan");
  if (options.min_timeout <= milliseconds(0) || options.max_timeout < options.min_timeout)
    return fail(ErrorCode::bad_input, "timeouts must be positive, the minimum at most the maximum");
  SynScanner scanner(target, options);
  return scanner.run();
}

}  // namespace clawshield::scan
