// One run of clawshield: the global options, the host's tools, the output streams, and the
// stages a command builds on (the host, then the policy, then the layers' context), each
// prepared on first use and in that order, so every command fails the same way at the same
// step.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <ostream>
#include <string>

#include "cli/output.h"
#include "engine/apply.h"
#include "engine/layers.h"
#include "host/clock.h"
#include "host/host.h"
#include "host/nftables.h"
#include "host/runner.h"
#include "layers/layer.h"
#include "policy/policy.h"

namespace clawshield {

// The options every command shares. Declared once on the top-level app; they fall through,
// so `clawshield --root R plan` and `clawshield plan --root R` mean the same.
struct GlobalOptions {
  std::string root = "/";
  std::string policy_file;  // --policy: a file on this machine
  bool offline = false;
  bool json = false;
  bool no_colour = false;
  std::string netns;  // --netns: the host's network namespace (/run/netns/NAME)
};

// Declares `options` on the top-level `app`, in the order --help lists them.
void add_global_options(CLI::App& app, GlobalOptions& options);

// Prints "clawshield: MESSAGE" on `err` and returns k_exit_bad_input.
int report_error(std::ostream& err, const Error& error);

// Reads a file of this machine (not under --root): --policy, `policy check FILE`.
Result<std::string> read_host_file(const std::string& path);

// The path of the running clawshield binary, or "" if /proc cannot say.
std::string running_executable();

// --policy FILE (a file on this machine), else /etc/clawshield/policy.yaml under the root,
// else the built-in defaults; guard.executable follows the installed binary unless set.
Result<Policy> load_policy(const GlobalOptions& options, const Filesystem& fs);

class Invocation {
 public:
  Invocation(const GlobalOptions& global, CommandRunner& runner, Nftables& nft, const Clock& clock,
             std::ostream& out, std::ostream& err);
  Invocation(const Invocation&) = delete;
  Invocation& operator=(const Invocation&) = delete;

  const GlobalOptions& global;
  CommandRunner& runner;
  Nftables& nft;
  const Clock& clock;
  std::ostream& out;  // the command's output
  std::ostream& err;  // diagnostics

  // Text or JSON (--json), in colour only on a terminal without --no-color or NO_COLOR.
  Style style() const;

  // The host under --root: the root checked absolute, --netns entered, the root opened.
  Result<Host*> host();
  // The host, then the policy (see load_policy).
  Result<const Policy*> policy();
  // The host, the policy, then the layers' context: the admin's SSH session found in the
  // namespace just entered, `lockout` (forced by --force) and the Docker socket set. The
  // context sees the host read-only: what plan and verify need.
  Result<Context*> context(LockoutGuard lockout);
  // The same stages, with the full host: what apply, rollback and confirm change.
  Result<ApplyContext> changing(LockoutGuard lockout);
  // Every layer, in order; built with the context.
  const LayerList& layers() const { return m_layers; }

 private:
  std::optional<Filesystem> m_fs;
  std::optional<Host> m_host;
  std::optional<HostView> m_view;
  std::optional<Policy> m_policy;
  std::optional<Context> m_context;
  LayerList m_layers;
};

}  // namespace clawshield
