// lowbit: size arithmetic that cannot wrap. Every size lowbit derives from a
// matrix's rows and cols (elements, groups, words, bytes, blob offsets) is
// computed through checked_size, so a dimension read from an untrusted file
// header gives "matrix is too large" instead of a wrapped, too-small size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

#include "lowbit/config.hpp"

namespace LOWBIT_NS::detail {

/// A size_t value that remembers whether any step computing it overflowed:
/// a sum or product above PTRDIFF_MAX, the largest object (and std::vector)
/// a program can have, not SIZE_MAX. A plain value (a dimension) is not a size
/// by itself: rows = SIZE_MAX with cols = 0 is an empty matrix.
class checked_size {
 public:
  static constexpr std::size_t limit = static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max());

  constexpr checked_size(std::size_t v) noexcept : value_(v), overflow_(false) {}  // NOLINT: implicit by design

  constexpr std::size_t value() const noexcept { return value_; }
  constexpr bool overflow() const noexcept { return overflow_; }

  friend constexpr checked_size operator+(checked_size a, checked_size b) noexcept {
    std::size_t r = 0;
    const bool wrapped = __builtin_add_overflow(a.value_, b.value_, &r);
    return make(r, a.overflow_ || b.overflow_ || wrapped || r > limit);
  }
  friend constexpr checked_size operator*(checked_size a, checked_size b) noexcept {
    std::size_t r = 0;
    const bool wrapped = __builtin_mul_overflow(a.value_, b.value_, &r);
    return make(r, a.overflow_ || b.overflow_ || wrapped || r > limit);
  }
  /// ceil(a / d), d > 0: never overflows (no a + d - 1).
  friend constexpr checked_size ceil_div(checked_size a, std::size_t d) noexcept {
    return make(a.value_ / d + (a.value_ % d != 0 ? 1 : 0), a.overflow_);
  }
  /// The next multiple of m (> 0) at or above a.
  friend constexpr checked_size align_up(checked_size a, std::size_t m) noexcept { return ceil_div(a, m) * m; }

 private:
  static constexpr checked_size make(std::size_t v, bool overflow) noexcept {
    checked_size c(0);
    c.value_ = v;
    c.overflow_ = overflow;
    return c;
  }
  std::size_t value_;
  bool overflow_;
};

}  // namespace LOWBIT_NS::detail
