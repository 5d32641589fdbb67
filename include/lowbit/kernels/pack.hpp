// lowbit: SIMD packing and unpacking of B-bit codes in the bit-plane layout of
// layout/packed_layout.hpp. Output is byte-identical to reference/pack.hpp.
//
// Full 512-code blocks go through SIMD, the short last block of a row through
// the scalar loops. With byte words, a register of consecutive codes is one
// load per plane; code register c0 (lanes codes) of plane k (width w, shift t,
// P = 64*w bytes) is
//     ((plane[c0 mod P] >> s*w) & (2^w - 1)) << t,   s = c0 div P,
// done as ONE 16-bit-lane shift by t - s*w and ONE byte mask (2^w - 1) << t:
// exact, because the bits a 16-bit shift carries across a byte boundary land
// outside the mask (s*w + w <= 8 and t + w <= 8). Packing is the inverse:
//     plane byte j = OR_s ((code[s*P + j] >> t) & (2^w - 1)) << s*w.
// Wider words work on lanes of Word, widening codes on load and truncating
// them on store (kernels/arch/pack_x86.hpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "lowbit/config.hpp"
#include "lowbit/detail/xsimd_compat.hpp"
#include "lowbit/kernels/arch/pack_x86.hpp"
#include "lowbit/layout/packed_layout.hpp"
#include "lowbit/reference/pack.hpp"

namespace LOWBIT_NS::kernels {
namespace pack_impl {

/// Shifts every byte of x left by D (right by -D if D < 0) as 16-bit lanes:
/// bits crossing into the neighbour byte must be masked off by the caller.
template <int D, class A>
LOWBIT_ALWAYS_INLINE xsimd::batch<std::uint8_t, A> shift_bytes(const xsimd::batch<std::uint8_t, A>& x) noexcept {
  if constexpr (D == 0) {
    return x;
  } else {
    auto w = ::lowbit::detail::simd::bitcast<std::uint16_t>(x);
    if constexpr (D > 0)
      w = w << D;
    else
      w = w >> (-D);
    return ::lowbit::detail::simd::bitcast<std::uint8_t>(w);
  }
}

/// u, or with Signed its signed level (reference::signed_level) as the int8's
/// byte: u - 2^(Bits-1), or 2u - 1 for Bits = 1, in wrapping arithmetic, masked
/// to the low byte in wider lanes (the byte stores of pack_x86.hpp saturate).
template <int Bits, bool Signed, class T, class A>
LOWBIT_ALWAYS_INLINE xsimd::batch<T, A> level(const xsimd::batch<T, A>& u) noexcept {
  using batch = xsimd::batch<T, A>;
  if constexpr (!Signed) {
    return u;
  } else {
    const batch v = Bits == 1 ? (u + u) - batch(T{1}) : u - batch(static_cast<T>(1u << (Bits - 1)));
    if constexpr (sizeof(T) == 1)
      return v;
    else
      return v & batch(T{0xFF});
  }
}

/// Full blocks with byte words: fully unrolled, shift counts and offsets are constants.
template <int Bits, class A>
struct byte_block {
  using L = packed_layout<Bits, std::uint8_t>;
  using batch = xsimd::batch<std::uint8_t, A>;
  static constexpr std::size_t lanes = batch::size;
  static constexpr std::size_t codes = L::block_codes;

  static constexpr std::size_t plane_bytes(std::size_t k) {
    return codes * static_cast<std::size_t>(L::plane_width[k]) / 8;
  }
  static constexpr std::size_t plane_offset(std::size_t k) {
    std::size_t o = 0;
    for (std::size_t i = 0; i < k; ++i) o += plane_bytes(i);
    return o;
  }
  template <std::size_t K>
  static constexpr std::uint8_t plane_mask(int at) {
    return static_cast<std::uint8_t>(((1u << L::plane_width[K]) - 1u) << at);
  }

  // Plane K's bits of code register R, in place.
  template <std::size_t K, std::size_t R>
  LOWBIT_ALWAYS_INLINE static batch unpack_plane(const std::uint8_t* in) noexcept {
    constexpr int w = L::plane_width[K];
    constexpr std::size_t c0 = R * lanes, p = plane_bytes(K);
    const batch x = batch::load_unaligned(in + plane_offset(K) + c0 % p);
    if constexpr (w == 8) {
      return x;
    } else {
      constexpr int d = L::plane_shift[K] - static_cast<int>(c0 / p) * w;
      return shift_bytes<d>(x) & batch(plane_mask<K>(L::plane_shift[K]));
    }
  }
  /// Codes R * lanes .. R * lanes + lanes - 1 of the block at `in`, in a register (unsigned u).
  template <std::size_t R, std::size_t... K>
  LOWBIT_ALWAYS_INLINE static batch code_register(const std::uint8_t* in, std::index_sequence<K...>) noexcept {
    return (unpack_plane<K, R>(in) | ...);
  }
  template <std::size_t R>
  LOWBIT_ALWAYS_INLINE static batch code_register(const std::uint8_t* in) noexcept {
    return code_register<R>(in, std::make_index_sequence<L::plane_count>{});
  }
  template <bool Signed, std::size_t R, std::size_t... K>
  LOWBIT_ALWAYS_INLINE static void unpack_register(const std::uint8_t* in, std::uint8_t* out,
                                                   std::index_sequence<K...>) noexcept {
    level<Bits, Signed>((unpack_plane<K, R>(in) | ...)).store_unaligned(out + R * lanes);
  }
  template <bool Signed, std::size_t... R>
  LOWBIT_ALWAYS_INLINE static void unpack(const std::uint8_t* in, std::uint8_t* out,
                                          std::index_sequence<R...>) noexcept {
    (unpack_register<Signed, R>(in, out, std::make_index_sequence<L::plane_count>{}), ...);
  }
  template <bool Signed>
  LOWBIT_ALWAYS_INLINE static void unpack(const std::uint8_t* in, std::uint8_t* out) noexcept {
    unpack<Signed>(in, out, std::make_index_sequence<codes / lanes>{});
  }

  // Slot S of plane K's register J: codes S*P + J*lanes ... placed at bit S*w.
  template <std::size_t K, std::size_t J, std::size_t S>
  LOWBIT_ALWAYS_INLINE static batch pack_slot(const std::uint8_t* in) noexcept {
    constexpr int w = L::plane_width[K];
    const batch x = batch::load_unaligned(in + S * plane_bytes(K) + J * lanes);
    if constexpr (w == 8) {
      return x;
    } else {
      constexpr int d = static_cast<int>(S) * w - L::plane_shift[K];
      return shift_bytes<d>(x) & batch(plane_mask<K>(static_cast<int>(S) * w));
    }
  }
  template <std::size_t K, std::size_t J, std::size_t... S>
  LOWBIT_ALWAYS_INLINE static void pack_register(const std::uint8_t* in, std::uint8_t* out,
                                                 std::index_sequence<S...>) noexcept {
    (pack_slot<K, J, S>(in) | ...).store_unaligned(out + plane_offset(K) + J * lanes);
  }
  template <std::size_t K, std::size_t... J>
  LOWBIT_ALWAYS_INLINE static void pack_plane(const std::uint8_t* in, std::uint8_t* out,
                                              std::index_sequence<J...>) noexcept {
    (pack_register<K, J>(in, out, std::make_index_sequence<8 / L::plane_width[K]>{}), ...);
  }
  template <std::size_t... K>
  LOWBIT_ALWAYS_INLINE static void pack(const std::uint8_t* in, std::uint8_t* out, std::index_sequence<K...>) noexcept {
    (pack_plane<K>(in, out, std::make_index_sequence<plane_bytes(K) / lanes>{}), ...);
  }
  LOWBIT_ALWAYS_INLINE static void pack(const std::uint8_t* in, std::uint8_t* out) noexcept {
    pack(in, out, std::make_index_sequence<L::plane_count>{});
  }
};

/// Full blocks with 16/32/64-bit words: lanes of Word, runtime loops over registers.
template <int Bits, class Word, class A>
struct word_block {
  using L = packed_layout<Bits, Word>;
  using batch = xsimd::batch<Word, A>;
  static constexpr std::size_t lanes = batch::size;
  static constexpr std::size_t codes = L::block_codes;

  static constexpr std::size_t plane_words(std::size_t k) { return L::plane_words(codes, L::plane_width[k]); }
  static constexpr std::size_t plane_offset(std::size_t k) {
    std::size_t o = 0;
    for (std::size_t i = 0; i < k; ++i) o += plane_words(i);
    return o;
  }
  static_assert(plane_words(L::plane_count - 1) % lanes == 0, "a register must not straddle two slots");

  template <std::size_t K>
  LOWBIT_ALWAYS_INLINE static batch unpack_plane(const Word* in, std::size_t c0) noexcept {
    constexpr int w = L::plane_width[K];
    constexpr std::size_t p = plane_words(K);
    const batch x = batch::load_unaligned(in + plane_offset(K) + c0 % p);
    const auto s = static_cast<int>(c0 / p) * w;
    return ((x >> s) & batch(static_cast<Word>((1u << w) - 1u))) << L::plane_shift[K];
  }
  template <bool Signed, std::size_t... K>
  static void unpack(const Word* in, std::uint8_t* out, std::index_sequence<K...>) noexcept {
    for (std::size_t c0 = 0; c0 < codes; c0 += lanes)
      pack_arch::store_low_bytes<Word, A>(level<Bits, Signed>((unpack_plane<K>(in, c0) | ...)), out + c0);
  }
  template <bool Signed>
  static void unpack(const Word* in, std::uint8_t* out) noexcept {
    unpack<Signed>(in, out, std::make_index_sequence<L::plane_count>{});
  }

  template <std::size_t K>
  LOWBIT_ALWAYS_INLINE static void pack_plane(const std::uint8_t* in, Word* out) noexcept {
    constexpr int w = L::plane_width[K];
    constexpr std::size_t p = plane_words(K);
    constexpr std::size_t slots = L::word_bits / static_cast<std::size_t>(w);
    const batch mask(static_cast<Word>((1u << w) - 1u));
    for (std::size_t j = 0; j < p; j += lanes) {
      batch acc(Word{0});
      for (std::size_t s = 0; s < slots; ++s) {
        const batch x = pack_arch::load_widened<Word, A>(in + s * p + j);
        acc |= ((x >> L::plane_shift[K]) & mask) << static_cast<int>(s * static_cast<std::size_t>(w));
      }
      acc.store_unaligned(out + plane_offset(K) + j);
    }
  }
  template <std::size_t... K>
  static void pack(const std::uint8_t* in, Word* out, std::index_sequence<K...>) noexcept {
    (pack_plane<K>(in, out), ...);
  }
  static void pack(const std::uint8_t* in, Word* out) noexcept {
    pack(in, out, std::make_index_sequence<L::plane_count>{});
  }
};

template <int Bits, class Word, class A>
using block_kernel =
    std::conditional_t<std::is_same_v<Word, std::uint8_t>, byte_block<Bits, A>, word_block<Bits, Word, A>>;

/// Unpacks the short last block of a row (`real` < 512 codes), the same codes
/// as reference::unpack_block, slot by slot: no division per code, and inner
/// loops over contiguous words that the compiler vectorizes.
template <int Bits, class Word>
void unpack_tail(const Word* in, std::size_t real, std::uint8_t* codes) noexcept {
  using L = packed_layout<Bits, Word>;
  const std::size_t padded = L::padded_codes(real);
  std::memset(codes, 0, real);
  const Word* plane = in;
  for (std::size_t k = 0; k < L::plane_count; ++k) {
    const int w = L::plane_width[k];
    const std::size_t words = L::plane_words(padded, w);
    const Word mask = static_cast<Word>((1u << w) - 1u);
    const int shift = L::plane_shift[k];
    for (std::size_t s = 0, first = 0; first < real; ++s, first += words) {
      const std::size_t count = std::min(words, real - first);
      const int at = static_cast<int>(s) * w;
      for (std::size_t j = 0; j < count; ++j)
        codes[first + j] = static_cast<std::uint8_t>(codes[first + j] | (((plane[j] >> at) & mask) << shift));
    }
    plane += words;
  }
}

/// Packs the short last block of a row (`real` < 512 codes), the same words as
/// reference::pack_block. The codes are copied into a zero-padded block of
/// padded_codes(real) so that each of a plane's W/w slots is a full run of
/// `words` codes; then word j of a plane of width w is
///   OR over slots s of  ((code[s * words + j] >> shift) & (2^w - 1)) << (s * w).
/// Byte words: registers of j, the slots unrolled (shift_bytes, as the full
/// blocks); wider words: a scalar loop over j with the slots unrolled.
template <int Bits, class Word, class Arch>
void pack_tail(const std::uint8_t* codes, std::size_t real, Word* out) noexcept {
  using L = packed_layout<Bits, Word>;
  using batch = xsimd::batch<std::uint8_t, Arch>;
  constexpr std::size_t lanes = batch::size;
  const std::size_t padded = L::padded_codes(real);
  // Register loads of the last slot read up to lanes - 1 codes past `padded`.
  alignas(64) std::uint8_t block[L::block_codes + lanes];
  std::memcpy(block, codes, real);
  std::memset(block + real, 0, sizeof block - real);
  Word* plane = out;
  [&]<std::size_t... K>(std::index_sequence<K...>) {
    (
        [&] {
          constexpr int w = L::plane_width[K], shift = L::plane_shift[K];
          constexpr std::size_t slots = L::word_bits / static_cast<std::size_t>(w);
          constexpr unsigned mask = (1u << w) - 1u;
          const std::size_t words = L::plane_words(padded, w);
          if constexpr (std::is_same_v<Word, std::uint8_t>) {
            for (std::size_t j = 0; j < words; j += lanes) {
              const batch acc = [&]<std::size_t... S>(std::index_sequence<S...>) LOWBIT_INLINE_LAMBDA {
                return ((shift_bytes<static_cast<int>(S) * w - shift>(batch::load_unaligned(block + S * words + j)) &
                         batch(static_cast<std::uint8_t>(mask << (S * w)))) |
                        ...);
              }
              (std::make_index_sequence<slots>{});
              if (j + lanes <= words) {
                acc.store_unaligned(plane + j);
              } else {
                alignas(64) std::uint8_t last[lanes];
                acc.store_aligned(last);
                std::memcpy(plane + j, last, words - j);
              }
            }
          } else {
            for (std::size_t j = 0; j < words; ++j) {
              Word acc = 0;
              for (std::size_t sl = 0; sl < slots; ++sl)
                acc = static_cast<Word>(
                    acc |
                    static_cast<Word>(static_cast<Word>((static_cast<unsigned>(block[sl * words + j]) >> shift) & mask)
                                      << (sl * static_cast<std::size_t>(w))));
              plane[j] = acc;
            }
          }
          plane += words;
        }(),
        ...);
  }
  (std::make_index_sequence<L::plane_count>{});
}

/// True if every code is < 2^Bits.
template <int Bits, class A>
bool codes_fit(const std::uint8_t* codes, std::size_t n) noexcept {
  if constexpr (Bits == 8) {
    return true;
  } else {
    using batch = xsimd::batch<std::uint8_t, A>;
    constexpr std::size_t lanes = batch::size;
    batch a0(std::uint8_t{0}), a1 = a0, a2 = a0, a3 = a0;
    std::size_t i = 0;
    for (; i + 4 * lanes <= n; i += 4 * lanes) {
      a0 |= batch::load_unaligned(codes + i);
      a1 |= batch::load_unaligned(codes + i + lanes);
      a2 |= batch::load_unaligned(codes + i + 2 * lanes);
      a3 |= batch::load_unaligned(codes + i + 3 * lanes);
    }
    for (; i + lanes <= n; i += lanes) a0 |= batch::load_unaligned(codes + i);
    unsigned rest = 0;
    for (; i < n; ++i) rest |= codes[i];
    const batch high(static_cast<std::uint8_t>(0xFFu << Bits));
    return (rest >> Bits) == 0 && !xsimd::any(((a0 | a1 | a2 | a3) & high) != batch(std::uint8_t{0}));
  }
}

}  // namespace pack_impl

/// Packs n codes (each < 2^Bits) into packed_layout<Bits, Word>::row_words(n)
/// words at `out`; the caller guarantees every code < 2^Bits (larger codes
/// give an unspecified packing, but no out-of-bounds access).
template <int Bits, class Word, class Arch = xsimd::default_arch>
void pack_row_unchecked(const std::uint8_t* codes, std::size_t n, Word* out) noexcept {
  using L = packed_layout<Bits, Word>;
  using kernel = pack_impl::block_kernel<Bits, Word, Arch>;
  constexpr std::size_t block_words = L::block_words(L::block_codes);
  const std::size_t full = n / L::block_codes;
  for (std::size_t b = 0; b < full; ++b) kernel::pack(codes + b * L::block_codes, out + b * block_words);
  if (const std::size_t rest = n % L::block_codes; rest != 0)
    pack_impl::pack_tail<Bits, Word, Arch>(codes + full * L::block_codes, rest, out + full * block_words);
}

/// Packs n codes into packed_layout<Bits, Word>::row_words(n) words at `out`,
/// bit-identical to reference::pack_row. Refuses, before writing, a code >= 2^Bits
/// (with the reference's message, naming the first such code).
template <int Bits, class Word, class Arch = xsimd::default_arch>
status try_pack_row(const std::uint8_t* codes, std::size_t n, Word* out) {
  LOWBIT_TRACE_KERNEL("pack_row", Arch);
  if (!pack_impl::codes_fit<Bits, Arch>(codes, n)) return reference::try_pack_row<Bits, Word>(codes, n, out);
  pack_row_unchecked<Bits, Word, Arch>(codes, n, out);
  return {};
}

/// try_pack_row, throwing lowbit::error.
template <int Bits, class Word, class Arch = xsimd::default_arch>
void pack_row(const std::uint8_t* codes, std::size_t n, Word* out) {
  detail::throw_if_failed(try_pack_row<Bits, Word, Arch>(codes, n, out));
}

/// Unpacks n codes from packed_layout<Bits, Word>::row_words(n) words at `in`;
/// inverse of pack_row, bit-identical to reference::unpack_row.
template <int Bits, class Word, class Arch = xsimd::default_arch>
void unpack_row(const Word* in, std::size_t n, std::uint8_t* codes) noexcept {
  LOWBIT_TRACE_KERNEL("unpack_row", Arch);
  using L = packed_layout<Bits, Word>;
  using kernel = pack_impl::block_kernel<Bits, Word, Arch>;
  constexpr std::size_t block_words = L::block_words(L::block_codes);
  const std::size_t full = n / L::block_codes;
  for (std::size_t b = 0; b < full; ++b)
    kernel::template unpack<false>(in + b * block_words, codes + b * L::block_codes);
  if (const std::size_t rest = n % L::block_codes; rest != 0)
    pack_impl::unpack_tail<Bits, Word>(in + full * block_words, rest, codes + full * L::block_codes);
}

/// Unpacks n codes to their signed levels (reference::signed_level: the int8
/// operands of integer dot products), bit-identical to reference::unpack_row_int8.
template <int Bits, class Word, class Arch = xsimd::default_arch>
void unpack_row_int8(const Word* in, std::size_t n, std::int8_t* levels) noexcept {
  LOWBIT_TRACE_KERNEL("unpack_row_int8", Arch);
  using L = packed_layout<Bits, Word>;
  using kernel = pack_impl::block_kernel<Bits, Word, Arch>;
  constexpr std::size_t block_words = L::block_words(L::block_codes);
  auto* out = reinterpret_cast<std::uint8_t*>(levels);  // a character type: may alias the int8 array
  const std::size_t full = n / L::block_codes;
  for (std::size_t b = 0; b < full; ++b) kernel::template unpack<true>(in + b * block_words, out + b * L::block_codes);
  if (const std::size_t rest = n % L::block_codes; rest != 0) {
    std::uint8_t* tail = out + full * L::block_codes;
    pack_impl::unpack_tail<Bits, Word>(in + full * block_words, rest, tail);
    for (std::size_t i = 0; i < rest; ++i) tail[i] = static_cast<std::uint8_t>(reference::signed_level<Bits>(tail[i]));
  }
}

}  // namespace LOWBIT_NS::kernels
