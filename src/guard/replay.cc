// Replay, and the entry reader it shares with the daemon. Files are streamed in 1 MiB chunks
// and syslog lines split in place (string_views into the buffer, no copies), so memory does
// not grow with the log; the journal formats are rarer and go through nlohmann::json or a
// small export-format reader.
#include "guard/replay.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>

namespace clawshield::guard {

void EntryDecoder::feed(std::string_view line, const std::function<void(const Entry&)>& on_entry) {
  if (m_format == Format::unknown) {
    size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) {
      on_entry(Entry{0, {}, {}});
      return;
    }
    std::string_view head = line.substr(first);
    if (head.starts_with("{"))
      m_format = Format::json;
    else if (head.starts_with("__CURSOR=") || head.starts_with("__REALTIME_TIMESTAMP=") ||
             head.starts_with("MESSAGE=") || head.starts_with("_"))
      m_format = Format::journal_export;
    else
      m_format = Format::syslog;
  }
  switch (m_format) {
    case Format::syslog:
    case Format::unknown: {
      if (auto parsed = parse_syslog_line(line, m_year))
        on_entry(Entry{parsed->time, parsed->program, parsed->message, parsed->micros});
      else
        on_entry(Entry{0, {}, {}});
      return;
    }
    case Format::json: {
      auto document = nlohmann::json::parse(line, nullptr, false);
      if (document.is_discarded() || !document.is_object()) {
        on_entry(Entry{0, {}, {}});
        return;
      }
      auto text_field = [&](const char* key) -> std::string {
        return document.contains(key) && document[key].is_string() ? document[key].get<std::string>()
                                                                   : std::string();
      };
      std::string program = text_field("SYSLOG_IDENTIFIER");
      if (program.empty())
        program = text_field("_COMM");
      std::string message = text_field("MESSAGE");
      std::string realtime = text_field("__REALTIME_TIMESTAMP");
      int64_t micros = 0;
      std::from_chars(realtime.data(), realtime.data() + realtime.size(), micros);
      on_entry(Entry{micros / 1000000, program, message, static_cast<int32_t>(micros % 1000000)});
      return;
    }
    case Format::journal_export: {
      if (line.empty()) {
        finish(on_entry);
        return;
      }
      size_t eq = line.find('=');
      if (eq == std::string_view::npos)
        return;  // a binary field's size line or data: not ours
      m_pending = true;
      std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
      if (key == "MESSAGE") {
        m_message = value;
      } else if (key == "SYSLOG_IDENTIFIER" || (key == "_COMM" && m_program.empty())) {
        m_program = value;
      } else if (key == "__REALTIME_TIMESTAMP") {
        int64_t micros = 0;
        std::from_chars(value.data(), value.data() + value.size(), micros);
        m_time = micros / 1000000;
      }
      return;
    }
  }
}

void EntryDecoder::finish(const std::function<void(const Entry&)>& on_entry) {
  if (m_format != Format::journal_export || !m_pending)
    return;
  on_entry(Entry{m_time, m_program, m_message});
  m_program.clear();
  m_message.clear();
  m_time = 0;
  m_pending = false;
}

Result<void> for_each_line(const std::string& path,
                           const std::function<void(std::string_view)>& on_line) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(errno == ENOENT ? ErrorCode::not_found : ErrorCode::io,
                "cannot read " + path + ": " + std::strerror(errno));
  constexpr size_t k_chunk = 1 << 20;
  std::string buffer;
  buffer.reserve(2 * k_chunk);
  std::vector<char> chunk(k_chunk);
  while (true) {
    ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n < 0) {
      if (errno == EINTR)
        continue;
      ::close(fd);
      return fail(ErrorCode::io, "error reading " + path + ": " + std::strerror(errno));
    }
    if (n == 0)
      break;
    buffer.append(chunk.data(), static_cast<size_t>(n));
    size_t start = 0;
    while (true) {
      size_t end = buffer.find('\n', start);
      if (end == std::string::npos)
        break;
      on_line(std::string_view(buffer).substr(start, end - start));
      start = end + 1;
    }
    buffer.erase(0, start);
  }
  ::close(fd);
  if (!buffer.empty())
    on_line(buffer);
  return {};
}

void for_each_entry(std::string_view text, int year,
                    const std::function<void(const Entry&)>& on_entry) {
  EntryDecoder decoder(year);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos)
      end = text.size();
    decoder.feed(text.substr(start, end - start), on_entry);
    start = end + 1;
  }
  decoder.finish(on_entry);
}

namespace {

struct Replayer {
  explicit Replayer(const GuardSettings& settings) : detector(settings) {}
  void operator()(const Entry& entry) {
    ++result.stats.lines;
    if (!is_sshd_program(entry.program))
      return;
    ++result.stats.sshd_lines;
    auto event = parse_sshd_message(entry.message);
    if (!event)
      return;
    ++result.stats.events;
    ++result.stats.by_kind[static_cast<size_t>(event->kind)];
    if (auto ban = detector.observe(*event, entry.time))
      result.bans.push_back(*ban);
  }
  Detector detector;
  ReplayResult result;
};

}  // namespace

Result<ReplayResult> replay_file(const std::string& path, const GuardSettings& settings, int year) {
  Replayer replayer(settings);
  EntryDecoder decoder(year);
  std::function<void(const Entry&)> sink = [&](const Entry& entry) { replayer(entry); };
  CS_TRY_VOID(for_each_line(path, [&](std::string_view line) { decoder.feed(line, sink); }));
  decoder.finish(sink);
  return std::move(replayer.result);
}

ReplayResult replay_text(std::string_view text, const GuardSettings& settings, int year) {
  Replayer replayer(settings);
  for_each_entry(text, year, [&](const Entry& entry) { replayer(entry); });
  return std::move(replayer.result);
}

}  // namespace clawshield::guard
