// Shared pieces of the fuzz targets: the input as text, a temp root for readers that only take
// a Filesystem, and a host whose commands and firewall do nothing. A target treats any
// escaping exception as a crash (libFuzzer reports it as one), so running the targets proves
// that no input reaches the CLI's "internal error".
#pragma once

#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/output.h"
#include "host/clock.h"
#include "host/host.h"
#include "host/nftables.h"
#include "host/runner.h"

namespace clawshield::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits a fuzz input into `count` parts at the line "----" (missing parts are empty), so one
// input can hold a main file and the file it includes.
inline std::vector<std::string> split_parts(std::string_view text, size_t count) {
  std::vector<std::string> parts(count);
  size_t part = 0;
  while (part + 1 < count) {
    size_t cut = text.find("\n----\n");
    if (cut == std::string_view::npos)
      break;
    parts[part++] = std::string(text.substr(0, cut + 1));
    text.remove_prefix(cut + 6);
  }
  parts[part] = std::string(text);
  return parts;
}

// Stops the run with a message: libFuzzer saves the input as a crash.
[[noreturn]] inline void fail_property(const char* what) {
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  __builtin_trap();
}

// A folder under $TMPDIR made once per process and removed at exit; files are written with
// plain write(2) (no fsync: this is scratch space, thousands of inputs a second). scripts/fuzz
// points TMPDIR at a tmpfs where there is one.
class TempRoot {
 public:
  TempRoot() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/clawshield-fuzz-XXXXXX";
    if (!::mkdtemp(pattern.data()))
      fail_property("mkdtemp failed");
    m_path = pattern;
  }
  TempRoot(const TempRoot&) = delete;
  TempRoot& operator=(const TempRoot&) = delete;
  ~TempRoot() {
    ::nftw(
        m_path.c_str(),
        [](const char* path, const struct stat*, int, FTW*) { return ::remove(path); }, 16,
        FTW_DEPTH | FTW_PHYS);
  }
  const std::string& path() const { return m_path; }

  // Creates `relative`'s folders and writes `content` to it, replacing what was there.
  void write(const std::string& relative, std::string_view content) const {
    for (size_t slash = relative.find('/', 1); slash != std::string::npos;
         slash = relative.find('/', slash + 1))
      ::mkdir((m_path + relative.substr(0, slash)).c_str(), 0755);
    const std::string full = m_path + relative;
    // A new file each time: truncating or renaming over a file makes ext4 flush it at close
    // (auto_da_alloc), which would slow a target to tens of inputs a second.
    ::unlink(full.c_str());
    int fd = ::open(full.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
      fail_property("cannot write a temp file");
    for (size_t done = 0; done < content.size();) {
      ssize_t n = ::write(fd, content.data() + done, content.size() - done);
      if (n <= 0)
        fail_property("short write to a temp file");
      done += static_cast<size_t>(n);
    }
    ::close(fd);
  }

 private:
  std::string m_path;
};

// Nothing runs and no firewall exists: the readers under test must work from files alone.
class NoCommands final : public CommandRunner {
 public:
  Result<CommandResult> run(const Command&) override {
    return fail(ErrorCode::not_found, "fuzzing: no commands run");
  }
  Result<void> spawn_detached(const Command&) override {
    return fail(ErrorCode::not_found, "fuzzing: no commands run");
  }
};

class NoNftables final : public Nftables {
 public:
  Result<std::string> run(std::string_view, NftOutput) override {
    return fail(ErrorCode::not_found, "fuzzing: no nftables");
  }
};

// The accounts every root of the targets has: root, the app user and a few groups.
inline constexpr std::string_view k_passwd =
    "root:x:0:0:root:/root:/bin/bash\n"
    "admin:x:1000:1000:Admin:/home/admin:/bin/bash\n"
    "openclaw:x:999:999:OpenClaw:/home/openclaw:/usr/sbin/nologin\n";
inline constexpr std::string_view k_group =
    "root:x:0:\nsudo:x:27:admin\nadm:x:4:openclaw\ndocker:x:998:\nadmin:x:1000:\n"
    "openclaw:x:999:\n";

// Renders `findings` as `verify --json` does: evidence quotes input bytes, and the JSON
// output must survive every one of them.
inline void render_findings(std::vector<Finding> findings) {
  std::ostringstream out;
  VerifyReport report{std::move(findings)};
  print_verify(out, report, LayerList{}, Style{Format::json, Colour::no});
  print_verify(out, report, LayerList{}, Style{Format::text, Colour::no});
}

// A Host over `fs` that runs nothing, with the clock stopped at a fixed time.
struct OfflineHost {
  explicit OfflineHost(Filesystem& fs) : host{fs, runner, clock, nft} {}
  NoCommands runner;
  NoNftables nft;
  ManualClock clock{std::chrono::system_clock::time_point(std::chrono::seconds(1'795'000'000))};
  Host host;
};

}  // namespace clawshield::fuzz
