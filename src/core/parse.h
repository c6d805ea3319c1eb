// Numbers in text clawshield did not write (policy values, command output, log lines, kernel
// files) are read here and nowhere else: std::stoi throws past the Result boundary and
// accepts " 12abc", and each hand-written from_chars call forgot a different check (the whole
// text, the range). parse_int is one checked answer, an error that names the text and range.
#pragma once

#include <charconv>
#include <concepts>
#include <string>
#include <string_view>
#include <system_error>

#include "core/error.h"

namespace clawshield {

// The decimal integer `text` is, from `min` to `max`: digits only, a leading '-' only for a
// signed T, no '+', no spaces, nothing after the digits. ErrorCode::bad_input otherwise, with
// a message naming `text` and the range.
template <std::integral T>
  requires(!std::same_as<T, bool>)
Result<T> parse_int(std::string_view text, T min, T max) {
  T value{};
  const char* const last = text.data() + text.size();
  const auto [end, error] = std::from_chars(text.data(), last, value);
  if (text.empty() || error != std::errc() || end != last || value < min || value > max)
    return fail(ErrorCode::bad_input, "\"" + std::string(text) + "\" is not a whole number from " +
                                          std::to_string(min) + " to " + std::to_string(max));
  return value;
}

}  // namespace clawshield
