// JSON read from the host (daemon.json, openclaw.json, state files) through one door that
// bounds what it costs: nesting depth and numbers are checked before nlohmann's parser sees
// the text, and every failure is a value naming file:line:col, never an exception.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace clawshield {

enum class JsonComments { allowed, rejected };

struct JsonLimits {
  size_t max_depth = 64;
  size_t max_bytes = 16u << 20;
};

// Parses `text` (read from `source`, a name for messages) as one JSON document.
// ErrorCode::bad_input, "source:line:col: why", for text that is not JSON, nests deeper than
// `limits.max_depth`, holds a number no double can hold, or is longer than `limits.max_bytes`.
Result<nlohmann::json> parse_json_bounded(std::string_view text, std::string_view source,
                                          JsonComments comments, JsonLimits limits = {});

// `text` with every byte sequence that is not valid UTF-8 replaced by U+FFFD, so it can go
// into JSON output.
std::string valid_utf8(std::string_view text);

// True when `text` is valid UTF-8 throughout (no overlong forms, surrogates or stray bytes).
bool is_valid_utf8(std::string_view text);

// `document.dump(indent)` that never throws on invalid UTF-8 in a string (replaced by U+FFFD).
std::string dump_json(const nlohmann::json& document, int indent = -1);

}  // namespace clawshield
