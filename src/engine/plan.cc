// Reconciliation: a layer states what it wants (a file's content and mode, a directory, a
// command it has decided is needed); this turns that into the changes apply would make,
// dropping what already holds. Running the same function again at apply time, per action,
// is what makes apply idempotent even when an earlier action changed the picture (a user
// created by useradd makes a directory's owner resolvable).
#include "engine/plan.h"

#include "core/diff.h"
#include "core/text.h"
#include "host/accounts.h"

namespace clawshield {
namespace {

// Whether `st` already has `spec`'s mode and owner (names resolved in the root's accounts).
Result<bool> attributes_hold(const HostView& host, const FileStat& st, const FileSpec& spec) {
  if (st.mode != spec.mode)
    return false;
  CS_TRY(Accounts accounts, Accounts::load(host.fs));
  auto owner = accounts.resolve(spec.owner, spec.group);
  if (!owner)
    return false;  // the owner does not exist yet: apply will create it first
  return st.uid == owner->uid && st.gid == owner->gid;
}

// One overload per kind of action; `reconcile` dispatches with std::visit, so an action type
// without its overload does not compile.
Result<std::optional<Change>> reconcile_action(const Context& context, const WriteFile& file) {
  const HostView& host = context.host;
  CS_TRY(auto st, host.fs.stat(file.path));
  std::string current;
  if (st) {
    if (st->type != FileType::regular)
      return fail(ErrorCode::refused,
                  host.fs.host_path(file.path) + " exists and is not a regular file");
    CS_TRY(current, host.fs.read(file.path));
  }
  bool content_same = st && current == file.content;
  if (content_same) {
    CS_TRY(bool attributes_same, attributes_hold(host, *st, file.spec));
    if (attributes_same)
      return std::optional<Change>{};
    return Change{"set " + describe_spec(file.spec) + " on " + file.path, {}, std::nullopt, file};
  }
  if (file.validate) {
    CS_TRY(CommandResult result, host.runner.run(*file.validate));
    if (!result.ok())
      return fail(ErrorCode::refused, "rendered " + file.path + " rejected by " +
                                          describe_failure(*file.validate, result));
  }
  std::string verb = st ? "update " : "create ";
  return Change{
      verb + file.path + " (" + describe_spec(file.spec) + ")",
      unified_diff(current, file.content, st ? "a" + file.path : "/dev/null", "b" + file.path),
      std::nullopt, file};
}

// A path an unprivileged user controls, as it stands: its metadata, nothing when it does not
// exist, or why clawshield will not touch it (a symlink, a FIFO...), which skips the change.
struct UntrustedState {
  std::optional<FileStat> stat;
  std::optional<std::string> refusal;
};

Result<UntrustedState> untrusted_state(const HostView& host, const std::string& path,
                                       const std::string& trusted_parent, UntrustedKind kind) {
  auto opened = host.fs.open_untrusted(path, trusted_parent, kind);
  if (opened)
    return UntrustedState{opened->stat(), std::nullopt};
  if (opened.error().code == ErrorCode::not_found)
    return UntrustedState{};
  // Refused (a link, a FIFO, a folder), or not openable for a reason the app user controls
  // (a file lease makes every open fail with EWOULDBLOCK): this change is skipped with the
  // reason; the app user's obstruction never stops the other layers.
  return UntrustedState{std::nullopt, opened.error().message};
}

Result<std::optional<Change>> reconcile_action(const Context& context, const SetAttributes& set) {
  CS_TRY(UntrustedState state,
         untrusted_state(context.host, set.path, set.trusted_parent, set.kind));
  const std::string summary = "set " + describe_spec(set.spec) + " on " + set.path;
  if (state.refusal)
    return Change{summary, {}, *state.refusal, set};
  if (!state.stat)
    return std::optional<Change>{};
  CS_TRY(bool same, attributes_hold(context.host, *state.stat, set.spec));
  if (same)
    return std::optional<Change>{};
  return Change{summary + " (now " + format_mode(state.stat->mode) + ")", {}, std::nullopt, set};
}

Result<std::optional<Change>> reconcile_action(const Context& context, const EnsureDirectory& dir) {
  std::optional<FileStat> st;
  if (dir.trusted_parent.empty()) {
    CS_TRY(st, context.host.fs.stat(dir.path));
  } else {
    CS_TRY(UntrustedState state,
           untrusted_state(context.host, dir.path, dir.trusted_parent, UntrustedKind::directory));
    if (state.refusal)
      return Change{"set " + describe_spec(dir.spec) + " on " + dir.path, {}, *state.refusal, dir};
    st = state.stat;
  }
  if (!st)
    return Change{"create directory " + dir.path + " (" + describe_spec(dir.spec) + ")",
                  {},
                  std::nullopt,
                  dir};
  if (st->type != FileType::directory)
    return fail(ErrorCode::refused,
                context.host.fs.host_path(dir.path) + " exists and is not a directory");
  CS_TRY(bool same, attributes_hold(context.host, *st, dir.spec));
  if (same)
    return std::optional<Change>{};
  return Change{
      "set " + describe_spec(dir.spec) + " on " + dir.path + " (now " + format_mode(st->mode) + ")",
      {},
      std::nullopt,
      dir};
}

Result<std::optional<Change>> reconcile_action(const Context& context, const LoadFirewall& load) {
  const HostView& host = context.host;
  const std::string summary = "load nftables table inet " + load.table;
  // Under another root without --netns, this process's kernel is not the host's: nothing to
  // compare with, and nothing to load.
  if (!host.own_network)
    return Change{summary, {}, host.skip_reason(Requirement::network), load};
  CS_TRY(auto current, list_table(host.nft, load.table, NftOutput::terse));
  if (current && *current == load.ruleset)
    return std::optional<Change>{};
  // An empty ruleset asks for no table at all.
  if (load.ruleset.empty())
    return current ? std::optional<Change>(Change{
                         "delete nftables table inet " + load.table,
                         unified_diff(*current, "", "kernel/inet/" + load.table, "/dev/null"),
                         host.skip_reason(Requirement::network), load})
                   : std::optional<Change>{};
  return Change{current ? "replace nftables table inet " + load.table : summary,
                unified_diff(current.value_or(""), load.ruleset,
                             current ? "kernel/inet/" + load.table : "/dev/null",
                             "rendered/inet/" + load.table),
                host.skip_reason(Requirement::network), load};
}

Result<std::optional<Change>> reconcile_action(const Context& context, const RemoveFile& remove) {
  CS_TRY(auto st, context.host.fs.stat(remove.path));
  if (!st)
    return std::optional<Change>{};
  CS_TRY(std::string content, context.host.fs.read(remove.path));
  return Change{"remove " + remove.path, unified_diff(content, "", remove.path, "/dev/null"),
                std::nullopt, remove};
}

// A command the layer decided must run: always a change (skipped where it cannot run).
Result<std::optional<Change>> reconcile_action(const Context& context, const RunCommand& command) {
  return Change{command.summary, {}, context.host.skip_reason(command.requirement), command};
}

}  // namespace

std::string describe_spec(const FileSpec& spec) {
  return format_mode(spec.mode) + " " + spec.owner + ":" + spec.group;
}

Result<std::optional<Change>> reconcile(const Context& context, const Action& action) {
  return std::visit([&](const auto& step) { return reconcile_action(context, step); }, action);
}

size_t Plan::pending() const {
  size_t count = 0;
  for (const auto& layer : layers)
    for (const auto& change : layer.changes) count += change.skip_reason ? 0 : 1;
  return count;
}

size_t Plan::skipped() const {
  size_t count = 0;
  for (const auto& layer : layers)
    for (const auto& change : layer.changes) count += change.skip_reason ? 1 : 0;
  return count;
}

bool Plan::has_errors() const {
  for (const auto& layer : layers)
    if (layer.error)
      return true;
  return false;
}

Plan make_plan(const Context& context, const LayerList& layers) {
  Plan plan;
  for (const auto& layer : layers) {
    LayerPlan layer_plan;
    layer_plan.id = layer->id();
    layer_plan.number = layer->number();
    layer_plan.title = layer->title();
    layer_plan.notes = layer->notes(context);
    auto actions = layer->desired(context);
    if (!actions) {
      layer_plan.error = actions.error();
      plan.layers.push_back(std::move(layer_plan));
      continue;
    }
    for (const auto& action : *actions) {
      auto change = reconcile(context, action);
      if (!change) {
        layer_plan.error = change.error();
        break;
      }
      if (*change)
        layer_plan.changes.push_back(std::move(**change));
    }
    plan.layers.push_back(std::move(layer_plan));
  }
  return plan;
}

}  // namespace clawshield
