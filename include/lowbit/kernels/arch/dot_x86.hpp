// lowbit: the u8 x s8 integer dot product of the int8-dot matmul path, per arch.
//
//   dot4<Bits, A>(acc, u, a):  acc[j] += sum over the 4 bytes i of lane j of (u_i - c0) * a_i
//
// u holds codes (unsigned, < 2^Bits), a int8 activations in [-127, 127], acc
// int32 lanes; c0 = dot_center<Bits, A> is 0 except where noted below. Lane j
// of the result covers bytes 4j .. 4j + 3 on every arch but SSE2, whose four
// lanes each sum four bytes of the same 16-byte register (the kernels only
// rely on a lane's bytes lying in one register).
//
//   AVX512-VNNI     vpdpbusd zmm: u8 x s8, four products summed into int32, no saturation
//   AVX-VNNI        vpdpbusd ymm (VEX), the same on 256 bits
//   AVX-512BW, AVX2 vpmaddubsw then vpmaddwd with ones. vpmaddubsw adds two
//                   u8 x s8 products with signed 16-bit SATURATION, so the
//                   operands are kept where no pair can reach 2^15:
//                     Bits <= 7: u <= 127, |a| <= 127:  |u a + u' a'| <= 2 * 127 * 127 = 32258 < 32767
//                     Bits = 8:  u up to 255 would give 2 * 255 * 127 = 64770, so the dot is
//                                taken on v = u - 128 in [-128, 127] (c0 = 128), as
//                                maddubs(|v|, sign(a, v)):  |v| <= 128 as u8, |sign(a, v)| <= 127,
//                                |pair| <= 2 * 128 * 127 = 32512 < 32767.
//                   The pair sums are exact, and vpmaddwd adds two of them into
//                   int32 (|.| <= 65024: exact).
//   SSE2            bytes widened to int16 (u zero-, a sign-extended), vpmaddwd:
//                   |pair| <= 2 * 255 * 127 = 64770, exact in int32.
// tests/unit/test_matmul.cpp checks the extremes (every code at 0 and 2^Bits - 1
// against activations of +-127) on every arch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "lowbit/config.hpp"

namespace LOWBIT_NS::kernels::dot_arch {

template <class A, class Base>
inline constexpr bool is_arch = std::is_base_of_v<Base, A>;

/// Which instruction dot4 uses on A in this translation unit.
enum class dot_kind { vnni512, avxvnni, maddubs512, maddubs256, sse2, none };

template <class A>
constexpr dot_kind kind_of() noexcept {
#if defined(__AVX512BW__)
  if constexpr (is_arch<A, xsimd::avx512bw>) {
#if defined(__AVX512VNNI__)
    return dot_kind::vnni512;
#else
    return dot_kind::maddubs512;
#endif
  }
#endif
#if defined(__AVX2__)
  if constexpr (is_arch<A, xsimd::avx2>) {
#if defined(__AVXVNNI__)
    return dot_kind::avxvnni;
#else
    return dot_kind::maddubs256;
#endif
  }
#endif
#if defined(__SSE2__)
  if constexpr (is_arch<A, xsimd::sse2> && sizeof(xsimd::batch<float, A>) == 16) return dot_kind::sse2;
#endif
  return dot_kind::none;
}
template <class A>
inline constexpr dot_kind kind = kind_of<A>();

/// True where A has an integer dot product of its own (AVX2 or better).
template <class A>
inline constexpr bool has_fast_dot = kind<A> != dot_kind::none&& kind<A> != dot_kind::sse2;

/// The constant c0 that dot4 subtracts from the codes.
template <int Bits, class A>
inline constexpr int dot_center = Bits == 8 && (kind<A> == dot_kind::maddubs512 || kind<A> == dot_kind::maddubs256)
                                      ? 128
                                      : 0;

template <int Bits, class A>
LOWBIT_ALWAYS_INLINE xsimd::batch<std::int32_t, A> dot4(const xsimd::batch<std::int32_t, A>& acc,
                                                        const xsimd::batch<std::uint8_t, A>& u,
                                                        const xsimd::batch<std::uint8_t, A>& a) noexcept {
  using I = xsimd::batch<std::int32_t, A>;
  constexpr dot_kind k = kind<A>;
  static_assert(k != dot_kind::none, "lowbit: no integer dot product for this arch");
#if defined(__AVX512BW__)
  if constexpr (k == dot_kind::vnni512) {
#if defined(__AVX512VNNI__)
    return I(_mm512_dpbusd_epi32(acc, u, a));
#endif
  } else if constexpr (k == dot_kind::maddubs512) {
    const __m512i ones = _mm512_set1_epi16(1);
    __m512i pairs;
    if constexpr (Bits <= 7) {
      pairs = _mm512_maddubs_epi16(u, a);
    } else {
      const __m512i v = _mm512_xor_si512(u, _mm512_set1_epi8(static_cast<char>(0x80)));  // u - 128 as int8
      const __m512i av = _mm512_abs_epi8(v);
      // sign(a, v): a where v > 0, -a where v < 0, 0 where v = 0 (no _mm512_sign_epi8)
      const __mmask64 neg = _mm512_movepi8_mask(v);
      const __mmask64 zero = _mm512_testn_epi8_mask(v, v);
      __m512i sa = _mm512_mask_sub_epi8(a, neg, _mm512_setzero_si512(), a);
      sa = _mm512_maskz_mov_epi8(static_cast<__mmask64>(~zero), sa);
      pairs = _mm512_maddubs_epi16(av, sa);
    }
    return I(_mm512_add_epi32(acc, _mm512_madd_epi16(pairs, ones)));
  }
#endif
#if defined(__AVX2__)
  if constexpr (k == dot_kind::avxvnni) {
#if defined(__AVXVNNI__)
    return I(_mm256_dpbusd_avx_epi32(acc, u, a));
#endif
  } else if constexpr (k == dot_kind::maddubs256) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i pairs;
    if constexpr (Bits <= 7) {
      pairs = _mm256_maddubs_epi16(u, a);
    } else {
      const __m256i v = _mm256_xor_si256(u, _mm256_set1_epi8(static_cast<char>(0x80)));
      pairs = _mm256_maddubs_epi16(_mm256_abs_epi8(v), _mm256_sign_epi8(a, v));
    }
    return I(_mm256_add_epi32(acc, _mm256_madd_epi16(pairs, ones)));
  }
#endif
#if defined(__SSE2__)
  if constexpr (k == dot_kind::sse2) {
    const __m128i zero = _mm_setzero_si128();
    const __m128i uv = u, av = a;
    const __m128i ulo = _mm_unpacklo_epi8(uv, zero), uhi = _mm_unpackhi_epi8(uv, zero);
    const __m128i alo = _mm_srai_epi16(_mm_unpacklo_epi8(av, av), 8),
                  ahi = _mm_srai_epi16(_mm_unpackhi_epi8(av, av), 8);
    const __m128i s = _mm_add_epi32(_mm_madd_epi16(ulo, alo), _mm_madd_epi16(uhi, ahi));
    return I(_mm_add_epi32(acc, s));
  }
#endif
  return acc;  // unreachable: the static_assert above
}

}  // namespace LOWBIT_NS::kernels::dot_arch
