// Errors as values: every fallible function returns Result<T>, an std::expected whose error
// carries a typed code (for callers that branch) and a message (for people).
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace clawshield {

enum class ErrorCode {
  bad_input,       // policy, command line or log text that cannot be accepted
  not_found,       // a file, user or program that does not exist
  permission,      // the operating system refused access
  io,              // any other failure of the operating system
  command_failed,  // a program ran and reported failure
  timeout,         // a program or wait did not finish in time
  refused,         // clawshield declined to act (unsafe or impossible change)
  internal,        // a bug in clawshield
};

// `code` says what kind of failure; `message` says what and where, for a person.
struct Error {
  ErrorCode code;
  std::string message;
};

template <typename T>
using Result = std::expected<T, Error>;

// Builds the error side of a Result: `return fail(ErrorCode::io, "...")`.
inline std::unexpected<Error> fail(ErrorCode code, std::string message) {
  return std::unexpected(Error{code, std::move(message)});
}

// Adds context in front of an error's message, keeping its code.
inline Error with_context(Error error, const std::string& context) {
  error.message = context + ": " + error.message;
  return error;
}

std::string_view error_code_name(ErrorCode code);

}  // namespace clawshield

// Passes an error up: `CS_TRY(auto value, expression);` declares `value` from a Result.
#define CS_CONCAT_INNER(a, b) a##b
#define CS_CONCAT(a, b) CS_CONCAT_INNER(a, b)
// `declaration` cannot be parenthesized: it declares.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define CS_TRY(declaration, expression)                                      \
  auto CS_CONCAT(cs_try_, __LINE__) = (expression);                          \
  if (!CS_CONCAT(cs_try_, __LINE__))                                         \
    return std::unexpected(std::move(CS_CONCAT(cs_try_, __LINE__)).error()); \
  declaration = std::move(*CS_CONCAT(cs_try_, __LINE__))
// NOLINTEND(bugprone-macro-parentheses)
// The same for Result<void>: `CS_TRY_VOID(expression);`.
#define CS_TRY_VOID(expression)                               \
  do {                                                        \
    auto cs_try_void = (expression);                          \
    if (!cs_try_void)                                         \
      return std::unexpected(std::move(cs_try_void).error()); \
  } while (false)
