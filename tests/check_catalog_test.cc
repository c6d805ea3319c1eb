// The check catalog (layers/checks.h) against what the code does: every check is well formed
// and listed once, belongs to a layer of the posture, is answered by that layer's verify, and
// every check the seed's checklist names is in it. docs/checks.md is compared with the catalog
// by the ctest test checks_doc (tools/checks_doc.cc).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "engine/checklist.h"
#include "engine/layers.h"
#include "engine/verify.h"
#include "layers/checks.h"
#include "support/fake_nftables.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

// The checks' ids, families (openclaw.audit.<checkId>) left out.
std::set<std::string> catalog_ids() {
  std::set<std::string> ids;
  for (const Check* check : checks::k_all)
    if (!is_family(*check))
      ids.emplace(check->id);
  return ids;
}

TEST(CheckCatalog, EachCheckOnceAndComplete) {
  std::set<std::string_view> seen;
  for (const Check* check : checks::k_all) {
    EXPECT_TRUE(seen.insert(check->id).second) << check->id << " is listed twice";
    EXPECT_TRUE(well_formed(*check)) << check->id;
    EXPECT_FALSE(check->summary.empty()) << check->id;
    EXPECT_FALSE(check->fails_when.empty()) << check->id;
  }
  EXPECT_GE(seen.size(), 90u);
}

TEST(CheckCatalog, EveryCheckBelongsToALayerOfThePosture) {
  std::set<std::string> layers;
  for (const auto& layer : all_layers(Policy{})) layers.emplace(layer->id());
  for (const Check* check : checks::k_all)
    EXPECT_TRUE(layers.contains(std::string(check->layer)))
        << check->id << " names layer " << check->layer << ", which is not in all_layers()";
}

TEST(CheckCatalog, TheChecklistNamesOnlyCatalogChecks) {
  const std::set<std::string> ids = catalog_ids();
  for (const auto& [firewall, guard] :
       {std::pair{FirewallBackend::nftables, GuardEngine::clawshield},
        std::pair{FirewallBackend::ufw, GuardEngine::fail2ban}}) {
    Policy policy;
    policy.firewall.backend = firewall;
    policy.guard.engine = guard;
    for (const auto& item : seed_checklist(policy)) {
      EXPECT_FALSE(item.checks.empty()) << item.text;
      for (const auto& id : item.checks) EXPECT_TRUE(ids.contains(id)) << id << ": " << item.text;
    }
  }
}

// Every setting of the kernel's posture is judged under a check of the catalog (the kernel
// layer walks checks::k_kernel_sysctl and takes the settings naming each).
TEST(CheckCatalog, EveryKernelSettingHasItsCheck) {
  std::set<std::string> sysctl_checks;
  for (const Check* check : checks::k_kernel_sysctl) sysctl_checks.emplace(check->id);
  for (const auto& setting : kernel_settings())
    EXPECT_TRUE(sysctl_checks.contains("kernel." + setting.check)) << setting.name;
}

// A Host over a temp root: the real tools, offline, no kernel tables.
struct OfflineHost {
  explicit OfflineHost(const std::string& root, bool own_network)
      : fs(std::move(*Filesystem::open(root))) {
    host.own_network = own_network;
  }
  Filesystem fs;
  ProcessRunner runner;
  SystemClock clock;
  testing::EmptyNftables nft;
  Host host{fs, runner, clock, nft, Liveness::offline, false};
};

// Verify of every layer on a minimal root, with each backend and sandbox, in and out of the
// host's network namespace: the ids of all findings, each made by the layer its check names.
TEST(CheckCatalog, EveryCheckIsAnsweredByItsLayersVerify) {
  testing::TempDir root;
  testing::seed_minimal_root(root.path());
  // What some checks need before they are judged at all: the app user, Docker installed, the
  // guard's unit, a jail.local (fail2ban reads the journal: no auth.log), sshd's port.
  testing::write_file(root.path(), "/etc/passwd",
                      testing::read_file(root.path(), "/etc/passwd") +
                          "openclaw:x:999:999::/home/openclaw:/bin/bash\n");
  testing::add_installed_package(root.path(), "docker.io", "20.10.24+dfsg1-1+deb12u1+b6");
  testing::write_file(root.path(), "/etc/systemd/system/clawshield-guard.service", "[Unit]\n");
  testing::write_file(root.path(), "/etc/fail2ban/jail.local", "[sshd]\n");
  testing::write_file(root.path(), "/etc/ssh/sshd_config", "Port 22\n");
  std::map<std::string, std::string> produced;  // id -> layer
  for (const bool own_network : {false, true})
    for (const auto& [firewall, guard] :
         {std::pair{FirewallBackend::nftables, GuardEngine::clawshield},
          std::pair{FirewallBackend::ufw, GuardEngine::fail2ban}})
      for (const AppSandbox sandbox : {AppSandbox::rootless, AppSandbox::system_docker}) {
        Policy policy;
        policy.firewall.backend = firewall;
        policy.guard.engine = guard;
        policy.app.sandbox = sandbox;
        policy.docker.compose_files = {"/srv/app/compose.yaml"};  // missing: judged unknown
        OfflineHost offline(root.path(), own_network);
        const HostView view = offline.host.view();
        auto report = run_verify(Context{view, policy}, all_layers(policy), std::nullopt);
        for (const auto& finding : report.findings) produced.emplace(finding.id, finding.layer);
      }
  const std::set<std::string> ids = catalog_ids();
  for (const auto& [id, layer] : produced) {
    EXPECT_TRUE(ids.contains(id)) << id << " is made by verify but not in the catalog";
    EXPECT_TRUE(id.starts_with(layer + ".")) << id << " reported under layer " << layer;
  }
  for (const auto& id : ids)
    EXPECT_TRUE(produced.contains(id)) << id << " is in the catalog but no layer's verify made it";
}

}  // namespace
}  // namespace clawshield
