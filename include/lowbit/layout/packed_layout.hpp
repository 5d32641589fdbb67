// lowbit: the bit-plane layout of packed B-bit codes.
//
// A code u (B bits) is split into planes whose widths are the binary digits of
// B, widest plane holding the lowest bits:
//   B=1: 1   B=2: 2   B=3: 2+1   B=4: 4   B=5: 4+1   B=6: 4+2   B=7: 4+2+1   B=8: 8
// Each row is packed on its own, starting on a word boundary, in blocks of
// n = 512 codes (the last block of a row holds the rest, n rounded up to a
// multiple of the word's bit count W; pad codes are 0). Within a block the
// planes follow one another, widest first; a plane of width w is n*w/W words
// and code i of the block lands in
//     word  i mod (n*w/W)   of the plane,  bits  [s*w, s*w + w)  with  s = i div (n*w/W).
// So plane slot s holds a contiguous run of codes, and unpacking a register of
// codes is a load, one shift and one mask per plane: no shuffles. For W = 8 the
// byte order is the same on every ISA; wider words are little-endian words.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "lowbit/config.hpp"

namespace LOWBIT_NS {

template <int Bits, class Word>
struct packed_layout {
  static_assert(Bits >= 1 && Bits <= 8, "packed_layout: Bits must be in [1, 8]");
  using word_type = Word;

  static constexpr int bits = Bits;
  static constexpr std::size_t word_bits = std::numeric_limits<Word>::digits;
  /// Codes per full block; a multiple of every word width so planes are whole words.
  static constexpr std::size_t block_codes = 512;
  static_assert(block_codes % word_bits == 0);

  /// Plane widths, widest first, and the bit of the code each plane starts at.
  static constexpr std::size_t plane_count =
      Bits == 8 ? 1u : static_cast<std::size_t>((Bits & 1) + ((Bits >> 1) & 1) + ((Bits >> 2) & 1));
  static constexpr std::array<int, 3> plane_width = [] {
    std::array<int, 3> w{};
    std::size_t k = 0;
    if (Bits == 8) {
      w[k++] = 8;
    } else {
      for (int p : {4, 2, 1})
        if (Bits & p) w[k++] = p;
    }
    return w;
  }();
  static constexpr std::array<int, 3> plane_shift = [] {
    std::array<int, 3> s{};
    int at = 0;
    for (std::size_t k = 0; k < plane_count; ++k) {
      s[k] = at;
      at += plane_width[k];
    }
    return s;
  }();

  /// Codes a block of `n` real codes occupies once padded to whole words.
  static constexpr std::size_t padded_codes(std::size_t n) noexcept {
    return (n + word_bits - 1) / word_bits * word_bits;
  }
  /// Words of one plane of width w in a block of padded size n.
  static constexpr std::size_t plane_words(std::size_t padded_n, int w) noexcept {
    return padded_n * static_cast<std::size_t>(w) / word_bits;
  }
  /// Words a block of `n` real codes occupies (all planes).
  static constexpr std::size_t block_words(std::size_t n) noexcept { return padded_codes(n) * Bits / word_bits; }
  /// Words of one packed row of `cols` codes.
  static constexpr std::size_t row_words(std::size_t cols) noexcept {
    return cols / block_codes * block_words(block_codes) + block_words(cols % block_codes);
  }
};

}  // namespace LOWBIT_NS
