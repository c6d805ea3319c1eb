// Writes docs/checks.md from the check catalog (layers/checks.h), so the table of check ids
// and their "fails when" texts cannot drift from the checks verify makes. The prose between
// the tables lives here, each block before the check whose row follows it. A dev tool, not a
// clawshield command:
//   checks_doc                prints the markdown
//   checks_doc --write FILE   writes it to FILE (the update_checks_doc target: docs/checks.md)
//   checks_doc --check FILE   exits 1, naming the first differing line, when FILE differs
//                             (the ctest test checks_doc)
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>

#include "layers/checks.h"

namespace {

using clawshield::Check;
namespace checks = clawshield::checks;

// Text printed before the row of `before`; after the last row when `before` is null.
struct Prose {
  const Check* before;
  std::string_view text;
};

// clang-format off
constexpr Prose k_prose[] = {
    {&checks::k_firewall_table_loaded, R"md(# Verify checks

<!-- Generated from the check catalog (src/layers/*/checks.h) by tools/checks_doc.cc: do not
     edit here. Regenerate with `cmake --build build --target update_checks_doc`; the ctest
     test checks_doc fails while this file differs from the catalog. -->

| id | fails when |
|----|-----------|
)md"},
    {&checks::k_app_user_exists, R"md(
All `containers.*` checks read the Engine API over the policy's `docker.socket` (or
`DOCKER_HOST=unix://…`); when Docker is not installed or the socket does not answer they are
`unknown` with the reason, never `pass`.

)md"},
    {&checks::k_ssh_password_authentication, R"md(
The apt checks read `apt-config dump` with apt pointed at the root, so a later file that
overrides ours is caught.

## sshd, the kernel, Tailscale

| id | fails when |
|----|-----------|
)md"},
    {&checks::k_ufw_active, R"md(
Network settings (`net.ipv4`, `net.ipv6`) are read in the host's network namespace (the
running system, or `--netns`); machine-wide ones (`kernel.*`, `fs.*`, `net.core`) only on the
live root — elsewhere they are `unknown` with that reason. A setting the kernel does not have
(no Yama, say) is `unknown`, never `pass`. `kernel.exempt` in the policy leaves named settings
alone (neither written nor judged).

In a container (systemd-nspawn, LXC, Docker, Podman, OpenVZ: `/run/systemd/container`,
`/.dockerenv`, `/run/.containerenv`, `/proc/vz` without `/proc/bc`, or PID 1's `container=`,
read under the root) the machine-wide settings belong to the container's host: they are left out
of `/etc/sysctl.d/99-clawshield.conf`, never set with `sysctl -w` (it fails there with
`permission denied on key "kernel.kptr_restrict"`), and their checks are `unknown` with
"set by the container's host (systemd-nspawn)" and the values seen, never pass or fail. The
network namespace's settings are the container's own unless the manager mounts `/proc/sys/net`
read-only (nspawn without a private network, Docker): then they are the host's in the same way.

sshd's settings come from `sshd -T` on the live root, else from the root's `sshd_config` read
as sshd reads it (first value wins, `Include` in place, defaults for what is unset). `Match`
blocks are not evaluated; the evidence says when there are some.

## Backends: ufw and fail2ban (`firewall.backend: ufw`, `guard.engine: fail2ban`)

| id | fails when |
|----|-----------|
)md"},
    {nullptr, R"md(
With these backends the checklist is answered by their checks: item 1 by `ufw.active`,
`ufw.defaults`, `ufw.rules`, `firewall.retired`; item 2 by `fail2ban.jail`, `fail2ban.active`,
`guard.retired`; item 3 by `ufw.docker_user`; items 4 and 5 as below with ufw's checks in
place of the native table's.

## The seed's checklist (`verify --checklist`)

| the seed's item | answered by |
|---|---|
| `sudo ufw status` shows only SSH and Tailscale allowed | `firewall.table_loaded`, `firewall.default_deny`, `firewall.open_ports` |
| `sudo fail2ban-client status sshd` shows jail active | `guard.unit_installed`, `guard.enabled`, `guard.active`, `guard.ban_sets` |
| `sudo iptables -L DOCKER-USER -n` shows DROP rule | `firewall.docker_isolation` |
| `nmap -p- YOUR_IP` from external shows only port 22 | `firewall.default_deny`, `firewall.open_ports`, `firewall.listening`, `containers.published_ports`, `openclaw.gateway_bind` (what the config says), `openclaw.listening` (what the kernel shows bound on the gateway's port) |
| `docker run -p 80:80 nginx` + `curl YOUR_IP:80` times out | `firewall.docker_isolation`, `docker.daemon_config`, `containers.published_ports` |
| Tailscale access works for web UI | `tailscale.running`, `tailscale.funnel_off`, `openclaw.gateway_bind` |

An item is ticked when every check behind it passes (warnings allowed), crossed when one
fails, unknown otherwise. For the outside view of item 4, run `clawshield scan YOUR_IP
--expect 22/tcp` from another machine.
)md"}
};
// clang-format on

void print_prose(std::string& out, const Check* before) {
  for (const Prose& prose : k_prose)
    if (prose.before == before)
      out += prose.text;
}

// One table row per check; neighbours sharing one "fails when" text share a row
// (`kernel.kptr_restrict`, `kernel.dmesg_restrict`, `kernel.ptrace_scope`).
std::string render() {
  std::string out;
  for (std::size_t i = 0; i < checks::k_all.size();) {
    const Check& first = *checks::k_all[i];
    print_prose(out, &first);
    out += "| `" + std::string(first.id) + "`";
    std::size_t next = i + 1;
    for (; next < checks::k_all.size() && checks::k_all[next]->fails_when == first.fails_when;
         ++next)
      out += ", `" + std::string(checks::k_all[next]->id) + "`";
    out += " | " + std::string(first.fails_when) + " |\n";
    i = next;
  }
  print_prose(out, nullptr);
  return out;
}

int check(const std::string& path, const std::string& wanted) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << path << ": cannot be read\n";
    return 1;
  }
  std::stringstream have;
  have << in.rdbuf();
  if (have.str() == wanted)
    return 0;
  std::istringstream a(have.str()), b(wanted);
  std::string line_a, line_b;
  int line = 1;
  while (true) {
    const bool more_a = static_cast<bool>(std::getline(a, line_a));
    const bool more_b = static_cast<bool>(std::getline(b, line_b));
    if (!more_a || !more_b || line_a != line_b) {
      std::cerr << path << ":" << line << ": differs from the check catalog\n"
                << "  file:      " << (more_a ? line_a : "(end)") << "\n"
                << "  generated: " << (more_b ? line_b : "(end)") << "\n"
                << "The catalog is src/layers/*/checks.h; regenerate the file with\n"
                << "  cmake --build build --target update_checks_doc\n";
      return 1;
    }
    ++line;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string markdown = render();
  const std::string mode = argc > 1 ? argv[1] : "";
  if (argc == 1) {
    std::cout << markdown;
    return 0;
  }
  if (argc == 3 && mode == "--check")
    return check(argv[2], markdown);
  if (argc == 3 && mode == "--write") {
    std::ofstream out(argv[2], std::ios::binary | std::ios::trunc);
    out << markdown;
    out.close();
    if (!out) {
      std::cerr << argv[2] << ": cannot be written\n";
      return 1;
    }
    return 0;
  }
  std::cerr << "usage: checks_doc [--check FILE | --write FILE]\n";
  return 2;
}
