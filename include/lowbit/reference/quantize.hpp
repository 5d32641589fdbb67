// lowbit: scalar reference quantize / dequantize, written for clarity.
// The oracle every SIMD kernel is tested against; the formulas are in group_params.hpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "lowbit/config.hpp"
#include "lowbit/detail/checks.hpp"
#include "lowbit/detail/no_contract.hpp"
#include "lowbit/detail/random.hpp"
#include "lowbit/detail/scratch.hpp"
#include "lowbit/group_params.hpp"
#include "lowbit/layout/quantized_matrix.hpp"
#include "lowbit/range_search.hpp"
#include "lowbit/reference/pack.hpp"

namespace LOWBIT_NS::reference {

/// Code of one value. `r` in [0, 1) is used only by stochastic schemes.
template <Scheme S>
std::uint8_t quantize_value(float x, const group_params<S>& p, float r = 0.0f) noexcept {
  const float t = detail::ieee_divide(x - p.offset, p.divisor);
  float u;
  if constexpr (detail::integer_center<S>) {
    u = (S::is_stochastic ? std::floor(t + r) : std::nearbyint(t)) + p.center;
  } else {
    const float v = t + p.center;
    u = S::is_stochastic ? std::floor(v + r) : std::nearbyint(v);
  }
  u = std::fmin(std::fmax(u, p.code_lo), p.code_hi);
  return static_cast<std::uint8_t>(u);
}

/// Value of one code.
template <Scheme S>
float dequantize_value(std::uint8_t code, const group_params<S>& p) noexcept {
  const float u = static_cast<float>(code);
  if constexpr (S::has_float_offset)
    return detail::no_contract(p.step * u) + p.offset;
  else
    return p.step * (u - p.center);
}

/// Parameters of every group of a rows x cols matrix (params_count() of them, in
/// storage order) into `params`. Refuses NaN/Inf (the first in row-major
/// order) or an unrepresentable scale (the first group that has one, among the
/// groups before that NaN / Inf).
template <Scheme S>
status compute_all_params(const float* x, std::size_t rows, std::size_t cols,
                          detail::scratch_vector<group_params<S>>& params, const float* importance = nullptr) {
  const matrix_layout<S> l{rows, cols};
  params.clear();
  if (l.empty()) return {};
  params.reserve(l.params_count());
  const std::size_t glen = l.group_length();
  float tlo = std::numeric_limits<float>::infinity(), thi = -tlo;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t g = 0; g < l.groups_per_row(); ++g) {
      float lo = std::numeric_limits<float>::infinity(), hi = -lo;
      for (std::size_t c = g * glen; c < std::min(cols, (g + 1) * glen); ++c) {
        const float v = x[r * cols + c];
        if (!detail::is_finite_bits(v)) return detail::non_finite(v, r, c);
        lo = std::fmin(lo, v);
        hi = std::fmax(hi, v);
      }
      if constexpr (S::granularity == granularity_kind::tensor) {
        tlo = std::fmin(tlo, lo);
        thi = std::fmax(thi, hi);
      } else {
        if constexpr (S::is_search)
          search_group_range<S>(x + r * cols + g * glen, importance ? importance + g * glen : nullptr,
                                std::min(cols - g * glen, glen), lo, hi);
        LOWBIT_TRY(try_compute_group_params<S>(lo, hi, r, g, params.emplace_back()));
      }
    }
  }
  if constexpr (S::granularity == granularity_kind::tensor) {
    if constexpr (S::is_search) search_tensor_range<S>(x, rows, cols, importance, tlo, thi);
    LOWBIT_TRY(try_compute_group_params<S>(tlo, thi, 0, 0, params.emplace_back()));
  }
  return {};
}

/// Quantizes the row-major rows x cols matrix x into `out` (shape must match).
/// All input is checked before anything is written: NaN/Inf or a scale the
/// scheme's storage cannot hold is refused and `out` is untouched.
template <Scheme S>
status try_quantize(const float* x, std::size_t rows, std::size_t cols, quantized_view<S> out,
                    const quantize_options& options = {}) {
  LOWBIT_TRY(detail::check_shape(out, rows, cols, "quantize"));
  LOWBIT_TRY(detail::check_fp32(x, rows, cols, "quantize", "input"));
  LOWBIT_TRY(detail::check_importance<S>(options.importance, cols));
  if (out.empty()) return {};
  detail::scratch_vector<group_params<S>> params;
  LOWBIT_TRY(compute_all_params<S>(x, rows, cols, params, options.importance));
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push  // GCC 12 -O3 -march=znver*: false positive on the vector body for a small constant count
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif
  for (std::size_t i = 0; i < params.size(); ++i) {
    out.scales()[i] = params[i].scale;
    if constexpr (S::has_zero_point) out.zero_points()[i] = params[i].zero_point;
  }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
  const matrix_layout<S> l{rows, cols};
  detail::scratch_vector<std::uint8_t> codes(cols);
  for (std::size_t r = 0; r < rows; ++r) {
    const std::uint32_t key = detail::stochastic_row_key(options.seed, options.row_offset + r);
    for (std::size_t c = 0; c < cols; ++c) {
      const std::size_t pi =
          S::granularity == granularity_kind::tensor ? 0 : r * l.groups_per_row() + c / l.group_length();
      const float noise = S::is_stochastic ? detail::stochastic_uniform(key, static_cast<std::uint32_t>(c)) : 0.0f;
      codes[c] = quantize_value<S>(x[r * cols + c], params[pi], noise);
    }
    pack_row<S::bits>(codes.data(), cols, out.row_codes(r));
  }
  return {};
}

/// try_quantize, throwing lowbit::error.
template <Scheme S>
void quantize(const float* x, std::size_t rows, std::size_t cols, quantized_view<S> out,
              const quantize_options& options = {}) {
  detail::throw_if_failed(reference::try_quantize<S>(x, rows, cols, out, options));
}

template <Scheme S>
quantized_matrix<S> quantize(const float* x, std::size_t rows, std::size_t cols, const quantize_options& options = {}) {
  quantized_matrix<S> q(rows, cols);
  reference::quantize<S>(x, rows, cols, q.view(), options);
  return q;
}

/// Writes the rows x cols fp32 matrix q represents to `out` (row-major).
template <Scheme S>
status try_dequantize(const_quantized_view<S> q, float* out) {
  LOWBIT_TRY(detail::check_fp32(out, q.rows(), q.cols(), "dequantize", "output"));
  if (q.empty()) return {};
  detail::scratch_vector<std::uint8_t> codes(q.cols());
  for (std::size_t r = 0; r < q.rows(); ++r) {
    unpack_row<S::bits>(q.row_codes(r), q.cols(), codes.data());
    for (std::size_t c = 0; c < q.cols(); ++c) {
      const std::size_t g = c / q.layout().group_length();
      zero_point_storage_t<S> z{};
      if constexpr (S::has_zero_point) z = q.zero_point(r, g);
      out[r * q.cols() + c] = dequantize_value<S>(codes[c], load_group_params<S>(q.scale(r, g), z));
    }
  }
  return {};
}

/// try_dequantize, throwing lowbit::error.
template <Scheme S>
void dequantize(const_quantized_view<S> q, float* out) {
  detail::throw_if_failed(reference::try_dequantize<S>(q, out));
}

}  // namespace LOWBIT_NS::reference
