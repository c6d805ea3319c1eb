// Executes a plan. Every path is journaled before it is touched (its parents too, when they
// have to be created), files are validated again right before they are installed, and owners
// are resolved at that moment from the root's own account files. A step that fails stops the
// apply and every earlier change is rolled back from the journal, like a transaction.
#include "engine/apply.h"

#include <algorithm>

#include "core/text.h"
#include "engine/confirm.h"
#include "engine/journal.h"
#include "host/accounts.h"

namespace clawshield {
namespace {

Result<Ownership> resolve_owner(const Host& host, const FileSpec& spec) {
  CS_TRY(Accounts accounts, Accounts::load(host.fs));
  return accounts.resolve(spec.owner, spec.group);
}

// The journal saves a path's prior state by name; `file` is what will change, by descriptor.
// Both must be the same object, or the path was swapped in between (and the journal saved
// something else): then nothing is changed.
Result<void> record_untrusted(const Host& host, Journal& journal, const std::string& path,
                              const std::string& trusted_parent, const UntrustedFile& file) {
  const size_t before = journal.entries().size();
  CS_TRY_VOID(journal.record(path, trusted_parent));
  if (journal.entries().size() == before)
    return {};  // recorded earlier in this apply
  const JournalEntry& entry = journal.entries().back();
  const FileStat& st = file.stat();
  const bool same_kind = st.type == FileType::directory ? entry.prior == PriorState::directory
                                                        : entry.prior == PriorState::file;
  if (!same_kind || entry.mode != st.mode || entry.uid != st.uid || entry.gid != st.gid)
    return fail(ErrorCode::refused,
                host.fs.host_path(entry.path) + " changed while clawshield recorded it");
  return {};
}

// One overload per kind of action; `execute` dispatches with std::visit, so an action type
// without its overload does not compile.
Result<void> execute_action(Host& host, Journal& journal, const WriteFile& file) {
  if (file.validate) {
    CS_TRY(CommandResult result, host.runner.run(*file.validate));
    if (!result.ok())
      return fail(ErrorCode::refused,
                  file.path + " not installed: " + describe_failure(*file.validate, result));
  }
  CS_TRY(Ownership owner, resolve_owner(host, file.spec));
  CS_TRY_VOID(ensure_parents(host.fs, file.path, &journal));
  CS_TRY_VOID(journal.record(file.path));
  return host.fs.write_atomic(file.path, file.content, file.spec.mode, owner);
}

Result<void> execute_action(Host& host, Journal& journal, const RemoveFile& remove) {
  CS_TRY_VOID(journal.record(remove.path));
  return host.fs.remove(remove.path);
}

Result<void> execute_action(Host& host, Journal& journal, const SetAttributes& set) {
  CS_TRY(Ownership owner, resolve_owner(host, set.spec));
  CS_TRY(UntrustedFile file, host.fs.open_untrusted(set.path, set.trusted_parent, set.kind));
  CS_TRY_VOID(record_untrusted(host, journal, set.path, set.trusted_parent, file));
  return file.set_attributes(set.spec.mode, owner);
}

// A directory below a folder the app user controls: opened and made by descriptor.
Result<void> ensure_untrusted_directory(Host& host, Journal& journal, const EnsureDirectory& dir) {
  CS_TRY(Ownership owner, resolve_owner(host, dir.spec));
  auto existing = host.fs.open_untrusted(dir.path, dir.trusted_parent, UntrustedKind::directory);
  if (existing) {
    CS_TRY_VOID(record_untrusted(host, journal, dir.path, dir.trusted_parent, *existing));
    return existing->set_attributes(dir.spec.mode, owner);
  }
  if (existing.error().code != ErrorCode::not_found)
    return std::unexpected(existing.error());
  CS_TRY(UntrustedFile parent, host.fs.open_untrusted(parent_path(dir.path), dir.trusted_parent,
                                                      UntrustedKind::directory));
  CS_TRY_VOID(journal.record(dir.path, dir.trusted_parent));
  return parent.make_directory(base_name(dir.path), dir.spec.mode, owner);
}

Result<void> execute_action(Host& host, Journal& journal, const EnsureDirectory& dir) {
  if (!dir.trusted_parent.empty())
    return ensure_untrusted_directory(host, journal, dir);
  CS_TRY(Ownership owner, resolve_owner(host, dir.spec));
  CS_TRY(auto st, host.fs.stat(dir.path));
  CS_TRY_VOID(journal.record(dir.path));
  if (st)
    return host.fs.set_attributes(dir.path, dir.spec.mode, owner);
  CS_TRY_VOID(ensure_parents(host.fs, dir.path, &journal));
  return host.fs.make_directory(dir.path, dir.spec.mode, owner);
}

Result<void> execute_action(Host& host, Journal& journal, const LoadFirewall& load) {
  CS_TRY_VOID(journal.record_firewall(host.nft, load.table));
  std::string transaction = load.transaction;
  for (const auto& set : load.preserved_sets) {
    CS_TRY(std::string elements, set_elements(host.nft, load.table, set));
    if (!elements.empty())
      transaction += "add element inet " + load.table + " " + set + " { " + elements + " }\n";
  }
  CS_TRY(std::string ignored, host.nft.run(transaction, NftOutput::plain));
  return {};
}

Result<void> execute_action(Host& host, Journal& journal, const RunCommand& run) {
  for (const auto& path : run.touches) CS_TRY_VOID(journal.record(path));
  for (const auto& path : run.creates) CS_TRY_VOID(journal.record(path));
  CS_TRY(CommandResult result, host.runner.run(run.command));
  if (!result.ok())
    return fail(ErrorCode::command_failed, describe_failure(run.command, result));
  // Rollback runs undo commands newest first: record them last to first.
  for (auto it = run.undo.rbegin(); it != run.undo.rend(); ++it)
    CS_TRY_VOID(journal.record_undo(run.summary, *it, run.firewall == FirewallChange::yes));
  return {};
}

Result<void> execute(const ApplyContext& context, const Action& action, Journal& journal) {
  Host& host = context.host;
  return std::visit([&](const auto& step) { return execute_action(host, journal, step); }, action);
}

// A planned change that loads a firewall (into the kernel, or through ufw).
bool loads_firewall(const Action& action) {
  if (const auto* command = std::get_if<RunCommand>(&action))
    return command->firewall == FirewallChange::yes;
  return std::holds_alternative<LoadFirewall>(action);
}

}  // namespace

Result<ApplyOutcome> apply_plan(const ApplyContext& context, const Plan& plan,
                                ConfirmFirewall confirm) {
  Host& host = context.host;
  // Reconciling only looks: it sees the host read-only, as planning did.
  const HostView view = host.view();
  const Context planning{view, context.policy};
  for (const auto& layer : plan.layers)
    if (layer.error)
      return std::unexpected(with_context(*layer.error, "cannot plan layer " + layer.id));

  // One apply at a time.
  CS_TRY_VOID(ensure_parents(host.fs, std::string(k_state_dir) + "/lock", nullptr));
  CS_TRY(FileLock lock, host.fs.lock_exclusive(std::string(k_state_dir) + "/lock"));

  // An apply that died half-way must be rolled back (or looked at) before another starts:
  // otherwise its journal would no longer describe the state to return to.
  CS_TRY(auto previous, Journal::latest_active(host.fs));
  if (previous && previous->status() == JournalStatus::in_progress)
    return fail(
        ErrorCode::refused,
        "apply " + previous->id() + " did not finish; run `clawshield rollback` to undo it first");

  ApplyOutcome outcome;
  CS_TRY(Journal journal, Journal::begin(host.fs, host.clock));
  // Commit-confirmed: the marker exists before the first change (boot files included), so a
  // crash or reboot at any point leaves either nothing unconfirmed or the marker, and the
  // boot neither loads the change nor forgets to roll it back.
  const bool marked = confirm == ConfirmFirewall::yes &&
                      std::ranges::any_of(plan.layers, [](const LayerPlan& layer) {
                        return std::ranges::any_of(layer.changes, [](const auto& planned) {
                          return loads_firewall(planned.action);
                        });
                      });
  if (marked)
    CS_TRY_VOID(mark_unconfirmed(host.fs, journal.id(), 0));
  for (const auto& layer : plan.layers) {
    for (const auto& planned : layer.changes) {
      // The host may have moved since planning (an earlier step created a user, say).
      auto change = reconcile(planning, planned.action);
      std::optional<Error> failure;
      if (!change) {
        failure = change.error();
      } else if (!*change) {
        continue;
      } else if ((*change)->skip_reason) {
        outcome.skipped.push_back((*change)->summary + " (skipped: " + *(*change)->skip_reason +
                                  ")");
        continue;
      } else if (auto done = execute(context, planned.action, journal); !done) {
        failure = done.error();
      }
      if (failure) {
        outcome.failure = with_context(*failure, layer.id + ": " + planned.summary);
        auto restored = journal.roll_back(host.nft, host.runner);
        if (restored) {
          outcome.rolled_back = *restored;
          // Nothing left to confirm. (A rollback that failed keeps the marker: the boot then
          // loads none of it and tries the rollback again.)
          if (marked)
            CS_TRY_VOID(clear_unconfirmed(host.fs, journal.id()));
        } else {
          outcome.rollback_failure = restored.error();
        }
        outcome.journal_id = journal.id();
        return outcome;
      }
      outcome.firewall_loaded |= loads_firewall(planned.action);
      outcome.done.push_back(layer.id + ": " + (*change)->summary);
    }
  }
  if (journal.entries().empty() && outcome.done.empty()) {
    CS_TRY_VOID(journal.discard());
  } else {
    // What the apply left each path as: rollback compares with it.
    CS_TRY_VOID(journal.finish());
    outcome.journal_id = journal.id();
  }
  // No firewall changed after all: nothing to confirm.
  if (marked && !outcome.firewall_loaded)
    CS_TRY_VOID(clear_unconfirmed(host.fs, journal.id()));
  return outcome;
}

Result<RollbackOutcome> rollback_last(const ApplyContext& context, ChangedPaths changed) {
  Host& host = context.host;
  RollbackOutcome outcome;
  auto state = host.fs.stat(k_state_dir);
  if (!state)
    return std::unexpected(state.error());
  if (!*state)
    return outcome;
  CS_TRY(FileLock lock, host.fs.lock_exclusive(std::string(k_state_dir) + "/lock"));
  CS_TRY(auto journal, Journal::latest_active(host.fs));
  if (!journal)
    return outcome;
  outcome.journal_id = journal->id();
  // What changed since the apply would be destroyed: refuse, listing it, unless forced.
  if (changed == ChangedPaths::refuse) {
    CS_TRY(outcome.changed_since_apply, journal->changes_since_apply());
    if (!outcome.changed_since_apply.empty())
      return outcome;
  }
  CS_TRY(outcome.restored, journal->roll_back(host.nft, host.runner, changed));
  // A watchdog still waiting on this apply has nothing left to do.
  CS_TRY_VOID(settle_pending(host.fs, journal->id()));
  return outcome;
}

}  // namespace clawshield
