// lowbit: a value barrier that keeps the compiler from fusing a*b + c into an FMA.
//
// GCC contracts a*b + c across statements under its default -ffp-contract=fast
// (GNU modes), and does so differently in scalar and vector code. Where a
// kernel must be bit-identical to the scalar reference on every ISA, the
// product is passed through this barrier so it is rounded on its own.
#pragma once

#include "lowbit/config.hpp"

namespace LOWBIT_NS::detail {

/// For float, double and raw vector register types (__m128, __m256, __m512).
template <class T>
LOWBIT_ALWAYS_INLINE T no_contract(T v) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  asm("" : "+v"(v));
  return v;
#else
  volatile T keep = v;
  return keep;
#endif
}

/// For xsimd batches: the barrier on the underlying register.
template <class T, class A>
LOWBIT_ALWAYS_INLINE xsimd::batch<T, A> no_contract(xsimd::batch<T, A> v) noexcept {
  using reg = typename xsimd::batch<T, A>::register_type;
  return xsimd::batch<T, A>(no_contract(static_cast<reg>(v)));
}

/// a / b, the correctly rounded IEEE quotient even under -ffast-math (whose
/// -freciprocal-math lets GCC turn a loop-invariant division into a
/// multiplication by 1 / b): one divss in inline asm on x86.
LOWBIT_ALWAYS_INLINE float ieee_divide(float a, float b) noexcept {
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__)) && defined(__SSE__)
#if defined(__AVX__)
  float q;
  asm("vdivss %2, %1, %0" : "=x"(q) : "x"(a), "x"(b));
  return q;
#else
  asm("divss %1, %0" : "+x"(a) : "x"(b));
  return a;
#endif
#else
  return a / b;
#endif
}

}  // namespace LOWBIT_NS::detail
