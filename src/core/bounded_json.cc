// Why this exists: nlohmann's parser is fine for JSON we wrote, but host files are written by
// whoever could write them. A number like 1e999 makes it throw out_of_range (an "internal
// error" to the user), and a few hundred thousand '[' cost gigabytes or the stack. A cheap
// scan that knows strings, escapes and comments rejects both first, with the position, so the
// parser only ever sees documents of bounded shape.
#include "core/bounded_json.h"

#include <cmath>
#include <cstdlib>
#include <optional>
#include <utility>

namespace clawshield {
namespace {

std::string position(std::string_view text, std::string_view source, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::string(source) + ":" + std::to_string(line) + ":" + std::to_string(column);
}

bool number_char(char c) {
  return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

// Checks depth and numbers the way the parser would meet them; returns the offending offset
// and reason, or nothing.
std::optional<std::pair<size_t, std::string>> prescan(std::string_view text, JsonComments comments,
                                                      const JsonLimits& limits) {
  size_t depth = 0;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"') {
      // A string: skip to its unescaped closing quote.
      ++i;
      while (i < text.size() && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
      ++i;
      continue;
    }
    if (c == '/' && comments == JsonComments::allowed && i + 1 < text.size()) {
      if (text[i + 1] == '/') {
        size_t end = text.find('\n', i);
        i = end == std::string_view::npos ? text.size() : end + 1;
        continue;
      }
      if (text[i + 1] == '*') {
        size_t end = text.find("*/", i + 2);
        i = end == std::string_view::npos ? text.size() : end + 2;
        continue;
      }
    }
    if (c == '[' || c == '{') {
      if (++depth > limits.max_depth)
        return std::pair{i, "nested deeper than " + std::to_string(limits.max_depth) + " levels"};
    } else if (c == ']' || c == '}') {
      if (depth > 0)
        --depth;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      size_t end = i;
      while (end < text.size() && number_char(text[end])) ++end;
      const std::string token(text.substr(i, end - i));
      const double value = std::strtod(token.c_str(), nullptr);
      if (std::isinf(value))
        return std::pair{i, "number " + (token.size() > 40 ? token.substr(0, 40) + "..." : token) +
                                " is out of range"};
      i = end;
      continue;
    }
    ++i;
  }
  return std::nullopt;
}

}  // namespace

Result<nlohmann::json> parse_json_bounded(std::string_view text, std::string_view source,
                                          JsonComments comments, JsonLimits limits) {
  if (text.size() > limits.max_bytes)
    return fail(ErrorCode::bad_input, std::string(source) + ": larger than " +
                                          std::to_string(limits.max_bytes) + " bytes");
  if (auto problem = prescan(text, comments, limits))
    return fail(ErrorCode::bad_input,
                position(text, source, problem->first) + ": " + problem->second);
  // nlohmann reports where a parse failed only through its exception: caught here, at the
  // library's boundary.
  try {
    return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/true,
                                 /*ignore_comments=*/comments == JsonComments::allowed);
  } catch (const nlohmann::json::parse_error& e) {
    return fail(ErrorCode::bad_input, position(text, source, e.byte > 0 ? e.byte - 1 : 0) +
                                          ": not valid JSON: " + valid_utf8(e.what()));
  } catch (const nlohmann::json::exception& e) {
    return fail(ErrorCode::bad_input,
                std::string(source) + ": not usable JSON: " + valid_utf8(e.what()));
  }
}

bool is_valid_utf8(std::string_view text) {
  return valid_utf8(text) == text;
}

std::string valid_utf8(std::string_view text) {
  static constexpr std::string_view k_replacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    char32_t min = 0;
    if (byte < 0x80) {
      out += text[i++];
      continue;
    }
    if (byte >= 0xC2 && byte <= 0xDF) {
      length = 2;
      min = 0x80;
    } else if (byte >= 0xE0 && byte <= 0xEF) {
      length = 3;
      min = 0x800;
    } else if (byte >= 0xF0 && byte <= 0xF4) {
      length = 4;
      min = 0x10000;
    }
    bool ok = length > 0 && i + length <= text.size();
    char32_t code = ok ? byte & (0x7F >> length) : 0;
    for (size_t k = 1; ok && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      ok = (next & 0xC0) == 0x80;
      code = (code << 6) | (next & 0x3F);
    }
    ok = ok && code >= min && code <= 0x10FFFF && !(code >= 0xD800 && code <= 0xDFFF);
    if (ok) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += k_replacement;
      ++i;
    }
  }
  return out;
}

std::string dump_json(const nlohmann::json& document, int indent) {
  return document.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace clawshield
