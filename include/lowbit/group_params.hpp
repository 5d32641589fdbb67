// lowbit: the quantization math of one group (a tensor, a row, or G elements of a row).
//
// From the group's minimum `lo` and maximum `hi` (finite) this computes the stored
// scale and zero point, then kernel constants derived only from the stored
// values, so quantize and dequantize agree with what is in memory.
//
//   symmetric, B >= 2   qmax = 2^(B-1) - 1,  d = max(|lo|, |hi|) / qmax
//                       u = clamp(rne(x / d) + 2^(B-1), 1, 2^B - 1)
//                       x^ = d * (u - 2^(B-1))
//   symmetric           e = hi if |hi| >= |lo| else lo (the signed extreme),
//   full range, B >= 2  d = -sign(e) * round_up(|e| / 2^(B-1))   (+0 when e = 0; a negative
//                       scale is stored as such: every kernel multiplies by d)
//                       u = clamp(rne(x / d) + 2^(B-1), 0, 2^B - 1)   (e -> u = 0)
//                       x^ = d * (u - 2^(B-1))
//   symmetric, B = 1    d = max(|lo|, |hi|), levels -d and +d
//                       u = clamp(rne(x / (2d) + 1/2), 0, 1)          (x = 0 -> u = 0, -d)
//                       x^ = 2d * (u - 1/2)
//   asymmetric,         qmax = 2^B - 1, range widened to contain 0: lo' = min(lo, 0), hi' = max(hi, 0)
//   integer zero point  d = round_up((hi' - lo') / qmax),  z = clamp(rne(-lo' / d), 0, qmax)  (d: the STORED scale)
//                       u = clamp(rne(x / d) + z, 0, qmax),   x^ = d * (u - z)
//     stochastic:       d0 = (hi' - lo') / qmax,
//                       z = min(max(rne(-lo' / d0), lo' < 0 ? 1 : 0), hi' > 0 ? qmax - 1 : qmax)
//                       d = round_up(max(-lo' / z, hi' / (qmax - z)))   (a term whose denominator is 0 counts as 0)
//                       (bits<1>, a group with both signs: z = 0, the negative side is not covered)
//   asymmetric,         m = lo rounded down to the offset type,  d = round_up((hi - m) / qmax)
//   float offset        u = clamp(rne((x - m) / d), 0, qmax),  x^ = d * u + m (two roundings)
//
// Everything up to the stored values is computed in double; round_up rounds d UP
// to the scale type (and m is rounded DOWN to the offset type). The stored grid
//   d * [code_lo - center, code_hi - center] (+ m)
// then covers [lo, hi] for symmetric schemes (the extreme's side for full range), float offsets and stochastic
// integer zero points (but bits<1>, whose two levels include 0). A round-to-nearest integer zero point is rounded to
// the grid, which can shift the grid by up to d / 2: the end of [lo', hi'] it moves away from may lie up to d / 2
// beyond the grid and is clamped to the grid end, still within d / 2. So |x - x^| <= step / 2 holds for every element
// against the stored step, up to the float rounding of the arithmetic. A group of zeros (or a constant group) stores d
// = 0; it divides by 1 instead. Stochastic rounding replaces rne(v) by floor(v + r), r uniform in [0, 1): as the grid
// covers the group, no element is clamped and E[x^] = x (see stochastic_rounding in policy/tags.hpp for the exact
// statement). symmetric_full_range covers the extreme's side with the level -2^(B-1); the other side ends at
// 2^(B-1) - 1 levels, so an element there beyond (2^(B-1) - 1/2) |d| is clamped: |x - x^| <= |d| (not |d| / 2) holds
// for it, reached by x = -e.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "lowbit/config.hpp"
#include "lowbit/detail/finite.hpp"
#include "lowbit/detail/no_contract.hpp"
#include "lowbit/error.hpp"
#include "lowbit/layout/matrix_layout.hpp"
#include "lowbit/policy/scheme.hpp"
#include "lowbit/types/float16.hpp"

namespace LOWBIT_NS {

template <Scheme S>
struct group_params {
  using scale_type = typename S::scale_type;
  using zero_point_type = zero_point_storage_t<S>;

  scale_type scale{};            ///< stored d
  zero_point_type zero_point{};  ///< stored z or m (asymmetric only)

  // Kernel constants, all derived from the stored values.
  float divisor = 1.0f;  ///< t = (x - offset) / divisor
  float offset = 0.0f;   ///< m for a float offset, else 0
  float center = 0.0f;   ///< added after rounding (integer_center) or before it
  float step = 0.0f;     ///< x^ = step * (u - center), or step * u + offset
  float code_lo = 0.0f;  ///< clamp range of the codes
  float code_hi = 0.0f;
};

namespace detail {

template <Scheme S>
inline constexpr bool integer_center = !(S::is_symmetric && S::bits == 1);

template <class T>
float storage_to_float(T v) noexcept {
  if constexpr (std::is_integral_v<T>)
    return static_cast<float>(v);
  else
    return float_storage<T>::to_float(v);
}

/// Recomputes the kernel constants of `p` from its stored scale and zero point.
template <Scheme S>
void derive_kernel_constants(group_params<S>& p) noexcept {
  const float d = float_storage<typename S::scale_type>::to_float(p.scale);
  constexpr float qmax_sym = static_cast<float>((1u << (S::bits - 1)) - 1u);
  if constexpr (S::is_full_range) {
    p.step = d;
    p.center = qmax_sym + 1.0f;
    p.code_lo = 0.0f;
    p.code_hi = 2.0f * qmax_sym + 1.0f;
  } else if constexpr (S::is_symmetric) {
    if constexpr (S::bits == 1) {
      p.step = 2.0f * d;
      p.center = 0.5f;
      p.code_lo = 0.0f;
      p.code_hi = 1.0f;
    } else {
      p.step = d;
      p.center = qmax_sym + 1.0f;
      p.code_lo = 1.0f;
      p.code_hi = 2.0f * qmax_sym + 1.0f;
    }
  } else {
    p.step = d;
    p.code_lo = 0.0f;
    p.code_hi = static_cast<float>(S::code_max);
    if constexpr (S::has_integer_zero_point)
      p.center = storage_to_float(p.zero_point);
    else
      p.offset = storage_to_float(p.zero_point);
  }
  p.divisor = p.step != 0.0f ? p.step : 1.0f;
}

inline status unrepresentable(const char* what, double value, const char* type, std::size_t row, std::size_t group) {
  return failure(what, " ", value, " of row ", row, ", group ", group, " is not representable in ", type);
}

}  // namespace detail

/// Parameters of a group with minimum lo and maximum hi (both finite), into
/// `out`; a refusal when the scale or offset does not fit its storage type
/// (`row` / `group` label the message). `out` is assigned only when ok.
template <Scheme S>
status try_compute_group_params(float lo, float hi, std::size_t row, std::size_t group, group_params<S>& out) {
  using scale_t = typename S::scale_type;
  group_params<S> p;
  // -0 -> +0 (min/max of {-0, +0} depends on the order they are seen in), on
  // the bits: x + 0 would do it too, but -ffast-math (-fno-signed-zeros) drops it
  lo = detail::positive_zero(lo);
  hi = detail::positive_zero(hi);
  [[maybe_unused]] const double lo0 = std::fmin(static_cast<double>(lo), 0.0);
  [[maybe_unused]] const double hi0 = std::fmax(static_cast<double>(hi), 0.0);
  [[maybe_unused]] constexpr double qmax = static_cast<double>(S::code_max);
  double d = 0.0;
  [[maybe_unused]] bool negative_scale = false;
  if constexpr (S::is_full_range) {
    // d = -e / 2^(B-1): its magnitude is rounded up below, its sign put back after
    const double l = static_cast<double>(lo), h = static_cast<double>(hi);
    const double e = std::fabs(h) >= std::fabs(l) ? h : l;
    negative_scale = e > 0.0;
    d = std::fabs(e) / static_cast<double>(1u << (S::bits - 1));
  } else if constexpr (S::is_symmetric) {
    const double amax = std::fmax(std::fabs(static_cast<double>(lo)), std::fabs(static_cast<double>(hi)));
    d = S::bits == 1 ? amax : amax / static_cast<double>((1u << (S::bits - 1)) - 1u);
  } else if constexpr (S::has_integer_zero_point && S::is_stochastic) {
    // The grid d * [-z, qmax - z] must cover [lo', hi'] so that no element is
    // clamped (clamping would bias stochastic rounding): z from the min/max
    // step d0, kept off the ends unless lo' or hi' is 0, then d just large
    // enough for both ends. (B = 1 cannot cover both signs: z is 0 or 1.)
    const double d0 = (hi0 - lo0) / qmax;
    double z = d0 > 0.0 ? std::nearbyint(-lo0 / d0) : 0.0;
    z = std::fmin(std::fmax(z, lo0 < 0.0 ? 1.0 : 0.0), hi0 > 0.0 ? qmax - 1.0 : qmax);
    d = std::fmax(z > 0.0 ? -lo0 / z : 0.0, z < qmax ? hi0 / (qmax - z) : 0.0);
    p.zero_point = static_cast<typename S::zero_point_type>(z);
  } else if constexpr (S::has_integer_zero_point) {
    d = (hi0 - lo0) / qmax;
  } else {
    using zero_t = typename S::zero_point_type;
    p.zero_point = round_down_to<zero_t>(static_cast<double>(lo));
    const float m = float_storage<zero_t>::to_float(p.zero_point);
    if (!detail::is_finite_bits(m))
      return detail::unrepresentable("offset", lo, float_storage<zero_t>::name, row, group);
    d = (static_cast<double>(hi) - static_cast<double>(m)) / qmax;
  }
  p.scale = round_up_to<scale_t>(d);
  if constexpr (S::is_full_range)  // -|d|, exact: the negation of a stored value is one
    if (negative_scale) p.scale = float_storage<scale_t>::from_float(-float_storage<scale_t>::to_float(p.scale));
  const float stored = float_storage<scale_t>::to_float(p.scale);
  // B = 1 symmetric steps by 2d, which must stay finite too.
  if (!detail::is_finite_bits(stored) || (S::is_symmetric && S::bits == 1 && !detail::is_finite_bits(2.0f * stored)))
    return detail::unrepresentable("scale", d, float_storage<scale_t>::name, row, group);
  if constexpr (S::has_integer_zero_point && !S::is_stochastic) {
    // z = clamp(rne(-lo' / d), 0, qmax) with the STORED d (0 when d = 0)
    double z = stored > 0.0f ? std::nearbyint(-lo0 / static_cast<double>(stored)) : 0.0;
    z = std::fmin(std::fmax(z, 0.0), qmax);
    p.zero_point = static_cast<typename S::zero_point_type>(z);
  }
  detail::derive_kernel_constants(p);
  // Rounding d up can push the outermost grid point of a range that reaches
  // float's limit past FLT_MAX; such a grid cannot be dequantized.
  // (offset is 0 and center the code of 0 unless there is a float offset;
  // the product is rounded on its own, as dequantization rounds it)
  const float top = detail::no_contract(p.step * (p.code_hi - p.center)) + p.offset;
  const float bottom = detail::no_contract(p.step * (p.code_lo - p.center)) + p.offset;
  if (!detail::is_finite_bits(top) || !detail::is_finite_bits(bottom))
    return detail::unrepresentable("grid end", double(p.step) * double(p.code_hi - p.center) + double(p.offset),
                                   "fp32 (the scaled grid overflows float)", row, group);
  out = p;
  return {};
}

/// Parameters of a group with minimum lo and maximum hi (both finite).
/// Throws lowbit::error when the scale or offset does not fit its storage
/// type; `row` / `group` only label that message.
template <Scheme S>
group_params<S> compute_group_params(float lo, float hi, std::size_t row = 0, std::size_t group = 0) {
  group_params<S> p;
  detail::throw_if_failed(try_compute_group_params<S>(lo, hi, row, group, p));
  return p;
}

/// Parameters as read back from storage (for dequantization).
template <Scheme S>
group_params<S> load_group_params(typename S::scale_type scale, zero_point_storage_t<S> zero_point = {}) noexcept {
  group_params<S> p;
  p.scale = scale;
  p.zero_point = zero_point;
  detail::derive_kernel_constants(p);
  return p;
}

}  // namespace LOWBIT_NS
