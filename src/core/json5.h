// JSON5 (https://spec.json5.org) read into nlohmann::json through the same bounded door as
// bounded_json.h: OpenClaw's openclaw.json and its $include files are JSON5, written by the
// app user. Depth and size are bounded, the text must be valid UTF-8, and every failure is a
// value naming source:line:col, never an exception.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/bounded_json.h"
#include "core/error.h"

namespace clawshield {

// A place in a text: 1-based line and column (columns count code points, not bytes).
struct TextPosition {
  int line = 0;
  int column = 0;
};

struct Json5Document {
  nlohmann::json value;
  // Where each object member was written, keyed by its JSON pointer ("/gateway/bind"). For a
  // key written twice, the last one: it is the one that counts (see parse_json5).
  std::map<std::string, TextPosition> positions;
};

// Parses `text` (from `source`, a name for messages) as one JSON5 document, as the npm
// `json5` package OpenClaw uses (2.2.x) reads it: comments, trailing commas, identifier keys,
// single-quoted and multi-line strings, hex numbers, leading/trailing decimal points, a
// leading '+', Infinity and NaN. A duplicate key keeps the last value, as json5 does.
// Infinity and NaN become those doubles (JSON5 defines them as IEEE numbers; nlohmann writes
// them as null when dumped, as JavaScript's JSON.stringify does), so a check comparing numbers
// sees a number that is not a valid port or count, as OpenClaw would. Numbers that are whole
// and within ±2^53 are stored as integers (JavaScript has one number type: 18789.0 is 18789).
// ErrorCode::bad_input, "source:line:col: why", for text that is not JSON5, not UTF-8, nests
// deeper than `limits.max_depth` or is longer than `limits.max_bytes`.
Result<Json5Document> parse_json5(std::string_view text, std::string_view source,
                                  JsonLimits limits = {});

// The line and column of byte `offset` in `text`.
TextPosition text_position(std::string_view text, size_t offset);

}  // namespace clawshield
