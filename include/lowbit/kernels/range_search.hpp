// lowbit: mse_search on many groups at once, one group per lane, bit-identical
// to search_group_range (lowbit/range_search.hpp, where the algorithm is).
//
// The search runs the same function as the scalar reference with V a register
// of floats: each lane performs, in the same order, the operations the scalar
// function performs on its group, so no sum is reassociated. A register's
// groups are first transposed into a scratch tile, element i of lane l at
// tile[i * lanes + l]; a group shorter than the scheme's group size (the last
// of a row) is padded with x = 0, weight 0, which adds exact zeros to every
// sum. per_channel and per_tensor schemes (long groups, summed in double) run
// the scalar function itself.
#pragma once

#include <algorithm>
#include <cstddef>

#include "lowbit/config.hpp"
#include "lowbit/detail/no_contract.hpp"
#include "lowbit/detail/scratch.hpp"
#include "lowbit/detail/xsimd_compat.hpp"
#include "lowbit/kernels/arch/convert_x86.hpp"
#include "lowbit/range_search.hpp"

namespace LOWBIT_NS {

namespace search_detail {

/// One group per lane: the operations of arith<float>, lane by lane (min /
/// max are minps / maxps, as arith<float>'s; the division is the division
/// instruction even under -ffast-math; products go through the FMA barrier).
template <class A>
struct arith<xsimd::batch<float, A>> {
  using V = xsimd::batch<float, A>;
  using mask = xsimd::batch_bool<float, A>;
  static V splat(float v) noexcept { return V(v); }
  static V load(const float* p) noexcept { return V::load_unaligned(p); }
  static V rne(const V& v) noexcept { return xsimd::nearbyint(v); }
  static V min(const V& a, const V& b) noexcept { return xsimd::min(a, b); }
  static V max(const V& a, const V& b) noexcept { return xsimd::max(a, b); }
  static V abs(const V& a) noexcept { return xsimd::abs(a); }
  static V mul(const V& a, const V& b) noexcept { return detail::no_contract(a * b); }
  static V div(const V& a, const V& b) noexcept { return kernels::convert_arch::ieee_divide<A>(a, b); }
  static V select(const mask& m, const V& a, const V& b) noexcept { return detail::simd::select(m, a, b); }
  static mask none() noexcept { return V(0.0f) != V(0.0f); }
};

}  // namespace search_detail

namespace kernels {

/// mse_search for the first `n` groups of rows x cols row-major `x` (group j:
/// row j / groups_per_row, group j % groups_per_row), whose min / max are
/// lo[j], hi[j]: replaced by the searched ranges, bit-identical to
/// search_group_range on each group. importance: one weight per column, or null.
template <Scheme S, class A = xsimd::default_arch>
void search_ranges(const float* x, std::size_t cols, std::size_t n, const float* importance, float* lo, float* hi) {
  static_assert(S::is_search);
  if constexpr (S::granularity != granularity_kind::group) {
    for (std::size_t j = 0; j < n; ++j) search_group_range<S>(x + j * cols, importance, cols, lo[j], hi[j]);
  } else {
    using V = xsimd::batch<float, A>;
    constexpr std::size_t lanes = V::size, G = S::group_size;
    const std::size_t groups_per_row = (cols + G - 1) / G;
    detail::scratch_vector<float> xt(G * lanes), wt(G * lanes);
    alignas(64) float vlo[lanes], vhi[lanes];
    for (std::size_t j0 = 0; j0 < n; j0 += lanes) {
      const std::size_t m = std::min(lanes, n - j0);
      bool short_group = m < lanes;  // a lane past the groups or a group shorter than G: weights needed
      for (std::size_t l = 0; l < lanes; ++l) {
        std::size_t len = 0;
        if (l < m) {
          const std::size_t j = j0 + l, r = j / groups_per_row, c0 = j % groups_per_row * G;
          len = std::min(G, cols - c0);
          short_group |= len < G;
          const float* src = x + r * cols + c0;
          for (std::size_t i = 0; i < len; ++i) {
            xt[i * lanes + l] = src[i];
            wt[i * lanes + l] = importance ? importance[c0 + i] : 1.0f;
          }
          vlo[l] = lo[j];
          vhi[l] = hi[j];
        } else {
          vlo[l] = vhi[l] = 0.0f;  // an empty lane: range 0, left as it is
        }
        for (std::size_t i = len; i < G; ++i) xt[i * lanes + l] = wt[i * lanes + l] = 0.0f;
      }
      V b_lo = V::load_aligned(vlo), b_hi = V::load_aligned(vhi);
      // Without importance and with every lane a whole group, all weights are 1:
      // no weight array, as the reference for a group without importance.
      const float* w = importance || short_group ? wt.data() : nullptr;
      search_detail::search_range<S, V>(xt.data(), w, G, lanes, b_lo, b_hi);
      b_lo.store_aligned(vlo);
      b_hi.store_aligned(vhi);
      std::copy(vlo, vlo + m, lo + j0);
      std::copy(vhi, vhi + m, hi + j0);
    }
  }
}

}  // namespace kernels

}  // namespace LOWBIT_NS
