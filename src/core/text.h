// Small text helpers shared by every part of clawshield; nothing here knows about the product.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace clawshield {

// Splits `text` at '\n'; a trailing newline does not produce an empty last line.
std::vector<std::string> split_lines(std::string_view text);
// Splits `text` at runs of spaces and tabs.
std::vector<std::string> split_words(std::string_view text);
// Splits `text` at every `separator`, keeping empty fields.
std::vector<std::string> split(std::string_view text, char separator);
std::string_view trim(std::string_view text);
std::string join(const std::vector<std::string>& parts, std::string_view separator);
// "/a/./b/../c" -> "/a/c": "." and ".." resolved by name, as node's path.normalize does for an
// absolute path (no file system access: ".." after a link is not the link target's parent).
std::string lexical_normalize(std::string_view path);
// `text` safe to print on a terminal: every control character (below 0x20, and 0x7f) written
// as \xHH, so text from the host (a container's name, a log line) cannot move the cursor or
// rewrite a line already printed.
std::string terminal_safe(std::string_view text);
// Quotes an argv element for display only (never for execution).
std::string display_quote(std::string_view word);
std::string display_command(const std::vector<std::string>& argv);
// ASCII lower case ("PasswordAuthentication" -> "passwordauthentication").
std::string to_lower(std::string text);
// Formats `mode` as four octal digits, e.g. "0440".
std::string format_mode(unsigned mode);

}  // namespace clawshield
