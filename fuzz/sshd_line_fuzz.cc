// Fuzz target: the guard's sshd log line parser (syslog framing and sshd's messages). Every
// line of the input is parsed as a syslog line and, on its own, as a bare sshd message.
#include "fuzz_support.h"
#include "guard/sshd_parser.h"

namespace {

void check_event(const std::optional<clawshield::guard::Event>& event) {
  if (!event)
    return;
  const auto& address = event->address;
  if (address.prefix < 0 || address.prefix > (address.v6 ? 128 : 32))
    clawshield::fuzz::fail_property("an event with an impossible prefix");
  if (clawshield::guard::event_kind_name(event->kind) == nullptr)
    clawshield::fuzz::fail_property("an event kind without a name");
  // The culprit must read back as itself: it is what gets banned.
  auto again = clawshield::guard::parse_network(address.text());
  if (!again || !(*again == address))
    clawshield::fuzz::fail_property("an event's address does not read back");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace clawshield::guard;
  std::string_view text = clawshield::fuzz::as_text(data, size);
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    check_event(parse_sshd_message(line));
    if (auto parsed = parse_syslog_line(line, 2026)) {
      if (parsed->micros < 0 || parsed->micros > 999'999)
        clawshield::fuzz::fail_property("a syslog time with impossible microseconds");
      if (is_sshd_program(parsed->program))
        check_event(parse_sshd_message(parsed->message));
    }
  }
  return 0;
}
