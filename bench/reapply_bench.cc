// Idempotent re-apply on a synced root, measured as a user sees it: the whole `clawshield
// apply` process (policy, planning all four layers with their real tools, nothing to do).
// Target: under 300 ms. Run as root: `build/bench/reapply_bench`.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>

#include "support/temp_root.h"

namespace {

using clawshield::CommandResult;
namespace testing = clawshield::testing;

constexpr double k_target_ms = 300.0;

void reapply_synced_root(benchmark::State& state) {
  if (::geteuid() != 0) {
    state.SkipWithError("needs root (useradd into the temp root)");
    return;
  }
  testing::TempDir dir;
  testing::seed_minimal_root(dir.path());
  CommandResult first = testing::run_clawshield({"apply", "--root", dir.path(), "--offline"});
  if (first.exit_code != 0) {
    state.SkipWithError("first apply failed");
    return;
  }
  for (auto _ : state) {
    CommandResult again = testing::run_clawshield({"apply", "--root", dir.path(), "--offline"});
    if (again.exit_code != 0 || again.out.find("0 change(s) applied") == std::string::npos) {
      state.SkipWithError("re-apply was not a no-op");
      break;
    }
  }
}
BENCHMARK(reapply_synced_root)->Unit(benchmark::kMillisecond)->Iterations(20)->UseRealTime();

void plan_synced_root(benchmark::State& state) {
  if (::geteuid() != 0) {
    state.SkipWithError("needs root");
    return;
  }
  testing::TempDir dir;
  testing::seed_minimal_root(dir.path());
  testing::run_clawshield({"apply", "--root", dir.path(), "--offline"});
  for (auto _ : state) {
    CommandResult plan = testing::run_clawshield({"plan", "--root", dir.path(), "--offline"});
    if (plan.exit_code != 0) {
      state.SkipWithError("plan of a synced root was not empty");
      break;
    }
  }
}
BENCHMARK(plan_synced_root)->Unit(benchmark::kMillisecond)->Iterations(20)->UseRealTime();

// Prints the target next to the measurement, so a run says pass or miss by itself.
class TargetReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& run : runs) {
      if (run.benchmark_name().find("reapply") == std::string::npos || run.error_occurred)
        continue;
      double ms = run.GetAdjustedRealTime();
      std::printf("re-apply wall time %.1f ms per run; target < %.0f ms: %s (%.1fx under target)\n",
                  ms, k_target_ms, ms < k_target_ms ? "met" : "MISSED", k_target_ms / ms);
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  TargetReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
}
