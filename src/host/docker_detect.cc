// Docker detection, one adapter for every layer that asks. Before, it lived in the docker
// layer and four other layers included that layer to reach it; here it is below them, and a
// test points it at a temp root.
#include "host/docker_detect.h"

#include <charconv>

#include "host/packages.h"

namespace clawshield {

int docker_major_version(std::string_view version) {
  if (size_t colon = version.find(':'); colon != std::string_view::npos)
    version = version.substr(colon + 1);  // epoch
  int major = 0;
  std::from_chars(version.data(), version.data() + version.size(), major);
  return major;
}

DockerInstall detect_docker(const HostView& host) {
  DockerInstall install;
  // With a dpkg database, it answers; without one (not a Debian root), look for the binary.
  auto database = host.fs.stat("/var/lib/dpkg/status");
  if (database && *database) {
    for (const char* package : {"docker-ce", "docker.io", "moby-engine"}) {
      auto version = installed_version(host, package);
      if (!version) {
        install.source = DockerSource::unanswered;
        install.evidence = "cannot tell whether Docker is installed: " + version.error().message;
        return install;
      }
      if (*version)
        return {DockerSource::package, true, docker_major_version(**version),
                package + std::string(" ") + **version, package};
    }
  }
  for (const char* binary : {"/usr/bin/dockerd", "/usr/sbin/dockerd", "/usr/local/bin/dockerd"}) {
    auto st = host.fs.stat(binary);
    if (st && *st)
      return {DockerSource::binary, true, 0, std::string(binary) + " (version unknown)", ""};
  }
  install.evidence =
      "Docker is not installed (no docker-ce, docker.io or moby-engine package, no dockerd)";
  return install;
}

}  // namespace clawshield
