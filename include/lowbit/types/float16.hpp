// lowbit: fp16 (IEEE 754 binary16) and bf16 (bfloat16) value types.
//
// Both are trivially copyable 16-bit storage types with explicit conversion
// from float (round to nearest, ties to even; NaN stays NaN, overflow goes to
// Inf) and implicit, exact conversion to float. These scalar conversions are
// exact integer algorithms, the same in every translation unit; the bulk
// conversions in kernels/arch use F16C / AVX-512 per Arch.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "lowbit/config.hpp"
#include "lowbit/detail/finite.hpp"

namespace LOWBIT_NS::detail {

/// float -> binary16, round to nearest even, in integer arithmetic only.
/// Layout of binary16: sign(1) exponent(5, bias 15) mantissa(10).
constexpr std::uint16_t fp16_bits_from_float_scalar(float f) noexcept {
  std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  const std::uint32_t sign = (x >> 16) & 0x8000u;
  std::uint32_t ax = x & 0x7fffffffu;
  if (ax > 0x7f800000u) return static_cast<std::uint16_t>(sign | 0x7e00u | ((ax >> 13) & 0x3ffu));  // NaN, quiet
  if (ax >= 0x47800000u) return static_cast<std::uint16_t>(sign | 0x7c00u);                         // >= 2^16: Inf
  if (ax < 0x38800000u) {
    // |f| < 2^-14: the result is subnormal (or zero). Its value is m * 2^-24 with
    // m = round_to_nearest_even(|f| * 2^24); 2^24 * |f| < 2^10 is exact in float,
    // and adding 2^23 leaves exactly the rounded integer in the low mantissa bits.
    const float scaled = std::bit_cast<float>(ax) * 16777216.0f + 8388608.0f;
    return static_cast<std::uint16_t>(sign | (std::bit_cast<std::uint32_t>(scaled) - 0x4b000000u));
  }
  // Normal: rebias the exponent (127 -> 15) and round the 13 dropped bits to
  // nearest even; a carry out of the mantissa correctly bumps the exponent.
  const std::uint32_t odd = (ax >> 13) & 1u;
  ax += 0xc8000fffu + odd;
  return static_cast<std::uint16_t>(sign | (ax >> 13));
}

/// binary16 -> float, exact.
constexpr float fp16_bits_to_float_scalar(std::uint16_t h) noexcept {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu;
  const std::uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0) {
    const float magnitude = static_cast<float>(mantissa) * 5.9604644775390625e-8f;  // m * 2^-24
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
  return std::bit_cast<float>(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

/// float -> bfloat16 (the top 16 bits of a float), round to nearest even.
constexpr std::uint16_t bf16_bits_from_float_scalar(float f) noexcept {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((x >> 16) | 0x40u);  // quiet NaN
  return static_cast<std::uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

constexpr float bf16_bits_to_float_scalar(std::uint16_t b) noexcept {
  return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

}  // namespace LOWBIT_NS::detail

// fp16 and bf16 are vocabulary types, the same in every translation unit
// (config.hpp, per-ISA symbols): their members are forced inline into the
// caller, so no copy compiled with one TU's flags is shared with another.
namespace lowbit {

/// IEEE 754 binary16. Range +-65504, 11 significant bits, subnormals down to 2^-24.
struct fp16 {
  std::uint16_t bits = 0;

  constexpr fp16() noexcept = default;
  LOWBIT_FORCE_INLINE explicit constexpr fp16(float f) noexcept : bits(from_float(f)) {}

  LOWBIT_FORCE_INLINE static constexpr fp16 from_bits(std::uint16_t b) noexcept {
    fp16 h;
    h.bits = b;
    return h;
  }
  LOWBIT_FORCE_INLINE constexpr operator float() const noexcept { return to_float(bits); }

  // Scalar conversions: exact integer code. Bulk conversions (lowbit::convert)
  // use F16C / AVX-512 per Arch.
  LOWBIT_FORCE_INLINE static constexpr std::uint16_t from_float(float f) noexcept {
    return detail::fp16_bits_from_float_scalar(f);
  }
  LOWBIT_FORCE_INLINE static constexpr float to_float(std::uint16_t b) noexcept {
    return detail::fp16_bits_to_float_scalar(b);
  }
  LOWBIT_FORCE_INLINE friend constexpr bool operator==(fp16 a, fp16 b) noexcept { return a.bits == b.bits; }
};

/// bfloat16: float's 8-bit exponent with 8 significant bits.
struct bf16 {
  std::uint16_t bits = 0;

  constexpr bf16() noexcept = default;
  LOWBIT_FORCE_INLINE explicit constexpr bf16(float f) noexcept : bits(detail::bf16_bits_from_float_scalar(f)) {}

  LOWBIT_FORCE_INLINE static constexpr bf16 from_bits(std::uint16_t b) noexcept {
    bf16 h;
    h.bits = b;
    return h;
  }
  LOWBIT_FORCE_INLINE constexpr operator float() const noexcept { return detail::bf16_bits_to_float_scalar(bits); }
  LOWBIT_FORCE_INLINE friend constexpr bool operator==(bf16 a, bf16 b) noexcept { return a.bits == b.bits; }
};

static_assert(sizeof(fp16) == 2 && sizeof(bf16) == 2);

/// float, fp16 or bf16: the floating storage types of scales and offsets.
template <class T>
concept FloatStorage = std::is_same_v<T, float> || std::is_same_v<T, fp16> || std::is_same_v<T, bf16>;

}  // namespace lowbit

namespace LOWBIT_NS {

/// What the library needs to know about a floating storage type (scales, offsets).
template <class T>
struct float_storage;  // primary: not a floating storage type

template <>
struct float_storage<float> {
  static constexpr const char* name = "fp32";
  static constexpr float max_finite = std::numeric_limits<float>::max();
  static float to_float(float v) noexcept { return v; }
  static float from_float(float v) noexcept { return v; }
  static float next_up(float v) noexcept { return std::nextafter(v, std::numeric_limits<float>::infinity()); }
  static float next_down(float v) noexcept { return std::nextafter(v, -std::numeric_limits<float>::infinity()); }
};

namespace detail {
// Next representable value of a sign-magnitude 16-bit float format (fp16, bf16).
// Not called on NaN or Inf; stepping past the largest finite value gives Inf.
constexpr std::uint16_t next_up_bits16(std::uint16_t b) noexcept {
  if (b == 0x8000u) return 1u;  // -0 -> smallest positive subnormal
  return (b & 0x8000u) ? static_cast<std::uint16_t>(b - 1u) : static_cast<std::uint16_t>(b + 1u);
}
constexpr std::uint16_t next_down_bits16(std::uint16_t b) noexcept {
  if (b == 0u) return 0x8001u;  // +0 -> smallest negative subnormal
  return (b & 0x8000u) ? static_cast<std::uint16_t>(b + 1u) : static_cast<std::uint16_t>(b - 1u);
}
}  // namespace detail

template <>
struct float_storage<fp16> {
  static constexpr const char* name = "fp16";
  static constexpr float max_finite = 65504.0f;
  static float to_float(fp16 v) noexcept { return static_cast<float>(v); }
  static fp16 from_float(float v) noexcept { return fp16(v); }
  static fp16 next_up(fp16 v) noexcept { return fp16::from_bits(detail::next_up_bits16(v.bits)); }
  static fp16 next_down(fp16 v) noexcept { return fp16::from_bits(detail::next_down_bits16(v.bits)); }
};

template <>
struct float_storage<bf16> {
  static constexpr const char* name = "bf16";
  static constexpr float max_finite = 3.38953139e38f;
  static float to_float(bf16 v) noexcept { return static_cast<float>(v); }
  static bf16 from_float(float v) noexcept { return bf16(v); }
  static bf16 next_up(bf16 v) noexcept { return bf16::from_bits(detail::next_up_bits16(v.bits)); }
  static bf16 next_down(bf16 v) noexcept { return bf16::from_bits(detail::next_down_bits16(v.bits)); }
};

/// Smallest value of T that is >= v (v finite). May return +Inf when v exceeds T's range.
template <FloatStorage T>
T round_up_to(double v) noexcept {
  using S = float_storage<T>;
  T r = S::from_float(static_cast<float>(v));
  const float rf = S::to_float(r);
  if (detail::is_inf_bits(rf) && rf < 0) return S::from_float(-S::max_finite);
  if (!detail::is_inf_bits(rf) && static_cast<double>(rf) < v) r = S::next_up(r);
  return r;
}

/// Largest value of T that is <= v (v finite). May return -Inf when v is below T's range.
template <FloatStorage T>
T round_down_to(double v) noexcept {
  using S = float_storage<T>;
  T r = S::from_float(static_cast<float>(v));
  const float rf = S::to_float(r);
  if (detail::is_inf_bits(rf) && rf > 0) return S::from_float(S::max_finite);
  if (!detail::is_inf_bits(rf) && static_cast<double>(rf) > v) r = S::next_down(r);
  return r;
}

}  // namespace LOWBIT_NS
