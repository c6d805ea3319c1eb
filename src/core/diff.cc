// Unified diff of two texts. Configuration files are short, so an LCS table is fast enough;
// beyond a size cap the whole file is shown as replaced, which is correct if less compact.
#include "core/diff.h"

#include <algorithm>
#include <vector>

#include "core/text.h"

namespace clawshield {
namespace {

enum class Op { keep, remove, add };
struct Edit {
  Op op;
  size_t before_index;  // line index in `before` (for keep/remove)
  size_t after_index;   // line index in `after` (for keep/add)
};

constexpr size_t k_max_table_cells = 16'000'000;

std::vector<Edit> edit_script(const std::vector<std::string>& a,
                              const std::vector<std::string>& b) {
  std::vector<Edit> edits;
  const size_t n = a.size(), m = b.size();
  if (n * m > k_max_table_cells) {
    for (size_t i = 0; i < n; ++i) edits.push_back({Op::remove, i, 0});
    for (size_t j = 0; j < m; ++j) edits.push_back({Op::add, n, j});
    return edits;
  }
  // lcs[i][j] = length of the longest common subsequence of a[i..] and b[j..].
  std::vector<unsigned> lcs((n + 1) * (m + 1), 0);
  auto at = [&](size_t i, size_t j) -> unsigned& { return lcs[i * (m + 1) + j]; };
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      at(i, j) = a[i] == b[j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      edits.push_back({Op::keep, i++, j++});
    } else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) {
      edits.push_back({Op::remove, i++, j});  // removals first, as diff(1) shows them
    } else {
      edits.push_back({Op::add, i, j++});
    }
  }
  return edits;
}

std::string range(size_t start, size_t count) {
  // Unified diff ranges are 1-based; an empty range names the line before it.
  std::string out = std::to_string(count == 0 ? start : start + 1);
  if (count != 1)
    out += "," + std::to_string(count);
  return out;
}

}  // namespace

std::string unified_diff(std::string_view before, std::string_view after,
                         std::string_view before_label, std::string_view after_label, int context) {
  if (before == after)
    return {};
  const auto a = split_lines(before);
  const auto b = split_lines(after);
  const auto edits = edit_script(a, b);

  std::string out = "--- " + std::string(before_label) + "\n+++ " + std::string(after_label) + "\n";
  const size_t count = edits.size();
  const size_t ctx = static_cast<size_t>(std::max(context, 0));
  size_t index = 0;
  while (index < count) {
    // Find the next change, then grow a hunk until a gap of more than 2*ctx unchanged lines.
    while (index < count && edits[index].op == Op::keep) ++index;
    if (index == count)
      break;
    size_t hunk_start = index >= ctx ? index - ctx : 0;
    size_t hunk_end = index;
    size_t gap = 0;
    for (size_t k = index; k < count; ++k) {
      if (edits[k].op == Op::keep) {
        if (++gap > 2 * ctx)
          break;
      } else {
        gap = 0;
        hunk_end = k;
      }
    }
    hunk_end = std::min(count, hunk_end + 1 + ctx);
    size_t a_start = edits[hunk_start].before_index, b_start = edits[hunk_start].after_index;
    size_t a_count = 0, b_count = 0;
    std::string body;
    for (size_t k = hunk_start; k < hunk_end; ++k) {
      const Edit& e = edits[k];
      switch (e.op) {
        case Op::keep:
          body += " " + a[e.before_index] + "\n";
          ++a_count;
          ++b_count;
          break;
        case Op::remove:
          body += "-" + a[e.before_index] + "\n";
          ++a_count;
          break;
        case Op::add:
          body += "+" + b[e.after_index] + "\n";
          ++b_count;
          break;
      }
    }
    out += "@@ -" + range(a_start, a_count) + " +" + range(b_start, b_count) + " @@\n" + body;
    index = hunk_end;
  }
  if (!before.empty() && before.back() != '\n')
    out += "\\ No newline at end of file (before)\n";
  if (!after.empty() && after.back() != '\n')
    out += "\\ No newline at end of file (after)\n";
  return out;
}

}  // namespace clawshield
