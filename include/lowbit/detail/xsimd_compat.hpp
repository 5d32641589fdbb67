// lowbit: the few xsimd spellings that changed between 8.1 (Debian 12) and 13+.
// Kernels call these instead of the version-specific names.
#pragma once

#include <cstdint>
#include <type_traits>

#include "lowbit/config.hpp"

#ifndef XSIMD_VERSION_MAJOR
#error "xsimd version macros missing"
#endif

namespace LOWBIT_NS::detail::simd {

/// Horizontal sum (xsimd 8: hadd, 9+: reduce_add). Returns T: widen integers first.
template <class T, class A>
LOWBIT_ALWAYS_INLINE T reduce_add(const xsimd::batch<T, A>& x) noexcept {
#if XSIMD_VERSION_MAJOR >= 9
  return xsimd::reduce_add(x);
#else
  return xsimd::hadd(x);
#endif
}

/// Reinterprets the bits of a batch as a batch of U (8: bitwise_cast<batch<U,A>>, 11+: bitwise_cast<U>).
template <class U, class T, class A>
LOWBIT_ALWAYS_INLINE xsimd::batch<U, A> bitcast(const xsimd::batch<T, A>& x) noexcept {
#if XSIMD_VERSION_MAJOR >= 11
  return xsimd::bitwise_cast<U>(x);
#else
  return xsimd::bitwise_cast<xsimd::batch<U, A>>(x);
#endif
}

/// batch_bool<int32_t> -> batch_bool<float> (8: bool_cast, 9+: batch_bool_cast).
template <class A>
LOWBIT_ALWAYS_INLINE xsimd::batch_bool<float, A> to_float_mask(const xsimd::batch_bool<std::int32_t, A>& m) noexcept {
#if XSIMD_VERSION_MAJOR >= 9
  return xsimd::batch_bool_cast<float>(m);
#else
  return xsimd::bool_cast(m);
#endif
}

/// cond ? a : b lane by lane. xsimd 8.1's AVX-512BW select of 32- and 64-bit
/// integer lanes does not compile at -O0 (it casts the batch to __v64qi in a
/// branch meant for 8-bit lanes), so those lanes use the AVX-512F mask blend.
template <class T, class A>
LOWBIT_ALWAYS_INLINE xsimd::batch<T, A> select(const xsimd::batch_bool<T, A>& cond, const xsimd::batch<T, A>& a,
                                               const xsimd::batch<T, A>& b) noexcept {
#if defined(__AVX512F__)
  constexpr bool wide_int = std::is_base_of_v<xsimd::avx512f, A> && std::is_integral_v<T> && sizeof(T) >= 4;
#else
  constexpr bool wide_int = false;
#endif
  if constexpr (wide_int) {
#if defined(__AVX512F__)
    using mask = typename xsimd::batch_bool<T, A>::register_type;
    if constexpr (sizeof(T) == 4)
      return xsimd::batch<T, A>(_mm512_mask_blend_epi32(static_cast<mask>(cond), b, a));
    else
      return xsimd::batch<T, A>(_mm512_mask_blend_epi64(static_cast<mask>(cond), b, a));
#endif
  } else {
    return xsimd::select(cond, a, b);
  }
}

}  // namespace LOWBIT_NS::detail::simd
