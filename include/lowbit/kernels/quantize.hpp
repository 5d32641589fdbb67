// lowbit: SIMD quantize / dequantize, bit-identical to reference/quantize.hpp.
//
// quantize reads its input once, a block of rows at a time (about
// quantize_block_bytes, so that the block is still in L2 for the second pass):
//   1. per block: min / max / finiteness scan of every group (SIMD), then the
//      parameters of all its groups, a register of groups at a time
//      (kernels/group_params.hpp). Every group of the block is validated before
//      the block is written; the bytes of the destination the block will
//      overwrite are saved first, and put back if a later block is refused;
//   2. per row of the block, in blocks of packed_layout::block_codes codes:
//        t = (x - offset) / divisor     (the IEEE division, as the reference)
//        u = clamp(rne(t) + center, code_lo, code_hi)        (floor(t + r) when stochastic)
//        u = clamp(rne(t + center), ...)                      (symmetric B = 1: center 1/2)
//      into a stack buffer of u8 codes, then kernels::pack_row_unchecked.
// per_tensor schemes scan every row before quantizing any.
// dequantize unpacks a block of codes to a stack buffer (kernels::unpack_row) and
//        x^ = step * (u - center)            or    x^ = no_contract(step * u) + offset
// with the reference's operation order, so no FMA contraction changes a bit;
// its group constants come from load_group_params on the stored values. Large
// outputs go out with non-temporal stores.
// Every element goes through the register code: a group's last elements that
// do not fill a register (all of a group shorter than one, per_group<7> say)
// are quantized from a zero-padded copy, and only their codes are stored.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "lowbit/config.hpp"
#include "lowbit/detail/checks.hpp"
#include "lowbit/detail/finite.hpp"
#include "lowbit/detail/no_contract.hpp"
#include "lowbit/detail/random.hpp"
#include "lowbit/detail/scratch.hpp"
#include "lowbit/detail/xsimd_compat.hpp"
#include "lowbit/group_params.hpp"
#include "lowbit/kernels/arch/convert_x86.hpp"
#include "lowbit/kernels/group_params.hpp"
#include "lowbit/kernels/pack.hpp"
#include "lowbit/kernels/range_search.hpp"
#include "lowbit/layout/quantized_matrix.hpp"
#include "lowbit/reference/quantize.hpp"

namespace LOWBIT_NS::kernels {
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
                 typename S::rounding_policy, typename S::calibration_policy>;

/// Accumulates, over registers, whether any lane is NaN or Inf, on the bits:
/// t = (bits & 0x7f800000) + 0x00800000 carries into bit 31 exactly when the
/// exponent is all ones; OR the t of every register and test bit 31 at the end.
/// (Integer operations only: the test holds under -ffast-math, and an OR has no
/// latency chain of adds.)
template <class A>
struct non_finite_detector {
  using I = xsimd::batch<std::int32_t, A>;
  I acc = I(0);

  LOWBIT_ALWAYS_INLINE void add(const fbatch<A>& v) noexcept {
    acc = acc | ((detail::simd::bitcast<std::int32_t>(v) & I(0x7f800000)) + I(0x00800000));
  }
  LOWBIT_ALWAYS_INLINE bool all_finite() const noexcept { return !xsimd::any(acc < I(0)); }
};

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
    non_finite_detector<A> bad;
    B v = B::load_unaligned(x);
    B vlo = v, vhi = v;
    bad.add(v);
    for (i = lanes; i + lanes <= n; i += lanes) {
      v = B::load_unaligned(x + i);
      vlo = xsimd::min(vlo, v);
      vhi = xsimd::max(vhi, v);
      bad.add(v);
    }
    finite = bad.all_finite();
    slo = convert_arch::reduce_min<A>(vlo);
    shi = convert_arch::reduce_max<A>(vhi);
  }
  for (; i < n; ++i) {
    finite &= detail::is_finite_bits(x[i]);
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
/// t = a / d (a = x, or x - m for a float offset) is the correctly rounded
/// quotient, as in the reference: the division instruction (in inline asm, so
/// that -ffast-math cannot turn it into an approximate reciprocal). A
/// reciprocal with two FMA correction steps gives the same bits without a
/// division (Markstein), but measured 9.4 against 15.8 GiB/s here on Zen 5:
/// its five dependent FMAs are a longer chain than one vdivps (see
/// docs/performance.md).
template <Scheme S, class A>
struct code_kernel {
  using B = fbatch<A>;
  static constexpr float symmetric_center = S::bits == 1 ? 0.5f : static_cast<float>(1u << (S::bits - 1));
  static constexpr float code_lo = S::is_symmetric && !S::is_full_range && S::bits > 1 ? 1.0f : 0.0f;
  static constexpr float code_hi = static_cast<float>(S::code_max);

  B divisor, shift;

  LOWBIT_ALWAYS_INLINE code_kernel(float d, float sh) noexcept
      : divisor(d), shift(S::is_symmetric ? symmetric_center : sh) {}

  /// RN(a / divisor), bit for bit the reference's division.
  LOWBIT_ALWAYS_INLINE B quotient(const B& a) const noexcept { return convert_arch::ieee_divide<A>(a, divisor); }

  /// Codes of x as floats; r is the noise (ignored by round_to_nearest_even).
  LOWBIT_ALWAYS_INLINE B operator()(B x, [[maybe_unused]] B r) const noexcept {
    const B t = quotient(S::has_float_offset ? x - shift : x);  // x - 0 == x otherwise
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

/// Codes of x[0, n) (columns c0 .. c0 + n - 1 of a row) with one group's
/// constants. The last n mod lanes elements (all of a group shorter than a
/// register) go through the same register code, from a zero-padded copy; only
/// their n mod lanes codes are stored.
template <Scheme S, class A>
LOWBIT_ALWAYS_INLINE void quantize_span(const float* x, std::size_t n, float divisor, float shift,
                                        [[maybe_unused]] const noise_generator<A>& noise, std::uint32_t c0,
                                        std::uint8_t* codes) noexcept {
  using B = fbatch<A>;
  constexpr std::size_t lanes = B::size;
  const code_kernel<S, A> k(divisor, shift);
  const auto codes_of = [&](const float* in, std::size_t i, std::uint8_t* out) LOWBIT_INLINE_LAMBDA {
    B r(0.0f);
    if constexpr (S::is_stochastic) r = noise(c0 + static_cast<std::uint32_t>(i));
    convert_arch::store_f32_as_u8<A>(k(B::load_unaligned(in), r), out);
  };
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) codes_of(x + i, i, codes + i);
  if (i == n) return;
  alignas(64) float tail_x[lanes] = {};
  alignas(64) std::uint8_t tail_codes[lanes];
  std::copy(x + i, x + n, tail_x);
  codes_of(tail_x, i, tail_codes);
  std::copy(tail_codes, tail_codes + (n - i), codes + i);
}

/// x^ of codes[0, n) with one group's parameters; the last n mod lanes codes
/// through the same register code, from a zero-padded copy.
template <Scheme S, class A>
LOWBIT_ALWAYS_INLINE void dequantize_span(const std::uint8_t* codes, std::size_t n,
                                          const group_params<float_param_scheme<S>>& p, float* out) noexcept {
  using B = fbatch<A>;
  constexpr std::size_t lanes = B::size;
  const B step(p.step), offset(p.offset), center(p.center);
  const auto values_of = [&](const std::uint8_t* in, float* to) LOWBIT_INLINE_LAMBDA {
    const B u = convert_arch::load_u8_as_f32<A>(in);
    if constexpr (S::has_float_offset)
      (detail::no_contract(step * u) + offset).store_unaligned(to);
    else
      (step * (u - center)).store_unaligned(to);
  };
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) values_of(codes + i, out + i);
  if (i == n) return;
  alignas(64) std::uint8_t tail_codes[lanes] = {};
  alignas(64) float tail_out[lanes];
  std::copy(codes + i, codes + n, tail_codes);
  values_of(tail_codes, tail_out);
  std::copy(tail_out, tail_out + (n - i), out + i);
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
    // symmetric_full_range needs the sign of the extreme: lo and hi.
    constexpr bool amax_only = S::is_symmetric && !S::is_full_range;
    constexpr std::size_t G = S::group_size, regs = G / lanes;
    non_finite_detector<A> bad;
    const std::size_t full = cols / G;
    for (std::size_t g = 0; g < full; ++g) {
      const float* x = row + g * G;
      B v = B::load_unaligned(x);
      B vlo = amax_only ? xsimd::abs(v) : v, vhi = vlo;
      bad.add(v);
      for (std::size_t k = 1; k < regs; ++k) {
        v = B::load_unaligned(x + k * lanes);
        bad.add(v);
        if constexpr (amax_only) {
          vhi = xsimd::max(vhi, xsimd::abs(v));
        } else {
          vlo = xsimd::min(vlo, v);
          vhi = xsimd::max(vhi, v);
        }
      }
      lo[g] = amax_only ? 0.0f : convert_arch::reduce_min<A>(vlo);
      hi[g] = convert_arch::reduce_max<A>(vhi);
    }
    bool finite = bad.all_finite();
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
/// group_params_out), refusing what the reference refuses for the same input:
/// the groups before the first non-finite value are checked first.
/// mse_search schemes search each group's range (kernels/range_search.hpp)
/// between the scan and the parameters.
template <Scheme S, class A>
status compute_stored_params(const float* x, std::size_t rows, std::size_t cols, const group_params_out<S>& out,
                             std::size_t first_row = 0, const float* importance = nullptr) {
  const matrix_layout<S> l{rows, cols};
  const std::size_t glen = l.group_length(), groups = l.groups_per_row();
  auto first_non_finite = [&](const float* row) {
    std::size_t c = 0;
    while (c + 1 < cols && detail::is_finite_bits(row[c])) ++c;  // the row holds one: it is found
    return c;
  };
  if constexpr (S::granularity == granularity_kind::tensor) {
    float tlo = std::numeric_limits<float>::infinity(), thi = -tlo;
    for (std::size_t r = 0; r < rows; ++r) {
      float lo, hi;
      const float* row = x + r * cols;
      if (!scan_row<S, A>(row, cols, &lo, &hi)) {
        const std::size_t c = first_non_finite(row);
        return detail::non_finite(row[c], first_row + r, c);
      }
      tlo = std::fmin(tlo, lo);
      thi = std::fmax(thi, hi);
    }
    if constexpr (S::is_search) search_tensor_range<S>(x, rows, cols, importance, tlo, thi);
    group_params<S> p;
    LOWBIT_TRY(lowbit::try_compute_group_params<S>(tlo, thi, 0, 0, p));
    out.store(0, p);
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
    if constexpr (S::is_search) search_ranges<S, A>(x, cols, checked, importance, lo, hi);
    LOWBIT_TRY(kernels::try_compute_group_params<S, A>(lo, hi, checked, groups, out, first_row));
    if (bad_row < rows) return detail::non_finite(x[bad_row * cols + bad_col], first_row + bad_row, bad_col);
  }
  return {};
}

/// The stored parameters of one row, converted to float in bulk.
template <Scheme S, class A>
class row_params {
 public:
  using FS = float_param_scheme<S>;

  explicit row_params(const matrix_layout<S>& l) : scale_(l.groups_per_row()), zero_point_(l.groups_per_row()) {}

  /// Loads the parameters row r of q uses (per_tensor: the one set, every row).
  void load(const const_quantized_view<S>& q, std::size_t r) {
    const std::size_t n = scale_.size();
    if (S::granularity == granularity_kind::tensor && r > 0) return;
    convert_arch::to_float<typename S::scale_type, A>(q.row_scales(r), n, scale_.data());
    if constexpr (S::has_float_offset)
      convert_arch::to_float<typename S::zero_point_type, A>(q.row_zero_points(r), n, zero_point_.data());
    else if constexpr (S::has_integer_zero_point)
      std::copy(q.row_zero_points(r), q.row_zero_points(r) + n, zero_point_.data());
  }

  /// Kernel constants of group g of the row.
  LOWBIT_ALWAYS_INLINE group_params<FS> operator[](std::size_t g) const noexcept {
    if constexpr (S::has_zero_point)
      return load_group_params<FS>(scale_[g], zero_point_[g]);
    else
      return load_group_params<FS>(scale_[g]);
  }

 private:
  detail::scratch_vector<float> scale_;
  detail::scratch_vector<zero_point_storage_t<FS>> zero_point_;
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

/// Rows of input quantize processes per block: about this many bytes, so that a
/// block read from memory by the scan is still in L2 when it is quantized.
inline constexpr std::size_t quantize_block_bytes = std::size_t{256} << 10;

namespace quantize_impl {

/// Pass 2 for rows [r0, r1) of the call: codes from the kernel constants
/// divisor / shift of those rows (indexed from the block's first group).
/// While it quantizes rows [r0, r1) from L2, it prefetches the input
/// `prefetch_rows` rows ahead (the next block, which pass 1 is about to scan)
/// into L2, so that reading the next block from memory overlaps this block's
/// compute (prefetch_rows = 0: none).
template <Scheme S, class Arch>
void quantize_rows(const float* x, std::size_t r0, std::size_t r1, std::size_t cols, const quantized_view<S>& out,
                   const float* divisor, const float* shift, const quantize_options& options,
                   std::size_t prefetch_rows = 0, std::size_t rows = 0) {
  using L = typename matrix_layout<S>::packing;
  constexpr std::size_t block = L::block_codes, block_words = L::block_words(L::block_codes);
  alignas(64) std::uint8_t codes[block];
  const std::size_t groups = out.layout().groups_per_row();
  for (std::size_t r = r0; r < r1; ++r) {
    const float* row = x + r * cols;
    const noise_generator<Arch> noise(detail::stochastic_row_key(options.seed, options.row_offset + r));
    const std::size_t p0 = S::granularity == granularity_kind::tensor ? 0 : (r - r0) * groups;
    const float* row_divisor = divisor + p0;
    const float* row_shift = shift + p0;
    auto* words = out.row_codes(r);
    const bool prefetch = prefetch_rows != 0 && r + prefetch_rows < rows;
    for (std::size_t b0 = 0; b0 < cols; b0 += block) {
      const std::size_t b1 = std::min(cols, b0 + block);
      if (prefetch) {
        const float* ahead = row + prefetch_rows * cols;
        for (std::size_t c = b0; c < b1; c += 64 / sizeof(float)) convert_arch::prefetch_l2(ahead + c);
      }
      for_each_span<S>(b0, b1, [&](std::size_t c, std::size_t n, std::size_t g) LOWBIT_INLINE_LAMBDA {
        quantize_span<S, Arch>(row + c, n, row_divisor[g], row_shift[g], noise, static_cast<std::uint32_t>(c),
                               codes + (c - b0));
      });
      pack_row_unchecked<S::bits, typename S::word_type, Arch>(codes, b1 - b0, words + b0 / block * block_words);
    }
  }
}

/// The bytes of `out` a block of rows overwrites, kept until the call succeeds.
template <Scheme S>
class overwritten_bytes {
 public:
  /// Reserves room for rows [0, saved_rows) in blocks of block_rows, so that
  /// save() never allocates once the first block is written.
  overwritten_bytes(const quantized_view<S>& out, std::size_t saved_rows, std::size_t block_rows) : out_(out) {
    std::size_t bytes = 0;
    for_each_region(0, saved_rows, [&](std::byte*, std::size_t n) { bytes += n; });
    saved_.reserve(bytes);
    blocks_.reserve((saved_rows + block_rows - 1) / block_rows);
  }
  /// Saves rows [r0, r1)'s codes, scales and zero points before they are written.
  void save(std::size_t r0, std::size_t r1) {
    blocks_.emplace_back(r0, r1);
    for_each_region(r0, r1, [&](std::byte* p, std::size_t n) { saved_.insert(saved_.end(), p, p + n); });
  }
  /// Puts back every saved block, in the order they were saved.
  void restore() noexcept {
    std::size_t at = 0;
    for (const auto& [r0, r1] : blocks_)
      for_each_region(r0, r1, [&](std::byte* p, std::size_t n) {
        std::copy(saved_.data() + at, saved_.data() + at + n, p);
        at += n;
      });
  }

 private:
  template <class F>
  void for_each_region(std::size_t r0, std::size_t r1, F&& f) const {
    const matrix_layout<S>& l = out_.layout();
    const std::size_t g = l.groups_per_row();
    f(reinterpret_cast<std::byte*>(out_.row_codes(r0)), (r1 - r0) * l.row_words() * sizeof(typename S::word_type));
    f(reinterpret_cast<std::byte*>(out_.scales() + r0 * g), (r1 - r0) * g * sizeof(typename S::scale_type));
    if constexpr (S::has_zero_point)
      f(reinterpret_cast<std::byte*>(out_.zero_points() + r0 * g), (r1 - r0) * g * sizeof(typename S::zero_point_type));
  }
  detail::scratch_vector<std::pair<std::size_t, std::size_t>> blocks_;
  quantized_view<S> out_;
  detail::scratch_vector<std::byte> saved_;
};

}  // namespace quantize_impl

/// Quantizes the row-major rows x cols matrix x into `out` (shape must match),
/// bit-identical to reference::try_quantize. Input that is refused (NaN/Inf, a
/// scale the scheme's storage cannot hold) leaves `out` as it was (unless
/// options.restore_on_error is false).
///
/// per_channel and per_group schemes read the input once: per block of rows
/// (about quantize_block_bytes of input), pass 1 scans it and computes its
/// parameters, pass 2 quantizes it while it is still in L2. Before a block is
/// written, the bytes of `out` it overwrites are saved (room for all of them is
/// reserved before the first write), and a refusal in a later block puts them
/// back. per_tensor schemes need the whole matrix's range first: pass 1 over
/// all rows, then pass 2.
template <Scheme S, class Arch = xsimd::default_arch>
status try_quantize(const float* x, std::size_t rows, std::size_t cols, quantized_view<S> out,
                    const quantize_options& options = {}) {
  using namespace quantize_impl;
  LOWBIT_TRACE_KERNEL("quantize", Arch);
  LOWBIT_TRY(detail::check_shape(out, rows, cols, "quantize"));
  LOWBIT_TRY(detail::check_fp32(x, rows, cols, "quantize", "input"));
  LOWBIT_TRY(detail::check_importance<S>(options.importance, cols));
  if (out.empty()) return {};
  const matrix_layout<S>& l = out.layout();
  const std::size_t groups = l.groups_per_row();

  if constexpr (S::granularity == granularity_kind::tensor) {
    typename S::scale_type scale;
    zero_point_storage_t<S> zero_point{};
    float divisor, shift = 0.0f;
    LOWBIT_TRY(
        compute_stored_params<S, Arch>(x, rows, cols, {&scale, &zero_point, &divisor, &shift}, 0, options.importance));
    out.scales()[0] = scale;
    if constexpr (S::has_zero_point) out.zero_points()[0] = zero_point;
    quantize_rows<S, Arch>(x, 0, rows, cols, out, &divisor, &shift, options);
  } else {
    const std::size_t block_rows = std::clamp<std::size_t>(quantize_block_bytes / (cols * sizeof(float)), 1, rows);
    detail::scratch_vector<typename S::scale_type> scales(block_rows * groups);
    detail::scratch_vector<zero_point_storage_t<S>> zero_points(S::has_zero_point ? block_rows * groups : 0);
    detail::scratch_vector<float> divisor(block_rows * groups), shift(block_rows * groups);
    std::optional<overwritten_bytes<S>> saved;
    // rows of every block but the last (which no refusal can follow)
    const std::size_t saved_rows = (rows - 1) / block_rows * block_rows;
    if (options.restore_on_error && saved_rows > 0) saved.emplace(out, saved_rows, block_rows);
    for (std::size_t r0 = 0; r0 < rows; r0 += block_rows) {
      const std::size_t r1 = std::min(rows, r0 + block_rows), n = (r1 - r0) * groups;
      const status st = compute_stored_params<S, Arch>(
          x + r0 * cols, r1 - r0, cols, {scales.data(), zero_points.data(), divisor.data(), shift.data()}, r0,
          options.importance);
      if (!st.ok()) [[unlikely]] {
        if (saved) saved->restore();
        return st;
      }
      if (saved && r1 < rows) saved->save(r0, r1);  // the last block cannot be followed by a refusal
      std::copy(scales.begin(), scales.begin() + static_cast<std::ptrdiff_t>(n), out.scales() + r0 * groups);
      if constexpr (S::has_zero_point)
        std::copy(zero_points.begin(), zero_points.begin() + static_cast<std::ptrdiff_t>(n),
                  out.zero_points() + r0 * groups);
      quantize_rows<S, Arch>(x, r0, r1, cols, out, divisor.data(), shift.data(), options, block_rows, rows);
    }
  }
  return {};
}

/// try_quantize, throwing lowbit::error.
template <Scheme S, class Arch = xsimd::default_arch>
void quantize(const float* x, std::size_t rows, std::size_t cols, quantized_view<S> out,
              const quantize_options& options = {}) {
  detail::throw_if_failed(kernels::try_quantize<S, Arch>(x, rows, cols, out, options));
}

/// Outputs of at least this many bytes are written with non-temporal stores
/// (kernels/arch/convert_x86.hpp stream_floats): they would not stay in cache
/// anyway, and streaming them skips the read-for-ownership of every line.
inline constexpr std::size_t dequantize_streaming_bytes = std::size_t{8} << 20;

/// Writes the rows x cols fp32 matrix q represents to `out` (row-major),
/// bit-identical to reference::try_dequantize. Each block of 512 values is
/// computed into a stack buffer and copied out; outputs of at least
/// dequantize_streaming_bytes go out with non-temporal stores.
template <Scheme S, class Arch = xsimd::default_arch>
status try_dequantize(const_quantized_view<S> q, float* out) {
  using namespace quantize_impl;
  using L = typename matrix_layout<S>::packing;
  LOWBIT_TRACE_KERNEL("dequantize", Arch);
  LOWBIT_TRY(detail::check_fp32(out, q.rows(), q.cols(), "dequantize", "output"));
  if (q.empty()) return {};
  const std::size_t cols = q.cols();
  const bool streaming = q.layout().elements() * sizeof(float) >= dequantize_streaming_bytes;
  constexpr std::size_t block = L::block_codes, block_words = L::block_words(L::block_codes);
  alignas(64) std::uint8_t codes[block];
  alignas(64) float values[block];
  row_params<S, Arch> params(q.layout());
  for (std::size_t r = 0; r < q.rows(); ++r) {
    float* row = out + r * cols;
    const auto* words = q.row_codes(r);
    params.load(q, r);
    for (std::size_t b0 = 0; b0 < cols; b0 += block) {
      const std::size_t b1 = std::min(cols, b0 + block);
      unpack_row<S::bits, typename S::word_type, Arch>(words + b0 / block * block_words, b1 - b0, codes);
      float* to = streaming ? values : row + b0;
      for_each_span<S>(b0, b1, [&](std::size_t c, std::size_t n, std::size_t g) LOWBIT_INLINE_LAMBDA {
        dequantize_span<S, Arch>(codes + (c - b0), n, params[g], to + (c - b0));
      });
      if (streaming) convert_arch::stream_floats<Arch>(row + b0, values, b1 - b0);
    }
  }
  if (streaming) convert_arch::stream_fence<Arch>();
  return {};
}

/// try_dequantize, throwing lowbit::error.
template <Scheme S, class Arch = xsimd::default_arch>
void dequantize(const_quantized_view<S> q, float* out) {
  detail::throw_if_failed(kernels::try_dequantize<S, Arch>(q, out));
}

}  // namespace LOWBIT_NS::kernels
