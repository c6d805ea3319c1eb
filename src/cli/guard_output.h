// Output of `clawshield guard --replay`: the bans the guard would make, as a table or JSON.
#pragma once

#include <ostream>

#include "cli/output.h"
#include "guard/replay.h"

namespace clawshield {

void print_replay(std::ostream& out, const guard::ReplayResult& result, const Style& style);
// "2026-11-25T12:00:00Z".
std::string utc_time(int64_t seconds);

}  // namespace clawshield
