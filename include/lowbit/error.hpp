// lowbit: the exception type every precondition failure throws.
#pragma once

#include <stdexcept>
#include <string>

namespace lowbit {

/// Thrown for input the library refuses: NaN or Inf values, a scale or offset
/// the scheme's storage type cannot represent, mismatched or empty buffers
/// where data is required, and pointers misaligned for their element type.
/// Every entry point checks before it writes, so on throw the output is untouched.
class error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

namespace detail {
[[noreturn]] inline void fail(const std::string& what) {
  throw error("lowbit: " + what);
}
}  // namespace detail

}  // namespace lowbit
