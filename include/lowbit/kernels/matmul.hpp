// lowbit: SIMD matrix products on quantized weights (GEMV: one token, GEMM: many).
//
//   Y[n][r] = epilogue( sum_k W^[r][k] * X[n][k] ),   r in [r0, r1), n < tokens
//
// W^ is never written to memory: a row's codes are unpacked one packed block
// (512 codes) at a time into a small byte buffer (the codes, not the weights),
// and each register of codes is turned into weights, or dotted with int8
// activations, in registers. A block of codes is unpacked once for a tile of
// tokens (GEMM reuses it across them).
//
// path::floating, per group g (step, center, offset from the stored values,
// group_params.hpp):
//     w = step * (u - center)          (symmetric, integer zero point)
//     w = step * u + offset            (float offset)
//     acc[n] += w * x[n]               (fp32 FMA, one vector accumulator per token)
// The last register of a group that does not fill one is masked (weights and
// activations both set to 0 outside the group, so no 0 * Inf appears).
//
// path::int8_dot, activation blocks b of Bk = detail::activation_block<S>
// elements (the group, or 32): per token, reference::quantize_activations
// gives a (int8), s_b, asum_b; then with dot4 (kernels/arch/dot_x86.hpp)
// computing isum_b = sum_b (u - c0) a exactly in int32,
//     y = sum_b step_b s_b isum_b  +  sum_b beta_b xs_b,
//     beta_b = step_b (c0 - center_b) + offset_b,   xs_b = s_b asum_b
// which is sum_k W^[k] x~[k] with x~ = s_b a (center 0 for float offsets,
// offset 0 otherwise). The first sum runs per register: the int32 lanes of one
// dot4 are converted and multiplied by lam = step_b s_b of their block (a
// register of 64 bytes holds two 32-byte chunks, each in one block, as Bk is a
// multiple of 32 on this path); the second is a dot product over blocks. Block
// sizes that are not a multiple of 32 (per_group<7>, <48>, ...) take a portable
// loop over each block instead.
//
// Rows are independent: a row's arithmetic does not depend on the row range,
// the token tile or the thread, so every split gives the same bits.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <system_error>
#include <thread>
#include <type_traits>

#include "lowbit/config.hpp"
#include "lowbit/detail/finite.hpp"
#include "lowbit/detail/matmul_checks.hpp"
#include "lowbit/detail/no_contract.hpp"
#include "lowbit/detail/scratch.hpp"
#include "lowbit/detail/xsimd_compat.hpp"
#include "lowbit/error.hpp"
#include "lowbit/group_params.hpp"
#include "lowbit/kernels/arch/convert_x86.hpp"
#include "lowbit/kernels/arch/dot_x86.hpp"
#include "lowbit/kernels/convert.hpp"
#include "lowbit/kernels/pack.hpp"
#include "lowbit/layout/quantized_matrix.hpp"
#include "lowbit/matmul_options.hpp"
#include "lowbit/reference/matmul.hpp"
#include "lowbit/reference/pack.hpp"

namespace LOWBIT_NS::kernels {
namespace matmul_impl {

template <class A>
using fbatch = xsimd::batch<float, A>;
template <class A>
using ibatch = xsimd::batch<std::int32_t, A>;
template <class A>
using ubatch = xsimd::batch<std::uint8_t, A>;

/// Codes per packed block (layout/packed_layout.hpp): the unit rows are unpacked in.
inline constexpr std::size_t block_codes = 512;
/// Activation rows are padded with zeros to a multiple of this, so that the
/// last register of a row (or the last 128-column cell of a prepacked tile)
/// can be read whole.
inline constexpr std::size_t row_pad = 128;
/// Tokens a block of codes is unpacked for at once (GEMM).
inline constexpr std::size_t token_tile = 4;

inline constexpr std::size_t padded_cols(std::size_t cols) noexcept {
  return (cols + row_pad - 1) / row_pad * row_pad;
}

/// True when S's int8-dot path runs the register kernel (else the portable block loop).
template <Scheme S>
inline constexpr bool int8_blocks_aligned = detail::activation_block<S> % 32 == 0;

/// The path path::automatic stands for with S on A.
template <Scheme S, class A>
inline constexpr bool automatic_is_int8 = int8_blocks_aligned<S>&& dot_arch::has_fast_dot<A>;

/// The activations of one call, converted once and shared by every row (and thread).
template <class A>
struct prepared_activations {
  std::size_t tokens = 0, cols = 0, stride = 0;  ///< stride: padded_cols(cols)
  std::size_t blocks = 0, block = 0;             ///< activation blocks (int8 path)
  detail::scratch_vector<float> x;               ///< floating: tokens x stride, zero-padded
  detail::scratch_vector<std::int8_t> a;         ///< int8: tokens x stride, zero-padded
  detail::scratch_vector<float> s;               ///< int8: tokens x xs_stride, s_b (zero-padded)
  detail::scratch_vector<float> xs;              ///< int8: tokens x blocks (padded to a register), s_b * asum_b
  detail::scratch_vector<float> xs_total;        ///< int8: per token, sum over blocks of xs (float, in order)
  std::size_t xs_stride = 0;
};

template <class T>
void convert_row(const T* in, std::size_t n, float* out) noexcept {
  for (std::size_t k = 0; k < n; ++k) out[k] = detail::activation_to_float(in[k]);
}

template <class A, class T>
void prepare_floating(const T* x, std::size_t tokens, std::size_t cols, std::size_t x_stride,
                      prepared_activations<A>& p) {
  p.tokens = tokens;
  p.cols = cols;
  // + row_pad: a group's last register starts anywhere below cols and reads a register's worth
  p.stride = padded_cols(cols) + row_pad;
  p.x.assign(tokens * p.stride, 0.0f);
  for (std::size_t n = 0; n < tokens; ++n) convert_row(x + n * x_stride, cols, p.x.data() + n * p.stride);
}

/// Stores the int32 lanes of v (each in [-127, 127]) as int8 at p.
template <class A>
LOWBIT_ALWAYS_INLINE void store_i32_as_i8(const ibatch<A>& v, std::int8_t* p) noexcept {
#if defined(__AVX512F__)
  if constexpr (dot_arch::is_arch<A, xsimd::avx512f>) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_cvtsepi32_epi8(v));
    return;
  }
#endif
#if defined(__AVX2__)
  if constexpr (dot_arch::is_arch<A, xsimd::avx2>) {
    const __m256i x = v;
    const __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(x), _mm256_extracti128_si256(x, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packs_epi16(w16, w16));
    return;
  }
#endif
#if defined(__SSE2__)
  if constexpr (dot_arch::is_arch<A, xsimd::sse2> && ibatch<A>::size == 4) {
    const __m128i w16 = _mm_packs_epi32(v, v);
    const std::int32_t four = _mm_cvtsi128_si32(_mm_packs_epi16(w16, w16));
    std::memcpy(p, &four, 4);
    return;
  }
#endif
  alignas(64) std::int32_t lanes[ibatch<A>::size];
  v.store_aligned(lanes);
  for (std::size_t i = 0; i < ibatch<A>::size; ++i) p[i] = static_cast<std::int8_t>(lanes[i]);
}

/// reference::quantize_activations in registers, bit-identical: the same IEEE
/// division and round-to-nearest-even per element, registers for the full
/// lanes of each block and the reference's scalar steps for the rest.
template <class A>
void quantize_activations(const float* x, std::size_t n, std::size_t block, std::int8_t* a, float* s,
                          std::int32_t* asum) noexcept {
  using B = fbatch<A>;
  using I = ibatch<A>;
  constexpr std::size_t L = B::size;
  for (std::size_t b = 0, i0 = 0; i0 < n; ++b, i0 += block) {
    const std::size_t i1 = std::min(n, i0 + block);
    std::size_t i = i0;
    B vmax(0.0f);
    ibatch<A> bad(0);
    for (; i + L <= i1; i += L) {
      const B v = B::load_unaligned(x + i);
      vmax = xsimd::max(vmax, xsimd::abs(v));  // only finite lanes matter
      bad = bad | ((detail::simd::bitcast<std::int32_t>(v) & I(0x7f800000)) + I(0x00800000));
    }
    float amax = convert_arch::reduce_max<A>(vmax);
    bool finite = !xsimd::any(bad < I(0));
    for (; i < i1; ++i) {
      finite &= detail::is_finite_bits(x[i]);
      amax = std::fmax(amax, std::fabs(x[i]));
    }
    if (!finite) {
      s[b] = std::numeric_limits<float>::quiet_NaN();
      std::memset(a + i0, 0, i1 - i0);
      asum[b] = 0;
      continue;
    }
    const float scale = detail::ieee_divide(amax, 127.0f);
    s[b] = scale;
    if (!(scale > 0.0f)) {
      std::memset(a + i0, 0, i1 - i0);
      asum[b] = 0;
      continue;
    }
    const B vs(scale), lo(-127.0f), hi(127.0f);
    I sum(0);
    for (i = i0; i + L <= i1; i += L) {
      const B q =
          xsimd::min(xsimd::max(xsimd::nearbyint(convert_arch::ieee_divide<A>(B::load_unaligned(x + i), vs)), lo), hi);
      const I qi = xsimd::batch_cast<std::int32_t>(q);  // exact: integers in [-127, 127]
      store_i32_as_i8<A>(qi, a + i);
      sum = sum + qi;
    }
    std::int32_t total = detail::simd::reduce_add(sum);
    for (; i < i1; ++i) {
      float q = std::nearbyint(detail::ieee_divide(x[i], scale));
      q = std::fmin(std::fmax(q, -127.0f), 127.0f);
      a[i] = static_cast<std::int8_t>(q);
      total += a[i];
    }
    asum[b] = total;
  }
}

template <class A, class T>
void prepare_int8(const T* x, std::size_t tokens, std::size_t cols, std::size_t x_stride, std::size_t block,
                  prepared_activations<A>& p) {
  p.tokens = tokens;
  p.cols = cols;
  p.stride = padded_cols(cols);
  p.block = block;
  p.blocks = (cols + block - 1) / block;
  // >= blocks + 1 (see chunk_scales) and past the blocks of the padded row
  // (prepacked cells: up to row_pad / 16 more), zero-filled
  p.xs_stride = (p.blocks + row_pad / 16 + 1 + 63) / 64 * 64;
  p.a.assign(tokens * p.stride, 0);
  p.s.assign(tokens * p.xs_stride, 0.0f);
  p.xs.assign(tokens * p.xs_stride, 0.0f);
  p.xs_total.assign(tokens, 0.0f);
  detail::scratch_vector<float> row(std::is_same_v<T, float> ? 0 : cols);
  detail::scratch_vector<std::int32_t> asum(p.blocks);
  for (std::size_t n = 0; n < tokens; ++n) {
    const float* xn;
    if constexpr (std::is_same_v<T, float>) {
      xn = x + n * x_stride;
    } else {
      convert_row(x + n * x_stride, cols, row.data());
      xn = row.data();
    }
    float* s = p.s.data() + n * p.xs_stride;
    quantize_activations<A>(xn, cols, block, p.a.data() + n * p.stride, s, asum.data());
    float* xs = p.xs.data() + n * p.xs_stride;
    float total = 0.0f;
    for (std::size_t b = 0; b < p.blocks; ++b) {
      xs[b] = s[b] * static_cast<float>(asum[b]);
      total += xs[b];
    }
    p.xs_total[n] = total;
  }
}

/// Float constants of every group of row r, as group_params.hpp derives them
/// from the stored values: w = step * (u - center) + offset. Symmetric
/// schemes' centers are a constant, filled when `first` is set.
template <Scheme S, bool M, class A>
void row_params(const basic_quantized_view<S, M>& w, std::size_t r, float* step, float* center, float* offset,
                bool first) noexcept {
  using scale_t = typename S::scale_type;
  const std::size_t groups = w.layout().groups_per_row();
  if constexpr (std::is_same_v<scale_t, float>)
    std::memcpy(step, w.row_scales(r), groups * sizeof(float));
  else
    (void)try_convert<scale_t, float, A>(w.row_scales(r), groups, step);  // non-null, aligned: cannot fail
  if constexpr (S::is_symmetric) {
    if constexpr (S::bits == 1)
      for (std::size_t g = 0; g < groups; ++g) step[g] = 2.0f * step[g];
    if (first) {
      const float c = S::bits == 1 ? 0.5f : static_cast<float>(1u << (S::bits - 1));
      std::fill(center, center + groups, c);
      std::fill(offset, offset + groups, 0.0f);
    }
  } else if constexpr (S::has_integer_zero_point) {
    const auto* z = w.row_zero_points(r);
    for (std::size_t g = 0; g < groups; ++g) center[g] = static_cast<float>(z[g]);
    if (first) std::fill(offset, offset + groups, 0.0f);
  } else {
    using zero_t = typename S::zero_point_type;
    if constexpr (std::is_same_v<zero_t, float>)
      std::memcpy(offset, w.row_zero_points(r), groups * sizeof(float));
    else
      (void)try_convert<zero_t, float, A>(w.row_zero_points(r), groups, offset);
    if (first) std::fill(center, center + groups, 0.0f);
  }
}

/// Unpacks the codes [k0, k0 + n) of a packed row (k0 a multiple of block_codes) into buf.
template <Scheme S, class A>
LOWBIT_ALWAYS_INLINE void unpack_block(const typename S::word_type* row, std::size_t k0, std::size_t n,
                                       std::uint8_t* buf) noexcept {
  using L = packed_layout<S::bits, typename S::word_type>;
  const auto* in = row + k0 / L::block_codes * L::block_words(L::block_codes);
  if (n == L::block_codes)
    pack_impl::block_kernel<S::bits, typename S::word_type, A>::template unpack<false>(in, buf);
  else
    pack_impl::unpack_tail<S::bits, typename S::word_type>(in, n, buf);
}

/// Rows ahead whose codes and parameters a row prefetches (out-of-cache GEMV:
/// the hardware prefetcher alone leaves the read floor unreached).
inline constexpr std::size_t prefetch_rows = 2;

/// Asks for row r's codes and parameters (if r < end) to be brought into the caches.
template <Scheme S, bool M>
LOWBIT_ALWAYS_INLINE void prefetch_row(const basic_quantized_view<S, M>& w, std::size_t r, std::size_t end) noexcept {
  if (r >= end) return;
  const auto* codes = reinterpret_cast<const char*>(w.row_codes(r));
  const std::size_t bytes = w.layout().row_words() * sizeof(typename S::word_type);
  for (std::size_t b = 0; b < bytes; b += 64) convert_arch::prefetch_l1(codes + b);
  if constexpr (S::granularity != granularity_kind::tensor) {
    convert_arch::prefetch_l1(w.row_scales(r));
    if constexpr (S::has_zero_point) convert_arch::prefetch_l1(w.row_zero_points(r));
  }
}

/// Lanes [0, m) of a float register.
template <class A>
LOWBIT_ALWAYS_INLINE xsimd::batch_bool<float, A> first_lanes(std::size_t m) noexcept {
  alignas(64) static constexpr float iota[64] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
                                                 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
                                                 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47,
                                                 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63};
  return fbatch<A>::load_aligned(iota) < fbatch<A>(static_cast<float>(m));
}

/// Stores the epilogue of token t's value v of row r.
template <class E>
LOWBIT_ALWAYS_INLINE void store(const E& e, float v, std::size_t r, float* y) noexcept {
  *y = detail::apply_epilogue(e, v, r, y);
}

// ---------------------------------------------------------------- floating path

/// Rows [r0, r1) of NT tokens starting at token t0, floating path.
template <std::size_t NT, Scheme S, bool M, class A, class E>
void floating_rows(const basic_quantized_view<S, M>& w, const prepared_activations<A>& act, std::size_t t0,
                   std::size_t r0, std::size_t r1, float* y, std::size_t y_stride, const E& e, float* step,
                   float* center, float* offset, std::uint8_t* buf) noexcept {
  using B = fbatch<A>;
  constexpr std::size_t L = B::size;
  const std::size_t cols = w.cols(), glen = w.layout().group_length();
  const float* xt[NT];
  for (std::size_t t = 0; t < NT; ++t) xt[t] = act.x.data() + (t0 + t) * act.stride;
  for (std::size_t r = r0; r < r1; ++r) {
    if (S::granularity != granularity_kind::tensor || r == r0) row_params<S, M, A>(w, r, step, center, offset, r == r0);
    prefetch_row(w, r + prefetch_rows, r1);
    // two accumulators per token, alternate registers: one FMA latency chain would bound the loop
    B acc[NT][2];
    for (std::size_t t = 0; t < NT; ++t) acc[t][0] = acc[t][1] = B(0.0f);
    for (std::size_t k0 = 0; k0 < cols; k0 += block_codes) {
      const std::size_t n = std::min(block_codes, cols - k0);
      unpack_block<S, A>(w.row_codes(r), k0, n, buf);
      for (std::size_t i = k0, g = k0 / glen; i < k0 + n; ++g) {
        const std::size_t end = std::min((g + 1) * glen, k0 + n);
        const B vstep(step[g]), vcenter(center[g]), voffset(offset[g]);
        auto weights = [&](std::size_t at) LOWBIT_INLINE_LAMBDA {
          const B u = convert_arch::load_u8_as_f32<A>(buf + (at - k0));
          if constexpr (S::has_float_offset)
            return u * vstep + voffset;
          else
            return (u - vcenter) * vstep;
        };
        for (; i + 2 * L <= end; i += 2 * L) {
          const B w0 = weights(i), w1 = weights(i + L);
          for (std::size_t t = 0; t < NT; ++t) {
            acc[t][0] = xsimd::fma(w0, B::load_unaligned(xt[t] + i), acc[t][0]);
            acc[t][1] = xsimd::fma(w1, B::load_unaligned(xt[t] + i + L), acc[t][1]);
          }
        }
        if (i + L <= end) {
          const B wv = weights(i);
          for (std::size_t t = 0; t < NT; ++t) acc[t][0] = xsimd::fma(wv, B::load_unaligned(xt[t] + i), acc[t][0]);
          i += L;
        }
        if (i < end) {
          const auto lanes = first_lanes<A>(end - i);
          const B wv = xsimd::select(lanes, weights(i), B(0.0f));
          for (std::size_t t = 0; t < NT; ++t)
            acc[t][1] = xsimd::fma(wv, xsimd::select(lanes, B::load_unaligned(xt[t] + i), B(0.0f)), acc[t][1]);
          i = end;
        }
      }
    }
    for (std::size_t t = 0; t < NT; ++t)
      store(e, detail::simd::reduce_add(acc[t][0] + acc[t][1]), r, y + (t0 + t) * y_stride + r);
  }
}

// ---------------------------------------------------------------- int8-dot path

/// lam per lane of the register of codes starting at chunk c (a chunk is 32
/// codes, in one activation block; a 64-byte register holds chunks c and c + 1,
/// lanes 0-7 and 8-15 of dot4), from lam_b = step_b * s_b per block.
template <Scheme S, class A>
LOWBIT_ALWAYS_INLINE fbatch<A> chunk_scales(const float* lam, std::size_t c) noexcept {
  using B = fbatch<A>;
  constexpr std::size_t m = S::granularity == granularity_kind::group ? S::group_size / 32 : 1;  // chunks per block
  if constexpr (B::size == 16 && m % 2 == 1) {
#if defined(__AVX512F__)
    return B(_mm512_mask_blend_ps(static_cast<__mmask16>(0xFF00), _mm512_set1_ps(lam[c / m]),
                                  _mm512_set1_ps(lam[(c + 1) / m])));
#endif
  }
  return B(lam[c / m]);
}

/// Rows [r0, r1) of NT tokens from t0, int8-dot path, activation blocks a multiple of 32.
template <std::size_t NT, Scheme S, bool M, class A, class E>
void int8_rows(const basic_quantized_view<S, M>& w, const prepared_activations<A>& act, std::size_t t0, std::size_t r0,
               std::size_t r1, float* y, std::size_t y_stride, const E& e, float* step, float* center, float* offset,
               float* beta, float* lam, std::uint8_t* buf) noexcept {
  using B = fbatch<A>;
  using I = ibatch<A>;
  using U = ubatch<A>;
  constexpr std::size_t bytes = U::size;  // codes per register
  constexpr float c0 = static_cast<float>(dot_arch::dot_center<S::bits, A>);
  constexpr bool grouped = S::granularity == granularity_kind::group;
  // int32 sums over a whole group before its scale: groups of two registers or
  // more that tile the 512-code blocks (their sums stay below 512 * 255 * 127 < 2^31)
  constexpr bool group_sums = grouped && S::group_size % bytes == 0 && S::group_size / bytes >= 2 &&
                              (block_codes % S::group_size == 0 || S::group_size % block_codes == 0);
  const std::size_t cols = w.cols(), groups = w.layout().groups_per_row(), blocks = act.blocks;
  const std::uint8_t* at[NT];
  const float* st[NT];
  const float* xs[NT];
  for (std::size_t t = 0; t < NT; ++t) {
    at[t] = reinterpret_cast<const std::uint8_t*>(act.a.data() + (t0 + t) * act.stride);
    st[t] = act.s.data() + (t0 + t) * act.xs_stride;
    xs[t] = act.xs.data() + (t0 + t) * act.xs_stride;
  }
  for (std::size_t r = r0; r < r1; ++r) {
    if (S::granularity != granularity_kind::tensor || r == r0) {
      row_params<S, M, A>(w, r, step, center, offset, r == r0);
      // beta_g = step_g (c0 - center_g) + offset_g: per block for per_group schemes
      // (block = group), one value otherwise; zero-padded to a register
      for (std::size_t g = 0; g < groups; ++g) beta[g] = step[g] * (c0 - center[g]) + offset[g];
      for (std::size_t g = groups; g < act.xs_stride; ++g) beta[g] = 0.0f;
    }
    // lam_b = step_b * s_b per token (s is zero-padded past the last block)
    for (std::size_t t = 0; t < NT; ++t) {
      float* l = lam + t * act.xs_stride;
      if constexpr (grouped)
        for (std::size_t b = 0; b < act.xs_stride; ++b) l[b] = step[b] * st[t][b];
      else
        for (std::size_t b = 0; b < act.xs_stride; ++b) l[b] = step[0] * st[t][b];
    }
    prefetch_row(w, r + prefetch_rows, r1);
    // two accumulators per token (even and odd registers): the FMA latency
    // chain of one would bound the loop
    B acc[NT][2];
    for (std::size_t t = 0; t < NT; ++t) acc[t][0] = acc[t][1] = B(0.0f);
    for (std::size_t k0 = 0; k0 < cols; k0 += block_codes) {
      const std::size_t n = std::min(block_codes, cols - k0);
      auto step_register = [&](std::size_t i, std::size_t half, const U& u) LOWBIT_INLINE_LAMBDA {
        for (std::size_t t = 0; t < NT; ++t) {
          const I p = dot_arch::dot4<S::bits, A>(I(0), u, U::load_unaligned(at[t] + i));
          acc[t][half] = xsimd::fma(xsimd::batch_cast<float>(p), chunk_scales<S, A>(lam + t * act.xs_stride, i / 32),
                                    acc[t][half]);
        }
      };
      // register R of a full block, summing into the int32 p of its group (group_sums)
      auto group_register = [&]<std::size_t R>(const std::uint8_t* in, std::size_t k, I* p) LOWBIT_INLINE_LAMBDA {
        constexpr std::size_t G = S::group_size;
        const U u = pack_impl::byte_block<S::bits, A>::template code_register<R>(in);
        const std::size_t i = k + R * bytes;
        for (std::size_t t = 0; t < NT; ++t) p[t] = dot_arch::dot4<S::bits, A>(p[t], u, U::load_unaligned(at[t] + i));
        if constexpr ((R + 1) * bytes % G == 0 || R + 1 == block_codes / bytes) {
          for (std::size_t t = 0; t < NT; ++t) {
            acc[t][R % 2] =
                xsimd::fma(xsimd::batch_cast<float>(p[t]), B(lam[t * act.xs_stride + i / G]), acc[t][R % 2]);
            p[t] = I(0);
          }
        }
      };
      if constexpr (std::is_same_v<typename S::word_type, std::uint8_t>) {
        // a full block of byte words: each register of codes straight from the
        // packed planes (a load, a shift and a mask per plane), no buffer
        if (n == block_codes) {
          using kernel = pack_impl::byte_block<S::bits, A>;
          using L = packed_layout<S::bits, std::uint8_t>;
          const std::uint8_t* in = w.row_codes(r) + k0 / block_codes * L::block_words(L::block_codes);
          if constexpr (group_sums) {
            // groups of several registers, aligned in the block: the int32 dot
            // sums of a group are added exactly before one convert and one
            // scale per group
            I p[NT];
            for (std::size_t t = 0; t < NT; ++t) p[t] = I(0);
            [&]<std::size_t... R>(std::index_sequence<R...>) LOWBIT_INLINE_LAMBDA {
              (group_register.template operator()<R>(in, k0, p), ...);
            }
            (std::make_index_sequence<block_codes / bytes>{});
          } else {
            [&]<std::size_t... R>(std::index_sequence<R...>) LOWBIT_INLINE_LAMBDA {
              (step_register(k0 + R * bytes, R % 2, kernel::template code_register<R>(in)), ...);
            }
            (std::make_index_sequence<block_codes / bytes>{});
          }
          continue;
        }
      }
      unpack_block<S, A>(w.row_codes(r), k0, n, buf);
      // codes past n in buf are stale, but meet zero activations (rows are zero-padded)
      std::size_t i = k0;
      for (; i + bytes < k0 + n; i += 2 * bytes) {
        step_register(i, 0, U::load_unaligned(buf + (i - k0)));
        step_register(i + bytes, 1, U::load_unaligned(buf + (i + bytes - k0)));
      }
      if (i < k0 + n) step_register(i, 0, U::load_unaligned(buf + (i - k0)));
    }
    for (std::size_t t = 0; t < NT; ++t) {
      B total = acc[t][0] + acc[t][1];
      float corr = 0.0f;
      if constexpr (grouped) {
        for (std::size_t b = 0; b < blocks; b += B::size)
          total = xsimd::fma(B::load_unaligned(beta + b), B::load_unaligned(xs[t] + b), total);
      } else {
        corr = beta[0] * act.xs_total[t0 + t];
      }
      store(e, detail::simd::reduce_add(total) + corr, r, y + (t0 + t) * y_stride + r);
    }
  }
}

/// Rows [r0, r1), one token, int8-dot path with blocks that are not a multiple
/// of 32: a portable loop per block (exact int32 sums, as the register kernel).
template <Scheme S, bool M, class A, class E>
void int8_rows_portable(const basic_quantized_view<S, M>& w, const prepared_activations<A>& act, std::size_t t,
                        std::size_t r0, std::size_t r1, float* y, std::size_t y_stride, const E& e, float* step,
                        float* center, float* offset, std::uint8_t* buf) noexcept {
  const std::size_t cols = w.cols(), glen = w.layout().group_length(), groups = w.layout().groups_per_row();
  const std::size_t block = act.block;
  const std::int8_t* a = act.a.data() + t * act.stride;
  const float* s = act.s.data() + t * act.xs_stride;
  const float* xs = act.xs.data() + t * act.xs_stride;
  for (std::size_t r = r0; r < r1; ++r) {
    if (S::granularity != granularity_kind::tensor || r == r0) row_params<S, M, A>(w, r, step, center, offset, r == r0);
    float acc = 0.0f;
    for (std::size_t k0 = 0; k0 < cols; k0 += block_codes) {
      const std::size_t n = std::min(block_codes, cols - k0);
      unpack_block<S, A>(w.row_codes(r), k0, n, buf);
      // an activation block may straddle two packed blocks: its int32 sum is split there (exact either way)
      for (std::size_t i = k0; i < k0 + n;) {
        const std::size_t b = i / block, end = std::min((b + 1) * block, k0 + n);
        std::int32_t isum = 0;
        for (; i < end; ++i) isum += static_cast<std::int32_t>(buf[i - k0]) * a[i];
        const std::size_t g = std::min(b * block / glen, groups - 1);
        acc += step[g] * s[b] * static_cast<float>(isum);
      }
    }
    for (std::size_t b = 0; b < act.blocks; ++b) {
      const std::size_t g = std::min(b * block / glen, groups - 1);
      acc += (offset[g] - step[g] * center[g]) * xs[b];
    }
    store(e, acc, r, y + t * y_stride + r);
  }
}

/// Scratch of one worker: row constants and the code buffer (allocated before
/// any row is computed, so that workers do not allocate).
template <class A>
struct row_scratch {
  detail::scratch_vector<float> step, center, offset, beta, lam;
  detail::scratch_vector<std::uint8_t> buf;
  template <Scheme S, bool M>
  row_scratch(const basic_quantized_view<S, M>& w, const prepared_activations<A>& act)
      // zero-padded past the row's groups: the chunk of a register past the
      // last block reads step 0 and s 0 (its codes meet zero activations)
      : step(std::max(w.layout().groups_per_row(), act.xs_stride) + 1),
        center(step.size()),
        offset(step.size()),
        beta(step.size()),
        lam(token_tile * act.xs_stride),
        buf(block_codes + row_pad) {}
};

/// Rows [r0, r1) of every token of `act`, with path P (floating or int8_dot).
template <class P, Scheme S, bool M, class A, class E>
void run_rows(const basic_quantized_view<S, M>& w, const prepared_activations<A>& act, std::size_t r0, std::size_t r1,
              float* y, std::size_t y_stride, const E& e, row_scratch<A>& sc) noexcept {
  if (r0 >= r1 || act.tokens == 0) return;
  const std::size_t tokens = act.tokens;
  if (w.cols() == 0) {
    for (std::size_t t = 0; t < tokens; ++t)
      for (std::size_t r = r0; r < r1; ++r) store(e, 0.0f, r, y + t * y_stride + r);
    return;
  }
  auto tile = [&](auto nt, std::size_t t0) {
    constexpr std::size_t NT = decltype(nt)::value;
    if constexpr (std::is_same_v<P, path::floating>) {
      floating_rows<NT>(w, act, t0, r0, r1, y, y_stride, e, sc.step.data(), sc.center.data(), sc.offset.data(),
                        sc.buf.data());
    } else if constexpr (int8_blocks_aligned<S>) {
      int8_rows<NT>(w, act, t0, r0, r1, y, y_stride, e, sc.step.data(), sc.center.data(), sc.offset.data(),
                    sc.beta.data(), sc.lam.data(), sc.buf.data());
    } else {
      for (std::size_t t = t0; t < t0 + NT; ++t)
        int8_rows_portable(w, act, t, r0, r1, y, y_stride, e, sc.step.data(), sc.center.data(), sc.offset.data(),
                           sc.buf.data());
    }
  };
  std::size_t t0 = 0;
  for (; t0 + token_tile <= tokens; t0 += token_tile) tile(std::integral_constant<std::size_t, token_tile>{}, t0);
  switch (tokens - t0) {
    case 3:
      tile(std::integral_constant<std::size_t, 3>{}, t0);
      break;
    case 2:
      tile(std::integral_constant<std::size_t, 2>{}, t0);
      break;
    case 1:
      tile(std::integral_constant<std::size_t, 1>{}, t0);
      break;
    default:
      break;
  }
}

/// Runs work(0 .. workers - 1): work(0) on the calling thread, the others on
/// std::threads of their own; if a thread cannot be started, the calling
/// thread runs the indices left without one. Returns when all are done.
template <class F>
void run_workers(std::size_t workers, const F& work) {
  detail::scratch_vector<std::thread> pool;
  pool.reserve(workers - 1);
  std::size_t started = 1;  // indices [1, started) run on threads of their own
#if LOWBIT_HAS_EXCEPTIONS
  try {
    for (; started < workers; ++started) pool.emplace_back(work, started);
  } catch (const std::system_error&) {
    // no more threads to be had: the calling thread runs the indices left without one
  }
#else
  for (; started < workers; ++started) pool.emplace_back(work, started);
#endif
  work(0);
  for (std::size_t i = started; i < workers; ++i) work(i);
  for (auto& t : pool) t.join();
}

/// The compute path P stands for (automatic resolved).
template <class P, Scheme S, class A>
using resolved_path =
    std::conditional_t<std::is_same_v<P, path::automatic>,
                       std::conditional_t<automatic_is_int8<S, A>, path::int8_dot, path::floating>, P>;

/// Converts / quantizes the activations for path P (resolved).
template <class P, Scheme S, class A, class T>
void prepare(const T* x, std::size_t tokens, std::size_t cols, std::size_t x_stride, prepared_activations<A>& act) {
  if constexpr (std::is_same_v<P, path::floating>)
    prepare_floating(x, tokens, cols, x_stride, act);
  else
    prepare_int8(x, tokens, cols, x_stride, detail::activation_block<S>, act);
}

/// What both entry points do before any row: the compile-time checks, the
/// argument checks (nothing is written on a refusal), and the activations
/// converted / quantized once for every row and thread. `act.tokens` stays 0
/// when there is nothing to compute.
template <class Path, Scheme S, bool M, class T, class E, class Arch>
status begin(const basic_quantized_view<S, M>& w, const T* x, std::size_t tokens, const float* y,
             const matmul_options& options, const E& e, detail::matmul_call& c, prepared_activations<Arch>& act) {
  static_assert(detail::is_path<Path>, "lowbit::gemm: Path must be path::automatic, path::floating or path::int8_dot");
  static_assert(detail::is_epilogue<E>, "lowbit::gemm: the epilogue must be epilogue::none, bias, scale or accumulate");
  static_assert(FloatStorage<T>, "lowbit::gemm: activations must be float, lowbit::fp16 or lowbit::bf16");
  using P = resolved_path<Path, S, Arch>;
  LOWBIT_TRACE_KERNEL((std::is_same_v<P, path::floating> ? "gemm_floating" : "gemm_int8_dot"), Arch);
  LOWBIT_TRY(detail::check_matmul(w.rows(), w.cols(), detail::weight_spans(w), x, tokens, y, options, e, "gemm", c));
  if (c.r0 != c.r1 && tokens != 0) prepare<P, S>(x, tokens, w.cols(), c.x_stride, act);
  return {};
}

}  // namespace matmul_impl

/// The SIMD gemm (see matmul.hpp for the contract).
template <class Path, Scheme S, bool M, class T, class E, class Arch = xsimd::default_arch>
status try_gemm(const basic_quantized_view<S, M>& w, const T* x, std::size_t tokens, float* y,
                const matmul_options& options, const E& e) {
  using P = matmul_impl::resolved_path<Path, S, Arch>;
  detail::matmul_call c;
  matmul_impl::prepared_activations<Arch> act;
  LOWBIT_TRY(matmul_impl::begin<Path>(w, x, tokens, y, options, e, c, act));
  if (act.tokens == 0) return {};
  matmul_impl::row_scratch<Arch> scratch(w, act);
  matmul_impl::run_rows<P>(w, act, c.r0, c.r1, y, c.y_stride, e, scratch);
  return {};
}

/// try_gemm with the rows split over `count` threads (std::thread; the calling
/// thread takes the first range). Every row is computed as in one call, so the
/// result does not depend on the count.
template <class Path, Scheme S, bool M, class T, class E, class Arch = xsimd::default_arch>
status try_gemm_threads(const basic_quantized_view<S, M>& w, const T* x, std::size_t tokens, float* y, unsigned count,
                        const matmul_options& options, const E& e) {
  using P = matmul_impl::resolved_path<Path, S, Arch>;
  if (count == 0) return detail::failure("gemm: the thread count is 0; give at least 1");
  detail::matmul_call c;
  matmul_impl::prepared_activations<Arch> act;
  LOWBIT_TRY(matmul_impl::begin<Path>(w, x, tokens, y, options, e, c, act));
  if (act.tokens == 0) return {};
  const std::size_t rows = c.r1 - c.r0;
  const std::size_t workers = std::min<std::size_t>(count, rows);
  detail::scratch_vector<matmul_impl::row_scratch<Arch>> scratch;
  scratch.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) scratch.emplace_back(w, act);
  auto range = [&](std::size_t i) { return c.r0 + rows * i / workers; };
  matmul_impl::run_workers(workers, [&](std::size_t i) {
    matmul_impl::run_rows<P>(w, act, range(i), range(i + 1), y, c.y_stride, e, scratch[i]);
  });
  return {};
}

}  // namespace LOWBIT_NS::kernels
