// lowbit: how a refused input is reported: lowbit::status (the error-code
// form, for builds without exceptions) and lowbit::error (the exception the
// default, throwing form throws, carrying the same message).
//
// Every entry point that can refuse its input exists twice:
//   lowbit::quantize<S>(...)              throws lowbit::error
//   lowbit::status s = lowbit::try_quantize<S>(...);   never throws for bad input
// with the same checks and the same message ("lowbit: ..."). A refused call
// leaves its output as it was (quantize writes a block of rows at a time and
// puts back what it overwrote; see docs/design.md, section 5). Built with
// -fno-exceptions, the throwing forms still compile: on bad input they print
// the message to stderr and call std::abort(); use the try_ forms there.
// Allocation failure is not a refusal: std::bad_alloc as usual (the owning
// quantized_matrix, quantize's scratch: the parameters of a block of rows and
// the saved bytes of the destination), or an abort without exceptions.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "lowbit/config.hpp"
#include "lowbit/detail/scratch.hpp"

namespace lowbit {

/// The outcome of an error-code entry point: ok, or why the input was refused.
/// Vocabulary type shared by every translation unit (its members are always
/// inlined: see config.hpp on per-ISA symbols).
class [[nodiscard]] status {
 public:
  /// ok
  status() = default;
  /// A refusal with `message` (the library prefixes "lowbit: ").
  static LOWBIT_ALWAYS_INLINE status failure(std::string message) {
    status s;
    s.message_ = std::move(message);
    return s;
  }
  LOWBIT_ALWAYS_INLINE bool ok() const noexcept { return message_.empty(); }
  LOWBIT_ALWAYS_INLINE explicit operator bool() const noexcept { return ok(); }
  /// Empty when ok.
  LOWBIT_ALWAYS_INLINE const std::string& message() const noexcept { return message_; }

 private:
  std::string message_;
};

/// Thrown by the throwing forms for input the library refuses: NaN or Inf
/// values, a scale or offset the scheme's storage type cannot represent, sizes
/// whose byte counts overflow std::size_t, mismatched or empty buffers where
/// data is required, and pointers misaligned for their element type.
/// Every entry point checks before it writes, so on throw the output is untouched.
class error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

}  // namespace lowbit

namespace LOWBIT_NS::detail {

// Messages are assembled in a string with lowbit's per-ISA allocator
// (detail/scratch.hpp) and snprintf, not with std::to_string or std::operator+:
// the C++ library's templates are compiled with each TU's flags, and a TU
// built with AVX flags could supply the copy a baseline TU of the same program
// calls (see config.hpp). Only the final std::string of the status is the
// library's own type.
using message_buffer = std::basic_string<char, std::char_traits<char>, allocator<char>>;

inline void append_to(message_buffer& s, const char* text) {
  s.append(text);
}
inline void append_to(message_buffer& s, double v) {
  char buf[352];  // "%f" of the largest double has 309 integer digits
  std::snprintf(buf, sizeof buf, "%f", v);
  s.append(buf);
}
template <class T>
requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) void append_to(message_buffer& s, T v) {
  char buf[32];
  if constexpr (std::is_signed_v<T>)
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  else
    std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(v));
  s.append(buf);
}

/// The refusal "lowbit: " followed by the parts (text, integers, doubles as "%f").
template <class... Parts>
status failure(const Parts&... parts) {
  message_buffer message("lowbit: ");
  (append_to(message, parts), ...);
  return status::failure(std::string(message.data(), message.size()));
}

/// Reports a refusal the way the throwing forms do: throws lowbit::error, or
/// without exceptions prints the message and aborts.
[[noreturn]] inline void raise(const status& s) {
#if LOWBIT_HAS_EXCEPTIONS
  throw error(s.message());
#else
  std::fprintf(stderr, "%s\n", s.message().c_str());
  std::abort();
#endif
}

/// The throwing form of a status-returning call.
LOWBIT_ALWAYS_INLINE void throw_if_failed(const status& s) {
  if (!s.ok()) [[unlikely]]
    raise(s);
}

}  // namespace LOWBIT_NS::detail

/// Early return of a failed status: LOWBIT_TRY(check(...)); (variadic: the
/// expression may contain commas).
#define LOWBIT_TRY(...)                                                           \
  do {                                                                            \
    if (::lowbit::status lowbit_s_ = (__VA_ARGS__); !lowbit_s_.ok()) [[unlikely]] \
      return lowbit_s_;                                                           \
  } while (0)
