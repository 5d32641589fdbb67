// lowbit: prepack (quantized matrix -> the prepacked layout of
// layout/prepacked_matrix.hpp, what the prepacked gemv / gemm stream) and
// unprepack (back). The round trip is exact: the same codes, scales and zero
// points, byte for byte.
//
//   auto p = lowbit::prepack(q);                  // prepacked_matrix<S>
//   lowbit::gemm(p, X, tokens, Y);                // matmul.hpp
//   auto back = lowbit::unprepack(p);             // quantized_matrix<S>, == q
//   lowbit::try_prepack(q.view(), engine_view);   // into the engine's memory
//
// Refused with lowbit::error (or the status of the try_ forms), before
// anything is written: an output whose dimensions differ from the input's,
// and an output that overlaps the input.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "lowbit/config.hpp"
#include "lowbit/detail/matmul_checks.hpp"
#include "lowbit/detail/scratch.hpp"
#include "lowbit/detail/xsimd_compat.hpp"
#include "lowbit/error.hpp"
#include "lowbit/kernels/pack.hpp"
#include "lowbit/layout/prepacked_matrix.hpp"
#include "lowbit/layout/quantized_matrix.hpp"

namespace LOWBIT_NS {
namespace prepack_impl {

template <Scheme S>
using tile_layout = prepacked_layout<S>;

/// Byte span of a quantized view's three arrays.
template <Scheme S, bool M>
bool overlaps(const basic_quantized_view<S, M>& q, detail::byte_span s) noexcept {
  const matrix_layout<S>& l = q.layout();
  bool o = s.overlaps(detail::byte_span::of(q.codes(), l.code_words())) ||
           s.overlaps(detail::byte_span::of(q.scales(), l.params_count()));
  if constexpr (S::has_zero_point) o = o || s.overlaps(detail::byte_span::of(q.zero_points(), l.params_count()));
  return o;
}

template <class T>
void store(std::byte* p, std::size_t i, const T& v) noexcept {
  std::memcpy(p + i * sizeof(T), &v, sizeof(T));
}

}  // namespace prepack_impl

/// Writes the prepacked form of q into out (same dimensions).
template <Scheme S, bool M, class Arch = xsimd::default_arch>
status try_prepack(const basic_quantized_view<S, M>& q, const prepacked_view<S>& out) {
  using L = prepacked_layout<S>;
  LOWBIT_TRACE_KERNEL("prepack", Arch);
  if (q.rows() != out.rows() || q.cols() != out.cols())
    return detail::failure("prepack: the output is ", out.rows(), "x", out.cols(), " but the matrix is ", q.rows(), "x",
                           q.cols());
  if (prepack_impl::overlaps(q, detail::byte_span::of(out.data(), out.bytes())))
    return detail::failure("prepack: the output overlaps the quantized matrix");
  if (q.empty()) return {};
  const L& l = out.layout();
  const std::size_t cols = q.cols(), padded = l.cells() * L::cell_cols;
  detail::scratch_vector<std::uint8_t> rows(L::tile_rows * padded), cell(L::cell_codes);
  for (std::size_t t = 0; t < l.tiles(); ++t) {
    std::byte* tile = out.tile(t);
    std::memset(tile, 0, l.tile_bytes());
    std::fill(rows.begin(), rows.end(), std::uint8_t{0});
    for (std::size_t i = 0; i < L::tile_rows; ++i) {
      const std::size_t r = t * L::tile_rows + i;
      if (r >= q.rows()) break;
      kernels::unpack_row<S::bits, typename S::word_type, Arch>(q.row_codes(r), cols, rows.data() + i * padded);
      for (std::size_t g = 0; g < l.groups(); ++g) {
        prepack_impl::store(tile, g * L::tile_rows + i, q.scale(r, g));
        if constexpr (S::has_zero_point)
          prepack_impl::store(tile + l.zero_points_offset(), g * L::tile_rows + i, q.zero_point(r, g));
      }
    }
    auto* codes = reinterpret_cast<std::uint8_t*>(out.tile_codes(t));
    for (std::size_t c = 0; c < l.cells(); ++c) {
      // block index 64 j + 16 i + kk  <-  row i, column 128 c + 16 j + kk
      for (std::size_t j = 0; j < L::cell_cols / L::chunk_cols; ++j)
        for (std::size_t i = 0; i < L::tile_rows; ++i)
          std::memcpy(cell.data() + (j * L::tile_rows + i) * L::chunk_cols,
                      rows.data() + i * padded + c * L::cell_cols + j * L::chunk_cols, L::chunk_cols);
      kernels::pack_impl::byte_block<S::bits, Arch>::pack(cell.data(), codes + c * L::cell_bytes);
    }
  }
  return {};
}

/// Writes the quantized matrix p holds into out (same dimensions). per_tensor:
/// the scale (and zero point) of row 0.
template <Scheme S, bool M, class Arch = xsimd::default_arch>
status try_unprepack(const basic_prepacked_view<S, M>& p, const quantized_view<S>& out) {
  using L = prepacked_layout<S>;
  LOWBIT_TRACE_KERNEL("unprepack", Arch);
  if (p.rows() != out.rows() || p.cols() != out.cols())
    return detail::failure("unprepack: the output is ", out.rows(), "x", out.cols(), " but the matrix is ", p.rows(),
                           "x", p.cols());
  if (prepack_impl::overlaps(out, detail::byte_span::of(p.data(), p.bytes())))
    return detail::failure("unprepack: the output overlaps the prepacked matrix");
  if (p.empty()) return {};
  const L& l = p.layout();
  const std::size_t cols = p.cols(), padded = l.cells() * L::cell_cols;
  const matrix_layout<S>& ql = out.layout();
  detail::scratch_vector<std::uint8_t> rows(L::tile_rows * padded), cell(L::cell_codes);
  for (std::size_t t = 0; t < l.tiles(); ++t) {
    const auto* codes = reinterpret_cast<const std::uint8_t*>(p.tile_codes(t));
    for (std::size_t c = 0; c < l.cells(); ++c) {
      kernels::pack_impl::byte_block<S::bits, Arch>::template unpack<false>(codes + c * L::cell_bytes, cell.data());
      for (std::size_t j = 0; j < L::cell_cols / L::chunk_cols; ++j)
        for (std::size_t i = 0; i < L::tile_rows; ++i)
          std::memcpy(rows.data() + i * padded + c * L::cell_cols + j * L::chunk_cols,
                      cell.data() + (j * L::tile_rows + i) * L::chunk_cols, L::chunk_cols);
    }
    for (std::size_t i = 0; i < L::tile_rows; ++i) {
      const std::size_t r = t * L::tile_rows + i;
      if (r >= p.rows()) break;
      kernels::pack_row_unchecked<S::bits, typename S::word_type, Arch>(rows.data() + i * padded, cols,
                                                                        out.row_codes(r));
      if (S::granularity == granularity_kind::tensor && r != 0) continue;
      for (std::size_t g = 0; g < l.groups(); ++g) {
        out.scales()[ql.param_index(r, g)] = p.scale(r, g);
        if constexpr (S::has_zero_point) out.zero_points()[ql.param_index(r, g)] = p.zero_point(r, g);
      }
    }
  }
  return {};
}

/// The same with the owning matrices (or a view for either side).
template <Scheme S, class Arch = xsimd::default_arch>
status try_prepack(const quantized_matrix<S>& q, prepacked_matrix<S>& out) {
  return try_prepack<S, false, Arch>(q.view(), out.view());
}
template <Scheme S, class Arch = xsimd::default_arch>
status try_unprepack(const prepacked_matrix<S>& p, quantized_matrix<S>& out) {
  return try_unprepack<S, false, Arch>(p.view(), out.view());
}

/// The prepacked form of q, in a matrix of its own. Throws lowbit::error.
template <Scheme S, bool M, class Arch = xsimd::default_arch>
prepacked_matrix<S> prepack(const basic_quantized_view<S, M>& q) {
  prepacked_matrix<S> p(q.rows(), q.cols());
  detail::throw_if_failed(try_prepack<S, M, Arch>(q, p.view()));
  return p;
}
template <Scheme S, class Arch = xsimd::default_arch>
prepacked_matrix<S> prepack(const quantized_matrix<S>& q) {
  return prepack<S, false, Arch>(q.view());
}

/// The quantized matrix p holds. Throws lowbit::error.
template <Scheme S, bool M, class Arch = xsimd::default_arch>
quantized_matrix<S> unprepack(const basic_prepacked_view<S, M>& p) {
  quantized_matrix<S> q(p.rows(), p.cols());
  detail::throw_if_failed(try_unprepack<S, M, Arch>(p, q.view()));
  return q;
}
template <Scheme S, class Arch = xsimd::default_arch>
quantized_matrix<S> unprepack(const prepacked_matrix<S>& p) {
  return unprepack<S, false, Arch>(p.view());
}

}  // namespace LOWBIT_NS
