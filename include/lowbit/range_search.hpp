// lowbit: mse_search, the range [lo, hi] a group's parameters are computed
// from, searched for the least (weighted) squared error
//   E = sum_i w_i (x_i - x^_i)^2            (w_i = 1, or the importance of column i)
// instead of the group's minimum and maximum (min_max).
//
// Per group, from its min / max [lo, hi]:
//   1. candidates: for each k, codes l_i = clamp(rne(x_i * iscale_k + ...)) of a
//      grid slightly narrower or wider than min / max,
//        asymmetric       iscale_k = (qmax - 1 + k/10) / (hi - lo),  k = 0..20,
//                         l_i = clamp(rne((x_i - lo) iscale_k), 0, qmax)
//        symmetric        iscale_k = (Q + k/10) / max(|lo|, |hi|),   k = -9..9, Q = 2^(B-1) - 1,
//                         l_i = clamp(rne(x_i iscale_k), -Q, Q)
//        full range       iscale_k = -(N + k/10) / e,                k = -9..9, N = 2^(B-1),
//                         l_i = clamp(rne(x_i iscale_k), -N, N - 1)  (e: the signed extreme)
//   2. each candidate's codes are refitted by weighted least squares:
//        asymmetric  x ~ d l + m:  D = Sw Sll - Sl^2,  d = (Sw Sxl - Sx Sl) / D,  m = (Sll Sx - Sl Sxl) / D
//        symmetric   x ~ d l:      d = Sxl / Sll
//      with S.. the w-weighted sums; the fit's error is E = Sxx - d Sxl (- m Sx),
//      the residual being orthogonal to the fit;
//   3. the candidate of least E is kept (ties: the first), then refitted
//      again (codes from its own d, m) while that lowers E, at most 3 times;
//   4. the result is handed on as a range: asymmetric [m, m + qmax d],
//      symmetric [0, Q d], full range [e', 0] or [0, e'] with e' = -N d; the
//      stored scale and zero point follow from it as for min_max
//      (group_params.hpp), rounded to their storage types.
// symmetric bits<1> (levels -d, +d) has the closed form d = sum w |x| / sum w.
// A group whose range is 0 (all equal), or whose candidates all fail (no
// positive D or d), keeps min / max.
//
// Everything is float arithmetic in one fixed order, with every product
// rounded on its own (no FMA contraction) and IEEE division: the SIMD kernels
// (kernels/range_search.hpp) run the same function with one group per lane,
// and match this scalar instance bit for bit.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <type_traits>
#include <vector>

#include "lowbit/config.hpp"
#include "lowbit/detail/no_contract.hpp"
#include "lowbit/policy/scheme.hpp"

namespace LOWBIT_NS {

namespace search_detail {

/// The arithmetic the search is written in: float here (one group), a
/// register of floats in kernels/range_search.hpp (one group per lane). min
/// and max are those of SSE / AVX (the second operand unless the first is
/// strictly smaller / greater), so that signed zeros come out the same.
template <class V>
struct arith;

/// One scalar: float for one group of a per_group scheme; double for the
/// long groups of per_channel and per_tensor schemes (float sums over
/// thousands of elements would lose the error terms the search compares),
/// the same formulas, run by the scalar function on both the reference and
/// the kernel side. A float division is the division instruction even under
/// -ffast-math, as the kernel's.
template <class T>
requires std::is_floating_point_v<T>
struct arith<T> {
  using mask = bool;
  static T splat(float v) noexcept { return v; }
  static T load(const float* p) noexcept { return *p; }
  static T rne(T v) noexcept { return std::nearbyint(v); }
  static T min(T a, T b) noexcept { return a < b ? a : b; }
  static T max(T a, T b) noexcept { return a > b ? a : b; }
  static T abs(T a) noexcept { return std::fabs(a); }
  static T mul(T a, T b) noexcept { return detail::no_contract(a * b); }
  static T div(T a, T b) noexcept {
    if constexpr (std::is_same_v<T, float>)
      return detail::ieee_divide(a, b);
    else
      return a / b;
  }
  static T select(bool m, T a, T b) noexcept { return m ? a : b; }
  static bool none() noexcept { return false; }
};

inline constexpr int refits = 3;

// Each fit is called on a statement of its own, before its `err` is compared:
// the operands of `&` are unsequenced, and with V a register type `&` is a
// function call whose arguments GCC evaluates right to left.

/// The grid constants of candidate k, computed once in float (then broadcast).
inline float candidate_constant(float base, int k) noexcept {
  return base + detail::no_contract(0.1f * static_cast<float>(k));
}

/// The search of the file comment on one group (V = float) or on one group
/// per lane. Element i of the group(s) is at x + i * stride, its weight at
/// w + i * stride (w null: weight 1); lanes past a group's length carry
/// weight 0 (and any finite x). lo / hi: the min / max in, the range out.
template <Scheme S, class V>
LOWBIT_ALWAYS_INLINE void search_range(const float* x, const float* w, std::size_t n, std::size_t stride, V& lo,
                                       V& hi) noexcept {
  using M = arith<V>;
  using mask = typename M::mask;
  const V zero = M::splat(0.0f), one = M::splat(1.0f);
  auto weight = [&](std::size_t i) { return w ? M::load(w + i * stride) : one; };
  // w_i l: without weights, l itself (1 * l is l exactly: the same bits as the product, one operation fewer)
  auto weighted = [&](std::size_t i, const V& l) { return w ? M::mul(M::load(w + i * stride), l) : l; };

  // Sums that do not depend on the candidate: Sw, Sx, Sxx.
  V sw = zero, sx = zero, sxx = zero;
  for (std::size_t i = 0; i < n; ++i) {
    const V xi = M::load(x + i * stride), wi = weight(i);
    const V wx = M::mul(wi, xi);
    sw = sw + wi;
    sx = sx + wx;
    sxx = sxx + M::mul(wx, xi);
  }

  if constexpr (S::is_symmetric && !S::is_full_range && S::bits == 1) {
    // levels -d, +d: the least-squares d is the weighted mean of |x|
    V sa = zero;
    for (std::size_t i = 0; i < n; ++i) sa = sa + M::mul(weight(i), M::abs(M::load(x + i * stride)));
    const mask ok = sw > zero;
    hi = M::select(ok, M::div(sa, M::select(ok, sw, one)), hi);
    lo = M::select(ok, zero, lo);
  } else if constexpr (S::is_symmetric) {
    // x ~ d l, l in [l_lo, l_hi]
    constexpr float n_levels = static_cast<float>(1u << (S::bits - 1));
    constexpr float l_lo = S::is_full_range ? -n_levels : 1.0f - n_levels, l_hi = n_levels - 1.0f;
    const V e = S::is_full_range ? M::select(M::abs(hi) >= M::abs(lo), hi, lo) : M::max(M::abs(lo), M::abs(hi));
    const mask valid = e != zero;
    const V safe_e = M::select(valid, e, one);
    auto fit = [&](const V& iscale, V& d, V& err) -> mask {
      V sll = zero, sxl = zero;
      for (std::size_t i = 0; i < n; ++i) {
        const V xi = M::load(x + i * stride);
        const V l = M::min(M::max(M::rne(M::mul(xi, iscale)), M::splat(l_lo)), M::splat(l_hi));
        const V wl = weighted(i, l);
        sll = sll + M::mul(wl, l);
        sxl = sxl + M::mul(wl, xi);
      }
      const mask ok = sll > zero;
      d = M::div(sxl, M::select(ok, sll, one));
      err = sxx - M::mul(d, sxl);
      return ok & (d != zero);
    };
    V best_d = zero, best_err = M::splat(std::numeric_limits<float>::infinity());
    mask found = M::none();
    const float base = S::is_full_range ? -n_levels : n_levels - 1.0f;
    for (int k = -9; k <= 9; ++k) {
      const float c = S::is_full_range ? candidate_constant(base, -k) : candidate_constant(base, k);
      V d, err;
      const mask fitted = fit(M::div(M::splat(c), safe_e), d, err);
      const mask better = fitted & valid & (err < best_err);
      best_d = M::select(better, d, best_d);
      best_err = M::select(better, err, best_err);
      found = found | better;
    }
    for (int r = 0; r < refits; ++r) {
      V d, err;
      const mask fitted = fit(M::div(one, M::select(found, best_d, one)), d, err);
      const mask better = fitted & found & (err < best_err);
      best_d = M::select(better, d, best_d);
      best_err = M::select(better, err, best_err);
    }
    if constexpr (S::is_full_range) {
      const V e_new = M::mul(best_d, M::splat(-n_levels));  // the extreme the fitted d maps to level -N
      const mask positive = e_new > zero;
      hi = M::select(found, M::select(positive, e_new, zero), hi);
      lo = M::select(found, M::select(positive, zero, e_new), lo);
    } else {
      hi = M::select(found, M::mul(best_d, M::splat(l_hi)), hi);
      lo = M::select(found, zero, lo);
    }
  } else if constexpr (S::has_integer_zero_point) {
    // x ~ d (l - z), l in [0, qmax], z the code of 0 (an integer in [0, qmax])
    constexpr float qmax = static_cast<float>(S::code_max);
    const V lo0 = M::min(lo, zero), hi0 = M::max(hi, zero);  // the range always holds 0, as in group_params.hpp
    const V range = hi0 - lo0;
    const mask valid = range > zero;
    const V safe_range = M::select(valid, range, one);
    // codes l = clamp(rne(x iscale) + z, 0, qmax); the least-squares d for them
    auto fit = [&](const V& iscale, const V& z, V& d, V& err) -> mask {
      V sll = zero, sxl = zero;
      for (std::size_t i = 0; i < n; ++i) {
        const V xi = M::load(x + i * stride);
        const V l = M::min(M::max(M::rne(M::mul(xi, iscale)) + z, zero), M::splat(qmax)) - z;
        const V wl = weighted(i, l);
        sll = sll + M::mul(wl, l);
        sxl = sxl + M::mul(wl, xi);
      }
      const mask ok = sll > zero;
      d = M::div(sxl, M::select(ok, sll, one));
      err = sxx - M::mul(d, sxl);
      return ok & (d > zero);
    };
    V best_d = zero, best_z = zero, best_err = M::splat(std::numeric_limits<float>::infinity());
    mask found = M::none();
    for (int k = 0; k <= 20; ++k) {
      V d, err;
      const V iscale = M::div(M::splat(candidate_constant(qmax - 1.0f, k)), safe_range);
      const V z = M::min(M::max(M::rne(M::mul(zero - lo0, iscale)), zero), M::splat(qmax));
      const mask fitted = fit(iscale, z, d, err);
      const mask better = fitted & valid & (err < best_err);
      best_d = M::select(better, d, best_d);
      best_z = M::select(better, z, best_z);
      best_err = M::select(better, err, best_err);
      found = found | better;
    }
    for (int r = 0; r < refits; ++r) {
      V d, err;
      const mask fitted = fit(M::div(one, M::select(found, best_d, one)), best_z, d, err);
      const mask better = fitted & found & (err < best_err);
      best_d = M::select(better, d, best_d);
      best_err = M::select(better, err, best_err);
    }
    // [-z d, (qmax - z) d]: group_params.hpp gives back d and z from it (up to the rounding of d)
    lo = M::select(found, M::mul(zero - best_z, best_d), lo);
    hi = M::select(found, M::mul(M::splat(qmax) - best_z, best_d), hi);
  } else {
    // x ~ d l + m, l in [0, qmax]
    constexpr float qmax = static_cast<float>(S::code_max);
    const V range = hi - lo;
    const mask valid = range > zero;
    const V safe_range = M::select(valid, range, one);
    auto fit = [&](const V& origin, const V& iscale, V& d, V& m, V& err) -> mask {
      V sl = zero, sll = zero, sxl = zero;
      for (std::size_t i = 0; i < n; ++i) {
        const V xi = M::load(x + i * stride);
        const V l = M::min(M::max(M::rne(M::mul(xi - origin, iscale)), zero), M::splat(qmax));
        const V wl = weighted(i, l);
        sl = sl + wl;
        sll = sll + M::mul(wl, l);
        sxl = sxl + M::mul(wl, xi);
      }
      const V det = M::mul(sw, sll) - M::mul(sl, sl);
      const mask ok = det > zero;
      const V safe_det = M::select(ok, det, one);
      d = M::div(M::mul(sw, sxl) - M::mul(sx, sl), safe_det);
      m = M::div(M::mul(sll, sx) - M::mul(sl, sxl), safe_det);
      err = sxx - M::mul(d, sxl) - M::mul(m, sx);
      return ok & (d > zero);
    };
    V best_d = zero, best_m = zero, best_err = M::splat(std::numeric_limits<float>::infinity());
    mask found = M::none();
    for (int k = 0; k <= 20; ++k) {
      V d, m, err;
      const V iscale = M::div(M::splat(candidate_constant(qmax - 1.0f, k)), safe_range);
      const mask fitted = fit(lo, iscale, d, m, err);
      const mask better = fitted & valid & (err < best_err);
      best_d = M::select(better, d, best_d);
      best_m = M::select(better, m, best_m);
      best_err = M::select(better, err, best_err);
      found = found | better;
    }
    for (int r = 0; r < refits; ++r) {
      V d, m, err;
      const mask fitted = fit(best_m, M::div(one, M::select(found, best_d, one)), d, m, err);
      const mask better = fitted & found & (err < best_err);
      best_d = M::select(better, d, best_d);
      best_m = M::select(better, m, best_m);
      best_err = M::select(better, err, best_err);
    }
    lo = M::select(found, best_m, lo);
    hi = M::select(found, best_m + M::mul(best_d, M::splat(qmax)), hi);
  }
}

}  // namespace search_detail

/// mse_search on one group of n elements x[0, n) with weights w[0, n) (null:
/// all 1), all finite (w >= 0): replaces [lo, hi], its min / max, by the
/// searched range. The scalar reference of the SIMD kernels.
/// per_group schemes search in float; per_channel and per_tensor ones in
/// double (their groups are long), the range rounded back to float.
template <Scheme S>
void search_group_range(const float* x, const float* w, std::size_t n, float& lo, float& hi) noexcept {
  if constexpr (S::granularity == granularity_kind::group) {
    search_detail::search_range<S, float>(x, w, n, 1, lo, hi);
  } else {
    double l = lo, h = hi;
    search_detail::search_range<S, double>(x, w, n, 1, l, h);
    lo = static_cast<float>(l);
    hi = static_cast<float>(h);
  }
}

/// mse_search on a whole rows x cols matrix as one group (per_tensor), the
/// weight of element (r, c) being importance[c] (null: 1).
template <Scheme S>
void search_tensor_range(const float* x, std::size_t rows, std::size_t cols, const float* importance, float& lo,
                         float& hi) {
  if (importance == nullptr) return search_group_range<S>(x, nullptr, rows * cols, lo, hi);
  std::vector<float> w(rows * cols);
  for (std::size_t r = 0; r < rows; ++r) std::copy(importance, importance + cols, w.data() + r * cols);
  search_group_range<S>(x, w.data(), rows * cols, lo, hi);
}

}  // namespace LOWBIT_NS
