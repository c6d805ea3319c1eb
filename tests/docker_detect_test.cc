// Docker detection on temp roots: the root's own dpkg database answers (the real dpkg-query
// pointed at it), a bare dockerd counts without a version, and a database that cannot be
// asked is "unanswered", never "not installed".
#include <gtest/gtest.h>

#include "host/clock.h"
#include "host/docker_detect.h"
#include "host/filesystem.h"
#include "host/runner.h"
#include "support/fake_nftables.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

// A runner whose every program fails to start.
class BrokenRunner final : public CommandRunner {
 public:
  Result<CommandResult> run(const Command&) override {
    return fail(ErrorCode::io, "cannot start dpkg-query");
  }
  Result<void> spawn_detached(const Command&) override { return {}; }
};

DockerInstall detect(const std::string& root, CommandRunner& runner) {
  auto fs = Filesystem::open(root);
  EXPECT_TRUE(fs);
  SystemClock clock;
  testing::EmptyNftables nft;
  Host host{*fs, runner, clock, nft, Liveness::offline, false};
  return detect_docker(host.view());
}

TEST(DockerDetect, ReadsTheRootsDpkgDatabase) {
  testing::TempDir root;
  testing::seed_minimal_root(root.path());
  ProcessRunner runner;
  DockerInstall none = detect(root.path(), runner);
  EXPECT_EQ(none.source, DockerSource::none);
  EXPECT_FALSE(none.installed);
  EXPECT_EQ(none.evidence,
            "Docker is not installed (no docker-ce, docker.io or moby-engine package, no dockerd)");

  testing::add_installed_package(root.path(), "docker.io", "26.1.5+dfsg1-9+b1");
  DockerInstall debian = detect(root.path(), runner);
  EXPECT_EQ(debian.source, DockerSource::package);
  EXPECT_TRUE(debian.installed);
  EXPECT_EQ(debian.major, 26);
  EXPECT_EQ(debian.package, "docker.io");
  EXPECT_EQ(debian.evidence, "docker.io 26.1.5+dfsg1-9+b1");

  // docker-ce is asked first; its epoch is not the major version.
  testing::add_installed_package(root.path(), "docker-ce", "5:27.3.1-1~debian.12~bookworm");
  DockerInstall ce = detect(root.path(), runner);
  EXPECT_EQ(ce.package, "docker-ce");
  EXPECT_EQ(ce.major, 27);
}

TEST(DockerDetect, ABareDockerdCountsWithoutAVersion) {
  testing::TempDir root;
  ProcessRunner runner;
  EXPECT_EQ(detect(root.path(), runner).source, DockerSource::none);
  testing::write_file(root.path(), "/usr/local/bin/dockerd", "#!/bin/sh\n", 0755);
  DockerInstall binary = detect(root.path(), runner);
  EXPECT_EQ(binary.source, DockerSource::binary);
  EXPECT_TRUE(binary.installed);
  EXPECT_EQ(binary.major, 0);
  EXPECT_EQ(binary.package, "");
  EXPECT_EQ(binary.evidence, "/usr/local/bin/dockerd (version unknown)");
}

TEST(DockerDetect, AnUnaskableDatabaseIsNotAnAbsentDocker) {
  testing::TempDir root;
  testing::seed_minimal_root(root.path());
  // Even with a dockerd present: the database exists and did not answer.
  testing::write_file(root.path(), "/usr/bin/dockerd", "#!/bin/sh\n", 0755);
  BrokenRunner runner;
  DockerInstall unknown = detect(root.path(), runner);
  EXPECT_EQ(unknown.source, DockerSource::unanswered);
  EXPECT_FALSE(unknown.installed);
  EXPECT_EQ(unknown.evidence, "cannot tell whether Docker is installed: cannot start dpkg-query");
}

TEST(DockerDetect, MajorVersions) {
  EXPECT_EQ(docker_major_version("20.10.24+dfsg1-1+b3"), 20);
  EXPECT_EQ(docker_major_version("5:27.3.1-1~debian.12~bookworm"), 27);
  EXPECT_EQ(docker_major_version("1:"), 0);
  EXPECT_EQ(docker_major_version("abc"), 0);
  EXPECT_EQ(docker_major_version(""), 0);
}

}  // namespace
}  // namespace clawshield
