// Replay, and the entry reader it shares with the daemon. Files are streamed in 1 MiB chunks
// and syslog lines split in place (string_views into the buffer, no copies), so memory does
// not grow with the log; the journal formats are rarer and go through nlohmann::json or a
// small export-format reader.
#include "guard/replay.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <string>

#include "core/fd.h"
#include "core/parse.h"

namespace clawshield::guard {

namespace {

// A binary field longer than this is not an sshd message: its bytes are skipped, not kept.
constexpr size_t k_max_binary_field = size_t{64} * 1024;

bool is_ssh_unit(std::string_view unit) {
  if (unit == "ssh.service" || unit == "sshd.service")
    return true;
  // Per-connection units of a socket-activated sshd: ssh@N-ADDR:PORT-ADDR:PORT.service.
  return (unit.starts_with("ssh@") || unit.starts_with("sshd@")) && unit.ends_with(".service");
}

std::string_view base_name(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// A binary replaced by an upgrade while it runs reads "PATH (deleted)".
std::string_view without_deleted(std::string_view exe) {
  if (exe.ends_with(" (deleted)"))
    exe.remove_suffix(std::string_view(" (deleted)").size());
  return exe;
}

// sshd's binary where distributions install it.
bool is_sshd_executable(std::string_view exe) {
  const std::string_view folder = exe.substr(0, exe.size() - base_name(exe).size());
  for (std::string_view system_folder :
       {"/usr/sbin/", "/sbin/", "/usr/bin/", "/usr/lib/openssh/", "/usr/lib/ssh/", "/usr/libexec/",
        "/usr/libexec/openssh/", "/usr/local/sbin/", "/usr/local/libexec/"})
    if (folder == system_folder)
      return is_sshd_program(base_name(exe));
  return false;
}

}  // namespace

std::string_view sshd_program_of(const TrustedFields& fields) {
  // _UID comes from the kernel (SCM_CREDENTIALS, the sender's real uid): only root can send
  // as 0. sshd's messages all come from its root monitor (the privilege-separated child logs
  // through it). _EXE goes first: a process's name (_COMM) is its file's name, and a symlink
  // named sshd to a set-uid program would carry it.
  if (fields.repeated || fields.uid != "0")
    return {};
  if (!fields.exe.empty())
    return is_sshd_executable(without_deleted(fields.exe)) ? base_name(without_deleted(fields.exe))
                                                           : std::string_view();
  if (!fields.comm.empty())
    return is_sshd_program(fields.comm) ? fields.comm : std::string_view();
  if (!fields.unit.empty())
    return is_ssh_unit(fields.unit) ? "sshd" : std::string_view();
  return is_sshd_program(fields.identifier) ? fields.identifier : std::string_view();
}

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
        return document.contains(key) && document[key].is_string()
                   ? document[key].get<std::string>()
                   : std::string();
      };
      // A field given twice is an array in JSON: not a string, so not trusted.
      const std::string uid = text_field("_UID"), comm = text_field("_COMM"),
                        exe = text_field("_EXE"), unit = text_field("_SYSTEMD_UNIT"),
                        identifier = text_field("SYSLOG_IDENTIFIER");
      const std::string_view program =
          sshd_program_of(TrustedFields{uid, comm, exe, unit, false, identifier});
      std::string message = text_field("MESSAGE");
      std::string realtime = text_field("__REALTIME_TIMESTAMP");
      const int64_t micros = parse_int(realtime, std::numeric_limits<int64_t>::min(),
                                       std::numeric_limits<int64_t>::max())
                                 .value_or(0);
      on_entry(Entry{micros / 1000000, program, message, static_cast<int32_t>(micros % 1000000)});
      return;
    }
    case Format::journal_export: {
      if (m_in_binary) {
        take_binary(line);
        return;
      }
      if (line.empty()) {
        finish(on_entry);
        return;
      }
      m_pending = true;
      size_t eq = line.find('=');
      if (eq == std::string_view::npos) {
        // A binary field: its name alone on the line; its size and bytes follow.
        m_in_binary = true;
        m_binary_key = line;
        m_binary_size_bytes.clear();
        m_binary_data.clear();
        m_binary_left = 0;
        return;
      }
      set_export_field(line.substr(0, eq), line.substr(eq + 1));
      return;
    }
  }
}

void EntryDecoder::set_export_field(std::string_view key, std::string_view value) {
  auto trusted = [&](std::string& field) {
    if (!field.empty())
      m_repeated = true;
    field = value;
  };
  if (key == "MESSAGE") {
    if (!m_has_message)  // the first, as sd_journal_get_data gives it
      m_message = value;
    m_has_message = true;
  } else if (key == "_UID") {
    trusted(m_uid);
  } else if (key == "_COMM") {
    trusted(m_comm);
  } else if (key == "_EXE") {
    trusted(m_exe);
  } else if (key == "_SYSTEMD_UNIT") {
    trusted(m_unit);
  } else if (key == "SYSLOG_IDENTIFIER") {
    if (m_identifier.empty())
      m_identifier = value;
  } else if (key == "__REALTIME_TIMESTAMP") {
    const int64_t micros =
        parse_int(value, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max())
            .value_or(0);
    m_time = micros / 1000000;
    m_micros = static_cast<int32_t>(micros % 1000000);
  }
}

// The caller split the stream at every newline, so `line` plus the newline it dropped are the
// next bytes of the binary field, exactly: first the 8-byte size, then the data, then '\n'.
// Nothing inside the data is ever read as a field.
void EntryDecoder::take_binary(std::string_view line) {
  std::string bytes(line);
  bytes += '\n';
  std::string_view rest = bytes;
  if (m_binary_size_bytes.size() < 8) {
    const size_t take = std::min(8 - m_binary_size_bytes.size(), rest.size());
    m_binary_size_bytes.append(rest.substr(0, take));
    rest.remove_prefix(take);
    if (m_binary_size_bytes.size() < 8)
      return;
    uint64_t size = 0;
    for (int i = 7; i >= 0; --i)
      size = size << 8 | static_cast<uint8_t>(m_binary_size_bytes[static_cast<size_t>(i)]);
    m_binary_left = size == UINT64_MAX ? size : size + 1;
  }
  const size_t take = static_cast<size_t>(std::min<uint64_t>(m_binary_left, rest.size()));
  if (m_binary_data.size() + take <= k_max_binary_field + 1)
    m_binary_data.append(rest.substr(0, take));
  else
    m_broken |= m_binary_key == "MESSAGE";  // too long to keep: no message of sshd's
  m_binary_left -= take;
  rest.remove_prefix(take);
  if (m_binary_left > 0)
    return;
  // The field ended: it must end where a line ended, with its newline.
  m_in_binary = false;
  if (!rest.empty() || m_binary_data.empty() || m_binary_data.back() != '\n') {
    m_broken = true;
    return;
  }
  m_binary_data.pop_back();
  set_export_field(m_binary_key, m_binary_data);
}

void EntryDecoder::reset_export_entry() {
  m_message.clear();
  m_uid.clear();
  m_comm.clear();
  m_exe.clear();
  m_unit.clear();
  m_identifier.clear();
  m_has_message = m_repeated = m_broken = false;
  m_time = 0;
  m_micros = 0;
  m_pending = false;
  m_in_binary = false;
}

void EntryDecoder::finish(const std::function<void(const Entry&)>& on_entry) {
  if (m_format != Format::journal_export || !m_pending)
    return;
  // An entry cut off inside a binary field, or malformed, is reported without a program.
  const bool whole = !m_in_binary && !m_broken;
  const std::string_view program =
      whole ? sshd_program_of(TrustedFields{m_uid, m_comm, m_exe, m_unit, m_repeated, m_identifier})
            : std::string_view();
  on_entry(
      Entry{m_time, program, whole ? std::string_view(m_message) : std::string_view(), m_micros});
  reset_export_entry();
}

Result<void> for_each_line(const std::string& path,
                           const std::function<void(std::string_view)>& on_line) {
  Fd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file.valid())
    return fail(errno == ENOENT ? ErrorCode::not_found : ErrorCode::io,
                "cannot read " + path + ": " + std::strerror(errno));
  constexpr size_t k_chunk = 1 << 20;
  std::string buffer;
  buffer.reserve(2 * k_chunk);
  std::vector<char> chunk(k_chunk);
  while (true) {
    ssize_t n = ::read(file.get(), chunk.data(), chunk.size());
    if (n < 0) {
      if (errno == EINTR)
        continue;
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
  file.reset();
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
