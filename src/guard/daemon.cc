// The guard's event loop: one epoll over inotify (the log files' folders), the journal's
// descriptor, the control socket, a signalfd and a 1 s timerfd. Each wake-up drains every
// source, collects the bans it decides on, and adds them in one nftables transaction; only
// then are positions and history persisted (state written atomically), so a crash can make
// the guard read a line twice but never lose a ban: the kernel keeps the elements and they
// are read back on start. A reboot empties the kernel's sets, so the state also holds every
// ban in force with the time it ends; a start puts back those the kernel lost, for the time
// they have left (never a fresh full ban time).
#include "guard/daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>

#include "core/bounded_json.h"
#include "core/fd.h"
#include "core/parse.h"
#include "core/text.h"
#include "guard/banner.h"
#include "guard/detector.h"
#include "guard/log_source.h"

namespace clawshield::guard {
namespace {

using nlohmann::json;

// sd_notify without libsystemd: one datagram to $NOTIFY_SOCKET.
void notify(const char* state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (!path || !*path)
    return;
  Fd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid())
    return;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  size_t length = std::min(std::strlen(path), sizeof address.sun_path - 1);
  std::memcpy(address.sun_path, path, length);
  if (address.sun_path[0] == '@')
    address.sun_path[0] = '\0';  // abstract namespace
  ::sendto(fd.get(), state, std::strlen(state), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&address),
           static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length));
}

struct Metrics {
  uint64_t lines = 0;
  std::array<uint64_t, k_event_kinds> by_kind{};
  uint64_t bans_total = 0;
  double last_reaction_ms = 0;
};

class Daemon {
 public:
  Daemon(Host& host, Policy policy, DaemonOptions options, std::ostream& log)
      : m_host(host),
        m_policy(std::move(policy)),
        m_options(std::move(options)),
        m_log(log),
        m_banner(host.nft),
        m_detector(settings_from_policy(m_policy.guard)) {}

  int run(const std::function<Result<Policy>()>& reload);

 private:
  Result<void> load_state();
  Result<void> save_state();
  std::string offence_log_path() const;
  Result<void> load_offence_log();
  void log_offence(const Address& source, int offence);
  void open_sources();
  Result<void> restore_bans();
  void drain();
  void handle_control(Fd client);
  std::string control_reply(const std::string& request);
  void write_metrics();
  void say(const std::string& line) { m_log << line << std::endl; }
  // Logs the failure of `what`, a step the loop repeats (saving state, writing metrics), when
  // it starts failing or fails for another reason, not at every tick it goes on failing.
  void report(const std::string& what, const Result<void>& result);
  // Seconds since the epoch on the host's clock (a test's clock in tests).
  double wall_now() const {
    return std::chrono::duration<double>(m_host.clock.now().time_since_epoch()).count();
  }

  Host& m_host;
  Policy m_policy;
  DaemonOptions m_options;
  std::ostream& m_log;
  Banner m_banner;
  Detector m_detector;
  std::vector<std::unique_ptr<LogSource>> m_sources;
  std::map<std::string, std::string> m_positions;         // saved, by source name
  std::vector<std::pair<Address, int64_t>> m_saved_bans;  // saved: source, end (wall time)
  Metrics m_metrics;
  bool m_dirty = false;
  std::error_code m_ignored;
  Fd m_offence_fd;                               // offences.log, opened at the first ban
  std::map<std::string, std::string> m_failing;  // by report(): what fails, and why
};

void Daemon::report(const std::string& what, const Result<void>& result) {
  if (result) {
    m_failing.erase(what);
    return;
  }
  auto [known, first] = m_failing.try_emplace(what, result.error().message);
  if (!first && known->second == result.error().message)
    return;
  known->second = result.error().message;
  say("guard: " + what + ": " + result.error().message);
}

Result<void> Daemon::load_state() {
  auto text = m_host.fs.read(std::string(k_guard_state_dir) + "/state.json");
  if (!text) {
    if (text.error().code == ErrorCode::not_found)
      return {};
    return std::unexpected(text.error());
  }
  json document = json::parse(*text, nullptr, false);
  if (document.is_discarded() || !document.is_object())
    return fail(ErrorCode::bad_input,
                "guard state is not valid JSON; move it aside to start afresh");
  const json positions = document.contains("positions") ? document["positions"] : json::object();
  for (auto it = positions.begin(); it != positions.end(); ++it)
    if (it->is_string())
      m_positions[it.key()] = it->get<std::string>();
  const json offences = document.contains("offences") ? document["offences"] : json::object();
  for (auto it = offences.begin(); it != offences.end(); ++it)
    if (auto address = parse_network(it.key()); address && it->is_number_integer())
      m_detector.offences()[*address] = it->get<int>();
  const json counters = document.contains("counters") ? document["counters"] : json::object();
  for (auto it = counters.begin(); it != counters.end(); ++it) {
    auto address = parse_network(it.key());
    if (!address || !it->is_array())
      continue;
    Detector::CounterSnapshot snapshot{*address, {}};
    for (const auto& event : *it)
      if (event.is_array() && event.size() == 2 && event[0].is_number() && event[1].is_number())
        snapshot.events.emplace_back(event[0].get<int64_t>(), event[1].get<float>());
    m_detector.restore_counter(snapshot);
  }
  const json bans = document.contains("bans") ? document["bans"] : json::object();
  for (auto it = bans.begin(); it != bans.end(); ++it)
    if (auto address = parse_network(it.key()); address && it->is_number_integer())
      m_saved_bans.emplace_back(*address, it->get<int64_t>());
  m_metrics.bans_total = document.value("bans_total", uint64_t{0});
  return load_offence_log();
}

// Offences since the last state save: "SOURCE OFFENCE" lines appended at each ban, without an
// fsync (a crashed process loses nothing it wrote; the kernel has the data). Folded into
// state.json at the next save.
std::string Daemon::offence_log_path() const {
  return m_host.fs.host_path(std::string(k_guard_state_dir) + "/offences.log");
}

Result<void> Daemon::load_offence_log() {
  std::ifstream in(offence_log_path());
  std::string source;
  int offence = 0;
  while (in >> source >> offence)
    if (auto address = parse_network(source)) {
      int& known = m_detector.offences()[*address];
      known = std::max(known, offence);
    }
  return {};
}

void Daemon::log_offence(const Address& source, int offence) {
  if (!m_offence_fd.valid())
    m_offence_fd =
        Fd(::open(offence_log_path().c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
  const std::string line = source.text() + " " + std::to_string(offence) + "\n";
  // The ban is in the kernel either way; a lost line costs the offence count of a crash.
  Result<void> written;
  if (!m_offence_fd.valid() || ::write(m_offence_fd.get(), line.data(), line.size()) < 0)
    written = std::unexpected(errno_error(errno, "append to", offence_log_path()));
  report("offence log", written);
}

Result<void> Daemon::save_state() {
  json positions = json::object();
  for (const auto& source : m_sources) positions[source->name()] = source->position();
  json offences = json::object();
  for (const auto& [source, count] : m_detector.offences()) offences[source.text()] = count;
  json counters = json::object();
  for (const auto& snapshot : m_detector.counters()) {
    json events = json::array();
    for (const auto& [time, weight] : snapshot.events) events.push_back({time, weight});
    counters[snapshot.source.text()] = std::move(events);
  }
  json bans = json::object();
  for (const auto& [source, until] : m_detector.bans_in_force(static_cast<int64_t>(wall_now())))
    bans[source.text()] = until;
  json document = {{"positions", positions},
                   {"offences", offences},
                   {"counters", counters},
                   {"bans", bans},
                   {"bans_total", m_metrics.bans_total}};
  CS_TRY_VOID(m_host.fs.write_atomic(std::string(k_guard_state_dir) + "/state.json",
                                     dump_json(document) + "\n", 0600, Ownership{0, 0}));
  std::filesystem::resize_file(offence_log_path(), 0, m_ignored);
  m_dirty = false;
  return {};
}

void Daemon::open_sources() {
  m_sources.clear();
  // The journal first: its entries carry who sent them (sshd_program_of).
  if (m_options.journal) {
    auto saved =
        m_positions.contains("journal") ? std::optional(m_positions["journal"]) : std::nullopt;
    // A first start reads the last findtime window: as if the guard had been running, and
    // nothing written while it started is skipped.
    const double from =
        std::max(0.0, wall_now() - static_cast<double>(m_detector.settings().findtime));
    auto journal =
        make_journal_source(m_options.journal_directory, saved, static_cast<uint64_t>(from * 1e6));
    if (journal)
      m_sources.push_back(std::move(*journal));
    else
      say("guard: journal not available: " + journal.error().message);
  }
  // One event, one count: when the journal is read and the host's syslog goes through
  // journald, a syslog file (auth.log) only repeats journal entries — each failure would count
  // twice — and repeats them without their sender, so any local user's `logger -t sshd` would
  // count. Such files are not read.
  const bool journal_read = !m_sources.empty();
  if (journal_read && !m_options.files.empty() && syslog_goes_through_journald(m_host.fs)) {
    say("guard: reading the journal only: syslog goes through journald, so " +
        join(m_options.files, ", ") + " would repeat its entries (and not who sent them)");
    return;
  }
  for (const auto& path : m_options.files) {
    std::string name = "file:" + m_host.fs.host_path(path);
    auto saved = m_positions.contains(name) ? std::optional(m_positions[name]) : std::nullopt;
    m_sources.push_back(make_file_source(m_host.fs.host_path(path), saved, m_options.year));
  }
}

Result<void> Daemon::restore_bans() {
  CS_TRY(bool ready, m_banner.ready());
  if (!ready)
    return fail(
        ErrorCode::not_found,
        "the ban sets (inet clawshield ban_v4/ban_v6) are not loaded: run `clawshield apply`");
  CS_TRY(auto bans, m_banner.list());
  const int64_t now = static_cast<int64_t>(wall_now());
  std::set<std::string> in_kernel;
  for (const auto& ban : bans) {
    m_detector.note_ban(ban.source, now + ban.seconds);
    int& offences = m_detector.offences()[ban.source];
    offences = std::max(offences, 1);
    in_kernel.insert(ban.source.text());
  }
  // Bans saved before a reboot (the kernel's sets start empty), for the time they have left.
  // Once only: later reloads must not bring back a ban lifted by hand since.
  std::vector<Ban> lost;
  for (const auto& [source, until] : m_saved_bans)
    if (until > now && !in_kernel.contains(source.text()) && !m_detector.allowlisted(source))
      lost.push_back(Ban{source, until - now});
  m_saved_bans.clear();
  size_t restored = 0;
  if (!lost.empty()) {
    // One transaction; if the kernel refuses it (an element inside a prefix banned meanwhile),
    // one by one, so one refusal costs one ban and not all of them.
    std::vector<std::vector<Ban>> batches;
    if (m_banner.ban(lost))
      batches.push_back(lost);
    else
      for (const auto& ban : lost)
        if (auto added = m_banner.ban({ban}); added)
          batches.push_back({ban});
        else
          say("guard: restoring the ban of " + ban.source.text() + ": " + added.error().message);
    for (const auto& batch : batches)
      for (const auto& ban : batch) {
        m_detector.note_ban(ban.source, now + ban.seconds);
        int& offences = m_detector.offences()[ban.source];
        offences = std::max(offences, 1);
        ++restored;
      }
  }
  say("guard: " + std::to_string(bans.size()) + " ban(s) in the kernel, " +
      std::to_string(restored) + " restored from the saved state, " +
      std::to_string(m_detector.offences().size()) + " source(s) in the offence history");
  return {};
}

void Daemon::drain() {
  std::vector<Ban> batch;
  std::vector<std::pair<BanDecision, double>> decided;  // with the line's own time
  for (auto& source : m_sources) {
    auto polled = source->poll([&](const Entry& entry) {
      ++m_metrics.lines;
      if (!is_sshd_program(entry.program))
        return;
      auto event = parse_sshd_message(entry.message);
      if (!event)
        return;
      ++m_metrics.by_kind[static_cast<size_t>(event->kind)];
      const int64_t time = entry.time > 0 ? entry.time : static_cast<int64_t>(wall_now());
      auto decision = m_detector.observe(*event, time);
      if (!decision)
        return;
      // A ban that would already be over (an old line) is not worth a kernel element.
      int64_t remaining = decision->last + decision->duration - static_cast<int64_t>(wall_now());
      if (remaining <= 0)
        return;
      batch.push_back(Ban{decision->source, remaining});
      decided.emplace_back(*decision, entry.time > 0
                                          ? static_cast<double>(entry.time) + entry.micros / 1e6
                                          : wall_now());
    });
    if (!polled)
      say("guard: reading " + source->name() + ": " + polled.error().message);
    m_dirty |= polled && *polled > 0;
  }
  if (batch.empty())
    return;
  auto banned = m_banner.ban(batch);
  const double done = wall_now();
  for (const auto& [decision, line_time] : decided) {
    if (!banned) {
      say("guard: ban of " + decision.source.text() + " failed: " + banned.error().message);
      continue;
    }
    ++m_metrics.bans_total;
    m_metrics.last_reaction_ms = (done - line_time) * 1000;
    log_offence(decision.source, decision.offence);
    char reaction[32];
    std::snprintf(reaction, sizeof reaction, "%.3f", m_metrics.last_reaction_ms);
    say("guard: ban " + decision.source.text() + " for " + std::to_string(decision.duration) +
        "s: " + std::to_string(decision.failures) + " failures (score " +
        std::to_string(decision.score).substr(0, 4) + ") offence " +
        std::to_string(decision.offence) + " reaction_ms=" + reaction);
  }
  // The kernel holds the bans; history and positions follow on the next tick (an fsync per
  // ban would cost milliseconds of reaction time). After a crash, restore_bans() gives every
  // ban still in the kernel at least one offence.
  m_dirty = true;
}

std::string Daemon::control_reply(const std::string& request) {
  auto words = split_words(std::string(trim(request)));
  if (words.empty())
    return dump_json(json{{"ok", false}, {"error", "empty request"}});
  if (words[0] == "list") {
    auto bans = m_banner.list();
    if (!bans)
      return dump_json(json{{"ok", false}, {"error", bans.error().message}});
    json items = json::array();
    for (const auto& ban : *bans)
      items.push_back(
          {{"source", ban.source.text()},
           {"remaining", ban.seconds},
           {"offences",
            m_detector.offences().contains(ban.source) ? m_detector.offences()[ban.source] : 0}});
    return dump_json(json{{"ok", true}, {"bans", items}});
  }
  if (words[0] == "ban" && words.size() == 3) {
    // The daemon is the trust boundary: whatever the client checked, a ban that is too wide or
    // covers the allowlist is refused here.
    auto source = check_ban_request(words[1], m_detector.settings().allowlist);
    auto parsed = parse_int(words[2], int64_t{1}, std::numeric_limits<int64_t>::max());
    if (!source)
      return dump_json(json{{"ok", false}, {"refused", true}, {"error", source.error().message}});
    if (!parsed)
      return dump_json(json{{"ok", false}, {"error", "usage: ban ADDRESS[/PREFIX] SECONDS"}});
    const int64_t seconds = *parsed;
    if (m_detector.covered_by_prefix_ban(*source, static_cast<int64_t>(wall_now())))
      return dump_json(
          json{{"ok", false}, {"error", source->text() + " is inside a wider ban already"}});
    auto banned = m_banner.ban({Ban{*source, seconds}});
    if (!banned)
      return dump_json(json{{"ok", false}, {"error", banned.error().message}});
    m_detector.note_ban(*source, static_cast<int64_t>(wall_now()) + seconds);
    m_dirty = true;  // saved within a tick, so a reboot keeps it
    say("guard: ban " + source->text() + " for " + std::to_string(seconds) + "s: by hand");
    return dump_json(json{{"ok", true}, {"banned", source->text()}, {"seconds", seconds}});
  }
  if (words[0] == "unban" && words.size() == 2) {
    auto source = parse_network(words[1]);
    if (!source)
      return dump_json(json{{"ok", false}, {"error", "usage: unban ADDRESS[/PREFIX]"}});
    // An address inside a banned IPv6 prefix unbans the prefix it is counted in.
    Address target = *source;
    auto removed = m_banner.unban(target);
    if (!removed && removed.error().code == ErrorCode::not_found &&
        source->prefix == (source->v6 ? 128 : 32)) {
      target = m_detector.source_of(*source);
      removed = m_banner.unban(target);
    }
    if (!removed)
      return dump_json(json{{"ok", false}, {"error", removed.error().message}});
    m_detector.forget_ban(target);
    m_dirty = true;
    say("guard: unban " + target.text() + ": by hand");
    return dump_json(json{{"ok", true}, {"unbanned", target.text()}});
  }
  return dump_json(
      json{{"ok", false}, {"error", "unknown request (list, ban ADDR SECONDS, unban ADDR)"}});
}

void Daemon::handle_control(Fd client) {
  ucred credentials{};
  socklen_t length = sizeof credentials;
  std::string reply;
  if (::getsockopt(client.get(), SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0 ||
      credentials.uid != 0) {
    reply = json{{"ok", false}, {"error", "only root may control the guard"}}.dump();
  } else {
    char buffer[512];
    ssize_t n = ::recv(client.get(), buffer, sizeof buffer - 1, 0);
    reply = control_reply(n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string());
  }
  reply += "\n";
  // A client gone before the reply has nobody to tell; the request was carried out (and
  // logged) already.
  (void)!::send(client.get(), reply.data(), reply.size(), MSG_NOSIGNAL);
}

void Daemon::write_metrics() {
  std::string text =
      "# HELP clawshield_guard_lines_total Log lines read by the guard.\n"
      "# TYPE clawshield_guard_lines_total counter\n"
      "clawshield_guard_lines_total " +
      std::to_string(m_metrics.lines) +
      "\n"
      "# HELP clawshield_guard_events_total sshd messages recognised, by kind.\n"
      "# TYPE clawshield_guard_events_total counter\n";
  for (int k = 0; k < k_event_kinds; ++k)
    text += std::string("clawshield_guard_events_total{kind=\"") +
            event_kind_name(static_cast<EventKind>(k)) + "\"} " +
            std::to_string(m_metrics.by_kind[static_cast<size_t>(k)]) + "\n";
  text +=
      "# HELP clawshield_guard_bans_active Bans the guard knows to be in force.\n"
      "# TYPE clawshield_guard_bans_active gauge\n"
      "clawshield_guard_bans_active " +
      std::to_string(m_detector.active_bans(static_cast<int64_t>(wall_now()))) +
      "\n"
      "# HELP clawshield_guard_bans_total Bans made by the guard.\n"
      "# TYPE clawshield_guard_bans_total counter\n"
      "clawshield_guard_bans_total " +
      std::to_string(m_metrics.bans_total) +
      "\n"
      "# HELP clawshield_guard_tracked_sources Sources with failure counters.\n"
      "# TYPE clawshield_guard_tracked_sources gauge\n"
      "clawshield_guard_tracked_sources " +
      std::to_string(m_detector.tracked()) + "\n";
  report("writing metrics", m_host.fs.write_atomic(std::string(k_guard_state_dir) + "/metrics.prom",
                                                   text, 0644, Ownership{0, 0}));
}

int Daemon::run(const std::function<Result<Policy>()>& reload) {
  auto fail_with = [&](const Error& error) {
    say("guard: " + error.message);
    return 1;
  };
  // State folder, history and positions, then the kernel's bans, then the sources.
  if (auto made = m_host.fs.stat(k_guard_state_dir); made && !*made) {
    for (const char* dir : {"/var", "/var/lib", "/var/lib/clawshield", k_guard_state_dir})
      if (auto st = m_host.fs.stat(dir); st && !*st)
        report("state folder", m_host.fs.make_directory(dir, 0700, Ownership{0, 0}));
  }
  if (auto loaded = load_state(); !loaded)
    return fail_with(loaded.error());
  if (auto restored = restore_bans(); !restored)
    return fail_with(restored.error());
  open_sources();

  // Signals as events.
  sigset_t signals;
  sigemptyset(&signals);
  for (int signal_number : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, signal_number);
  ::sigprocmask(SIG_BLOCK, &signals, nullptr);
  const Fd signal_owner(::signalfd(-1, &signals, SFD_CLOEXEC));
  const Fd epoll_owner(::epoll_create1(EPOLL_CLOEXEC));
  const Fd inotify_owner(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  const Fd timer_owner(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC));
  const int signal_fd = signal_owner.get();
  const int epoll_fd = epoll_owner.get();
  const int inotify_fd = inotify_owner.get();
  const int timer_fd = timer_owner.get();
  itimerspec tick{{1, 0}, {1, 0}};
  ::timerfd_settime(timer_fd, 0, &tick, nullptr);
  std::set<std::string> watched;
  for (const auto& path : m_options.files) {
    std::string dir = parent_path(m_host.fs.host_path(path));
    if (watched.insert(dir).second)
      ::inotify_add_watch(inotify_fd, dir.c_str(),
                          IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE);
  }

  // The control socket, root only (mode 0600 in a 0700 folder, and peer credentials checked).
  const std::string socket_path = m_host.fs.host_path(k_control_socket);
  std::string socket_dir = parent_path(socket_path);
  std::error_code ignored;
  std::filesystem::create_directories(socket_dir, ignored);
  ::chmod(socket_dir.c_str(), 0700);
  ::unlink(socket_path.c_str());
  const Fd listen_owner(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  const int listen_fd = listen_owner.get();
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
  mode_t old_mask = ::umask(0177);
  bool listening = ::bind(listen_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                   ::listen(listen_fd, 16) == 0;
  ::umask(old_mask);
  if (!listening)
    say("guard: control socket " + socket_path + ": " + std::strerror(errno));

  auto add = [&](int fd) {
    if (fd < 0)
      return;
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event);
  };
  for (int fd : {signal_fd, inotify_fd, timer_fd, listening ? listen_fd : -1}) add(fd);
  for (const auto& source : m_sources) add(source->wait_fd());

  drain();
  report("saving state", save_state());
  write_metrics();
  notify("READY=1");
  say("guard: watching " + std::to_string(m_sources.size()) + " source(s)");
  const bool watchdog = std::getenv("WATCHDOG_USEC") != nullptr;
  int ticks = 0;
  int exit_code = 0;
  bool running = true;
  while (running) {
    epoll_event events[16];
    int ready = ::epoll_wait(epoll_fd, events, 16, -1);
    if (ready < 0 && errno != EINTR)
      break;
    bool poll_sources = false;
    for (int i = 0; i < ready; ++i) {
      int fd = events[i].data.fd;
      if (fd == signal_fd) {
        signalfd_siginfo info{};
        if (::read(signal_fd, &info, sizeof info) != sizeof info)
          continue;
        if (info.ssi_signo == SIGHUP) {
          auto fresh = reload();
          if (!fresh) {
            say("guard: reload refused, keeping the old policy: " + fresh.error().message);
            continue;
          }
          auto offences = m_detector.offences();
          auto counters = m_detector.counters();
          m_policy = *fresh;
          m_detector = Detector(settings_from_policy(m_policy.guard));
          m_detector.offences() = offences;
          for (const auto& counter : counters) m_detector.restore_counter(counter);
          if (auto restored = restore_bans(); !restored)
            say("guard: after the reload: " + restored.error().message);
          say("guard: policy reloaded");
        } else {
          running = false;
        }
      } else if (fd == inotify_fd) {
        char buffer[4096];
        while (::read(inotify_fd, buffer, sizeof buffer) > 0) {
        }
        poll_sources = true;
      } else if (fd == timer_fd) {
        // The count is not needed, only that the tick came: a failed read changes nothing.
        uint64_t expirations = 0;
        (void)!::read(timer_fd, &expirations, sizeof expirations);
        poll_sources = true;
        if (watchdog)
          notify("WATCHDOG=1");
        if (++ticks % 5 == 0)
          write_metrics();
        if (m_dirty)
          report("saving state", save_state());
      } else if (fd == listen_fd) {
        Fd client(::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
        if (client.valid())
          handle_control(std::move(client));
      } else {
        poll_sources = true;  // the journal
      }
    }
    if (poll_sources)
      drain();
  }
  notify("STOPPING=1");
  if (auto saved = save_state(); !saved) {
    say("guard: saving state: " + saved.error().message);
    exit_code = 1;
  }
  write_metrics();
  ::unlink(socket_path.c_str());
  say("guard: stopped");
  return exit_code;
}

}  // namespace

int run_daemon(Host& host, Policy policy, DaemonOptions options,
               const std::function<Result<Policy>()>& reload, std::ostream& log) {
  Daemon daemon(host, std::move(policy), std::move(options), log);
  return daemon.run(reload);
}

Result<std::string> control_request(const Filesystem& fs, const std::string& request) {
  const std::string path = fs.host_path(k_control_socket);
  Fd socket(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const int fd = socket.get();
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    const int err = errno;
    return fail(err == ENOENT || err == ECONNREFUSED ? ErrorCode::not_found : ErrorCode::io,
                "the guard is not running (" + path + ": " + std::strerror(err) + ")");
  }
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) < 0)
    return fail(ErrorCode::io, "sending to the guard (" + path + "): " + std::strerror(errno));
  ::shutdown(fd, SHUT_WR);
  std::string reply;
  char buffer[65536];
  ssize_t n;
  while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0)
    reply.append(buffer, static_cast<size_t>(n));
  return reply;
}

}  // namespace clawshield::guard
