// Rendering for people and for machines. The JSON shapes are documented in docs/json.md; keep
// the two in step. Text output is aligned columns with colour codes only when stdout is a
// terminal and NO_COLOR is unset (decided by the caller, passed in as Style).
#include "cli/output.h"

#include "core/text.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace clawshield {
namespace {

using nlohmann::json;

std::string paint(const Style& style, const char* code, const std::string& text) {
  if (style.colour == Colour::no)
    return text;
  return std::string("\033[") + code + "m" + text + "\033[0m";
}

const char* status_colour(Status status) {
  switch (status) {
    case Status::pass:
      return "32";
    case Status::fail:
      return "31;1";
    case Status::warn:
      return "33";
    case Status::unknown:
      return "35";
  }
  return "0";
}

std::string pad(std::string text, size_t width) {
  if (text.size() < width)
    text.append(width - text.size(), ' ');
  return text;
}

}  // namespace

void print_plan(std::ostream& out, const Plan& plan, bool show_diff, const Style& style) {
  if (style.format == Format::json) {
    json layers = json::array();
    for (const auto& layer : plan.layers) {
      json changes = json::array();
      for (const auto& change : layer.changes) {
        json item = {{"summary", change.summary}};
        if (change.skip_reason)
          item["skipped"] = *change.skip_reason;
        if (!change.diff.empty())
          item["diff"] = change.diff;
        changes.push_back(std::move(item));
      }
      json entry = {{"id", layer.id},
                    {"number", layer.number},
                    {"title", layer.title},
                    {"changes", std::move(changes)}};
      if (layer.error)
        entry["error"] = layer.error->message;
      if (!layer.notes.empty())
        entry["notes"] = layer.notes;
      layers.push_back(std::move(entry));
    }
    out << json{{"pending", plan.pending()},
                {"skipped", plan.skipped()},
                {"layers", std::move(layers)}}
               .dump(2, ' ', false, json::error_handler_t::replace)
        << "\n";
    return;
  }
  for (const auto& layer : plan.layers) {
    std::string status = layer.error ? paint(style, "31;1", "error")
                         : layer.changes.empty()
                             ? paint(style, "32", "in sync")
                             : std::to_string(layer.changes.size()) + " change(s)";
    out << "Layer " << layer.number << " " << layer.id << " (" << layer.title << "): " << status
        << "\n";
    if (layer.error)
      out << "  " << paint(style, "31", layer.error->message) << "\n";
    for (const auto& note : layer.notes)
      out << "  ! " << paint(style, "33", terminal_safe(note)) << "\n";
    for (const auto& change : layer.changes) {
      if (change.skip_reason)
        out << "  - " << terminal_safe(change.summary) << "  "
            << paint(style, "33", "(skipped: " + *change.skip_reason + ")") << "\n";
      else
        out << "  + " << terminal_safe(change.summary) << "\n";
      if (show_diff && !change.diff.empty()) {
        for (size_t start = 0; start < change.diff.size();) {
          size_t end = change.diff.find('\n', start);
          std::string line =
              change.diff.substr(start, end == std::string::npos ? std::string::npos : end - start);
          const char* code = line.starts_with("+")    ? "32"
                             : line.starts_with("-")  ? "31"
                             : line.starts_with("@@") ? "36"
                                                      : "0";
          out << "    " << paint(style, code, line) << "\n";
          if (end == std::string::npos)
            break;
          start = end + 1;
        }
      }
    }
  }
  out << plan.pending() << " change(s) pending";
  if (plan.skipped())
    out << ", " << plan.skipped() << " would be skipped";
  out << (plan.has_errors() ? "; some layers could not be planned\n" : "\n");
}

void print_apply(std::ostream& out, const ApplyOutcome& outcome, const Style& style) {
  if (style.format == Format::json) {
    json document = {
        {"journal", outcome.journal_id}, {"changes", outcome.done}, {"skipped", outcome.skipped}};
    if (outcome.failure) {
      document["failure"] = outcome.failure->message;
      document["rolled_back"] = outcome.rolled_back;
    }
    if (outcome.rollback_failure)
      document["rollback_failure"] = outcome.rollback_failure->message;
    out << document.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
    return;
  }
  for (const auto& line : outcome.done)
    out << "  " << paint(style, "32", "done") << "     " << line << "\n";
  for (const auto& line : outcome.skipped)
    out << "  " << paint(style, "33", "skipped") << "  " << line << "\n";
  if (outcome.failure) {
    out << paint(style, "31;1", "apply failed: ") << outcome.failure->message << "\n";
    for (const auto& line : outcome.rolled_back) out << "  rolled back: " << line << "\n";
    if (outcome.rollback_failure)
      out << paint(style, "31;1", "ROLLBACK FAILED: ") << outcome.rollback_failure->message
          << "\n  journal " << outcome.journal_id
          << " under /var/lib/clawshield/journal needs a person\n";
    return;
  }
  out << outcome.done.size() << " change(s) applied";
  if (!outcome.skipped.empty())
    out << ", " << outcome.skipped.size() << " skipped";
  if (!outcome.journal_id.empty())
    out << " (journal " << outcome.journal_id << "; undo with `clawshield rollback`)";
  out << "\n";
}

void print_rollback(std::ostream& out, const RollbackOutcome& outcome, const Style& style) {
  if (style.format == Format::json) {
    out << json{{"journal", outcome.journal_id}, {"restored", outcome.restored}}.dump(
               2, ' ', false, json::error_handler_t::replace)
        << "\n";
    return;
  }
  if (outcome.journal_id.empty()) {
    out << "nothing to roll back\n";
    return;
  }
  for (const auto& line : outcome.restored) out << "  " << line << "\n";
  out << "rolled back apply " << outcome.journal_id << " (" << outcome.restored.size()
      << " path(s))\n";
}

void print_verify(std::ostream& out, const VerifyReport& report, const LayerList& layers,
                  const Style& style) {
  std::map<std::string, int> numbers;
  for (const auto& layer : layers) numbers[std::string(layer->id())] = layer->number();
  std::map<Status, int> counts;
  for (const auto& finding : report.findings) ++counts[finding.status];
  if (style.format == Format::json) {
    json checks = json::array();
    for (const auto& f : report.findings)
      checks.push_back({{"id", f.id},
                        {"layer", f.layer},
                        {"layer_number", numbers[f.layer]},
                        {"status", status_name(f.status)},
                        {"summary", f.summary},
                        {"evidence", f.evidence}});
    json summary = json::object();
    for (Status s : {Status::pass, Status::fail, Status::warn, Status::unknown})
      summary[std::string(status_name(s))] = counts[s];
    out << json{{"summary", summary}, {"ok", !report.any_fail()}, {"checks", std::move(checks)}}
               .dump(2, ' ', false, json::error_handler_t::replace)
        << "\n";
    return;
  }
  size_t id_width = 2;
  for (const auto& f : report.findings) id_width = std::max(id_width, f.id.size());
  out << pad("STATUS", 9) << pad("CHECK", id_width + 2) << "EVIDENCE\n";
  for (const auto& f : report.findings) {
    std::string status(status_name(f.status));
    out << paint(style, status_colour(f.status), pad(status, 9)) << pad(f.id, id_width + 2)
        << terminal_safe(f.evidence) << "\n";
  }
  out << counts[Status::pass] << " pass, " << counts[Status::fail] << " fail, "
      << counts[Status::warn] << " warn, " << counts[Status::unknown] << " unknown\n";
}

void print_checklist(std::ostream& out, const std::vector<ChecklistAnswer>& answers,
                     const Style& style) {
  if (style.format == Format::json) {
    json items = json::array();
    bool ok = true;
    for (const auto& answer : answers) {
      ok = ok && answer.status != Status::fail;
      json evidence = json::array();
      for (const auto& f : answer.evidence)
        evidence.push_back(
            {{"id", f.id}, {"status", status_name(f.status)}, {"evidence", f.evidence}});
      items.push_back({{"item", answer.item.text},
                       {"status", status_name(answer.status)},
                       {"checks", answer.item.checks},
                       {"evidence", std::move(evidence)}});
    }
    out << json{{"checklist", std::move(items)}, {"ok", ok}}.dump(2, ' ', false,
                                                                  json::error_handler_t::replace)
        << "\n";
    return;
  }
  out << "The seed's security checklist\n";
  for (const auto& answer : answers) {
    const char* box = answer.status == Status::pass   ? "[x]"
                      : answer.status == Status::fail ? "[-]"
                                                      : "[?]";
    const char* word = answer.status == Status::pass   ? "ticked "
                       : answer.status == Status::fail ? "CROSSED"
                                                       : "unknown";
    out << paint(style, status_colour(answer.status), std::string(box) + " " + word) << "  "
        << answer.item.text << "\n";
    for (const auto& f : answer.evidence)
      if (answer.status != Status::pass || f.status == Status::warn)
        out << "      " << f.id << " (" << status_name(f.status)
            << "): " << terminal_safe(f.evidence) << "\n";
    if (answer.status == Status::pass)
      out << "      by " << join(answer.item.checks, ", ") << "\n";
  }
}

}  // namespace clawshield
