// lowbit: scalar reference matrix products, the oracle of kernels/matmul.hpp.
//
//   gemm:  Y[n][r] = epilogue( sum_k W^[r][k] * X[n][k] ),  r in [r0, r1), n < tokens
//
// with W^ the dequantized weights (reference::dequantize_value of each code)
// and the sum taken in double, then rounded to float. The two paths differ
// only in what multiplies W^:
//   path::floating   X itself (fp16 / bf16 activations converted to float);
//   path::int8_dot   X~ = s_b * a, the activations quantized per block b of
//                    detail::activation_block<S> elements (quantize_activations).
// The SIMD kernels compute the same sums in float, in another order: the
// tests bound the difference (docs/kernels.md).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "lowbit/config.hpp"
#include "lowbit/detail/finite.hpp"
#include "lowbit/detail/matmul_checks.hpp"
#include "lowbit/detail/no_contract.hpp"
#include "lowbit/detail/scratch.hpp"
#include "lowbit/error.hpp"
#include "lowbit/group_params.hpp"
#include "lowbit/layout/quantized_matrix.hpp"
#include "lowbit/matmul_options.hpp"
#include "lowbit/reference/pack.hpp"
#include "lowbit/reference/quantize.hpp"

namespace LOWBIT_NS::reference {

/// The int8 activations of one token: n floats in blocks of `block` (the last
/// may be shorter). Per block b, with amax = max |x_i| over the block:
///   s_b = amax / 127 (IEEE division),  a_i = clamp(rne(x_i / s_b), -127, 127),  asum_b = sum a_i
/// (a_i = 0 when amax = 0). A block holding NaN or Inf gets s_b = NaN and
/// a_i = 0, so every output it meets is NaN. a, s, asum hold n, ceil(n / block)
/// and ceil(n / block) values.
inline void quantize_activations(const float* x, std::size_t n, std::size_t block, std::int8_t* a, float* s,
                                 std::int32_t* asum) noexcept {
  for (std::size_t b = 0, i0 = 0; i0 < n; ++b, i0 += block) {
    const std::size_t i1 = std::min(n, i0 + block);
    float amax = 0.0f;
    bool finite = true;
    for (std::size_t i = i0; i < i1; ++i) {
      finite &= detail::is_finite_bits(x[i]);
      amax = std::fmax(amax, std::fabs(x[i]));
    }
    std::int32_t sum = 0;
    if (!finite) {
      s[b] = std::numeric_limits<float>::quiet_NaN();
      std::fill(a + i0, a + i1, std::int8_t{0});
    } else {
      const float scale = detail::ieee_divide(amax, 127.0f);
      s[b] = scale;
      for (std::size_t i = i0; i < i1; ++i) {
        float q = scale > 0.0f ? std::nearbyint(detail::ieee_divide(x[i], scale)) : 0.0f;
        q = std::fmin(std::fmax(q, -127.0f), 127.0f);
        a[i] = static_cast<std::int8_t>(q);
        sum += a[i];
      }
    }
    asum[b] = sum;
  }
}

/// The reference gemm: Path is path::floating or path::int8_dot (see the file
/// comment); x is tokens x cols (row stride options.x_stride), y tokens x rows
/// (options.y_stride), of which only rows [row_begin, row_end) are written.
/// Refuses, before writing, what matmul.hpp documents.
template <class Path, Scheme S, bool M, class T, class E = epilogue::none>
status try_gemm(const basic_quantized_view<S, M>& w, const T* x, std::size_t tokens, float* y,
                const matmul_options& options = {}, const E& e = {}) {
  static_assert(std::is_same_v<Path, path::floating> || std::is_same_v<Path, path::int8_dot>,
                "lowbit::reference::gemm: give the path explicitly, path::floating or path::int8_dot");
  static_assert(detail::is_epilogue<E>, "lowbit::reference::gemm: E must be a lowbit::epilogue type");
  detail::matmul_call c;
  LOWBIT_TRY(detail::check_matmul(w.rows(), w.cols(), detail::weight_spans(w), x, tokens, y, options, e, "gemm", c));
  const std::size_t cols = w.cols();
  const matrix_layout<S>& l = w.layout();
  const std::size_t glen = l.group_length();
  detail::scratch_vector<float> xf(cols);
  detail::scratch_vector<double> xd(cols);
  detail::scratch_vector<std::uint8_t> codes(cols);
  constexpr std::size_t block = detail::activation_block<S>;
  const std::size_t blocks = (cols + block - 1) / block;
  detail::scratch_vector<std::int8_t> a(cols);
  detail::scratch_vector<float> s(blocks);
  detail::scratch_vector<std::int32_t> asum(blocks);
  for (std::size_t n = 0; n < tokens; ++n) {
    const T* xn = x + n * c.x_stride;
    for (std::size_t k = 0; k < cols; ++k) xf[k] = detail::activation_to_float(xn[k]);
    if constexpr (std::is_same_v<Path, path::int8_dot>) {
      quantize_activations(xf.data(), cols, block, a.data(), s.data(), asum.data());
      for (std::size_t k = 0; k < cols; ++k) xd[k] = static_cast<double>(s[k / block]) * a[k];  // exact in double
    } else {
      for (std::size_t k = 0; k < cols; ++k) xd[k] = xf[k];
    }
    for (std::size_t r = c.r0; r < c.r1; ++r) {
      unpack_row<S::bits, typename S::word_type>(w.row_codes(r), cols, codes.data());
      double acc = 0.0;
      for (std::size_t k = 0; k < cols; ++k) {
        const std::size_t g = k / glen;
        group_params<S> p;
        if constexpr (S::has_zero_point)
          p = load_group_params<S>(w.scale(r, g), w.zero_point(r, g));
        else
          p = load_group_params<S>(w.scale(r, g));
        acc += static_cast<double>(dequantize_value<S>(codes[k], p)) * xd[k];
      }
      float* out = y + n * c.y_stride + r;
      *out = detail::apply_epilogue(e, static_cast<float>(acc), r, out);
    }
  }
  return {};
}

template <class Path, Scheme S, bool M, class T, class E = epilogue::none>
void gemm(const basic_quantized_view<S, M>& w, const T* x, std::size_t tokens, float* y,
          const matmul_options& options = {}, const E& e = {}) {
  detail::throw_if_failed(reference::try_gemm<Path>(w, x, tokens, y, options, e));
}

}  // namespace LOWBIT_NS::reference
