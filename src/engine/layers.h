// The posture, layer by layer, in the seed's order. The one place the list is written.
#pragma once

#include "engine/plan.h"

namespace clawshield {

// The layers for `policy`'s choices: of the firewall backends and of the guard engines the
// chosen one is active, the other retiring (listed too, so switching leaves nothing behind).
LayerList all_layers(const Policy& policy);
// Whether `name` is a layer id or number in all_layers().
bool is_layer_name(const LayerList& layers, const std::string& name);

}  // namespace clawshield
