// How results are shown: a readable table (colour only on a terminal) or one JSON object.
#pragma once

#include <ostream>

#include "engine/apply.h"
#include "engine/checklist.h"
#include "engine/verify.h"

namespace clawshield {

enum class Format { text, json };
enum class Colour { yes, no };

struct Style {
  Format format = Format::text;
  Colour colour = Colour::no;
};

void print_plan(std::ostream& out, const Plan& plan, bool show_diff, const Style& style);
void print_apply(std::ostream& out, const ApplyOutcome& outcome, const Style& style);
void print_rollback(std::ostream& out, const RollbackOutcome& outcome, const Style& style);
void print_verify(std::ostream& out, const VerifyReport& report, const LayerList& layers,
                  const Style& style);
// The seed's checklist, each item ticked, crossed or unknown with the evidence.
void print_checklist(std::ostream& out, const std::vector<ChecklistAnswer>& answers,
                     const Style& style);

}  // namespace clawshield
