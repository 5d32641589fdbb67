// lowbit: bulk fp32 <-> fp16 / bf16 conversion, bit-identical to the scalar
// conversions of types/float16.hpp (fp16::from_float, bf16(float), and their
// exact inverses) on every Arch.
//
// Per register of batch<float, Arch>::size lanes:
//   f32 -> fp16  F16C / AVX-512F vcvtps2ph (round to nearest even from the
//                immediate) where has_hw_fp16<Arch>; else the scalar algorithm
//                lane by lane in int32 SIMD (fp16_bits below)
//   f32 -> bf16  two registers at a time: AVX512-BF16 vcvtneps2bf16 where
//                has_hw_bf16<Arch> (only with -mavx512bf16), except for registers
//                holding a float subnormal, which it would flush to zero; else
//                int32 SIMD (bf16_bits_high) and one pack of the two registers
//   fp16 -> f32  vcvtph2ps where has_hw_fp16<Arch>, except for a register holding
//                a NaN, whose signalling NaNs it would quiet; else int32 SIMD
//                (fp16_to_f32)
//   bf16 -> f32  zero-extend and shift left by 16, on every Arch
// The last elements that do not fill a block go through the same register code,
// via a zero-padded copy on the stack, so every element takes the SIMD path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#include "lowbit/config.hpp"
#include "lowbit/detail/xsimd_compat.hpp"
#include "lowbit/error.hpp"
#include "lowbit/kernels/arch/convert_x86.hpp"
#include "lowbit/types/float16.hpp"

namespace LOWBIT_NS::kernels {
namespace convert_impl {

template <class A>
using fbatch = xsimd::batch<float, A>;
template <class A>
using ibatch = xsimd::batch<std::int32_t, A>;

/// fp16_bits_from_float_scalar lane by lane: the fp16 bits in the low 16 bits of each lane.
template <class A>
LOWBIT_ALWAYS_INLINE ibatch<A> fp16_bits(const fbatch<A>& f) noexcept {
  using I = ibatch<A>;
  using F = fbatch<A>;
  const I x = detail::simd::bitcast<std::int32_t>(f);
  const I ax = x & I(0x7fffffff);
  const I sign = (x >> 16) & I(0x8000);
  // Normal: rebias the exponent 127 -> 15, round the 13 dropped bits to nearest even:
  // (ax + 0xc8000fff + odd) >> 13, which is >= 0 for every ax >= 2^-14 (no wrap).
  const I normal = (ax + I(static_cast<std::int32_t>(0xc8000fffu)) + ((ax >> 13) & I(1))) >> 13;
  // Subnormal (ax < 2^-14): m = rne(|f| * 2^24) = bits(|f| * 2^24 + 2^23) - bits(2^23).
  const F scaled = detail::simd::bitcast<float>(ax) * F(16777216.0f) + F(8388608.0f);
  const I subnormal = detail::simd::bitcast<std::int32_t>(scaled) - I(0x4b000000);
  const I nan = I(0x7e00) | ((ax >> 13) & I(0x3ff));  // quiet bit set, top 10 payload bits kept
  I r = detail::simd::select(ax < I(0x38800000), subnormal, normal);
  r = detail::simd::select(ax >= I(0x47800000), I(0x7c00), r);  // |f| >= 2^16 (65520 rounds up by itself)
  r = detail::simd::select(ax > I(0x7f800000), nan, r);
  return r | sign;
}

/// bf16_bits_from_float_scalar lane by lane: the bf16 bits in the HIGH 16 bits of each lane.
template <class A>
LOWBIT_ALWAYS_INLINE ibatch<A> bf16_bits_high(const fbatch<A>& f) noexcept {
  using I = ibatch<A>;
  using detail::simd::bitcast;
  const I x = bitcast<std::int32_t>(f);
  // x + 0x7fff + (bit 16 of x): round to nearest even at bit 16 (a carry into the
  // exponent is right, up to Inf); a NaN gets its quiet bit and no rounding.
  const I rounded = x + I(0x7fff) + ((x >> 16) & I(1));
  const I quiet = x | I(0x00400000);
  return detail::simd::select((x & I(0x7fffffff)) > I(0x7f800000), quiet, rounded);  // integer NaN test
}

/// fp16_bits_to_float_scalar lane by lane, from fp16 bits zero-extended to int32.
template <class A>
LOWBIT_ALWAYS_INLINE fbatch<A> fp16_to_f32(const ibatch<A>& h) noexcept {
  using I = ibatch<A>;
  using F = fbatch<A>;
  const I exponent = h & I(0x7c00);
  const I mantissa = h & I(0x3ff);
  // Normal: exponent + (127 - 15), mantissa << 13. Inf / NaN: exponent 255, payload << 13.
  I r = ((h & I(0x7fff)) << 13) + I(112 << 23);
  r = detail::simd::select(exponent == I(0x7c00), I(0x7f800000) | (mantissa << 13), r);
  // Subnormal: m * 2^-24, exact (m < 2^10).
  const F sub = xsimd::batch_cast<float>(mantissa) * F(5.9604644775390625e-8f);
  r = detail::simd::select(exponent == I(0), detail::simd::bitcast<std::int32_t>(sub), r);
  return detail::simd::bitcast<float>(r | ((h & I(0x8000)) << 16));
}

/// One register: in[0, lanes) floats to out[0, lanes) fp16 bits.
template <class A>
LOWBIT_ALWAYS_INLINE void to_fp16(const float* in, std::uint16_t* out) noexcept {
  const fbatch<A> x = fbatch<A>::load_unaligned(in);
  if constexpr (convert_arch::has_hw_fp16<A>)
    convert_arch::store_f32_as_fp16<A>(x, out);
  else
    convert_arch::store_i32_as_u16<A>(fp16_bits<A>(x), out);
}

/// Two registers: in[0, 2 lanes) floats to out[0, 2 lanes) bf16 bits.
template <class A>
LOWBIT_ALWAYS_INLINE void to_bf16(const float* in, std::uint16_t* out) noexcept {
  constexpr std::size_t n = fbatch<A>::size;
  const fbatch<A> x0 = fbatch<A>::load_unaligned(in), x1 = fbatch<A>::load_unaligned(in + n);
  if constexpr (convert_arch::has_hw_bf16<A>)
    if (convert_arch::try_store_f32_as_bf16<A>(x0, out) && convert_arch::try_store_f32_as_bf16<A>(x1, out + n)) return;
  convert_arch::store_i32_high_as_u16_x2<A>(bf16_bits_high<A>(x0), bf16_bits_high<A>(x1), out);
}

/// One register: in[0, lanes) fp16 bits to out[0, lanes) floats.
template <class A>
LOWBIT_ALWAYS_INLINE void from_fp16(const std::uint16_t* in, float* out) noexcept {
  if constexpr (convert_arch::has_hw_fp16<A>) {
    const fbatch<A> x = convert_arch::load_fp16_as_f32<A>(in);
    // vcvtph2ps quiets a signalling NaN (sets bit 22); the scalar code keeps its bits.
    // (NaN test on the bits: it must hold under -ffast-math too)
    const ibatch<A> magnitude = detail::simd::bitcast<std::int32_t>(x) & ibatch<A>(0x7fffffff);
    if (!xsimd::any(magnitude > ibatch<A>(0x7f800000))) [[likely]] {
      x.store_unaligned(out);
      return;
    }
  }
  fp16_to_f32<A>(convert_arch::load_u16_as_i32<A>(in)).store_unaligned(out);
}

/// One register: in[0, lanes) bf16 bits to out[0, lanes) floats (the bits << 16).
template <class A>
LOWBIT_ALWAYS_INLINE void from_bf16(const std::uint16_t* in, float* out) noexcept {
  detail::simd::bitcast<float>(convert_arch::load_u16_as_i32<A>(in) << 16).store_unaligned(out);
}

/// Runs block(in + i, out + i) over every whole block of Lanes values, then the
/// n % Lanes tail through a zero-padded stack copy (only its results are written).
template <std::size_t Lanes, class In, class Out, class Block>
LOWBIT_ALWAYS_INLINE void run_blocks(const In* in, std::size_t n, Out* out, Block block) noexcept {
  std::size_t i = 0;
  for (; i + Lanes <= n; i += Lanes) block(in + i, out + i);
  if (i < n) {
    In tail_in[Lanes] = {};
    Out tail_out[Lanes];
    std::memcpy(tail_in, in + i, (n - i) * sizeof(In));
    block(tail_in, tail_out);
    std::memcpy(out + i, tail_out, (n - i) * sizeof(Out));
  }
}

template <class T>
inline constexpr bool is_half = std::is_same_v<T, fp16> || std::is_same_v<T, bf16>;

/// The refusal of a null or misaligned pointer (kept out of line: no string work on the fast path).
template <class From, class To>
[[gnu::noinline, gnu::cold]] status bad_pointers(const void* in, const void* out) {
  const char* from = float_storage<From>::name;
  const char* to = float_storage<To>::name;
  const auto misaligned = [](const void* p, std::size_t align) {
    return reinterpret_cast<std::uintptr_t>(p) % align != 0;
  };
  if (in == nullptr) return detail::failure("convert (", from, " -> ", to, "): input pointer is null");
  if (out == nullptr) return detail::failure("convert (", from, " -> ", to, "): output pointer is null");
  if (misaligned(in, alignof(From)))
    return detail::failure("convert (", from, " -> ", to, "): input pointer is not aligned to ", alignof(From),
                           " bytes");
  return detail::failure("convert (", from, " -> ", to, "): output pointer is not aligned to ", alignof(To), " bytes");
}

}  // namespace convert_impl

/// out[i] = To(in[i]) for i < n, for (From, To) = (float, fp16), (float, bf16),
/// (fp16, float) or (bf16, float), bit-identical to the scalar conversions
/// (fp16::from_float / bf16(float): round to nearest even, overflow to Inf, NaN
/// quieted keeping its top payload bits; fp16 / bf16 -> float exact). n == 0
/// does nothing; otherwise null or misaligned (for the element type: 4 bytes for
/// float, 2 for fp16 / bf16) pointers are refused before anything is written.
/// No other alignment is needed. in and out must not overlap.
template <class From, class To, class Arch = xsimd::default_arch>
status try_convert(const From* in, std::size_t n, To* out) {
  static_assert((std::is_same_v<From, float> && convert_impl::is_half<To>) ||
                    (convert_impl::is_half<From> && std::is_same_v<To, float>),
                "lowbit::kernels::convert: supported conversions are float -> fp16 / bf16 and fp16 / bf16 -> float");
  LOWBIT_TRACE_KERNEL("convert", Arch);
  if (n == 0) return {};
  if (in == nullptr || out == nullptr || reinterpret_cast<std::uintptr_t>(in) % alignof(From) != 0 ||
      reinterpret_cast<std::uintptr_t>(out) % alignof(To) != 0) [[unlikely]]
    return convert_impl::bad_pointers<From, To>(in, out);

  constexpr std::size_t lanes = xsimd::batch<float, Arch>::size;
  using namespace convert_impl;
  if constexpr (std::is_same_v<From, float>) {
    auto* bits = reinterpret_cast<std::uint16_t*>(out);
    if constexpr (std::is_same_v<To, fp16>)
      run_blocks<lanes>(in, n, bits,
                        [](const float* i, std::uint16_t* o) LOWBIT_INLINE_LAMBDA { to_fp16<Arch>(i, o); });
    else
      run_blocks<2 * lanes>(in, n, bits,
                            [](const float* i, std::uint16_t* o) LOWBIT_INLINE_LAMBDA { to_bf16<Arch>(i, o); });
  } else {
    const auto* bits = reinterpret_cast<const std::uint16_t*>(in);
    if constexpr (std::is_same_v<From, fp16>)
      run_blocks<lanes>(bits, n, out,
                        [](const std::uint16_t* i, float* o) LOWBIT_INLINE_LAMBDA { from_fp16<Arch>(i, o); });
    else
      run_blocks<lanes>(bits, n, out,
                        [](const std::uint16_t* i, float* o) LOWBIT_INLINE_LAMBDA { from_bf16<Arch>(i, o); });
  }
  return {};
}

/// try_convert, throwing lowbit::error.
template <class From, class To, class Arch = xsimd::default_arch>
void convert(const From* in, std::size_t n, To* out) {
  detail::throw_if_failed(try_convert<From, To, Arch>(in, n, out));
}

}  // namespace LOWBIT_NS::kernels
