// The posture, layer by layer, in the seed's order. The one place the list is written.
#pragma once

#include "engine/plan.h"

namespace clawshield {

LayerList all_layers();
// Whether `name` is a layer id or number in all_layers().
bool is_layer_name(const LayerList& layers, const std::string& name);

}  // namespace clawshield
