// lowbit: NaN / Inf tests on the bit pattern. Under -ffast-math (or
// -ffinite-math-only) GCC assumes there are no NaN or Inf values and folds
// std::isfinite / std::isnan and NaN comparisons away; lowbit's refusal of
// non-finite input must hold in such builds too, so it tests the exponent
// bits as integers.
#pragma once

#include <bit>
#include <cstdint>

#include "lowbit/config.hpp"

namespace LOWBIT_NS::detail {

/// Exponent all ones: Inf or NaN.
constexpr bool is_finite_bits(float v) noexcept {
  return (std::bit_cast<std::uint32_t>(v) & 0x7f800000u) != 0x7f800000u;
}
constexpr bool is_nan_bits(float v) noexcept {
  return (std::bit_cast<std::uint32_t>(v) & 0x7fffffffu) > 0x7f800000u;
}

/// v, with -0 turned into +0 (an integer test: it holds under -ffast-math).
constexpr float positive_zero(float v) noexcept {
  return std::bit_cast<std::uint32_t>(v) == 0x80000000u ? 0.0f : v;
}
/// Inf of either sign, on the bits.
constexpr bool is_inf_bits(float v) noexcept {
  return (std::bit_cast<std::uint32_t>(v) & 0x7fffffffu) == 0x7f800000u;
}

}  // namespace LOWBIT_NS::detail
