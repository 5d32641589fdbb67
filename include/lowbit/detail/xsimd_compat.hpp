// lowbit: the few xsimd spellings that changed between 8.1 (Debian 12) and 13+.
// Kernels call these instead of the version-specific names.
#pragma once

#include "lowbit/config.hpp"

#ifndef XSIMD_VERSION_MAJOR
#error "xsimd version macros missing"
#endif

namespace lowbit::detail::simd {

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

}  // namespace lowbit::detail::simd
