// What every layer is: a numbered part of the posture that says what it wants (actions the
// engine reconciles against the host) and what it finds (verify). Layers know the policy and
// the host; the engine knows nothing of any layer's subject.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.h"
#include "host/host.h"
#include "host/runner.h"
#include "layers/check.h"
#include "policy/policy.h"

namespace clawshield {

// Owner and mode a file or directory must have. Names are resolved against the root's own
// account files when the action runs, so a user created earlier in the same apply works.
struct FileSpec {
  unsigned mode = 0644;
  std::string owner = "root";
  std::string group = "root";
};

// The file at `path` must hold exactly `content` with `spec`.
struct WriteFile {
  std::string path;
  std::string content;
  FileSpec spec;
  // When set, runs with the content on stdin before the file is installed; the file is only
  // written if it exits 0 (visudo -cf - for sudoers).
  std::optional<Command> validate;
};

// The directory at `path` must exist with `spec`. When `trusted_parent` is set, the part of
// `path` below it belongs to an unprivileged user (the app's state dir in its home): it is
// opened and created without following links, and changed on a descriptor.
struct EnsureDirectory {
  std::string path;
  FileSpec spec;
  std::string trusted_parent = {};
};

// The existing regular file (or directory, by `kind`) at `path`, below `trusted_parent` in a
// folder an unprivileged user controls, must have `spec`. Changed on a descriptor, never by
// rewriting its content; a symlink, FIFO, device, an object of the other kind or a hard-linked
// file there is reported and left alone. Nothing to do when it does not exist.
struct SetAttributes {
  std::string path;
  FileSpec spec;
  std::string trusted_parent;
  UntrustedKind kind = UntrustedKind::regular;  // or a directory (OpenClaw's credentials/)
};

// The file at `path` must not exist (what another backend left behind). Journaled, so
// rollback puts it back.
struct RemoveFile {
  std::string path;
};

// Whether a command changes what the firewall lets in (commit-confirmed then guards it).
enum class FirewallChange { no, yes };

// A program run to change the host. The layer includes it only when something must change.
struct RunCommand {
  std::string summary;
  Command command;
  Requirement requirement = Requirement::none;
  std::vector<std::string> touches;  // files it may modify: backed up before it runs
  std::vector<std::string> creates;  // paths it may create: removed again by rollback
  // What rollback runs, in this order, after restoring files, to undo what no file restore
  // can (`ufw disable` after `ufw enable`).
  std::vector<Command> undo = {};
  FirewallChange firewall = FirewallChange::no;
};

// The kernel's nftables table `inet <table>` must be exactly `ruleset` (as `nft -t list`
// prints it). Loaded in one transaction; needs Requirement::network.
struct LoadFirewall {
  std::string table;
  std::string ruleset;
  std::string transaction;  // what loads it: replaces the table atomically
  // Sets whose elements (the guard's bans) are carried over into the new table, in the same
  // transaction, with their remaining timeouts.
  std::vector<std::string> preserved_sets;
};

using Action =
    std::variant<WriteFile, EnsureDirectory, SetAttributes, RemoveFile, RunCommand, LoadFirewall>;

enum class Status { pass, fail, warn, unknown };
std::string_view status_name(Status status);

// One verified fact. `id` is stable ("sudo.valid"); `evidence` says what was seen, or for
// `unknown` why it could not be seen.
struct Finding {
  std::string id;
  std::string layer;
  Status status;
  std::string summary;
  std::string evidence;
};

// What a layer is for in this run. Of two layers doing one job (the nftables firewall or ufw,
// the guard or fail2ban) the policy chooses one, `active`; the other is listed too, `retiring`:
// it takes what it left behind out of service and verifies that nothing of it still runs.
enum class Role { active, retiring };

// What desired(), verify() and notes() see: the host read-only (HostView: a layer says what it
// wants as actions, and only the engine's apply changes the host) and the policy.
struct Context {
  const HostView& host;
  const Policy& policy;
};

class Layer {
 public:
  virtual ~Layer() = default;
  // The seed's layer number (1-8), its stable id and a title for people.
  virtual int number() const = 0;
  virtual std::string_view id() const = 0;
  virtual std::string_view title() const = 0;
  // What this layer wants, in order. File and directory actions may already hold; the engine
  // drops those. An error means the layer cannot even say (e.g. unreadable account files).
  virtual Result<std::vector<Action>> desired(const Context& context) const = 0;
  // Checks of this layer's posture, each pass/fail/warn/unknown.
  virtual std::vector<Finding> verify(const Context& context) const = 0;
  // What a person should know before applying (plan shows it), e.g. a competing firewall.
  virtual std::vector<std::string> notes(const Context&) const { return {}; }
};

// What takes a service of ours out of service, each step undone by rollback: stop it (where
// systemd runs), disable it (its wants link under `wants_dir`), remove its unit file. Nothing
// when the unit is not installed.
Result<std::vector<Action>> retire_service(const HostView& host, const std::string& unit_name,
                                           const std::string& unit_path,
                                           const std::string& wants_link);

// A finding of `check`: its id, layer and summary are the catalog's (layers/<layer>/checks.h).
Finding make_finding(const Check& check, Status status, std::string evidence);

// A summary other than the catalog's, for the findings that print one: where it carries the
// policy's values (app_user.not_in_forbidden_groups, systemd.exposure, updates.automatic_reboot)
// and where a layer cannot read what all its checks need, so each is unknown under one summary
// saying what was unreadable ("account files unreadable", "sshd setting", "ufw backend", ...).
struct SummaryOverride {
  std::string text;
};
Finding make_finding(const Check& check, Status status, std::string evidence,
                     SummaryOverride summary);

// A finding of one member of the family `check` (is_family): the id is the family's with its
// `<name>` placeholder replaced by `member`; the summary is the member's own.
Finding make_member_finding(const Check& family, std::string_view member, Status status,
                            std::string evidence, SummaryOverride summary);

}  // namespace clawshield
