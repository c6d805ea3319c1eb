// Why this exists: OpenClaw reads openclaw.json with the npm `json5` package, and its own docs
// write the file with comments, unquoted keys and trailing commas. A JSON parser calls such a
// file invalid, so every check on it was `unknown`. No Debian package offers a JSON5 reader
// for C++, so this is one: a recursive-descent parser over the UTF-8 text, written from the
// spec (spec.json5.org, 1.0.0) and checked against what json5 2.2.x accepts, producing
// nlohmann::json. Depth is counted on the way down (no stack blow-up on "[[[[..."), the text
// is checked to be UTF-8 first, and each object member's position is recorded so callers can
// say where a setting was written.
#include "core/json5.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

namespace clawshield {
namespace {

using nlohmann::json;

constexpr double k_max_safe_integer = 9007199254740992.0;  // 2^53

// One code point decoded from valid UTF-8 (the text was checked before parsing).
struct CodePoint {
  char32_t value;
  size_t length;
};

CodePoint decode(std::string_view text, size_t at) {
  const auto byte = static_cast<unsigned char>(text[at]);
  if (byte < 0x80)
    return {byte, 1};
  const size_t length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2;
  char32_t value = byte & (0x7F >> length);
  for (size_t k = 1; k < length && at + k < text.size(); ++k)
    value = (value << 6) | (static_cast<unsigned char>(text[at + k]) & 0x3F);
  return {value, length};
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

bool line_terminator(char32_t c) {
  return c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029;
}

// JSON5 white space: ECMAScript's WhiteSpace and LineTerminator (Unicode Zs included).
bool white_space(char32_t c) {
  return c == '\t' || c == '\v' || c == '\f' || c == ' ' || c == 0xA0 || c == 0xFEFF ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F || c == 0x3000 ||
         line_terminator(c);
}

// ECMAScript IdentifierStart / IdentifierPart. Beyond ASCII, any code point that is not white
// space or a line terminator is taken (json5 asks Unicode's ID_Start/ID_Continue; a key it
// would refuse is at worst read here as a key, never as something else).
bool identifier_start(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '$' || c == '_' ||
         (c >= 0x80 && !white_space(c));
}
bool identifier_part(char32_t c) {
  return identifier_start(c) || (c >= '0' && c <= '9') || c == 0x200C || c == 0x200D;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

bool digit(char c) {
  return c >= '0' && c <= '9';
}

// A JSON pointer token: '~' and '/' escaped (RFC 6901).
std::string pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

// A number as JavaScript holds it: an integer when whole and exact, else a double.
json number_value(double value) {
  if (std::isfinite(value) && std::trunc(value) == value && std::fabs(value) <= k_max_safe_integer)
    return json(static_cast<int64_t>(value));
  return json(value);
}

// The position of byte `to`, counting on from `p`, the position of byte `from`.
TextPosition advance_position(std::string_view text, size_t from, TextPosition p, size_t to) {
  for (size_t i = from; i < to && i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n' || (c == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))) {
      ++p.line;
      p.column = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80 && c != '\r') {
      ++p.column;
    }
  }
  return p;
}

class Parser {
 public:
  Parser(std::string_view text, std::string_view source, JsonLimits limits)
      : m_text(text), m_source(source), m_limits(limits) {}

  Result<Json5Document> document() {
    Json5Document out;
    m_positions = &out.positions;
    CS_TRY_VOID(skip_blank());
    if (m_at >= m_text.size())
      return error("empty document: no JSON5 value");
    std::string pointer;
    CS_TRY(out.value, value(pointer));
    CS_TRY_VOID(skip_blank());
    if (m_at < m_text.size())
      return error("unexpected " + shown_here() + " after the document's value");
    return out;
  }

 private:
  std::unexpected<Error> error(const std::string& why) { return error_at(m_at, why); }

  // Positions are asked for in increasing order (keys as they come): continue from the last.
  TextPosition position_of(size_t at) {
    if (at < m_known_offset) {
      m_known_offset = 0;
      m_known = TextPosition{1, 1};
    }
    m_known = advance_position(m_text, m_known_offset, m_known, at);
    m_known_offset = at;
    return m_known;
  }
  std::unexpected<Error> error_at(size_t at, const std::string& why) {
    const TextPosition p = position_of(at);
    return fail(ErrorCode::bad_input, std::string(m_source) + ":" + std::to_string(p.line) + ":" +
                                          std::to_string(p.column) + ": " + why);
  }

  // The character at the cursor, for messages.
  std::string shown_here() const {
    if (m_at >= m_text.size())
      return "end of input";
    const CodePoint c = decode(m_text, m_at);
    if (c.value < 0x20 || c.value == 0x7F)
      return "control character " + std::to_string(c.value);
    return "'" + std::string(m_text.substr(m_at, c.length)) + "'";
  }

  bool at_end() const { return m_at >= m_text.size(); }
  char peek(size_t ahead = 0) const {
    return m_at + ahead < m_text.size() ? m_text[m_at + ahead] : '\0';
  }

  // White space and comments.
  Result<void> skip_blank() {
    while (!at_end()) {
      const CodePoint c = decode(m_text, m_at);
      if (white_space(c.value)) {
        m_at += c.length;
      } else if (c.value == '/' && peek(1) == '/') {
        m_at += 2;
        while (!at_end()) {
          const CodePoint d = decode(m_text, m_at);
          if (line_terminator(d.value))
            break;
          m_at += d.length;
        }
      } else if (c.value == '/' && peek(1) == '*') {
        const size_t end = m_text.find("*/", m_at + 2);
        if (end == std::string_view::npos)
          return error("unterminated /* comment");
        m_at = end + 2;
      } else {
        break;
      }
    }
    return {};
  }

  Result<json> value(std::string& pointer) {
    if (at_end())
      return error("unexpected end of input, want a value");
    const char c = peek();
    if (c == '{' || c == '[') {
      if (++m_depth > m_limits.max_depth)
        return error("nested deeper than " + std::to_string(m_limits.max_depth) + " levels");
      auto out = c == '{' ? object(pointer) : array(pointer);
      --m_depth;
      return out;
    }
    if (c == '"' || c == '\'') {
      CS_TRY(std::string text, string());
      return json(std::move(text));
    }
    if (c == '-' || c == '+' || c == '.' || digit(c) || c == 'I' || c == 'N')
      return number();
    if (literal("null"))
      return json(nullptr);
    if (literal("true"))
      return json(true);
    if (literal("false"))
      return json(false);
    return error("unexpected " + shown_here() + ", want a value");
  }

  // Consumes `word` when it stands at the cursor as a whole word.
  bool literal(std::string_view word) {
    if (m_text.substr(m_at, word.size()) != word)
      return false;
    const size_t after = m_at + word.size();
    if (after < m_text.size() && identifier_part(decode(m_text, after).value))
      return false;
    m_at = after;
    return true;
  }

  Result<json> object(std::string& pointer) {
    ++m_at;  // '{'
    json out = json::object();
    while (true) {
      CS_TRY_VOID(skip_blank());
      if (peek() == '}') {
        ++m_at;
        return out;
      }
      const size_t key_at = m_at;
      CS_TRY(std::string key, member_name());
      CS_TRY_VOID(skip_blank());
      if (peek() != ':')
        return error("unexpected " + shown_here() + " after key, want ':'");
      ++m_at;
      CS_TRY_VOID(skip_blank());
      const size_t length = pointer.size();
      pointer += "/" + pointer_token(key);
      (*m_positions)[pointer] = position_of(key_at);
      CS_TRY(json member, value(pointer));
      pointer.resize(length);
      out[key] = std::move(member);  // a repeated key: the last one wins, as in json5
      CS_TRY_VOID(skip_blank());
      if (peek() == ',') {
        ++m_at;
        continue;
      }
      if (peek() == '}') {
        ++m_at;
        return out;
      }
      return error("unexpected " + shown_here() + " in object, want ',' or '}'");
    }
  }

  Result<json> array(std::string& pointer) {
    ++m_at;  // '['
    json out = json::array();
    while (true) {
      CS_TRY_VOID(skip_blank());
      if (peek() == ']') {
        ++m_at;
        return out;
      }
      const size_t length = pointer.size();
      pointer += "/" + std::to_string(out.size());
      CS_TRY(json element, value(pointer));
      pointer.resize(length);
      out.push_back(std::move(element));
      CS_TRY_VOID(skip_blank());
      if (peek() == ',') {
        ++m_at;
        continue;
      }
      if (peek() == ']') {
        ++m_at;
        return out;
      }
      return error("unexpected " + shown_here() + " in array, want ',' or ']'");
    }
  }

  // A key: a string or an ECMAScript identifier name (escapes \uXXXX allowed).
  Result<std::string> member_name() {
    if (at_end())
      return error("unexpected end of input, want a key or '}'");
    if (peek() == '"' || peek() == '\'')
      return string();
    std::string out;
    bool first = true;
    while (!at_end()) {
      char32_t c = 0;
      const size_t start = m_at;
      if (peek() == '\\') {
        if (peek(1) != 'u')
          return error("in a key, '\\' must start a \\u escape");
        m_at += 2;
        CS_TRY(c, hex_digits(4));
        if (c >= 0xD800 && c <= 0xDFFF)
          return error_at(start, "a surrogate escape in a key");
      } else {
        const CodePoint d = decode(m_text, m_at);
        c = d.value;
        if (!(first ? identifier_start(c) : identifier_part(c)))
          break;
        m_at += d.length;
      }
      if (!(first ? identifier_start(c) : identifier_part(c)))
        return error_at(start, "escape gives a character a key cannot hold");
      append_utf8(out, c);
      first = false;
    }
    if (out.empty())
      return error("unexpected " + shown_here() + ", want a key or '}'");
    return out;
  }

  Result<char32_t> hex_digits(size_t count) {
    char32_t value = 0;
    for (size_t k = 0; k < count; ++k) {
      const int h = hex_value(peek());
      if (h < 0)
        return error("want " + std::to_string(count) + " hex digits in an escape");
      value = value * 16 + static_cast<char32_t>(h);
      ++m_at;
    }
    return value;
  }

  Result<std::string> string() {
    const char quote = peek();
    const size_t start = m_at;
    ++m_at;
    std::string out;
    while (true) {
      if (at_end())
        return error_at(start, "unterminated string");
      const char c = peek();
      if (c == quote) {
        ++m_at;
        return out;
      }
      if (c == '\n' || c == '\r')
        return error("line break in a string (escape it, or end the line with '\\')");
      if (c != '\\') {
        const CodePoint d = decode(m_text, m_at);
        out.append(m_text.substr(m_at, d.length));
        m_at += d.length;
        continue;
      }
      const size_t escape_at = m_at;
      ++m_at;  // '\'
      if (at_end())
        return error_at(start, "unterminated string");
      const char e = peek();
      switch (e) {
        case 'b':
          out += '\b';
          ++m_at;
          break;
        case 'f':
          out += '\f';
          ++m_at;
          break;
        case 'n':
          out += '\n';
          ++m_at;
          break;
        case 'r':
          out += '\r';
          ++m_at;
          break;
        case 't':
          out += '\t';
          ++m_at;
          break;
        case 'v':
          out += '\v';
          ++m_at;
          break;
        case '0':
          ++m_at;
          if (digit(peek()))
            return error_at(escape_at, "octal escapes are not JSON5");
          out += '\0';
          break;
        case 'x': {
          ++m_at;
          CS_TRY(char32_t code, hex_digits(2));
          append_utf8(out, code);
          break;
        }
        case 'u': {
          ++m_at;
          CS_TRY(char32_t code, hex_digits(4));
          if (code >= 0xDC00 && code <= 0xDFFF)
            return error_at(escape_at, "a lone low surrogate \\u escape (not UTF-8)");
          if (code >= 0xD800 && code <= 0xDBFF) {
            if (peek() != '\\' || peek(1) != 'u')
              return error_at(escape_at, "a lone high surrogate \\u escape (not UTF-8)");
            m_at += 2;
            CS_TRY(char32_t low, hex_digits(4));
            if (low < 0xDC00 || low > 0xDFFF)
              return error_at(escape_at, "a high surrogate not followed by a low one");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, code);
          break;
        }
        case '\r':  // a line continuation: the escaped line break is no character
          ++m_at;
          if (peek() == '\n')
            ++m_at;
          break;
        case '\n':
          ++m_at;
          break;
        default: {
          if (digit(e))
            return error_at(escape_at, "'\\" + std::string(1, e) + "' is not a JSON5 escape");
          const CodePoint d = decode(m_text, m_at);
          if (d.value != 0x2028 && d.value != 0x2029)   // those two continue the line too
            out.append(m_text.substr(m_at, d.length));  // "\a" is "a", as in JavaScript
          m_at += d.length;
        }
      }
    }
  }

  Result<json> number() {
    const size_t start = m_at;
    double sign = 1;
    if (peek() == '+' || peek() == '-') {
      sign = peek() == '-' ? -1 : 1;
      ++m_at;
    }
    if (literal("Infinity"))
      return json(sign * std::numeric_limits<double>::infinity());
    if (literal("NaN"))
      return json(std::numeric_limits<double>::quiet_NaN());
    if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X')) {
      m_at += 2;
      if (hex_value(peek()) < 0)
        return error("want hex digits after 0x");
      double value = 0;
      while (hex_value(peek()) >= 0) value = value * 16 + hex_value(m_text[m_at++]);
      CS_TRY_VOID(number_end());
      return number_value(sign * value);
    }
    // Decimal: int part (0 or no leading zero), fraction, exponent; at least one digit.
    std::string normal;
    size_t int_digits = 0, fraction_digits = 0;
    if (peek() == '0') {
      normal += '0';
      ++m_at;
      int_digits = 1;
      if (digit(peek()))
        return error("a number may not start with 0 (octal is not JSON5)");
    } else {
      while (digit(peek())) {
        normal += m_text[m_at++];
        ++int_digits;
      }
    }
    if (int_digits == 0)
      normal += '0';
    if (peek() == '.') {
      ++m_at;
      normal += '.';
      while (digit(peek())) {
        normal += m_text[m_at++];
        ++fraction_digits;
      }
    }
    if (int_digits == 0 && fraction_digits == 0)
      return error_at(start, "a number needs a digit");
    long long exponent_hint = static_cast<long long>(int_digits);
    if (peek() == 'e' || peek() == 'E') {
      ++m_at;
      normal += 'e';
      if (peek() == '+' || peek() == '-')
        normal += m_text[m_at++];
      if (!digit(peek()))
        return error("want digits in the exponent");
      std::string exponent;
      while (digit(peek())) exponent += m_text[m_at++];
      normal += exponent;
      long long e = 0;
      std::from_chars(exponent.data(), exponent.data() + exponent.size(), e);
      exponent_hint += normal[normal.size() - exponent.size() - 1] == '-' ? -e : e;
      if (exponent.size() > 12)
        exponent_hint = normal[normal.size() - exponent.size() - 1] == '-' ? -1000000 : 1000000;
    }
    CS_TRY_VOID(number_end());
    double value = 0;
    auto [end, ec] = std::from_chars(normal.data(), normal.data() + normal.size(), value);
    if (ec == std::errc::result_out_of_range) {
      // JavaScript reads too large a number as Infinity and too small as 0.
      const bool zero = std::ranges::all_of(normal, [](char c) { return !digit(c) || c == '0'; });
      value = zero || exponent_hint <= 0 ? 0.0 : std::numeric_limits<double>::infinity();
    } else if (ec != std::errc() || end != normal.data() + normal.size()) {
      return error_at(start, "not a number");
    }
    return number_value(sign * value);
  }

  // A number must not run into a letter or digit ("12abc", "0x1g").
  Result<void> number_end() {
    if (!at_end() && identifier_part(decode(m_text, m_at).value))
      return error("unexpected " + shown_here() + " in a number");
    return {};
  }

  std::string_view m_text;
  std::string_view m_source;
  JsonLimits m_limits;
  size_t m_at = 0;
  size_t m_depth = 0;
  std::map<std::string, TextPosition>* m_positions = nullptr;
  size_t m_known_offset = 0;
  TextPosition m_known{1, 1};
};

}  // namespace

TextPosition text_position(std::string_view text, size_t offset) {
  return advance_position(text, 0, TextPosition{1, 1}, offset);
}

Result<Json5Document> parse_json5(std::string_view text, std::string_view source,
                                  JsonLimits limits) {
  if (text.size() > limits.max_bytes)
    return fail(ErrorCode::bad_input, std::string(source) + ": larger than " +
                                          std::to_string(limits.max_bytes) + " bytes");
  if (!is_valid_utf8(text)) {
    const std::string fixed = valid_utf8(text);
    size_t at = 0;
    while (at < text.size() && at < fixed.size() && text[at] == fixed[at]) ++at;
    const TextPosition p = text_position(text, at);
    return fail(ErrorCode::bad_input, std::string(source) + ":" + std::to_string(p.line) + ":" +
                                          std::to_string(p.column) + ": not valid UTF-8");
  }
  return Parser(text, source, limits).document();
}

}  // namespace clawshield
