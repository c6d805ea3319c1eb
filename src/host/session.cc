// The admin's SSH session from the process tree. clawshield walks from itself up through its
// parents (PID/stat's ppid), as `sudo` → the login shell → the sshd serving the connection.
// The sshd process holds the connection's socket: its inode (PID/fd/N -> "socket:[INODE]")
// found in the kernel's TCP table (PID/net/tcp, tcp6 — that process's network namespace)
// gives both ends, which nothing in the session can fake. SSH_CONNECTION in an environment
// (the shell's, when sudo dropped ours) is the fallback. Reading from a proc root passed in
// keeps it testable with a fake tree.
#include "host/session.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "core/text.h"
#include "host/proc_net.h"

namespace clawshield {
namespace {

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string read_link(const std::string& path) {
  char buffer[256];
  ssize_t n = ::readlink(path.c_str(), buffer, sizeof buffer - 1);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
}

struct ProcStat {
  std::string comm;
  pid_t ppid = 0;
  pid_t session = 0;
};

// "PID (comm) S PPID PGRP SID ..." — comm may hold spaces and parentheses: it ends at the
// last ')'.
std::optional<ProcStat> read_stat(const std::string& proc, pid_t pid) {
  auto text = read_text(proc + "/" + std::to_string(pid) + "/stat");
  if (!text)
    return std::nullopt;
  size_t open = text->find('(');
  size_t close = text->rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open)
    return std::nullopt;
  ProcStat stat;
  stat.comm = text->substr(open + 1, close - open - 1);
  auto fields = split_words(text->substr(close + 1));  // state ppid pgrp session ...
  if (fields.size() < 4)
    return std::nullopt;
  stat.ppid = static_cast<pid_t>(std::strtol(fields[1].c_str(), nullptr, 10));
  stat.session = static_cast<pid_t>(std::strtol(fields[3].c_str(), nullptr, 10));
  return stat;
}

// `pid` and its ancestors, nearest first.
std::vector<pid_t> ancestry(const std::string& proc, pid_t pid) {
  std::vector<pid_t> chain;
  std::set<pid_t> seen;
  while (pid > 0 && seen.insert(pid).second && chain.size() < 256) {
    chain.push_back(pid);
    auto stat = read_stat(proc, pid);
    if (!stat)
      break;
    pid = stat->ppid;
  }
  return chain;
}

std::optional<std::string> environment_value(const std::string& proc, pid_t pid,
                                             const std::string& name) {
  auto text = read_text(proc + "/" + std::to_string(pid) + "/environ");
  if (!text)
    return std::nullopt;
  const std::string prefix = name + "=";
  size_t start = 0;
  while (start < text->size()) {
    size_t end = text->find('\0', start);
    if (end == std::string::npos)
      end = text->size();
    std::string_view item(text->data() + start, end - start);
    if (item.starts_with(prefix))
      return std::string(item.substr(prefix.size()));
    start = end + 1;
  }
  return std::nullopt;
}

// The socket inodes process `pid` holds open.
std::vector<unsigned long> socket_inodes(const std::string& proc, pid_t pid, bool& readable) {
  std::vector<unsigned long> inodes;
  const std::string dir_path = proc + "/" + std::to_string(pid) + "/fd";
  DIR* dir = ::opendir(dir_path.c_str());
  readable = dir != nullptr;
  if (!dir)
    return inodes;
  while (dirent* item = ::readdir(dir)) {
    std::string target = read_link(dir_path + "/" + item->d_name);
    if (target.starts_with("socket:[") && target.ends_with("]"))
      inodes.push_back(std::strtoul(target.c_str() + 8, nullptr, 10));
  }
  ::closedir(dir);
  return inodes;
}

bool valid_connection(const std::string& text) {
  return split_words(text).size() == 4;
}

}  // namespace

std::optional<std::string> established_connection(const std::string& table, bool ipv6,
                                                  unsigned long inode) {
  for (const auto& socket : parse_proc_net_table(table, ipv6 ? IpVersion::v6 : IpVersion::v4)) {
    if (socket.state != k_tcp_established || socket.inode != inode)
      continue;
    return socket.remote.unmapped_text() + " " + std::to_string(socket.remote.port) + " " +
           socket.local.unmapped_text() + " " + std::to_string(socket.local.port);
  }
  return std::nullopt;
}

AdminSession find_admin_session(const std::string& proc_root, pid_t pid, bool sudo_environment) {
  // The chain above us, and above our session's leader (a pty's session may hang off sshd
  // through a process that is not our ancestor).
  std::vector<pid_t> chain = ancestry(proc_root, pid);
  if (auto self = read_stat(proc_root, pid); self && self->session > 0) {
    for (pid_t above : ancestry(proc_root, self->session))
      if (std::find(chain.begin(), chain.end(), above) == chain.end())
        chain.push_back(above);
  }
  const std::string own_netns = read_link(proc_root + "/" + std::to_string(pid) + "/ns/net");
  auto same_netns = [&](pid_t other) {
    const std::string theirs = read_link(proc_root + "/" + std::to_string(other) + "/ns/net");
    return own_netns.empty() || theirs.empty() || theirs == own_netns;
  };

  std::vector<std::string> remote_signs;
  if (sudo_environment)
    remote_signs.push_back("running under sudo (SUDO_USER is set)");
  std::optional<std::pair<pid_t, std::string>> environment;
  for (pid_t process : chain) {
    auto stat = read_stat(proc_root, process);
    if (stat && stat->comm == "sudo")
      remote_signs.push_back("running under sudo (process " + std::to_string(process) + ")");
    // sshd, or OpenSSH 9.8+'s per-connection sshd-session (never a look-alike name).
    if (stat && (stat->comm == "sshd" || stat->comm == "sshd-session")) {
      // The socket of the sshd process serving us: the most trustworthy answer.
      bool readable = false;
      const std::string base = proc_root + "/" + std::to_string(process);
      for (unsigned long inode : socket_inodes(proc_root, process, readable)) {
        for (bool ipv6 : {false, true}) {
          auto table = read_text(base + (ipv6 ? "/net/tcp6" : "/net/tcp"));
          if (!table)
            continue;
          if (auto connection = established_connection(*table, ipv6, inode)) {
            AdminSession session;
            session.kind = same_netns(process) ? SessionKind::found : SessionKind::elsewhere;
            session.connection = *connection;
            session.source = "the socket of sshd process " + std::to_string(process);
            return session;
          }
        }
      }
      remote_signs.push_back("sshd process " + std::to_string(process) + " is an ancestor" +
                             (readable ? "" : " (its descriptors cannot be read)"));
    }
    if (!environment) {
      auto value = environment_value(proc_root, process, "SSH_CONNECTION");
      if (value && valid_connection(*value))
        environment = std::make_pair(process, *value);
    }
  }
  AdminSession session;
  if (environment) {
    session.kind = same_netns(environment->first) ? SessionKind::found : SessionKind::elsewhere;
    session.connection = environment->second;
    session.source = environment->first == pid
                         ? std::string("SSH_CONNECTION")
                         : "SSH_CONNECTION of process " + std::to_string(environment->first);
    return session;
  }
  if (!remote_signs.empty()) {
    session.kind = SessionKind::unknown;
    session.source = join(remote_signs, "; ");
  }
  return session;
}

}  // namespace clawshield
