// Log sources. The file follower keeps its descriptor open across a rename so it reads the old
// file to its end before switching to the new one (nothing written just before rotation is
// lost), notices truncation by size, and keeps a partial last line until its newline arrives.
// Its position is "device:inode:offset" of the last complete line. The journal source uses
// sd-journal with a cursor as position.
#include "guard/log_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>

#include "core/fd.h"
#include "core/parse.h"
#include "core/text.h"

namespace clawshield::guard {
namespace {

class FileSource final : public LogSource {
 public:
  FileSource(std::string path, std::optional<std::string> saved, int year)
      : m_path(std::move(path)), m_decoder(year) {
    struct stat st {};
    if (::stat(m_path.c_str(), &st) != 0)
      return;  // not there yet: read from its start once it appears
    bool resumed = false;
    if (saved) {
      auto parts = split(*saved, ':');
      auto number = [&](size_t i) -> std::optional<uint64_t> {
        if (parts.size() != 3)
          return std::nullopt;
        auto value = parse_int(parts[i], uint64_t{0}, std::numeric_limits<uint64_t>::max());
        return value ? std::optional(*value) : std::nullopt;
      };
      const auto device = number(0), inode = number(1), offset = number(2);
      if (device && inode && offset && *device == st.st_dev && *inode == st.st_ino &&
          *offset <= static_cast<uint64_t>(st.st_size)) {
        m_offset = *offset;
        resumed = true;
      }
    }
    if (!resumed && !saved)
      m_offset = static_cast<uint64_t>(st.st_size);  // first start: only what comes next
    open_current();
  }
  std::string name() const override { return "file:" + m_path; }

  std::string position() const override {
    return std::to_string(m_device) + ":" + std::to_string(m_inode) + ":" +
           std::to_string(m_offset);
  }

  Result<size_t> poll(const std::function<void(const Entry&)>& on_entry) override {
    size_t delivered = 0;
    auto sink = [&](const Entry& entry) {
      ++delivered;
      on_entry(entry);
    };
    if (!m_fd.valid() && !open_current())
      return delivered;
    // Truncated in place: start over.
    struct stat st {};
    if (::fstat(m_fd.get(), &st) == 0 && static_cast<uint64_t>(st.st_size) < m_offset) {
      m_offset = 0;
      m_partial.clear();
    }
    CS_TRY_VOID(read_to_end(sink));
    // Rotated: the path names another file now. The old one was read to its end above.
    struct stat current {};
    if (::stat(m_path.c_str(), &current) == 0 &&
        (current.st_ino != m_inode || current.st_dev != m_device)) {
      if (!m_partial.empty())
        deliver(m_partial, sink);  // the old file ended without a newline
      m_partial.clear();
      m_fd.reset();
      m_offset = 0;
      if (open_current())
        CS_TRY_VOID(read_to_end(sink));
    }
    return delivered;
  }

 private:
  bool open_current() {
    Fd fd(::open(m_path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!fd.valid())
      return false;
    struct stat st {};
    ::fstat(fd.get(), &st);
    m_fd = std::move(fd);
    if (st.st_ino != m_inode || st.st_dev != m_device) {
      if (m_inode != 0)
        m_offset = 0;  // a different file than the one the offset belonged to
      m_device = st.st_dev;
      m_inode = st.st_ino;
    }
    return true;
  }

  void deliver(std::string_view line, const std::function<void(const Entry&)>& sink) {
    m_decoder.feed(line, sink);
  }

  Result<void> read_to_end(const std::function<void(const Entry&)>& sink) {
    char buffer[65536];
    while (true) {
      ssize_t n = ::pread(m_fd.get(), buffer, sizeof buffer,
                          static_cast<off_t>(m_offset + m_partial.size()));
      if (n < 0) {
        if (errno == EINTR)
          continue;
        return fail(ErrorCode::io, "reading " + m_path + ": " + std::strerror(errno));
      }
      if (n == 0)
        return {};
      std::string_view data(buffer, static_cast<size_t>(n));
      size_t start = 0;
      while (true) {
        size_t end = data.find('\n', start);
        if (end == std::string_view::npos) {
          m_partial.append(data.substr(start));
          break;
        }
        std::string_view piece = data.substr(start, end - start);
        size_t consumed = m_partial.size() + piece.size() + 1;
        if (m_partial.empty()) {
          deliver(piece, sink);
        } else {
          m_partial.append(piece);
          deliver(m_partial, sink);
          m_partial.clear();
        }
        m_offset += consumed;
        start = end + 1;
      }
    }
  }

  std::string m_path;
  EntryDecoder m_decoder;
  Fd m_fd;
  uint64_t m_device = 0, m_inode = 0, m_offset = 0;
  std::string m_partial;
};

class JournalSource final : public LogSource {
 public:
  explicit JournalSource(sd_journal* journal) : m_journal(journal) {}
  ~JournalSource() override { sd_journal_close(m_journal); }

  std::string name() const override { return "journal"; }
  // Takes the entry the journal is positioned on as delivered (the starting point).
  void remember_current() {
    char* cursor = nullptr;
    if (sd_journal_get_cursor(m_journal, &cursor) >= 0) {
      m_cursor = cursor;
      free(cursor);
    }
  }
  std::string position() const override { return m_cursor; }
  int wait_fd() const override { return sd_journal_get_fd(m_journal); }

  Result<size_t> poll(const std::function<void(const Entry&)>& on_entry) override {
    sd_journal_process(m_journal);
    size_t delivered = 0;
    while (true) {
      int rc = sd_journal_next(m_journal);
      if (rc < 0)
        return fail(ErrorCode::io, std::string("sd_journal_next: ") + std::strerror(-rc));
      if (rc == 0)
        break;
      // Who sent it, by the fields journald adds itself; SYSLOG_IDENTIFIER is the sender's say.
      const std::string uid = field("_UID"), comm = field("_COMM"), exe = field("_EXE"),
                        unit = field("_SYSTEMD_UNIT"), identifier = field("SYSLOG_IDENTIFIER");
      const std::string_view program =
          sshd_program_of(TrustedFields{uid, comm, exe, unit, false, identifier});
      std::string message = field("MESSAGE");
      uint64_t micros = 0;
      sd_journal_get_realtime_usec(m_journal, &micros);
      char* cursor = nullptr;
      if (sd_journal_get_cursor(m_journal, &cursor) >= 0) {
        m_cursor = cursor;
        free(cursor);
      }
      ++delivered;
      on_entry(Entry{static_cast<int64_t>(micros / 1000000), program, message,
                     static_cast<int32_t>(micros % 1000000)});
    }
    return delivered;
  }

 private:
  std::string field(const char* name) {
    const void* data = nullptr;
    size_t length = 0;
    if (sd_journal_get_data(m_journal, name, &data, &length) < 0)
      return {};
    std::string_view text(static_cast<const char*>(data), length);
    size_t eq = text.find('=');
    return eq == std::string_view::npos ? std::string() : std::string(text.substr(eq + 1));
  }

  sd_journal* m_journal;
  std::string m_cursor;
};

}  // namespace

std::unique_ptr<LogSource> make_file_source(std::string path, std::optional<std::string> saved,
                                            int year) {
  return std::make_unique<FileSource>(std::move(path), std::move(saved), year);
}

Result<std::unique_ptr<LogSource>> make_journal_source(std::optional<std::string> directory,
                                                       std::optional<std::string> saved_cursor,
                                                       uint64_t first_start_usec) {
  sd_journal* journal = nullptr;
  int rc = directory ? sd_journal_open_directory(&journal, directory->c_str(), 0)
                     : sd_journal_open(&journal, SD_JOURNAL_LOCAL_ONLY);
  if (rc < 0)
    return fail(ErrorCode::io, std::string("cannot open the journal: ") + std::strerror(-rc));
  // Candidates: by the fields journald adds itself — the process name (no systemd as PID 1
  // means no _SYSTEMD_UNIT), sshd's binary, its unit — or by the tag. Only candidates; poll()
  // decides with sshd_program_of (_UID=0 always).
  for (const char* match : {"_COMM=sshd", "_COMM=sshd-session", "_COMM=sshd-auth"})
    sd_journal_add_match(journal, match, 0);
  sd_journal_add_disjunction(journal);
  for (const char* match :
       {"_EXE=/usr/sbin/sshd", "_EXE=/usr/lib/openssh/sshd-session",
        "_EXE=/usr/lib/openssh/sshd-auth", "_EXE=/usr/libexec/openssh/sshd-session",
        "_EXE=/usr/libexec/openssh/sshd-auth", "_EXE=/usr/libexec/sshd-session",
        "_EXE=/usr/libexec/sshd-auth"})
    sd_journal_add_match(journal, match, 0);
  sd_journal_add_disjunction(journal);
  for (const char* match : {"_SYSTEMD_UNIT=ssh.service", "_SYSTEMD_UNIT=sshd.service"})
    sd_journal_add_match(journal, match, 0);
  // A sender gone before journald read /proc has no _COMM/_EXE: by its tag, then _UID=0.
  sd_journal_add_disjunction(journal);
  for (const char* match :
       {"SYSLOG_IDENTIFIER=sshd", "SYSLOG_IDENTIFIER=sshd-session", "SYSLOG_IDENTIFIER=sshd-auth"})
    sd_journal_add_match(journal, match, 0);
  auto source = std::make_unique<JournalSource>(journal);
  if (saved_cursor && !saved_cursor->empty() &&
      sd_journal_seek_cursor(journal, saved_cursor->c_str()) >= 0) {
    // The saved entry was delivered already: step onto it, the next poll starts after it.
    if (sd_journal_next(journal) > 0 && sd_journal_test_cursor(journal, saved_cursor->c_str()) <= 0)
      sd_journal_previous(journal);
    source->remember_current();
  } else {
    // First start: from a point in time, not "the tail". Seeking to the tail of a journal
    // with no matching entry yet leaves sd-journal at "the end", and its next
    // sd_journal_next() returns the LAST entry present by then: a burst written while the
    // guard started was read from its middle (3 of 5 lines). Entries at or after
    // `first_start_usec` are all read, in order.
    sd_journal_seek_realtime_usec(journal, first_start_usec);
  }
  return std::unique_ptr<LogSource>(std::move(source));
}

bool syslog_goes_through_journald(const Filesystem& fs) {
  // systemd-journald-dev-log.socket links /dev/log to journald's socket; rsyslog then gets
  // every line from journald (ForwardToSyslog, or imjournal).
  std::error_code error;
  const auto target = std::filesystem::read_symlink(fs.host_path("/dev/log"), error);
  if (!error)
    return target == k_journald_dev_log;
  struct stat dev_log {
  }, journald{};
  return ::stat(fs.host_path("/dev/log").c_str(), &dev_log) == 0 && S_ISSOCK(dev_log.st_mode) &&
         ::stat(fs.host_path(k_journald_dev_log).c_str(), &journald) == 0 &&
         dev_log.st_dev == journald.st_dev && dev_log.st_ino == journald.st_ino;
}

}  // namespace clawshield::guard
