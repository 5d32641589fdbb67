// lowbit: SIMD quantize / dequantize, bit-identical to reference/quantize.hpp.
//
// quantize runs in two passes over the input:
//   1. per row: min / max / finiteness scan of every group (SIMD), then the
//      parameters of all groups at once, a register of groups at a time
//      (kernels/group_params.hpp). Every group is validated and its stored
//      scale / zero point and kernel constants kept in scratch arrays before
//      anything is written;
//   2. per row, in blocks of packed_layout::block_codes codes: per element
//        t = (x - offset) / divisor                          (true division, as the reference)
//        u = clamp(rne(t) + center, code_lo, code_hi)        (floor(t + r) when stochastic)
//        u = clamp(rne(t + center), ...)                      (symmetric B = 1: center 1/2)
//      into a stack buffer of u8 codes, then kernels::pack_row_unchecked.
// dequantize unpacks a block of codes to a stack buffer (kernels::unpack_row) and
//        x^ = step * (u - center)            or    x^ = no_contract(step * u) + offset
// with the reference's operation order, so no FMA contraction changes a bit;
// its group constants come from load_group_params on the stored values.
// A group's elements that do not fill a whole register go through the
// reference's per-value functions.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "lowbit/config.hpp"
#include "lowbit/detail/checks.hpp"
#include "lowbit/detail/no_contract.hpp"
#include "lowbit/detail/random.hpp"
#include "lowbit/detail/xsimd_compat.hpp"
#include "lowbit/group_params.hpp"
#include "lowbit/kernels/arch/convert_x86.hpp"
#include "lowbit/kernels/group_params.hpp"
#include "lowbit/kernels/pack.hpp"
#include "lowbit/layout/quantized_matrix.hpp"
#include "lowbit/reference/quantize.hpp"

namespace lowbit::kernels {
namespace quantize_impl {

template <class A>
using fbatch = xsimd::batch<float, A>;

/// S with float scales (and a float offset in place of an fp16 / bf16 one):
/// load_group_params of this scheme on the exact float values of S's stored
/// parameters gives the same kernel constants, without a scalar fp16 / bf16
/// decode per group.
template <Scheme S>
using float_param_scheme =
    basic_scheme<typename S::mode_policy, typename S::width_policy, typename S::granularity_policy,
                 typename S::word_policy, scale<float>,
                 std::conditional_t<S::has_float_offset, zero_point<float>, typename S::zero_point_policy>,
                 typename S::rounding_policy>;

/// Minimum and maximum of x[0, n), n >= 1. Returns false if an element is NaN
/// or Inf (lo / hi are then meaningless).
template <class A>
bool scan_range(const float* x, std::size_t n, float& lo, float& hi) noexcept {
  using B = fbatch<A>;
  constexpr std::size_t lanes = B::size;
  float slo = std::numeric_limits<float>::infinity(), shi = -slo;
  bool finite = true;
  std::size_t i = 0;
  if (n >= lanes) {
    // x * 0 is +-0 for finite x and NaN for NaN / Inf; the OR of their bits
    // stays +-0 or turns NaN (an OR, not a sum: no latency chain of adds).
    const B zero(0.0f);
    B v = B::load_unaligned(x);
    B vlo = v, vhi = v, bad = v * zero;
    for (i = lanes; i + lanes <= n; i += lanes) {
      v = B::load_unaligned(x + i);
      vlo = xsimd::min(vlo, v);
      vhi = xsimd::max(vhi, v);
      bad = bad | (v * zero);
    }
    finite = xsimd::all(xsimd::abs(bad) == zero);
    slo = convert_arch::reduce_min<A>(vlo);
    shi = convert_arch::reduce_max<A>(vhi);
  }
  for (; i < n; ++i) {
    finite &= std::isfinite(x[i]);
    slo = std::fmin(slo, x[i]);
    shi = std::fmax(shi, x[i]);
  }
  lo = slo;
  hi = shi;
  return finite;
}

/// The stochastic-rounding noise of columns c0 .. c0 + lanes - 1 of a row with
/// key `key` (detail/random.hpp, lane by lane in 32-bit integer arithmetic).
template <class A>
struct noise_generator {
  using U = xsimd::batch<std::uint32_t, A>;
  using I = xsimd::batch<std::int32_t, A>;
  static constexpr std::size_t lanes = U::size;

  U key;
  U lane_index;

  explicit noise_generator(std::uint32_t k) noexcept : key(k) {
    alignas(64) std::array<std::uint32_t, lanes> iota{};
    for (std::size_t i = 0; i < lanes; ++i) iota[i] = static_cast<std::uint32_t>(i);
    lane_index = U::load_aligned(iota.data());
  }

  static LOWBIT_ALWAYS_INLINE U fmix32(U h) noexcept {
    h ^= h >> 16;
    h *= U(0x85ebca6bu);
    h ^= h >> 13;
    h *= U(0xc2b2ae35u);
    h ^= h >> 16;
    return h;
  }

  /// r = (fmix32(key ^ (0x85ebca6b * col + 0x27d4eb2f)) >> 8) * 2^-24
  LOWBIT_ALWAYS_INLINE fbatch<A> operator()(std::uint32_t c0) const noexcept {
    const U col = U(c0) + lane_index;
    const U h = fmix32(key ^ (col * U(0x85ebca6bu) + U(0x27d4eb2fu)));
    const I top = detail::simd::bitcast<std::int32_t>(h >> 8);  // < 2^24: exact in float
    return xsimd::batch_cast<float>(top) * fbatch<A>(5.9604644775390625e-8f);
  }
};

/// Per-element quantization with one group's constants: its divisor and its
/// shift (center of an integer zero point, or float offset; see group_params_out).
/// t = y / d is a true division, as in the reference (measured: a vdivps per
/// register costs no more than a multiplication by 1 / d here; the loop is
/// bound by the other operations).
template <Scheme S, class A>
struct code_kernel {
  using B = fbatch<A>;
  static constexpr float symmetric_center = S::bits == 1 ? 0.5f : static_cast<float>(1u << (S::bits - 1));
  static constexpr float code_lo = S::is_symmetric && S::bits > 1 ? 1.0f : 0.0f;
  static constexpr float code_hi = static_cast<float>(S::code_max);

  B divisor, shift;

  LOWBIT_ALWAYS_INLINE code_kernel(float d, float sh) noexcept
      : divisor(d), shift(S::is_symmetric ? symmetric_center : sh) {}

  /// The same constants as a group_params, for the reference's per-value function.
  group_params<float_param_scheme<S>> params() const noexcept {
    using FS = float_param_scheme<S>;
    group_params<FS> p;
    if constexpr (S::has_zero_point)
      p = load_group_params<FS>(1.0f, static_cast<zero_point_storage_t<FS>>(shift.get(0)));
    else
      p = load_group_params<FS>(1.0f);
    p.divisor = divisor.get(0);
    return p;
  }

  /// Codes of x as floats; r is the noise (ignored by round_to_nearest_even).
  LOWBIT_ALWAYS_INLINE B operator()(B x, [[maybe_unused]] B r) const noexcept {
    const B t = S::has_float_offset ? (x - shift) / divisor : x / divisor;  // x - 0 == x otherwise
    B u;
    if constexpr (detail::integer_center<S>) {
      u = S::is_stochastic ? xsimd::floor(t + r) : xsimd::nearbyint(t);
      // + center: the shift, or 0 for a float offset (rne(t) + 0 only differs
      // in the sign of a zero, which the clamp to code_lo = 0 removes)
      if constexpr (!S::has_float_offset) u = u + shift;
    } else {
      const B v = t + shift;
      u = S::is_stochastic ? xsimd::floor(v + r) : xsimd::nearbyint(v);
    }
    return xsimd::min(xsimd::max(u, B(code_lo)), B(code_hi));
  }
};

/// Codes of x[0, n) (columns c0 .. c0 + n - 1 of a row) with one group's constants.
template <Scheme S, class A>
LOWBIT_ALWAYS_INLINE void quantize_span(const float* x, std::size_t n, float divisor, float shift,
                                        [[maybe_unused]] const noise_generator<A>& noise, std::uint32_t key,
                                        std::uint32_t c0, std::uint8_t* codes) noexcept {
  using B = fbatch<A>;
  constexpr std::size_t lanes = B::size;
  const code_kernel<S, A> k(divisor, shift);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    B r(0.0f);
    if constexpr (S::is_stochastic) r = noise(c0 + static_cast<std::uint32_t>(i));
    convert_arch::store_f32_as_u8<A>(k(B::load_unaligned(x + i), r), codes + i);
  }
  if (i == n) return;
  const auto p = k.params();
  for (; i < n; ++i) {
    const auto c = c0 + static_cast<std::uint32_t>(i);
    const float r = S::is_stochastic ? detail::stochastic_uniform(key, c) : 0.0f;
    codes[i] = reference::quantize_value<float_param_scheme<S>>(x[i], p, r);
  }
}

/// x^ of codes[0, n) with one group's parameters.
template <Scheme S, class A>
LOWBIT_ALWAYS_INLINE void dequantize_span(const std::uint8_t* codes, std::size_t n,
                                          const group_params<float_param_scheme<S>>& p, float* out) noexcept {
  using B = fbatch<A>;
  constexpr std::size_t lanes = B::size;
  const B step(p.step);
  std::size_t i = 0;
  if constexpr (S::has_float_offset) {
    const B offset(p.offset);
    for (; i + lanes <= n; i += lanes) {
      const B u = convert_arch::load_u8_as_f32<A>(codes + i);
      (detail::no_contract(step * u) + offset).store_unaligned(out + i);
    }
  } else {
    const B center(p.center);
    for (; i + lanes <= n; i += lanes) {
      const B u = convert_arch::load_u8_as_f32<A>(codes + i);
      (step * (u - center)).store_unaligned(out + i);
    }
  }
  for (; i < n; ++i) out[i] = reference::dequantize_value<float_param_scheme<S>>(codes[i], p);
}

/// Minimum and maximum of every group of one row into lo[g], hi[g]. Returns
/// false if the row holds a NaN or Inf (lo / hi are then meaningless).
template <Scheme S, class A>
bool scan_row(const float* row, std::size_t cols, float* lo, float* hi) noexcept {
  using B = fbatch<A>;
  constexpr std::size_t lanes = B::size;
  if constexpr (S::granularity == granularity_kind::group && S::group_size % lanes == 0) {
    // Whole registers per group: unrolled, one finiteness test per row.
    // A symmetric scale depends on max(|lo|, |hi|) alone: its groups get
    // lo = 0, hi = max |x| (one reduction instead of two, same parameters).
    constexpr std::size_t G = S::group_size, regs = G / lanes;
    const B zero(0.0f);
    B bad = zero;
    const std::size_t full = cols / G;
    for (std::size_t g = 0; g < full; ++g) {
      const float* x = row + g * G;
      B v = B::load_unaligned(x);
      B vlo = S::is_symmetric ? xsimd::abs(v) : v, vhi = vlo;
      bad = bad | (v * zero);
      for (std::size_t k = 1; k < regs; ++k) {
        v = B::load_unaligned(x + k * lanes);
        bad = bad | (v * zero);
        if constexpr (S::is_symmetric) {
          vhi = xsimd::max(vhi, xsimd::abs(v));
        } else {
          vlo = xsimd::min(vlo, v);
          vhi = xsimd::max(vhi, v);
        }
      }
      lo[g] = S::is_symmetric ? 0.0f : convert_arch::reduce_min<A>(vlo);
      hi[g] = convert_arch::reduce_max<A>(vhi);
    }
    bool finite = xsimd::all(xsimd::abs(bad) == zero);
    if (full * G < cols) finite &= scan_range<A>(row + full * G, cols - full * G, lo[full], hi[full]);
    return finite;
  } else {
    const matrix_layout<S> l{1, cols};
    const std::size_t glen = l.group_length();
    bool finite = true;
    for (std::size_t g = 0; g < l.groups_per_row(); ++g)
      finite &= scan_range<A>(row + g * glen, std::min(cols - g * glen, glen), lo[g], hi[g]);
    return finite;
  }
}

/// Pass 1: validates x and computes every group's stored scale and zero point
/// and its kernel constants divisor / shift (params_count() of each, see
/// group_params_out), throwing what the reference throws for the same input:
/// the groups before the first non-finite value are checked first.
template <Scheme S, class A>
void compute_stored_params(const float* x, std::size_t rows, std::size_t cols, const group_params_out<S>& out) {
  const matrix_layout<S> l{rows, cols};
  const std::size_t glen = l.group_length(), groups = l.groups_per_row();
  auto first_non_finite = [&](const float* row) {
    std::size_t c = 0;
    while (std::isfinite(row[c])) ++c;
    return c;
  };
  if constexpr (S::granularity == granularity_kind::tensor) {
    float tlo = std::numeric_limits<float>::infinity(), thi = -tlo;
    for (std::size_t r = 0; r < rows; ++r) {
      float lo, hi;
      const float* row = x + r * cols;
      if (!scan_row<S, A>(row, cols, &lo, &hi)) {
        const std::size_t c = first_non_finite(row);
        detail::fail_non_finite(row[c], r, c);
      }
      tlo = std::fmin(tlo, lo);
      thi = std::fmax(thi, hi);
    }
    out.store(0, lowbit::compute_group_params<S>(tlo, thi));
  } else {
    // lo / hi of every group go to divisor / shift, which compute_group_params
    // then overwrites with the constants, group by group.
    float* lo = out.divisor;
    float* hi = out.shift;
    std::size_t checked = rows * groups;  // groups to compute: all, or those before a NaN / Inf
    std::size_t bad_row = rows, bad_col = 0;
    for (std::size_t r = 0; r < rows; ++r) {
      const float* row = x + r * cols;
      if (!scan_row<S, A>(row, cols, lo + r * groups, hi + r * groups)) {
        bad_row = r;
        bad_col = first_non_finite(row);
        checked = r * groups + bad_col / glen;
        break;
      }
    }
    kernels::compute_group_params<S, A>(lo, hi, checked, groups, out);
    if (bad_row < rows) detail::fail_non_finite(x[bad_row * cols + bad_col], bad_row, bad_col);
  }
}

/// The stored parameters of one row, converted to float in bulk.
template <Scheme S, class A>
class row_params {
 public:
  using FS = float_param_scheme<S>;

  explicit row_params(const matrix_layout<S>& l) : scale_(l.groups_per_row()), zero_point_(l.groups_per_row()) {}

  /// Loads the parameters row r uses (per_tensor: the one set, every row).
  void load(const typename S::scale_type* scales, [[maybe_unused]] const zero_point_storage_t<S>* zero_points,
            std::size_t r) {
    const std::size_t n = scale_.size();
    const std::size_t at = S::granularity == granularity_kind::tensor ? 0 : r * n;
    if (S::granularity == granularity_kind::tensor && r > 0) return;
    convert_arch::to_float<typename S::scale_type, A>(scales + at, n, scale_.data());
    if constexpr (S::has_float_offset)
      convert_arch::to_float<typename S::zero_point_type, A>(zero_points + at, n, zero_point_.data());
    else if constexpr (S::has_integer_zero_point)
      std::copy(zero_points + at, zero_points + at + n, zero_point_.data());
  }

  /// Kernel constants of group g of the row.
  LOWBIT_ALWAYS_INLINE group_params<FS> operator[](std::size_t g) const noexcept {
    if constexpr (S::has_zero_point)
      return load_group_params<FS>(scale_[g], zero_point_[g]);
    else
      return load_group_params<FS>(scale_[g]);
  }

 private:
  std::vector<float> scale_;
  std::vector<zero_point_storage_t<FS>> zero_point_;
};

/// Calls f(c, n, g) for each run [c, c + n) of columns of [b0, b1) that shares
/// the parameters of group g of the row (g = 0 unless per_group).
template <Scheme S, class F>
LOWBIT_ALWAYS_INLINE void for_each_span(std::size_t b0, std::size_t b1, F&& f) {
  if constexpr (S::granularity == granularity_kind::group) {
    constexpr std::size_t G = S::group_size;
    for (std::size_t c = b0; c < b1;) {
      const std::size_t g = c / G, end = std::min(b1, (g + 1) * G);
      f(c, end - c, g);
      c = end;
    }
  } else {
    f(b0, b1 - b0, std::size_t{0});
  }
}

}  // namespace quantize_impl

/// Quantizes the row-major rows x cols matrix x into `out` (shape must match),
/// bit-identical to reference::quantize. All input is checked before anything
/// is written: on NaN/Inf or a scale the scheme's storage cannot hold,
/// lowbit::error is thrown and `out` is untouched.
template <Scheme S, class Arch = xsimd::default_arch>
void quantize(const float* x, std::size_t rows, std::size_t cols, quantized_view<S> out,
              const quantize_options& options = {}) {
  using namespace quantize_impl;
  using L = typename matrix_layout<S>::packing;
  detail::check_shape(out, rows, cols, "quantize");
  detail::check_fp32(x, rows, cols, "quantize", "input");
  if (out.empty()) return;
  const matrix_layout<S> l{rows, cols};

  std::vector<typename S::scale_type> scales(l.params_count());
  std::vector<zero_point_storage_t<S>> zero_points(l.zero_points_count());
  std::vector<float> divisor(l.params_count()), shift(l.params_count());
  compute_stored_params<S, Arch>(x, rows, cols, {scales.data(), zero_points.data(), divisor.data(), shift.data()});
  std::copy(scales.begin(), scales.end(), out.scales());
  if constexpr (S::has_zero_point) std::copy(zero_points.begin(), zero_points.end(), out.zero_points());

  constexpr std::size_t block = L::block_codes, block_words = L::block_words(L::block_codes);
  alignas(64) std::uint8_t codes[block];
  const std::size_t groups = l.groups_per_row();
  for (std::size_t r = 0; r < rows; ++r) {
    const float* row = x + r * cols;
    const std::uint32_t key = detail::stochastic_row_key(options.seed, r);
    const noise_generator<Arch> noise(key);
    const std::size_t p0 = S::granularity == granularity_kind::tensor ? 0 : r * groups;
    const float* row_divisor = divisor.data() + p0;
    const float* row_shift = shift.data() + p0;
    auto* words = out.row_codes(r);
    for (std::size_t b0 = 0; b0 < cols; b0 += block) {
      const std::size_t b1 = std::min(cols, b0 + block);
      for_each_span<S>(b0, b1, [&](std::size_t c, std::size_t n, std::size_t g) LOWBIT_INLINE_LAMBDA {
        quantize_span<S, Arch>(row + c, n, row_divisor[g], row_shift[g], noise, key, static_cast<std::uint32_t>(c),
                               codes + (c - b0));
      });
      pack_row_unchecked<S::bits, typename S::word_type, Arch>(codes, b1 - b0, words + b0 / block * block_words);
    }
  }
}

/// Quantizes into a new owning quantized_matrix.
template <Scheme S, class Arch = xsimd::default_arch>
quantized_matrix<S> quantize(const float* x, std::size_t rows, std::size_t cols, const quantize_options& options = {}) {
  quantized_matrix<S> q(rows, cols);
  kernels::quantize<S, Arch>(x, rows, cols, q.view(), options);
  return q;
}

/// Writes the rows x cols fp32 matrix q represents to `out` (row-major),
/// bit-identical to reference::dequantize.
template <Scheme S, class Arch = xsimd::default_arch>
void dequantize(const_quantized_view<S> q, float* out) {
  using namespace quantize_impl;
  using L = typename matrix_layout<S>::packing;
  detail::check_fp32(out, q.rows(), q.cols(), "dequantize", "output");
  if (q.empty()) return;
  const matrix_layout<S> l = q.layout();
  const std::size_t cols = q.cols();
  constexpr std::size_t block = L::block_codes, block_words = L::block_words(L::block_codes);
  alignas(64) std::uint8_t codes[block];
  row_params<S, Arch> params(l);
  for (std::size_t r = 0; r < q.rows(); ++r) {
    float* row = out + r * cols;
    const auto* words = q.row_codes(r);
    params.load(q.scales(), q.zero_points(), r);
    for (std::size_t b0 = 0; b0 < cols; b0 += block) {
      const std::size_t b1 = std::min(cols, b0 + block);
      unpack_row<S::bits, typename S::word_type, Arch>(words + b0 / block * block_words, b1 - b0, codes);
      for_each_span<S>(b0, b1, [&](std::size_t c, std::size_t n, std::size_t g) LOWBIT_INLINE_LAMBDA {
        dequantize_span<S, Arch>(codes + (c - b0), n, params[g], row + c);
      });
    }
  }
}

}  // namespace lowbit::kernels
