// lowbit: x86 intrinsics for the packing kernels of kernels/pack.hpp, for what
// xsimd 8 lacks or does slowly: widening byte loads and truncating byte stores
// for 16/32/64-bit lanes (xsimd's converting loads/stores go through a stack
// buffer). Selected by the Arch type; any other Arch gets the xsimd fallback.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "lowbit/config.hpp"

namespace LOWBIT_NS::kernels::pack_arch {

template <class A, class Base>
inline constexpr bool is_arch = std::is_base_of_v<Base, A>;

/// Loads batch<Word, A>::size bytes at p, each zero-extended into one lane.
template <class Word, class A>
LOWBIT_ALWAYS_INLINE xsimd::batch<Word, A> load_widened(const std::uint8_t* p) noexcept {
  static_assert(std::is_unsigned_v<Word> && sizeof(Word) > 1);
  using batch = xsimd::batch<Word, A>;
#if defined(__AVX512BW__)
  if constexpr (is_arch<A, xsimd::avx512bw>) {
    if constexpr (sizeof(Word) == 2)
      return batch(_mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))));
    else if constexpr (sizeof(Word) == 4)
      return batch(_mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
    else
      return batch(_mm512_cvtepu8_epi64(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
  }
#endif
#if defined(__AVX2__)
  if constexpr (is_arch<A, xsimd::avx2>) {
    if constexpr (sizeof(Word) == 2) {
      return batch(_mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
    } else if constexpr (sizeof(Word) == 4) {
      return batch(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
    } else {
      std::int32_t four;
      std::memcpy(&four, p, 4);
      return batch(_mm256_cvtepu8_epi64(_mm_cvtsi32_si128(four)));
    }
  }
#endif
#if defined(__SSE2__)
  if constexpr (is_arch<A, xsimd::sse2>) {
    const __m128i zero = _mm_setzero_si128();
    if constexpr (sizeof(Word) == 2) {
      return batch(_mm_unpacklo_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)), zero));
    } else if constexpr (sizeof(Word) == 4) {
      std::int32_t four;
      std::memcpy(&four, p, 4);
      return batch(_mm_unpacklo_epi16(_mm_unpacklo_epi8(_mm_cvtsi32_si128(four), zero), zero));
    } else {
      std::uint16_t two;
      std::memcpy(&two, p, 2);
      const __m128i v = _mm_unpacklo_epi16(_mm_unpacklo_epi8(_mm_cvtsi32_si128(two), zero), zero);
      return batch(_mm_unpacklo_epi32(v, zero));
    }
  }
#endif
  return batch::load_unaligned(p);  // xsimd converting load
}

/// Stores the low byte of each lane of x at p (batch<Word, A>::size bytes).
template <class Word, class A>
LOWBIT_ALWAYS_INLINE void store_low_bytes(const xsimd::batch<Word, A>& x, std::uint8_t* p) noexcept {
  static_assert(std::is_unsigned_v<Word> && sizeof(Word) > 1);
#if defined(__AVX512BW__)
  if constexpr (is_arch<A, xsimd::avx512bw>) {
    const __m512i v = x;
    if constexpr (sizeof(Word) == 2)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtepi16_epi8(v));
    else if constexpr (sizeof(Word) == 4)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_cvtepi32_epi8(v));
    else
      _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm512_cvtepi64_epi8(v));
    return;
  }
#endif
#if defined(__AVX2__)
  if constexpr (is_arch<A, xsimd::avx2>) {
    const __m256i v = x;
    if constexpr (sizeof(Word) == 2) {
      // Lanes are < 256, so the unsigned saturation of packus is a truncation.
      _mm_storeu_si128(reinterpret_cast<__m128i*>(p),
                       _mm_packus_epi16(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1)));
    } else if constexpr (sizeof(Word) == 4) {
      const __m256i low_bytes = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,  //
                                                 0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
      const __m256i t = _mm256_shuffle_epi8(v, low_bytes);
      _mm_storel_epi64(reinterpret_cast<__m128i*>(p),
                       _mm_unpacklo_epi32(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1)));
    } else {
      const __m256i low_bytes = _mm256_setr_epi8(0, 8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,  //
                                                 0, 8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
      const __m256i t = _mm256_shuffle_epi8(v, low_bytes);
      const std::int32_t four =
          _mm_cvtsi128_si32(_mm_unpacklo_epi16(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1)));
      std::memcpy(p, &four, 4);
    }
    return;
  }
#endif
#if defined(__SSE2__)
  if constexpr (is_arch<A, xsimd::sse2>) {
    const __m128i v = x;
    if constexpr (sizeof(Word) == 2) {
      _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packus_epi16(v, v));
    } else if constexpr (sizeof(Word) == 4) {
      const __m128i w16 = _mm_packs_epi32(v, v);  // lanes < 256: saturation is a truncation
      const std::int32_t four = _mm_cvtsi128_si32(_mm_packus_epi16(w16, w16));
      std::memcpy(p, &four, 4);
    } else {
      const __m128i d = _mm_shuffle_epi32(v, _MM_SHUFFLE(3, 3, 2, 0));  // low dwords of both lanes first
      const __m128i w16 = _mm_packs_epi32(d, d);
      const auto two = static_cast<std::uint32_t>(_mm_cvtsi128_si32(_mm_packus_epi16(w16, w16)));
      const auto low = static_cast<std::uint16_t>(two);
      std::memcpy(p, &low, 2);
    }
    return;
  }
#endif
  x.store_unaligned(p);  // xsimd converting store (truncates)
}

}  // namespace LOWBIT_NS::kernels::pack_arch
