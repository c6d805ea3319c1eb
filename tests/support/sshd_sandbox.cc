// Runs a real sshd that logs through a real rsyslogd, as on a server, without touching the
// machine's /dev/log: in a private mount namespace it puts a tmpfs over /dev (with the device
// nodes sshd needs bound back in), starts `rsyslogd -n -f RSYSLOG_CONF` (which creates
// /dev/log there), then `sshd -D -f SSHD_CONF` in network namespace NETNS. It stops both
// when it gets SIGTERM.
//   usage: sshd_sandbox NETNS WORK_DIR RSYSLOG_CONF SSHD_CONF
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

void die(const char* what) {
  std::perror(what);
  std::_Exit(90);
}

void bind_node(const std::string& saved_dev, const char* name) {
  std::string target = std::string("/dev/") + name;
  std::string source = saved_dev + "/" + name;
  struct stat st {};
  if (::stat(source.c_str(), &st) != 0)
    return;
  if (S_ISDIR(st.st_mode))
    ::mkdir(target.c_str(), 0755);
  else
    ::close(::open(target.c_str(), O_CREAT | O_WRONLY, 0666));
  if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    die(target.c_str());
}

pid_t start(char* const argv[]) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execv(argv[0], argv);
    die(argv[0]);
  }
  return pid;
}

volatile sig_atomic_t g_stop = 0;
void on_term(int) {
  g_stop = 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: sshd_sandbox NETNS WORK_DIR RSYSLOG_CONF SSHD_CONF\n");
    return 2;
  }
  const std::string netns = argv[1], work = argv[2];
  if (::unshare(CLONE_NEWNS) != 0 ||
      ::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    die("private mount namespace");
  // Keep the real /dev reachable, then give this namespace a /dev of its own.
  const std::string saved_dev = work + "/dev.real";
  ::mkdir(saved_dev.c_str(), 0755);
  if (::mount("/dev", saved_dev.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
    die("bind /dev");
  if (::mount("tmpfs", "/dev", "tmpfs", 0, "mode=0755") != 0)
    die("tmpfs /dev");
  for (const char* node :
       {"null", "zero", "full", "random", "urandom", "tty", "ptmx", "pts", "shm"})
    bind_node(saved_dev, node);
  int ns = ::open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
  if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0)
    die("setns");

  std::string rsyslog_conf = argv[3], pid_file = work + "/rsyslogd.pid";
  char* rsyslog_argv[] = {const_cast<char*>("/usr/sbin/rsyslogd"),
                          const_cast<char*>("-n"),
                          const_cast<char*>("-f"),
                          rsyslog_conf.data(),
                          const_cast<char*>("-i"),
                          pid_file.data(),
                          nullptr};
  pid_t rsyslog = start(rsyslog_argv);
  for (int i = 0; i < 100; ++i) {
    struct stat st {};
    if (::stat("/dev/log", &st) == 0 && S_ISSOCK(st.st_mode))
      break;
    ::usleep(50000);
  }
  std::string sshd_conf = argv[4];
  char* sshd_argv[] = {const_cast<char*>("/usr/sbin/sshd"), const_cast<char*>("-D"),
                       const_cast<char*>("-f"), sshd_conf.data(), nullptr};
  pid_t sshd = start(sshd_argv);

  struct sigaction action {};
  action.sa_handler = on_term;
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);
  while (!g_stop) {
    int status = 0;
    pid_t gone = ::waitpid(-1, &status, WNOHANG);
    if (gone == sshd || gone == rsyslog)
      break;
    ::usleep(100000);
  }
  ::kill(sshd, SIGTERM);
  ::kill(rsyslog, SIGTERM);
  ::waitpid(sshd, nullptr, 0);
  ::waitpid(rsyslog, nullptr, 0);
  return 0;
}
