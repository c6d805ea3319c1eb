// Planning: ask every layer what it wants, compare with the host, keep what would change.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "layers/layer.h"

namespace clawshield {

// One change apply would make.
struct Change {
  std::string summary;                     // "create /etc/sudoers.d/openclaw (0440 root:root)"
  std::string diff;                        // unified diff, for file contents
  std::optional<std::string> skip_reason;  // set when apply would skip it here (offline, ...)
  Action action;
};

struct LayerPlan {
  std::string id;  // the layer's id, number and title (copied: a plan outlives no layer list)
  int number = 0;
  std::string title;
  std::vector<Change> changes;
  std::vector<std::string> notes;  // warnings from the layer (Layer::notes)
  std::optional<Error> error;      // the layer could not be planned
};

struct Plan {
  std::vector<LayerPlan> layers;
  size_t pending() const;  // changes apply would make here
  size_t skipped() const;  // changes apply would skip here
  bool has_errors() const;
};

using LayerList = std::vector<std::unique_ptr<Layer>>;

// Plans every layer in `layers`, in order.
Plan make_plan(const Context& context, const LayerList& layers);

// The change `action` would make to the host now, or nullopt when it already holds.
Result<std::optional<Change>> reconcile(const Context& context, const Action& action);

// "0440 root:root".
std::string describe_spec(const FileSpec& spec);

}  // namespace clawshield
