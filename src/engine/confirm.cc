// Commit-confirmed apply, like a router's "commit confirmed": the change that could lock the
// admin out undoes itself unless the admin proves, from a new connection, that they still get
// in. (A new connection: conntrack keeps the old session's packets flowing as "established"
// even under a ruleset that would refuse it.) The state lives in one small JSON file next to
// the journals, updated under the same lock as apply, so confirm and the watchdog never race.
// Beside it, the unconfirmed marker lives from before the apply's first change until the
// change is confirmed or rolled back; it is what a reboot leaves for the boot revert unit.
#include "engine/confirm.h"

#include <unistd.h>
#include <nlohmann/json.hpp>

#include <thread>

#include "core/bounded_json.h"
#include "core/text.h"
#include "engine/journal.h"
#include "layers/firewall/firewall_layer.h"

namespace clawshield {
namespace {

using nlohmann::json;

const char* state_text(PendingState state) {
  switch (state) {
    case PendingState::armed:
      return "armed";
    case PendingState::confirmed:
      return "confirmed";
    case PendingState::reverting:
      return "reverting";
    case PendingState::reverted:
      return "reverted";
  }
  return "armed";
}

Result<void> write_pending(Filesystem& fs, const PendingConfirmation& pending) {
  json document = {{"journal", pending.journal},
                   {"deadline", pending.deadline},
                   {"state", state_text(pending.state)},
                   {"note", pending.note}};
  return fs.write_atomic(k_pending_file, dump_json(document, 2) + "\n", 0600, Ownership{0, 0});
}

// The apply lock, waiting up to `patience` for a running apply or confirm to finish.
Result<FileLock> wait_for_lock(Filesystem& fs, std::chrono::seconds patience) {
  const auto until = std::chrono::steady_clock::now() + patience;
  while (true) {
    auto lock = fs.lock_exclusive(std::string(k_state_dir) + "/lock");
    if (lock || lock.error().code != ErrorCode::refused || std::chrono::steady_clock::now() > until)
      return lock;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

int64_t epoch_seconds(std::chrono::system_clock::time_point when) {
  return std::chrono::duration_cast<std::chrono::seconds>(when.time_since_epoch()).count();
}

// Rolls back apply `journal_id` as unconfirmed (under the lock): the pending file says
// "reverting" while it runs, "reverted" with what was done (`when`) after; then the marker
// goes. `pending` is the pending file as read, if any.
Result<std::string> revert_apply(Host& host, const std::string& journal_id,
                                 const std::optional<PendingConfirmation>& pending,
                                 const std::string& when) {
  PendingConfirmation state = pending && pending->journal == journal_id
                                  ? *pending
                                  : PendingConfirmation{journal_id, 0, PendingState::armed, ""};
  auto journal = Journal::load(host.fs, journal_id);
  if (!journal && journal.error().code != ErrorCode::not_found)
    return std::unexpected(journal.error());
  if (!journal || journal->status() == JournalStatus::rolled_back) {
    state.state = PendingState::reverted;
    state.note = "apply " + journal_id +
                 (journal ? " was already rolled back" : " left no journal (it changed nothing)");
    CS_TRY_VOID(write_pending(host.fs, state));
    CS_TRY_VOID(clear_unconfirmed(host.fs, journal_id));
    return state.note;
  }
  // Durably "reverting" first: should this process die half-way, confirm and apply say so
  // instead of taking a half-undone apply for a confirmed one. The rollback itself is the
  // journal's, step by step atomic and safe to run again (`clawshield rollback` finishes it).
  state.state = PendingState::reverting;
  state.note = "rolling back apply " + journal_id;
  CS_TRY_VOID(write_pending(host.fs, state));
  CS_TRY(auto restored, journal->restore_firewall(host.nft, host.runner));
  std::vector<std::string> kept;
  for (const auto& line : restored)
    if (line.starts_with("kept "))
      kept.push_back(line.substr(5));
  state.state = PendingState::reverted;
  state.note =
      "apply rolled back " + when + " (" + std::to_string(restored.size() - kept.size()) +
      " step(s)" +
      (kept.empty() ? std::string() : "; kept, changed since the apply: " + join(kept, "; ")) + ")";
  CS_TRY_VOID(write_pending(host.fs, state));
  // Last: until the rollback is complete, the boot must neither load the change nor forget it.
  CS_TRY_VOID(clear_unconfirmed(host.fs, journal_id));
  return state.note;
}

}  // namespace

Result<std::optional<UnconfirmedMarker>> read_unconfirmed(const Filesystem& fs) {
  auto text = fs.read(k_unconfirmed_marker);
  if (!text) {
    if (text.error().code == ErrorCode::not_found)
      return std::optional<UnconfirmedMarker>{};
    return std::unexpected(text.error());
  }
  auto marker = parse_unconfirmed_marker(*text);
  if (!marker)
    return fail(ErrorCode::bad_input,
                fs.host_path(k_unconfirmed_marker) + ": not a clawshield marker");
  return marker;
}

Result<void> mark_unconfirmed(Filesystem& fs, const std::string& journal_id, int64_t deadline) {
  CS_TRY_VOID(ensure_parents(fs, k_unconfirmed_marker, nullptr));
  return fs.write_atomic(k_unconfirmed_marker,
                         render_unconfirmed_marker(UnconfirmedMarker{journal_id, deadline}), 0600,
                         Ownership{0, 0});
}

Result<void> clear_unconfirmed(Filesystem& fs, const std::string& journal_id) {
  auto marker = read_unconfirmed(fs);
  if (marker && (!*marker || (*marker)->journal != journal_id))
    return {};  // none, or another apply's
  // A damaged marker is removed too: the apply it was about is the one being settled.
  return fs.remove(k_unconfirmed_marker);
}

Result<std::optional<PendingConfirmation>> read_pending(const Filesystem& fs) {
  auto text = fs.read(k_pending_file);
  if (!text) {
    if (text.error().code == ErrorCode::not_found)
      return std::optional<PendingConfirmation>{};
    return std::unexpected(text.error());
  }
  json document = json::parse(*text, nullptr, false);
  if (document.is_discarded() || !document.is_object())
    return fail(ErrorCode::bad_input, fs.host_path(k_pending_file) + ": not valid JSON");
  PendingConfirmation pending;
  pending.journal = document.value("journal", "");
  pending.deadline = document.value("deadline", int64_t{0});
  const std::string state = document.value("state", "armed");
  pending.state = state == "confirmed"   ? PendingState::confirmed
                  : state == "reverting" ? PendingState::reverting
                  : state == "reverted"  ? PendingState::reverted
                                         : PendingState::armed;
  pending.note = document.value("note", "");
  return std::optional<PendingConfirmation>(pending);
}

Result<void> arm_confirmation(Host& host, const std::string& journal_id,
                              std::chrono::seconds timeout, const Command& watchdog) {
  PendingConfirmation pending{journal_id, epoch_seconds(host.clock.now() + timeout),
                              PendingState::armed, ""};
  CS_TRY_VOID(write_pending(host.fs, pending));
  // The marker (made before the apply's first change) now carries the deadline, for verify.
  CS_TRY_VOID(mark_unconfirmed(host.fs, journal_id, pending.deadline));
  auto started = host.runner.spawn_detached(watchdog);
  if (!started) {
    // Without a watchdog the safety net is gone: undo the firewall now rather than leave an
    // unguarded change in place.
    auto journal = Journal::load(host.fs, journal_id);
    if (journal)
      (void)journal->restore_firewall(host.nft, host.runner);
    pending.state = PendingState::reverted;
    pending.note = "watchdog could not start: " + started.error().message;
    if (write_pending(host.fs, pending) && journal &&
        journal->status() == JournalStatus::rolled_back)
      (void)clear_unconfirmed(host.fs, journal_id);
    return std::unexpected(with_context(started.error(), "commit-confirmed watchdog"));
  }
  return {};
}

Result<ConfirmResult> confirm_firewall(Host& host, std::string& detail) {
  CS_TRY(FileLock lock, wait_for_lock(host.fs, std::chrono::seconds(10)));
  CS_TRY(auto pending, read_pending(host.fs));
  if (!pending || pending->state == PendingState::confirmed) {
    // A confirm that died between its two writes left the marker: finish it.
    if (pending)
      CS_TRY_VOID(clear_unconfirmed(host.fs, pending->journal));
    return ConfirmResult::nothing_pending;
  }
  if (pending->state == PendingState::reverting) {
    detail = "apply " + pending->journal +
             " was not confirmed in time and its rollback did not finish: run `clawshield "
             "rollback`";
    return ConfirmResult::too_late;
  }
  if (pending->state == PendingState::reverted) {
    detail = "apply " + pending->journal + " was not confirmed in time: " + pending->note;
    return ConfirmResult::too_late;
  }
  pending->state = PendingState::confirmed;
  pending->note = "confirmed";
  CS_TRY_VOID(write_pending(host.fs, *pending));
  // Confirmed first, marker gone second: a crash between leaves a marker the boot revert
  // recognises as confirmed (and removes), never an unconfirmed change without one.
  CS_TRY_VOID(clear_unconfirmed(host.fs, pending->journal));
  detail = "apply " + pending->journal + " confirmed; the new firewall stays";
  return ConfirmResult::confirmed;
}

Result<std::string> revert_unless_confirmed(Host& host, const std::string& journal_id,
                                            int64_t deadline) {
  // Waiting, it looks at the pending file once a second (written by atomic rename, so a read
  // without the lock sees one state or the next): once the apply is confirmed, reverted or
  // superseded there is nothing left to guard, and the watchdog (a transient unit where
  // systemd runs) ends at once instead of lingering until the deadline.
  int ticks = 0;
  while (epoch_seconds(host.clock.now()) < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (++ticks % 5 != 0)
      continue;
    auto pending = read_pending(host.fs);
    if (pending && (!*pending || (*pending)->journal != journal_id ||
                    (*pending)->state != PendingState::armed))
      return std::string("nothing to do: apply " + journal_id + " was confirmed or superseded");
  }
  CS_TRY(FileLock lock, wait_for_lock(host.fs, std::chrono::seconds(60)));
  CS_TRY(auto pending, read_pending(host.fs));
  if (!pending || pending->journal != journal_id || pending->state != PendingState::armed)
    return std::string("nothing to do: apply " + journal_id + " was confirmed or superseded");
  return revert_apply(host, journal_id, pending, "at the deadline");
}

Result<std::string> revert_unconfirmed_now(Host& host) {
  CS_TRY(auto marker, read_unconfirmed(host.fs));
  if (!marker)
    return std::string("no unconfirmed firewall change");
  CS_TRY(FileLock lock, wait_for_lock(host.fs, std::chrono::seconds(60)));
  CS_TRY(marker, read_unconfirmed(host.fs));  // confirm may have run while we waited
  if (!marker)
    return std::string("no unconfirmed firewall change");
  CS_TRY(auto pending, read_pending(host.fs));
  if (pending && pending->journal == marker->journal && pending->state == PendingState::confirmed) {
    // confirm died between recording "confirmed" and removing the marker.
    CS_TRY_VOID(clear_unconfirmed(host.fs, marker->journal));
    return "apply " + marker->journal + " was confirmed; nothing to roll back";
  }
  return revert_apply(host, marker->journal, pending, "as unconfirmed by `rollback --unconfirmed`");
}

Result<void> settle_pending(Filesystem& fs, const std::string& journal_id) {
  CS_TRY(auto pending, read_pending(fs));
  if (pending && pending->journal == journal_id &&
      (pending->state == PendingState::armed || pending->state == PendingState::reverting)) {
    pending->state = PendingState::reverted;
    pending->note = "rolled back by `clawshield rollback`";
    CS_TRY_VOID(write_pending(fs, *pending));
  }
  return clear_unconfirmed(fs, journal_id);
}

}  // namespace clawshield
