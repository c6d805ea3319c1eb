// Whether Docker is installed under the root, and which: asked of the root's dpkg database
// (docker-ce, docker.io, moby-engine), else of a dockerd binary. Several layers need the
// answer (docker, containers, rootless_docker, kernel); it lives below them all.
#pragma once

#include <string>
#include <string_view>

#include "host/host.h"

namespace clawshield {

// What told us, or why nothing could.
enum class DockerSource {
  package,     // an installed Debian package
  binary,      // a dockerd binary, no package (version unknown)
  none,        // neither: Docker is not installed
  unanswered,  // the dpkg database could not be asked
};

struct DockerInstall {
  DockerSource source = DockerSource::none;
  bool installed = false;  // source is package or binary
  int major = 0;           // 0 when unknown
  std::string evidence;    // what told us ("docker.io 26.1.5+dfsg1-9+b1"), or why not
  std::string package;     // "docker.io", "docker-ce", "moby-engine"; "" for a bare binary
};

// Whether Docker is installed under `host`'s root: its dpkg database when it has one, else a
// dockerd in /usr/bin, /usr/sbin or /usr/local/bin. A database that cannot be asked is
// DockerSource::unanswered, never "not installed".
DockerInstall detect_docker(const HostView& host);

// The major version of a Debian version string: "5:27.3.1-1~debian.12" -> 27; 0 when it does
// not start with a number.
int docker_major_version(std::string_view version);

}  // namespace clawshield
