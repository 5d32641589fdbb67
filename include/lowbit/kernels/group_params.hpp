// lowbit: the parameters of many groups at once, lane for lane bit-identical
// to compute_group_params of lowbit/group_params.hpp (the formulas are there).
//
// One register of float lanes holds the lo / hi of batch<float>::size groups.
// The scalar function computes the scale d in double and rounds it up to the
// scale type T; here the double arithmetic runs on the two halves of the
// register (convert_arch::widen_to_f64), and the rounding up is done in two
// steps, which compose exactly because every fp16 / bf16 value is a float:
//   round_up_T(d) = round_up_T(round_up_f32(d))
//   round_up_f32, on double lanes d >= 0:
//     d >= 2^-126   add 2^29 - 1 to the bits, clear the low 29 (the mantissa bits
//                   float lacks; a carry moves into the exponent, up to 2^128 -> Inf)
//     d <  2^-126   ceil(d * 2^149) * 2^-149 (float's subnormal spacing)
//   round_up_fp16   F16C's conversion with its rounding-control immediate
//   round_up_bf16   (bits + 0xffff) >> 16 for positive lanes (truncate negative ones)
// and round_down the mirror image, for fp16 / bf16 offsets.
// A register whose groups all have storable parameters is written at once;
// otherwise its groups go through the scalar try_compute_group_params in order,
// which returns the reference's refusal for the first group that cannot be stored.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "lowbit/config.hpp"
#include "lowbit/detail/no_contract.hpp"
#include "lowbit/detail/xsimd_compat.hpp"
#include "lowbit/group_params.hpp"
#include "lowbit/kernels/arch/convert_x86.hpp"

namespace LOWBIT_NS::kernels {

/// Where kernels::compute_group_params writes the parameters of group i.
/// The kernel constants are those of quantization:
///   t = (x - offset) / divisor[i],  u = clamp(rne(t) + center, code_lo, code_hi)
/// with shift[i] = center for an integer zero point, offset for a float offset
/// (symmetric schemes leave shift untouched: their center is a constant).
/// divisor and shift may be the lo and hi arrays themselves.
template <Scheme S>
struct group_params_out {
  typename S::scale_type* scales;
  zero_point_storage_t<S>* zero_points;  ///< unused when symmetric
  float* divisor;
  float* shift;

  /// Stores the parameters of one group computed by the scalar function.
  void store(std::size_t i, const group_params<S>& p) const noexcept {
    scales[i] = p.scale;
    divisor[i] = p.divisor;
    if constexpr (S::has_zero_point) {
      zero_points[i] = p.zero_point;
      shift[i] = S::has_float_offset ? p.offset : p.center;
    }
  }
};

namespace group_params_impl {

template <class A>
using fbatch = xsimd::batch<float, A>;
template <class A>
using dbatch = xsimd::batch<double, A>;

/// Lanes of d (>= 0, finite or +Inf) rounded up to float precision, as doubles.
template <class A>
LOWBIT_ALWAYS_INLINE dbatch<A> round_up_f32(const dbatch<A>& d) noexcept {
  using U = xsimd::batch<std::uint64_t, A>;
  constexpr std::uint64_t low = (std::uint64_t{1} << 29) - 1;
  const U bits = detail::simd::bitcast<std::uint64_t>(d);
  const dbatch<A> normal = detail::simd::bitcast<double>((bits + U(low)) & U(~low));
  const dbatch<A> subnormal = xsimd::ceil(d * dbatch<A>(0x1p149)) * dbatch<A>(0x1p-149);
  return detail::simd::select(d < dbatch<A>(0x1p-126), subnormal, normal);
}

/// x rounded up (Up) or down to T in {float, fp16, bf16}; the stored values go
/// to out[0, lanes) and their float values are returned. For T = float, x
/// must already be a float value of the right rounding (it is returned as is).
template <class T, bool Up, class A>
LOWBIT_ALWAYS_INLINE fbatch<A> round_to(const fbatch<A>& x, T* out) noexcept {
  using F = fbatch<A>;
  if constexpr (std::is_same_v<T, float>) {
    x.store_aligned(out);
    return x;
  } else if constexpr (std::is_same_v<T, fp16>) {
    static_assert(sizeof(fp16) == sizeof(std::uint16_t));
    alignas(64) std::uint16_t bits[F::size];
    const F v = convert_arch::round_to_fp16<Up, A>(x, bits);
    std::memcpy(out, bits, sizeof bits);
    return v;
  } else {
    static_assert(std::is_same_v<T, bf16>);
    // Directed rounding on the bits: add 0xffff where the magnitude must grow
    // (Up on positive lanes, down on negative ones), then keep the top 16 bits.
    using U = xsimd::batch<std::uint32_t, A>;
    const U bits = detail::simd::bitcast<std::uint32_t>(x);
    const auto negative = (bits >> 31) == U(1u);
    const U add =
        Up ? detail::simd::select(negative, U(0u), U(0xffffu)) : detail::simd::select(negative, U(0xffffu), U(0u));
    const U top = (bits + add) >> 16;
    alignas(64) std::uint32_t lanes[F::size];
    top.store_aligned(lanes);
    for (std::size_t i = 0; i < F::size; ++i) out[i] = bf16::from_bits(static_cast<std::uint16_t>(lanes[i]));
    return detail::simd::bitcast<float>(top << 16);
  }
}

/// x with -0 lanes turned into +0, on the bits (-ffast-math drops x + 0).
template <class A>
LOWBIT_ALWAYS_INLINE fbatch<A> positive_zero(const fbatch<A>& x) noexcept {
  using I = xsimd::batch<std::int32_t, A>;
  const I bits = detail::simd::bitcast<std::int32_t>(x);
  return detail::simd::bitcast<float>(
      detail::simd::select(bits == I(std::numeric_limits<std::int32_t>::min()), I(0), bits));
}

/// Lanes with a finite value: the exponent bits are not all ones (an integer
/// test, so that it holds under -ffast-math too).
template <class A>
LOWBIT_ALWAYS_INLINE xsimd::batch_bool<float, A> finite(const fbatch<A>& x) noexcept {
  using I = xsimd::batch<std::int32_t, A>;
  const I e = detail::simd::bitcast<std::int32_t>(x) & I(0x7f800000);
  return detail::simd::to_float_mask<A>(e != I(0x7f800000));
}

/// The parameters of fbatch<A>::size groups (lo, hi: their finite minima and maxima).
template <Scheme S, class A>
struct lanes_params {
  using F = fbatch<A>;
  using D = dbatch<A>;
  static constexpr std::size_t lanes = F::size;

  alignas(64) typename S::scale_type scale[lanes];
  alignas(64) zero_point_storage_t<S> zero_point[lanes];
  F divisor, shift;
  xsimd::batch_bool<float, A> storable;

  LOWBIT_ALWAYS_INLINE lanes_params(F lo, F hi) noexcept {
    using scale_t = typename S::scale_type;
    lo = positive_zero<A>(lo);  // -0 -> +0, as the scalar function (on the bits)
    hi = positive_zero<A>(hi);
    const D qmax(S::is_full_range  ? static_cast<double>(1u << (S::bits - 1))
                 : S::is_symmetric ? static_cast<double>((1u << (S::bits - 1)) - 1u)
                                   : double(S::code_max));
    storable = F(0.0f) == F(0.0f);
    F d;       // round_up_f32 of the exact scale formula, in float lanes
    F lo0, m;  // asymmetric: min(lo, 0) (integer zero point) or the stored offset m
    [[maybe_unused]] std::array<D, 2> z_stochastic;  // stochastic integer zero point: z, chosen before d
    if constexpr (S::is_symmetric) {
      const F amax = xsimd::max(xsimd::abs(lo), xsimd::abs(hi));
      if constexpr (S::bits == 1) {
        d = amax;  // d = amax, a float already
      } else {
        const auto a = convert_arch::widen_to_f64<A>(amax);
        d = convert_arch::narrow_to_f32<A>(round_up_f32<A>(a[0] / qmax), round_up_f32<A>(a[1] / qmax));
      }
    } else if constexpr (S::has_integer_zero_point && S::is_stochastic) {
      // The grid must cover [lo', hi'] (group_params.hpp): z from d0, kept off
      // the ends unless lo' or hi' is 0, then d = max(-lo' / z, hi' / (qmax - z)).
      lo0 = xsimd::min(lo, F(0.0f));
      const auto l = convert_arch::widen_to_f64<A>(lo0);
      const auto h = convert_arch::widen_to_f64<A>(xsimd::max(hi, F(0.0f)));
      std::array<D, 2> dd;
      for (std::size_t k = 0; k < 2; ++k) {
        const D zero(0.0), one(1.0);
        const D d0 = (h[k] - l[k]) / qmax;
        D z = detail::simd::select(d0 > zero, xsimd::nearbyint(-l[k] / d0), zero);
        z = xsimd::min(xsimd::max(z, detail::simd::select(l[k] < zero, one, zero)),
                       detail::simd::select(h[k] > zero, qmax - one, qmax));
        z_stochastic[k] = z;
        const D low_end = detail::simd::select(z > zero, -l[k] / z, zero);
        const D high_end = detail::simd::select(z < qmax, h[k] / (qmax - z), zero);
        dd[k] = round_up_f32<A>(xsimd::max(low_end, high_end));
      }
      d = convert_arch::narrow_to_f32<A>(dd[0], dd[1]);
    } else if constexpr (S::has_integer_zero_point) {
      // d = (max(hi, 0) - min(lo, 0)) / qmax
      lo0 = xsimd::min(lo, F(0.0f));
      const auto l = convert_arch::widen_to_f64<A>(lo0);
      const auto h = convert_arch::widen_to_f64<A>(xsimd::max(hi, F(0.0f)));
      d = convert_arch::narrow_to_f32<A>(round_up_f32<A>((h[0] - l[0]) / qmax), round_up_f32<A>((h[1] - l[1]) / qmax));
    } else {
      // m = round_down(lo), d = (hi - m) / qmax
      m = round_to<typename S::zero_point_type, false, A>(lo, zero_point);
      storable = storable && finite<A>(m);
      const auto mm = convert_arch::widen_to_f64<A>(m);
      const auto h = convert_arch::widen_to_f64<A>(hi);
      d = convert_arch::narrow_to_f32<A>(round_up_f32<A>((h[0] - mm[0]) / qmax),
                                         round_up_f32<A>((h[1] - mm[1]) / qmax));
    }
    F stored = round_to<scale_t, true, A>(d, scale);
    if constexpr (S::is_full_range) {
      // d = -sign(e) |d|, e = hi if |hi| >= |lo| else lo: negate where e > 0 (exact in every storage type)
      const F ahi = xsimd::abs(hi), alo = xsimd::abs(lo);
      const auto negative = ((ahi >= alo) & (hi > F(0.0f))) | ((ahi < alo) & (lo > F(0.0f)));
      stored = detail::simd::select(negative, -stored, stored);
      alignas(64) float s[lanes];
      stored.store_aligned(s);
      for (std::size_t i = 0; i < lanes; ++i) scale[i] = float_storage<scale_t>::from_float(s[i]);
    }
    const F step = S::is_symmetric && S::bits == 1 ? F(2.0f) * stored : stored;
    storable = storable && finite<A>(stored) && finite<A>(step);
    divisor = detail::simd::select(step != F(0.0f), step, F(1.0f));

    F center, offset(0.0f);
    const F code_lo(S::is_symmetric && !S::is_full_range && S::bits > 1 ? 1.0f : 0.0f);
    const F code_hi(static_cast<float>(S::code_max));
    if constexpr (S::is_symmetric) {
      center = F(S::bits == 1 ? 0.5f : static_cast<float>(1u << (S::bits - 1)));
    } else if constexpr (S::has_integer_zero_point) {
      std::array<D, 2> z;
      if constexpr (S::is_stochastic) {
        z = z_stochastic;
      } else {
        // z = clamp(rne(-min(lo, 0) / d), 0, qmax) with the stored d, 0 when d = 0
        const auto s = convert_arch::widen_to_f64<A>(stored);
        const auto l = convert_arch::widen_to_f64<A>(lo0);
        for (std::size_t k = 0; k < 2; ++k) {
          const D q = detail::simd::select(s[k] > D(0.0), xsimd::nearbyint(-l[k] / s[k]), D(0.0));
          z[k] = xsimd::min(xsimd::max(q, D(0.0)), qmax);
        }
      }
      center = convert_arch::narrow_to_f32<A>(z[0], z[1]) + F(0.0f);
      alignas(64) float zf[lanes];
      center.store_aligned(zf);
      for (std::size_t i = 0; i < lanes; ++i) zero_point[i] = static_cast<zero_point_storage_t<S>>(zf[i]);
      shift = center;
    } else {
      center = F(0.0f);
      offset = m;
      shift = m;
    }
    // The grid ends must be finite floats (as checked by the scalar function).
    const F top = detail::no_contract(step * (code_hi - center)) + offset;
    const F bottom = detail::no_contract(step * (code_lo - center)) + offset;
    storable = storable && finite<A>(top) && finite<A>(bottom);
  }
};

}  // namespace group_params_impl

/// For i in [0, n): the stored scale and zero point and the kernel constants
/// of the group with minimum lo[i] and maximum hi[i] (finite), bit-identical
/// to lowbit::compute_group_params. Refuses, with the reference's message, the
/// first group whose parameters the scheme cannot store (group i is labelled
/// row first_row + i / groups_per_row, group i % groups_per_row); the groups
/// before it are written.
template <Scheme S, class A = xsimd::default_arch>
status try_compute_group_params(const float* lo, const float* hi, std::size_t n, std::size_t groups_per_row,
                                const group_params_out<S>& out, std::size_t first_row = 0) {
  using F = group_params_impl::fbatch<A>;
  constexpr std::size_t lanes = F::size;
  alignas(64) float lo_tail[lanes] = {}, hi_tail[lanes] = {};
  for (std::size_t i = 0; i < n; i += lanes) {
    const std::size_t m = std::min(lanes, n - i);
    F vlo, vhi;
    if (m == lanes) {
      vlo = F::load_unaligned(lo + i);
      vhi = F::load_unaligned(hi + i);
    } else {  // the last groups, padded with lo = hi = 0
      std::copy(lo + i, lo + i + m, lo_tail);
      std::copy(hi + i, hi + i + m, hi_tail);
      vlo = F::load_aligned(lo_tail);
      vhi = F::load_aligned(hi_tail);
    }
    const group_params_impl::lanes_params<S, A> p(vlo, vhi);
    if (!xsimd::all(p.storable)) {
      for (std::size_t j = i; j < i + m; ++j) {
        group_params<S> one;
        LOWBIT_TRY(
            lowbit::try_compute_group_params<S>(lo[j], hi[j], first_row + j / groups_per_row, j % groups_per_row, one));
        out.store(j, one);
      }
      continue;
    }
    alignas(64) float divisor[lanes], shift[lanes];
    p.divisor.store_aligned(divisor);
    std::copy(divisor, divisor + m, out.divisor + i);
    std::copy(p.scale, p.scale + m, out.scales + i);
    if constexpr (S::has_zero_point) {
      p.shift.store_aligned(shift);
      std::copy(shift, shift + m, out.shift + i);
      std::copy(p.zero_point, p.zero_point + m, out.zero_points + i);
    }
  }
  return {};
}

/// try_compute_group_params, throwing lowbit::error.
template <Scheme S, class A = xsimd::default_arch>
void compute_group_params(const float* lo, const float* hi, std::size_t n, std::size_t groups_per_row,
                          const group_params_out<S>& out, std::size_t first_row = 0) {
  detail::throw_if_failed(try_compute_group_params<S, A>(lo, hi, n, groups_per_row, out, first_row));
}

}  // namespace LOWBIT_NS::kernels
