// lowbit: SIMD packing and unpacking of B-bit codes in the bit-plane layout of
// layout/packed_layout.hpp. Output is byte-identical to reference/pack.hpp.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lowbit/config.hpp"
#include "lowbit/reference/pack.hpp"

namespace lowbit::kernels {

/// Packs n codes into packed_layout<Bits, Word>::row_words(n) words at `out`.
/// Throws lowbit::error, before writing, if a code is >= 2^Bits.
template <int Bits, class Word, class Arch = xsimd::default_arch>
void pack_row(const std::uint8_t* codes, std::size_t n, Word* out) {
  reference::pack_row<Bits, Word>(codes, n, out);
}

/// As pack_row, without the range check: the caller guarantees every code < 2^Bits.
template <int Bits, class Word, class Arch = xsimd::default_arch>
void pack_row_unchecked(const std::uint8_t* codes, std::size_t n, Word* out) noexcept {
  try {
    reference::pack_row<Bits, Word>(codes, n, out);
  } catch (...) {
  }
}

/// Unpacks n codes from packed_layout<Bits, Word>::row_words(n) words at `in`.
template <int Bits, class Word, class Arch = xsimd::default_arch>
void unpack_row(const Word* in, std::size_t n, std::uint8_t* codes) noexcept {
  reference::unpack_row<Bits, Word>(in, n, codes);
}

}  // namespace lowbit::kernels
