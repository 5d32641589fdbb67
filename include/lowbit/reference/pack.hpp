// lowbit: scalar reference packing, written for clarity. The oracle for kernels/pack.hpp.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "lowbit/config.hpp"
#include "lowbit/error.hpp"
#include "lowbit/layout/packed_layout.hpp"

namespace LOWBIT_NS::reference {

/// Packs one block of `real` <= 512 codes (each < 2^Bits, unchecked) into
/// packed_layout<Bits, Word>::block_words(real) words, pad codes 0.
template <int Bits, class Word>
void pack_block(const std::uint8_t* codes, std::size_t real, Word* out) noexcept {
  using L = packed_layout<Bits, Word>;
  const std::size_t padded = L::padded_codes(real);
  std::fill(out, out + L::block_words(real), Word{0});
  Word* plane = out;
  for (std::size_t k = 0; k < L::plane_count; ++k) {
    const int w = L::plane_width[k];
    const std::size_t words = L::plane_words(padded, w);
    const unsigned mask = (1u << w) - 1u;
    for (std::size_t i = 0; i < real; ++i) {
      const unsigned slice = (codes[i] >> L::plane_shift[k]) & mask;
      const std::size_t slot = i / words;
      plane[i % words] |= static_cast<Word>(static_cast<Word>(slice) << (slot * static_cast<std::size_t>(w)));
    }
    plane += words;
  }
}

/// Unpacks one block of `real` <= 512 codes; inverse of pack_block.
template <int Bits, class Word>
void unpack_block(const Word* in, std::size_t real, std::uint8_t* codes) noexcept {
  using L = packed_layout<Bits, Word>;
  const std::size_t padded = L::padded_codes(real);
  std::fill(codes, codes + real, std::uint8_t{0});
  const Word* plane = in;
  for (std::size_t k = 0; k < L::plane_count; ++k) {
    const int w = L::plane_width[k];
    const std::size_t words = L::plane_words(padded, w);
    const unsigned mask = (1u << w) - 1u;
    for (std::size_t i = 0; i < real; ++i) {
      const std::size_t slot = i / words;
      const auto slice = static_cast<unsigned>(plane[i % words] >> (slot * static_cast<std::size_t>(w))) & mask;
      codes[i] = static_cast<std::uint8_t>(codes[i] | (slice << L::plane_shift[k]));
    }
    plane += words;
  }
}

/// Packs n codes (each < 2^Bits) into packed_layout<Bits, Word>::row_words(n)
/// words at `out`, in the bit-plane layout of packed_layout.hpp. Refuses,
/// before writing, a code that does not fit in Bits bits.
template <int Bits, class Word>
status try_pack_row(const std::uint8_t* codes, std::size_t n, Word* out) {
  using L = packed_layout<Bits, Word>;
  for (std::size_t i = 0; i < n; ++i)
    if (codes[i] >> Bits)
      return detail::failure("pack: code ", unsigned{codes[i]}, " at index ", i, " does not fit in ", Bits, " bits");
  for (std::size_t begin = 0; begin < n; begin += L::block_codes) {
    const std::size_t real = std::min(L::block_codes, n - begin);
    pack_block<Bits>(codes + begin, real, out);
    out += L::block_words(real);
  }
  return {};
}

/// try_pack_row, throwing lowbit::error.
template <int Bits, class Word>
void pack_row(const std::uint8_t* codes, std::size_t n, Word* out) {
  detail::throw_if_failed(try_pack_row<Bits, Word>(codes, n, out));
}

/// Unpacks n codes from the bit-plane layout; inverse of pack_row.
template <int Bits, class Word>
void unpack_row(const Word* in, std::size_t n, std::uint8_t* codes) noexcept {
  using L = packed_layout<Bits, Word>;
  for (std::size_t begin = 0; begin < n; begin += L::block_codes) {
    const std::size_t real = std::min(L::block_codes, n - begin);
    unpack_block<Bits>(in, real, codes + begin);
    in += L::block_words(real);
  }
}

/// The signed level of code u, the integer a symmetric scheme scales by d
/// (x^ = d * level): u - 2^(Bits-1) for Bits >= 2, 2u - 1 (-1 or +1) for Bits = 1.
template <int Bits>
constexpr std::int8_t signed_level(std::uint8_t u) noexcept {
  if constexpr (Bits == 1)
    return static_cast<std::int8_t>(2 * static_cast<int>(u) - 1);
  else
    return static_cast<std::int8_t>(static_cast<int>(u) - (1 << (Bits - 1)));
}

/// Unpacks n codes to their signed levels (int8), for integer dot products.
template <int Bits, class Word>
void unpack_row_int8(const Word* in, std::size_t n, std::int8_t* levels) noexcept {
  using L = packed_layout<Bits, Word>;
  std::uint8_t codes[L::block_codes];
  for (std::size_t begin = 0; begin < n; begin += L::block_codes) {
    const std::size_t real = std::min(L::block_codes, n - begin);
    unpack_block<Bits>(in, real, codes);
    for (std::size_t i = 0; i < real; ++i) levels[begin + i] = signed_level<Bits>(codes[i]);
    in += L::block_words(real);
  }
}

}  // namespace LOWBIT_NS::reference
