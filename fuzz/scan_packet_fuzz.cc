// Fuzz target: the SYN scan's parse of a packet read from a raw socket (the network's bytes).
// The first byte picks the family (bit 0: IPv6) and the socket (bit 1: ICMP); the rest is the
// packet. Probes come from source port 40000 with secret 0x5eed5eed, as in the seed corpus.
#include <netinet/in.h>
#include <sys/socket.h>

#include "fuzz_support.h"
#include "scan/syn_scan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace clawshield::scan;
  if (size < 1)
    return 0;
  const int family = data[0] & 1 ? AF_INET6 : AF_INET;
  const RawSocket socket = data[0] & 2 ? RawSocket::icmp : RawSocket::tcp;
  const ProbeIdentity identity{40000, 0x5eed5eed};
  auto answer = parse_probe_answer({data + 1, size - 1}, family, socket, identity);
  if (answer && (answer->port < 0 || answer->port > 65535 || answer->reason == nullptr))
    clawshield::fuzz::fail_property("an answer for an impossible port");
  return 0;
}
