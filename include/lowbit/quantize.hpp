// lowbit: public entry points. These run the SIMD kernels for the ISA the
// including translation unit is compiled for (xsimd::default_arch); the
// reference:: versions with the same signatures are the scalar oracle.
//
// Each is also a template on Arch, defaulted, so that translation units built
// with different -m flags instantiate distinct symbols (otherwise the linker
// would keep one ISA's copy for all of them); call them without naming Arch.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lowbit/detail/checks.hpp"
#include "lowbit/kernels/pack.hpp"
#include "lowbit/kernels/quantize.hpp"
#include "lowbit/layout/quantized_matrix.hpp"
#include "lowbit/reference/pack.hpp"
#include "lowbit/reference/quantize.hpp"

namespace lowbit {

/// Quantizes the row-major rows x cols matrix x into caller memory `out`.
template <Scheme S, class Arch = xsimd::default_arch>
void quantize(const float* x, std::size_t rows, std::size_t cols, quantized_view<S> out,
              const quantize_options& options = {}) {
  kernels::quantize<S, Arch>(x, rows, cols, out, options);
}

/// Quantizes into a new owning quantized_matrix.
template <Scheme S, class Arch = xsimd::default_arch>
quantized_matrix<S> quantize(const float* x, std::size_t rows, std::size_t cols, const quantize_options& options = {}) {
  quantized_matrix<S> q(rows, cols);
  kernels::quantize<S, Arch>(x, rows, cols, q.view(), options);
  return q;
}

/// Writes the rows x cols fp32 matrix q represents to `out`, row-major.
template <Scheme S, class Arch = xsimd::default_arch>
void dequantize(const_quantized_view<S> q, float* out) {
  kernels::dequantize<S, Arch>(q, out);
}

/// Packs n codes (each < 2^Bits) into packed_layout<Bits, Word>::row_words(n) words.
template <int Bits, class Word, class Arch = xsimd::default_arch>
void pack_row(const std::uint8_t* codes, std::size_t n, Word* out) {
  kernels::pack_row<Bits, Word, Arch>(codes, n, out);
}

/// Unpacks n codes; inverse of pack_row.
template <int Bits, class Word, class Arch = xsimd::default_arch>
void unpack_row(const Word* in, std::size_t n, std::uint8_t* codes) {
  kernels::unpack_row<Bits, Word, Arch>(in, n, codes);
}

/// Unpacks n codes to their signed int8 levels (u - 2^(Bits-1); 2u - 1 for
/// Bits = 1), the operands of integer dot products with a symmetric scheme.
template <int Bits, class Word, class Arch = xsimd::default_arch>
void unpack_row_int8(const Word* in, std::size_t n, std::int8_t* levels) {
  kernels::unpack_row_int8<Bits, Word, Arch>(in, n, levels);
}

}  // namespace lowbit
