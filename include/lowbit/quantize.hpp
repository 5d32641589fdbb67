// lowbit: public entry points. These run the SIMD kernels for the ISA the
// including translation unit is compiled for (xsimd::default_arch); the
// reference:: versions with the same signatures are the scalar oracle.
//
// Every entry point that can refuse its input has a throwing form (throws
// lowbit::error) and an error-code form, try_..., that returns a
// lowbit::status with the same message (error.hpp); both check before they
// write. The Arch parameter is defaulted: call them without naming it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lowbit/config.hpp"
#include "lowbit/detail/checks.hpp"
#include "lowbit/error.hpp"
#include "lowbit/kernels/pack.hpp"
#include "lowbit/kernels/quantize.hpp"
#include "lowbit/layout/quantized_matrix.hpp"
#include "lowbit/options.hpp"
#include "lowbit/reference/pack.hpp"
#include "lowbit/reference/quantize.hpp"

namespace LOWBIT_NS {

// ---------------------------------------------------------------- quantize

/// Quantizes the row-major rows x cols matrix x into caller memory `out`
/// (whose shape must be rows x cols). Refuses NaN/Inf, a scale or offset the
/// storage type cannot hold, a null or misaligned input; nothing is written then.
template <Scheme S, class Arch = xsimd::default_arch>
status try_quantize(const float* x, std::size_t rows, std::size_t cols, quantized_view<S> out,
                    const quantize_options& options = {}) {
  return kernels::try_quantize<S, Arch>(x, rows, cols, out, options);
}
template <Scheme S, class Arch = xsimd::default_arch>
void quantize(const float* x, std::size_t rows, std::size_t cols, quantized_view<S> out,
              const quantize_options& options = {}) {
  detail::throw_if_failed(kernels::try_quantize<S, Arch>(x, rows, cols, out, options));
}

/// Quantizes into `out`, which then holds the rows x cols result whatever its
/// shape was: its storage is reused when the shape already matches, else a new
/// matrix replaces it. On a refusal `out` is as it was. (A view, by contrast,
/// is storage that must already have the shape.)
template <Scheme S, class Arch = xsimd::default_arch>
status try_quantize(const float* x, std::size_t rows, std::size_t cols, quantized_matrix<S>& out,
                    const quantize_options& options = {}) {
  if (out.rows() == rows && out.cols() == cols)
    return kernels::try_quantize<S, Arch>(x, rows, cols, out.view(), options);
  quantized_matrix<S> q;
  LOWBIT_TRY(quantized_matrix<S>::try_make(rows, cols, q));
  quantize_options fresh = options;
  fresh.restore_on_error = false;  // nobody sees q on a refusal
  LOWBIT_TRY(kernels::try_quantize<S, Arch>(x, rows, cols, q.view(), fresh));
  out = std::move(q);
  return {};
}
template <Scheme S, class Arch = xsimd::default_arch>
void quantize(const float* x, std::size_t rows, std::size_t cols, quantized_matrix<S>& out,
              const quantize_options& options = {}) {
  detail::throw_if_failed(lowbit::try_quantize<S, Arch>(x, rows, cols, out, options));
}
/// Quantizes into a new owning quantized_matrix.
template <Scheme S, class Arch = xsimd::default_arch>
quantized_matrix<S> quantize(const float* x, std::size_t rows, std::size_t cols, const quantize_options& options = {}) {
  quantized_matrix<S> q(rows, cols);
  quantize_options fresh = options;
  fresh.restore_on_error = false;  // nobody sees q on a refusal
  detail::throw_if_failed(kernels::try_quantize<S, Arch>(x, rows, cols, q.view(), fresh));
  return q;
}

// ---------------------------------------------------------------- dequantize

/// Writes the rows x cols fp32 matrix q represents to `out`, row-major. q is a
/// const or mutable view, or a quantized_matrix; the scheme is deduced.
template <Scheme S, bool M, class Arch = xsimd::default_arch>
status try_dequantize(const basic_quantized_view<S, M>& q, float* out) {
  return kernels::try_dequantize<S, Arch>(q, out);
}
template <Scheme S, class Arch = xsimd::default_arch>
status try_dequantize(const quantized_matrix<S>& q, float* out) {
  return kernels::try_dequantize<S, Arch>(q.view(), out);
}
template <Scheme S, bool M, class Arch = xsimd::default_arch>
void dequantize(const basic_quantized_view<S, M>& q, float* out) {
  detail::throw_if_failed(kernels::try_dequantize<S, Arch>(q, out));
}
template <Scheme S, class Arch = xsimd::default_arch>
void dequantize(const quantized_matrix<S>& q, float* out) {
  detail::throw_if_failed(kernels::try_dequantize<S, Arch>(q.view(), out));
}

// ---------------------------------------------------------------- packing

/// Packs n codes (each < 2^Bits) into packed_layout<Bits, Word>::row_words(n)
/// words; refuses (before writing) a code that does not fit.
template <int Bits, class Word, class Arch = xsimd::default_arch>
status try_pack_row(const std::uint8_t* codes, std::size_t n, Word* out) {
  return kernels::try_pack_row<Bits, Word, Arch>(codes, n, out);
}
template <int Bits, class Word, class Arch = xsimd::default_arch>
void pack_row(const std::uint8_t* codes, std::size_t n, Word* out) {
  detail::throw_if_failed(kernels::try_pack_row<Bits, Word, Arch>(codes, n, out));
}

/// Unpacks n codes; inverse of pack_row.
template <int Bits, class Word, class Arch = xsimd::default_arch>
void unpack_row(const Word* in, std::size_t n, std::uint8_t* codes) noexcept {
  kernels::unpack_row<Bits, Word, Arch>(in, n, codes);
}

/// Unpacks n codes to their signed int8 levels (u - 2^(Bits-1); 2u - 1 for
/// Bits = 1), the operands of integer dot products with a symmetric scheme.
template <int Bits, class Word, class Arch = xsimd::default_arch>
void unpack_row_int8(const Word* in, std::size_t n, std::int8_t* levels) noexcept {
  kernels::unpack_row_int8<Bits, Word, Arch>(in, n, levels);
}

/// The same, with the width and word type of a scheme: pack_row<S>(codes, n, out).
template <Scheme S, class Arch = xsimd::default_arch>
status try_pack_row(const std::uint8_t* codes, std::size_t n, typename S::word_type* out) {
  return kernels::try_pack_row<S::bits, typename S::word_type, Arch>(codes, n, out);
}
template <Scheme S, class Arch = xsimd::default_arch>
void pack_row(const std::uint8_t* codes, std::size_t n, typename S::word_type* out) {
  detail::throw_if_failed(kernels::try_pack_row<S::bits, typename S::word_type, Arch>(codes, n, out));
}
template <Scheme S, class Arch = xsimd::default_arch>
void unpack_row(const typename S::word_type* in, std::size_t n, std::uint8_t* codes) noexcept {
  kernels::unpack_row<S::bits, typename S::word_type, Arch>(in, n, codes);
}
template <Scheme S, class Arch = xsimd::default_arch>
void unpack_row_int8(const typename S::word_type* in, std::size_t n, std::int8_t* levels) noexcept {
  kernels::unpack_row_int8<S::bits, typename S::word_type, Arch>(in, n, levels);
}

}  // namespace LOWBIT_NS
