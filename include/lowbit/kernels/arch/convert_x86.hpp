// lowbit: x86 intrinsics for the quantize / dequantize kernels of
// kernels/quantize.hpp, for what xsimd 8 lacks or does slowly: u8 -> f32
// widening loads and f32 -> u8 narrowing stores of codes (xsimd's converting
// loads and stores go through a stack buffer), horizontal min / max, and bulk
// fp16 / bf16 -> f32 conversion, f32 <-> f64 halves, fp16 directed rounding
// (F16C's rounding-control immediate), and the register-sized pieces of the
// bulk conversions of kernels/convert.hpp (16-bit widening loads and narrowing
// stores, F16C / AVX-512 fp16 <-> f32, AVX512-BF16 f32 -> bf16). Selected by
// the Arch type (avx512f, avx2, sse2 and the archs derived from them); any
// other Arch gets the xsimd or scalar fallback.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "lowbit/config.hpp"
#include "lowbit/types/float16.hpp"

namespace LOWBIT_NS::kernels::convert_arch {

template <class A, class Base>
inline constexpr bool is_arch = std::is_base_of_v<Base, A>;

/// Loads batch<float, A>::size bytes at p, each widened to one float lane.
template <class A>
LOWBIT_ALWAYS_INLINE xsimd::batch<float, A> load_u8_as_f32(const std::uint8_t* p) noexcept {
  using batch = xsimd::batch<float, A>;
#if defined(__AVX512F__)
  if constexpr (is_arch<A, xsimd::avx512f>)
    return batch(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)))));
#endif
#if defined(__AVX2__)
  if constexpr (is_arch<A, xsimd::avx2>)
    return batch(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)))));
#endif
#if defined(__SSE2__)
  if constexpr (is_arch<A, xsimd::sse2>) {
    std::int32_t four;
    std::memcpy(&four, p, 4);
    const __m128i zero = _mm_setzero_si128();
    return batch(_mm_cvtepi32_ps(_mm_unpacklo_epi16(_mm_unpacklo_epi8(_mm_cvtsi32_si128(four), zero), zero)));
  }
#endif
  return batch::load_unaligned(p);  // xsimd converting load
}

/// Stores batch<float, A>::size codes at p, one byte each. Every lane of u must
/// hold an integer in [0, 255] (the clamped code), so conversion is exact.
template <class A>
LOWBIT_ALWAYS_INLINE void store_f32_as_u8(const xsimd::batch<float, A>& u, std::uint8_t* p) noexcept {
#if defined(__AVX512F__)
  if constexpr (is_arch<A, xsimd::avx512f>) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_cvtepi32_epi8(_mm512_cvttps_epi32(u)));
    return;
  }
#endif
#if defined(__AVX2__)
  if constexpr (is_arch<A, xsimd::avx2>) {
    const __m256i v = _mm256_cvttps_epi32(u);
    const __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packus_epi16(w16, w16));  // lanes < 256: exact
    return;
  }
#endif
#if defined(__SSE2__)
  if constexpr (is_arch<A, xsimd::sse2>) {
    const __m128i w16 = _mm_packs_epi32(_mm_cvttps_epi32(u), _mm_setzero_si128());
    const std::int32_t four = _mm_cvtsi128_si32(_mm_packus_epi16(w16, w16));
    std::memcpy(p, &four, 4);
    return;
  }
#endif
  alignas(64) float lanes[xsimd::batch<float, A>::size];
  u.store_aligned(lanes);
  for (std::size_t i = 0; i < xsimd::batch<float, A>::size; ++i) p[i] = static_cast<std::uint8_t>(lanes[i]);
}

namespace detail {
// The binary min / max of one register width, for reduce().
struct min_op {
#if defined(__SSE2__)
  template <class V>
  static V apply(V a, V b) noexcept {
    if constexpr (sizeof(V) == sizeof(__m256))
      return _mm256_min_ps(a, b);
    else
      return _mm_min_ps(a, b);
  }
#endif
  static float scalar(float a, float b) noexcept {
    return std::fmin(a, b);
  }
};
struct max_op {
#if defined(__SSE2__)
  template <class V>
  static V apply(V a, V b) noexcept {
    if constexpr (sizeof(V) == sizeof(__m256))
      return _mm256_max_ps(a, b);
    else
      return _mm_max_ps(a, b);
  }
#endif
  static float scalar(float a, float b) noexcept {
    return std::fmax(a, b);
  }
};

#if defined(__SSE2__)
/// Op over the four lanes of q, by halving.
template <class Op>
LOWBIT_ALWAYS_INLINE float reduce4(__m128 q) noexcept {
  q = Op::apply(q, _mm_movehl_ps(q, q));
  return _mm_cvtss_f32(Op::apply(q, _mm_shuffle_ps(q, q, 1)));
}
#endif

/// Op over every lane of x (no NaN lanes), by halving the register.
template <class Op, class A>
LOWBIT_ALWAYS_INLINE float reduce(const xsimd::batch<float, A>& x) noexcept {
#if defined(__AVX512F__)
  if constexpr (is_arch<A, xsimd::avx512f>) {
    const __m512 v = x;
    const __m256 h =
        Op::apply(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    return reduce4<Op>(Op::apply(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)));
  }
#endif
#if defined(__AVX__)
  if constexpr (is_arch<A, xsimd::avx>) {
    const __m256 v = x;
    return reduce4<Op>(Op::apply(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1)));
  }
#endif
#if defined(__SSE2__)
  if constexpr (is_arch<A, xsimd::sse2>) return reduce4<Op>(x);
#endif
  alignas(64) float lanes[xsimd::batch<float, A>::size];
  x.store_aligned(lanes);
  float r = lanes[0];
  for (std::size_t i = 1; i < xsimd::batch<float, A>::size; ++i) r = Op::scalar(r, lanes[i]);
  return r;
}
}  // namespace detail

/// Smallest lane of x (no NaN lanes).
template <class A>
LOWBIT_ALWAYS_INLINE float reduce_min(const xsimd::batch<float, A>& x) noexcept {
  return detail::reduce<detail::min_op>(x);
}

/// Largest lane of x (no NaN lanes).
template <class A>
LOWBIT_ALWAYS_INLINE float reduce_max(const xsimd::batch<float, A>& x) noexcept {
  return detail::reduce<detail::max_op>(x);
}

/// The float lanes of x as doubles (exact): lanes [0, n/2) and [n/2, n).
template <class A>
LOWBIT_ALWAYS_INLINE std::array<xsimd::batch<double, A>, 2> widen_to_f64(const xsimd::batch<float, A>& x) noexcept {
  using D = xsimd::batch<double, A>;
#if defined(__AVX512F__)
  if constexpr (is_arch<A, xsimd::avx512f>) {
    const __m512 v = x;
    return {D(_mm512_cvtps_pd(_mm512_castps512_ps256(v))),
            D(_mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))))};
  }
#endif
#if defined(__AVX__)
  if constexpr (is_arch<A, xsimd::avx>) {
    const __m256 v = x;
    return {D(_mm256_cvtps_pd(_mm256_castps256_ps128(v))), D(_mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)))};
  }
#endif
#if defined(__SSE2__)
  if constexpr (is_arch<A, xsimd::sse2>) {
    const __m128 v = x;
    return {D(_mm_cvtps_pd(v)), D(_mm_cvtps_pd(_mm_movehl_ps(v, v)))};
  }
#endif
  constexpr std::size_t n = xsimd::batch<float, A>::size;
  alignas(64) float f[n];
  alignas(64) double d[n];
  x.store_aligned(f);
  for (std::size_t i = 0; i < n; ++i) d[i] = f[i];
  return {D::load_aligned(d), D::load_aligned(d + n / 2)};
}

/// The inverse of widen_to_f64: lanes of lo then of hi, rounded to nearest float.
template <class A>
LOWBIT_ALWAYS_INLINE xsimd::batch<float, A> narrow_to_f32(const xsimd::batch<double, A>& lo,
                                                          const xsimd::batch<double, A>& hi) noexcept {
  using F = xsimd::batch<float, A>;
#if defined(__AVX512F__)
  if constexpr (is_arch<A, xsimd::avx512f>) {
    const __m512d l = _mm512_castps_pd(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo)));
    return F(_mm512_castpd_ps(_mm512_insertf64x4(l, _mm256_castps_pd(_mm512_cvtpd_ps(hi)), 1)));
  }
#endif
#if defined(__AVX__)
  if constexpr (is_arch<A, xsimd::avx>)
    return F(_mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(lo)), _mm256_cvtpd_ps(hi), 1));
#endif
#if defined(__SSE2__)
  if constexpr (is_arch<A, xsimd::sse2>) return F(_mm_movelh_ps(_mm_cvtpd_ps(lo), _mm_cvtpd_ps(hi)));
#endif
  constexpr std::size_t n = xsimd::batch<float, A>::size;
  alignas(64) double d[n];
  alignas(64) float f[n];
  lo.store_aligned(d);
  hi.store_aligned(d + n / 2);
  for (std::size_t i = 0; i < n; ++i) f[i] = static_cast<float>(d[i]);
  return F::load_aligned(f);
}

/// x rounded up (Up) or down to fp16, exactly as round_up_to / round_down_to
/// of types/float16.hpp (directed rounding; overflow gives +-Inf or +-65504 as
/// IEEE directs). Writes the fp16 bits to bits[0, n) and returns their values.
template <bool Up, class A>
LOWBIT_ALWAYS_INLINE xsimd::batch<float, A> round_to_fp16(const xsimd::batch<float, A>& x,
                                                          std::uint16_t* bits) noexcept {
  using F = xsimd::batch<float, A>;
#if defined(__AVX512F__)
  if constexpr (is_arch<A, xsimd::avx512f>) {
    // (the masked form: at -O0 the unmasked one is a macro that passes -1 as the
    // unsigned mask, which -Wsign-conversion reports in our code)
    const __m256i h = _mm512_mask_cvtps_ph(_mm256_setzero_si256(), static_cast<__mmask16>(0xffff), x,
                                           (Up ? _MM_FROUND_TO_POS_INF : _MM_FROUND_TO_NEG_INF) | _MM_FROUND_NO_EXC);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(bits), h);
    return F(_mm512_cvtph_ps(h));
  }
#endif
#if defined(__AVX2__) && defined(__F16C__)
  if constexpr (is_arch<A, xsimd::avx2>) {
    const __m128i h = _mm256_cvtps_ph(x, Up ? _MM_FROUND_TO_POS_INF : _MM_FROUND_TO_NEG_INF);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(bits), h);
    return F(_mm256_cvtph_ps(h));
  }
#endif
  constexpr std::size_t n = F::size;
  alignas(64) float f[n];
  x.store_aligned(f);
  for (std::size_t i = 0; i < n; ++i) {
    const fp16 h = Up ? round_up_to<fp16>(f[i]) : round_down_to<fp16>(f[i]);
    bits[i] = h.bits;
    f[i] = float_storage<fp16>::to_float(h);
  }
  return F::load_aligned(f);
}

/// out[i] = float(in[i]) for i < n, for T = float, fp16 or bf16 (exact).
template <class T, class A>
void to_float(const T* in, std::size_t n, float* out) noexcept {
  std::size_t i = 0;
  if constexpr (std::is_same_v<T, float>) {
    std::memcpy(out, in, n * sizeof(float));
    return;
  } else {
    [[maybe_unused]] const auto* bits = reinterpret_cast<const std::uint16_t*>(in);
    static_assert(sizeof(T) == 2 && std::is_trivially_copyable_v<T>);
#if defined(__AVX512F__)
    if constexpr (is_arch<A, xsimd::avx512f>) {
      for (; i + 16 <= n; i += 16) {
        const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bits + i));
        if constexpr (std::is_same_v<T, fp16>)
          _mm512_storeu_ps(out + i, _mm512_cvtph_ps(h));
        else
          _mm512_storeu_si512(out + i, _mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
      }
    }
#endif
#if defined(__AVX2__) && defined(__F16C__)
    if constexpr (is_arch<A, xsimd::avx2>) {
      for (; i + 8 <= n; i += 8) {
        const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bits + i));
        if constexpr (std::is_same_v<T, fp16>)
          _mm256_storeu_ps(out + i, _mm256_cvtph_ps(h));
        else
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
      }
    }
#endif
#if defined(__SSE2__)
    if constexpr (std::is_same_v<T, bf16> && is_arch<A, xsimd::sse2>) {
      for (; i + 4 <= n; i += 4) {
        const __m128i h = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(bits + i));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm_unpacklo_epi16(_mm_setzero_si128(), h));
      }
    }
#endif
    for (; i < n; ++i) out[i] = float_storage<T>::to_float(in[i]);
  }
}

// ---- Pieces of the bulk conversions (kernels/convert.hpp) ----------------

/// Loads batch<int32_t, A>::size 16-bit values at p (any 2-byte alignment), each
/// zero-extended to one int32 lane.
template <class A>
LOWBIT_ALWAYS_INLINE xsimd::batch<std::int32_t, A> load_u16_as_i32(const std::uint16_t* p) noexcept {
  using batch = xsimd::batch<std::int32_t, A>;
#if defined(__AVX512F__)
  if constexpr (is_arch<A, xsimd::avx512f>)
    return batch(_mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))));
#endif
#if defined(__AVX2__)
  if constexpr (is_arch<A, xsimd::avx2>)
    return batch(_mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
#endif
#if defined(__SSE2__)
  if constexpr (is_arch<A, xsimd::sse2>)
    return batch(_mm_unpacklo_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)), _mm_setzero_si128()));
#endif
  alignas(64) std::int32_t lanes[batch::size];
  for (std::size_t i = 0; i < batch::size; ++i) lanes[i] = p[i];
  return batch::load_aligned(lanes);
}

/// Stores the low 16 bits of every int32 lane of v at p (any 2-byte alignment).
template <class A>
LOWBIT_ALWAYS_INLINE void store_i32_as_u16(const xsimd::batch<std::int32_t, A>& v, std::uint16_t* p) noexcept {
#if defined(__AVX512F__)
  if constexpr (is_arch<A, xsimd::avx512f>) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtepi32_epi16(v));  // vpmovdw: truncates
    return;
  }
#endif
#if defined(__AVX2__)
  if constexpr (is_arch<A, xsimd::avx2>) {
    // Bytes 0-1, 4-5, 8-9, 12-13 of each 128-bit half to its low 8 bytes, then qwords 0 and 2 together.
    const __m256i low_halves = _mm256_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1,  //
                                                0, 1, 4, 5, 8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m256i packed = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(v, low_halves), 0x08);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(packed));
    return;
  }
#endif
#if defined(__SSE2__)
  if constexpr (is_arch<A, xsimd::sse2>) {
    // Sign-extend the low 16 bits so that the saturating pack keeps them unchanged.
    const __m128i t = _mm_srai_epi32(_mm_slli_epi32(v, 16), 16);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packs_epi32(t, t));
    return;
  }
#endif
  alignas(64) std::int32_t lanes[xsimd::batch<std::int32_t, A>::size];
  v.store_aligned(lanes);
  for (std::size_t i = 0; i < xsimd::batch<std::int32_t, A>::size; ++i) p[i] = static_cast<std::uint16_t>(lanes[i]);
}

/// Stores the high 16 bits of every int32 lane of lo, then of hi, at p: 2 x lanes
/// values (any 2-byte alignment).
template <class A>
LOWBIT_ALWAYS_INLINE void store_i32_high_as_u16_x2(const xsimd::batch<std::int32_t, A>& lo,
                                                   const xsimd::batch<std::int32_t, A>& hi, std::uint16_t* p) noexcept {
#if defined(__AVX512BW__)
  if constexpr (is_arch<A, xsimd::avx512bw>) {
    alignas(64) static constexpr std::uint16_t odd_words[32] = {1,  3,  5,  7,  9,  11, 13, 15, 17, 19, 21,
                                                                23, 25, 27, 29, 31, 33, 35, 37, 39, 41, 43,
                                                                45, 47, 49, 51, 53, 55, 57, 59, 61, 63};
    const __m512i idx = _mm512_load_si512(odd_words);  // word 2k + 1 of the 64 words of lo:hi
    _mm512_storeu_si512(p, _mm512_permutex2var_epi16(lo, idx, hi));
    return;
  }
#endif
#if defined(__AVX512F__)
  if constexpr (is_arch<A, xsimd::avx512f>) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtepi32_epi16(_mm512_srli_epi32(lo, 16)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p + 16), _mm512_cvtepi32_epi16(_mm512_srli_epi32(hi, 16)));
    return;
  }
#endif
#if defined(__AVX2__)
  if constexpr (is_arch<A, xsimd::avx2>) {
    // srai leaves the high half as an int16, which the saturating pack keeps exactly;
    // the pack interleaves the 64-bit quarters (lo0 hi0 lo1 hi1): put them back in order.
    const __m256i packed = _mm256_packs_epi32(_mm256_srai_epi32(lo, 16), _mm256_srai_epi32(hi, 16));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm256_permute4x64_epi64(packed, 0xD8));
    return;
  }
#endif
#if defined(__SSE2__)
  if constexpr (is_arch<A, xsimd::sse2>) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm_packs_epi32(_mm_srai_epi32(lo, 16), _mm_srai_epi32(hi, 16)));
    return;
  }
#endif
  constexpr std::size_t n = xsimd::batch<std::int32_t, A>::size;
  alignas(64) std::int32_t lanes[2 * n];
  lo.store_aligned(lanes);
  hi.store_aligned(lanes + n);
  for (std::size_t i = 0; i < 2 * n; ++i) p[i] = static_cast<std::uint16_t>(static_cast<std::uint32_t>(lanes[i]) >> 16);
}

/// True if Arch A converts fp16 <-> f32 in hardware here: AVX-512F, or AVX2 with F16C.
template <class A>
inline constexpr bool has_hw_fp16 =
#if defined(__AVX512F__)
    is_arch<A, xsimd::avx512f> ||
#endif
#if defined(__AVX2__) && defined(__F16C__)
    is_arch<A, xsimd::avx2> ||
#endif
    false;

/// Stores the lanes of x as fp16 bits at p, rounded to nearest even by the
/// hardware (vcvtps2ph with an immediate rounding mode: MXCSR is not read).
/// Only the has_hw_fp16<A> archs have it; others take the exact scalar loop.
template <class A>
LOWBIT_ALWAYS_INLINE void store_f32_as_fp16(const xsimd::batch<float, A>& x, std::uint16_t* p) noexcept {
#if defined(__AVX512F__)
  if constexpr (is_arch<A, xsimd::avx512f>) {
    const __m256i h = _mm512_mask_cvtps_ph(_mm256_setzero_si256(), static_cast<__mmask16>(0xffff), x,
                                           _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);  // see round_to_fp16
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), h);
    return;
  }
#endif
#if defined(__AVX2__) && defined(__F16C__)
  if constexpr (is_arch<A, xsimd::avx2>) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT));
    return;
  }
#endif
  alignas(64) float lanes[xsimd::batch<float, A>::size];
  x.store_aligned(lanes);
  for (std::size_t i = 0; i < xsimd::batch<float, A>::size; ++i) p[i] = fp16::from_float(lanes[i]);
}

/// Loads batch<float, A>::size fp16 values at p as floats (exact; F16C / AVX-512F).
/// Only the has_hw_fp16<A> archs have it; others take the exact scalar loop.
template <class A>
LOWBIT_ALWAYS_INLINE xsimd::batch<float, A> load_fp16_as_f32(const std::uint16_t* p) noexcept {
  using batch = xsimd::batch<float, A>;
#if defined(__AVX512F__)
  if constexpr (is_arch<A, xsimd::avx512f>)
    return batch(_mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))));
#endif
#if defined(__AVX2__) && defined(__F16C__)
  if constexpr (is_arch<A, xsimd::avx2>)
    return batch(_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
#endif
  alignas(64) float lanes[batch::size];
  for (std::size_t i = 0; i < batch::size; ++i) lanes[i] = fp16::to_float(p[i]);
  return batch::load_aligned(lanes);
}

/// True if Arch A has AVX512-BF16's vcvtneps2bf16 here (-mavx512bf16; not part of
/// x86-64-v4), with AVX512-DQ's vfpclassps to find the lanes it would get wrong.
template <class A>
inline constexpr bool has_hw_bf16 =
#if defined(__AVX512BF16__) && defined(__AVX512DQ__)
    is_arch<A, xsimd::avx512f> ||
#endif
    false;

/// Stores the lanes of x as bf16 bits at p with vcvtneps2bf16 (round to nearest
/// even; a NaN gives its top 16 bits | 0x40, as the scalar code) and returns
/// true; unless a lane is a nonzero float subnormal, which the instruction
/// flushes to zero (where the scalar code rounds it: 0x007fffff -> 0x0080):
/// then it stores nothing and returns false. Only the has_hw_bf16<A> archs.
template <class A>
LOWBIT_ALWAYS_INLINE bool try_store_f32_as_bf16([[maybe_unused]] const xsimd::batch<float, A>& x,
                                                [[maybe_unused]] std::uint16_t* p) noexcept {
#if defined(__AVX512BF16__) && defined(__AVX512DQ__)
  if constexpr (is_arch<A, xsimd::avx512f>) {
    const __m512 v = x;
    if (_mm512_fpclass_ps_mask(v, 0x20) != 0) return false;  // 0x20: denormal (either sign)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), std::bit_cast<__m256i>(_mm512_cvtneps_pbh(v)));
    return true;
  }
#endif
  return false;
}

/// Copies n floats from src (64-byte aligned) to dst (4-byte aligned) with
/// non-temporal stores where dst is 64-byte aligned: the lines go to memory
/// without being read first (no read-for-ownership) and without evicting the
/// cache. The head before dst's first 64-byte boundary and the tail take
/// ordinary stores. The caller issues stream_fence() after its last call.
template <class A>
LOWBIT_ALWAYS_INLINE void stream_floats(float* dst, const float* src, std::size_t n) noexcept {
  std::size_t head = (64 - reinterpret_cast<std::uintptr_t>(dst) % 64) % 64 / sizeof(float);
  head = std::min(head, n);
  std::memcpy(dst, src, head * sizeof(float));
  std::size_t i = head;
#if defined(__AVX512F__)
  if constexpr (is_arch<A, xsimd::avx512f>)
    for (; i + 16 <= n; i += 16) _mm512_stream_ps(dst + i, _mm512_loadu_ps(src + i));
#endif
#if defined(__AVX__)
  if constexpr (is_arch<A, xsimd::avx>)
    for (; i + 8 <= n; i += 8) _mm256_stream_ps(dst + i, _mm256_loadu_ps(src + i));
#endif
#if defined(__SSE2__)
  if constexpr (is_arch<A, xsimd::sse2>)
    for (; i + 4 <= n; i += 4) _mm_stream_ps(dst + i, _mm_loadu_ps(src + i));
#endif
  std::memcpy(dst + i, src + i, (n - i) * sizeof(float));
}

/// Hint: bring the cache line at p into L2 (no fault if p is not mapped).
LOWBIT_ALWAYS_INLINE void prefetch_l2(const void* p) noexcept {
#if defined(__SSE__)
  _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T1);
#else
  (void)p;
#endif
}

/// Hint: bring the cache line at p into L1 (no fault if p is not mapped).
LOWBIT_ALWAYS_INLINE void prefetch_l1(const void* p) noexcept {
#if defined(__SSE__)
  _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0);
#else
  (void)p;
#endif
}

/// Orders the non-temporal stores of stream_floats before any later store.
template <class A>
LOWBIT_ALWAYS_INLINE void stream_fence() noexcept {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}

/// a / b lane by lane, the correctly rounded IEEE quotient even under
/// -ffast-math, where GCC computes a vector division as an approximate
/// reciprocal plus one Newton step: the division instruction in inline asm.
template <class A>
LOWBIT_ALWAYS_INLINE xsimd::batch<float, A> ieee_divide(const xsimd::batch<float, A>& a,
                                                        const xsimd::batch<float, A>& b) noexcept {
#if defined(__GNUC__) || defined(__clang__)
#if defined(__AVX512F__)
  if constexpr (is_arch<A, xsimd::avx512f>) {
    __m512 q;
    asm("vdivps %2, %1, %0" : "=v"(q) : "v"(static_cast<__m512>(a)), "v"(static_cast<__m512>(b)));
    return xsimd::batch<float, A>(q);
  }
#endif
#if defined(__AVX__)
  if constexpr (is_arch<A, xsimd::avx>) {
    __m256 q;
    asm("vdivps %2, %1, %0" : "=x"(q) : "x"(static_cast<__m256>(a)), "x"(static_cast<__m256>(b)));
    return xsimd::batch<float, A>(q);
  }
#endif
#if defined(__SSE2__)
  if constexpr (is_arch<A, xsimd::sse2> && sizeof(xsimd::batch<float, A>) == 16) {
    __m128 q = a;
    asm("divps %1, %0" : "+x"(q) : "x"(static_cast<__m128>(b)));
    return xsimd::batch<float, A>(q);
  }
#endif
#endif
  return a / b;
}

}  // namespace LOWBIT_NS::kernels::convert_arch
