// lowbit: gemv / gemm on a prepacked matrix (layout/prepacked_matrix.hpp).
//
// Same contract and math as kernels/matmul.hpp; what changes is the order the
// weights are read in. A tile of 4 rows is one contiguous run of bytes (its
// parameters, then its cells), and a register of codes holds the same 16
// columns of several rows of the tile, so one 16-byte load of activations,
// broadcast to the register's width, feeds them all:
//
//   register q of chunk column j (j < 8 per cell; q < 64 / V for V-byte registers)
//     = code_register<j * (64 / V) + q>(cell):  rows q * V/16 ..,  columns 128c + 16j .. + 15
//   int32 lane l of dot4(u, broadcast16(a + 128c + 16j)) = the 4-column dot of row
//     q * V/16 + l / 4, columns 16j + 4 (l % 4) ..
//
// path::int8_dot: per token and activation block b (the group G, or 32),
//     p_b = sum over the block's chunk columns of dot4          (exact int32)
//     acc += float(p_b) * (step_b of the lane's row) * s_b       (fp32, per lane)
//     y_row = (sum of the row's 4 lanes) + sum_b beta_b xs_b     (beta, xs: kernels/matmul.hpp)
// path::floating: per row and chunk, w = step (u - center) + offset in
// registers, FMA with the 16 activations.
//
// A block of columns is summed in int32 until it ends or 8192 chunk columns
// have passed (|p| <= 8192 * 4 * 255 * 128 < 2^31), whichever comes first.
// Every row's value depends only on its tile and the activations, so row
// ranges, thread counts and token tiles give the same bits.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "lowbit/config.hpp"
#include "lowbit/kernels/convert.hpp"
#include "lowbit/kernels/matmul.hpp"
#include "lowbit/layout/prepacked_matrix.hpp"

namespace LOWBIT_NS::kernels {
namespace prepacked_impl {

using matmul_impl::fbatch;
using matmul_impl::ibatch;
using matmul_impl::ubatch;

/// 16 bytes at p, repeated across a register.
template <class A>
LOWBIT_ALWAYS_INLINE ubatch<A> broadcast16(const std::uint8_t* p) noexcept {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  if constexpr (sizeof(ubatch<A>) == 16) {
    return ubatch<A>(v);
  } else if constexpr (sizeof(ubatch<A>) == 32) {
#if defined(__AVX2__)
    return ubatch<A>(_mm256_broadcastsi128_si256(v));
#endif
  } else {
#if defined(__AVX512F__)
    return ubatch<A>(_mm512_broadcast_i32x4(v));
#endif
  }
}

/// Bytes ahead of the cell being read that are asked for, into L2: the
/// hardware prefetcher stops at 4 KiB pages. (Into L1, the prefetches hold
/// the core's few line-fill buffers: 4-bit GEMV out of cache went from 785 to
/// 916 us on an Intel Xeon; into L2, 786 us, and 2 threads 659 -> 543 us.)
inline constexpr std::size_t prefetch_distance = 4096;

/// Asks for the cell prefetch_distance bytes ahead of `cell` to be brought
/// into L2 (into the next tiles past a tile's end: tiles are contiguous; a
/// prefetch past the buffer is harmless).
template <std::size_t CellBytes>
LOWBIT_ALWAYS_INLINE void prefetch_ahead(const std::uint8_t* cell) noexcept {
  const std::uintptr_t ahead = reinterpret_cast<std::uintptr_t>(cell) + prefetch_distance;
  for (std::size_t o = 0; o < CellBytes; o += 64) convert_arch::prefetch_l2(reinterpret_cast<const void*>(ahead + o));
}

/// Tokens one pass over a tile serves on A (int8_dot, floating): accumulators stay in registers.
template <class A>
inline constexpr std::size_t int8_token_tile = sizeof(ubatch<A>) == 64   ? 8
                                               : sizeof(ubatch<A>) == 32 ? 2
                                                                         : 1;
template <class A>
inline constexpr std::size_t floating_token_tile = sizeof(ubatch<A>) == 64   ? 4
                                                   : sizeof(ubatch<A>) == 32 ? 2
                                                                             : 1;

/// Lane l of the result: four[q * L / 4 + l / 4] (L float lanes): the value of
/// the tile row of each int32 lane of register q of a chunk column.
template <class A>
LOWBIT_ALWAYS_INLINE fbatch<A> row_lanes(const float* four, std::size_t q) noexcept {
  using B = fbatch<A>;
  if constexpr (B::size == 4) {
    return B(four[q]);
  } else if constexpr (B::size == 8) {
#if defined(__AVX2__)
    const __m256i idx =
        _mm256_add_epi32(_mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1), _mm256_set1_epi32(static_cast<int>(2 * q)));
    return B(_mm256_permutevar8x32_ps(_mm256_castps128_ps256(_mm_loadu_ps(four)), idx));
#endif
  } else {
#if defined(__AVX512F__)
    const __m512i idx = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
    return B(_mm512_permutexvar_ps(idx, _mm512_castps128_ps512(_mm_loadu_ps(four))));
#endif
  }
}

/// Lane l of the result: v[l / 4] (the L / 4 values from v, each 4 times).
template <class A>
LOWBIT_ALWAYS_INLINE fbatch<A> spread4(const float* v) noexcept {
  return row_lanes<A>(v, 0);
}

/// The float constants of one tile, per group g and tile row i (index 4g + i,
/// zero-padded by 16 groups): w = step * (u - center) + offset, and for the
/// int8 path beta = step (c0 - center) + offset.
template <class A>
struct tile_scratch {
  detail::scratch_vector<float> step, center, offset, beta;
  template <Scheme S, bool M>
  explicit tile_scratch(const basic_prepacked_view<S, M>& w)
      : step(4 * (w.layout().groups() + 16)), center(step.size()), offset(step.size()), beta(step.size()) {}
};

/// n values of T (float, fp16 or bf16) at p as floats.
template <class T, class A>
void load_floats(const std::byte* p, std::size_t n, float* out) noexcept {
  if constexpr (std::is_same_v<T, float>)
    std::memcpy(out, p, n * sizeof(float));
  else
    (void)try_convert<T, float, A>(reinterpret_cast<const T*>(p), n, out);  // aligned, non-null: cannot fail
}

/// Converts tile t's parameters into sc (step, center, offset; with Int8 beta too).
template <bool Int8, Scheme S, bool M, class A>
void tile_params(const basic_prepacked_view<S, M>& w, std::size_t t, tile_scratch<A>& sc) noexcept {
  const std::size_t n = 4 * w.layout().groups();
  const std::byte* tile = w.tile(t);
  float* step = sc.step.data();
  float* center = sc.center.data();
  float* offset = sc.offset.data();
  // the tile is 64-byte aligned, its parameter arrays aligned for their types
  load_floats<typename S::scale_type, A>(tile, n, step);
  if constexpr (S::is_symmetric) {
    if constexpr (S::bits == 1)
      for (std::size_t i = 0; i < n; ++i) step[i] *= 2.0f;
  } else if constexpr (S::has_integer_zero_point) {
    using zero_t = typename S::zero_point_type;
    const std::byte* z = tile + w.layout().zero_points_offset();
    for (std::size_t i = 0; i < n; ++i) {
      zero_t v;
      std::memcpy(&v, z + i * sizeof(zero_t), sizeof(zero_t));
      center[i] = static_cast<float>(v);
    }
  } else {
    load_floats<typename S::zero_point_type, A>(tile + w.layout().zero_points_offset(), n, offset);
  }
  if constexpr (S::is_symmetric) {
    // a constant center: filled once (the scratch starts at 0 and the rest is never written)
    const float c = S::bits == 1 ? 0.5f : static_cast<float>(1u << (S::bits - 1));
    if (center[0] != c) std::fill(center, center + n, c);
  }
  if constexpr (Int8) {
    constexpr float c0 = static_cast<float>(dot_arch::dot_center<S::bits, A>);
    float* beta = sc.beta.data();
    for (std::size_t i = 0; i < n; ++i) beta[i] = step[i] * (c0 - center[i]) + offset[i];
  }
}

/// Tiles [tile0, tile1) for NT tokens from t0, int8-dot path; rows outside [r0, r1) are not stored.
template <std::size_t NT, Scheme S, bool M, class A, class E>
void int8_tiles(const basic_prepacked_view<S, M>& w, const matmul_impl::prepared_activations<A>& act, std::size_t t0,
                std::size_t tile0, std::size_t tile1, std::size_t r0, std::size_t r1, float* y, std::size_t y_stride,
                const E& e, tile_scratch<A>& sc) noexcept {
  using B = fbatch<A>;
  using I = ibatch<A>;
  using U = ubatch<A>;
  using PL = prepacked_layout<S>;
  using kernel = pack_impl::byte_block<S::bits, A>;
  constexpr std::size_t RPK = 64 / U::size;  // registers per chunk column
  constexpr std::size_t LF = B::size;        // float lanes: RPK * LF = 16
  constexpr std::size_t Bk = detail::activation_block<S>;
  constexpr bool grouped = S::granularity == granularity_kind::group;
  constexpr bool cell_aligned = PL::cell_cols % Bk == 0;  // blocks end at compile-time chunk columns
  constexpr std::size_t max_run = 8192;                   // chunk columns per int32 sum, at most
  const PL& l = w.layout();
  const std::size_t cells = l.cells(), groups = l.groups();
  const std::uint8_t* at[NT];
  const float* st[NT];
  const float* xs[NT];
  for (std::size_t t = 0; t < NT; ++t) {
    at[t] = reinterpret_cast<const std::uint8_t*>(act.a.data() + (t0 + t) * act.stride);
    st[t] = act.s.data() + (t0 + t) * act.xs_stride;
    xs[t] = act.xs.data() + (t0 + t) * act.xs_stride;
  }
  for (std::size_t tile = tile0; tile < tile1; ++tile) {
    tile_params<true>(w, tile, sc);
    const float* step = sc.step.data();
    const auto* codes = reinterpret_cast<const std::uint8_t*>(w.tile_codes(tile));
    I p[NT][RPK];
    B acc[NT][RPK];
    for (std::size_t t = 0; t < NT; ++t)
      for (std::size_t q = 0; q < RPK; ++q) {
        p[t][q] = I(0);
        acc[t][q] = B(0.0f);
      }
    // acc += float(p) * step_b(row of the lane) * s_b: the block's sum, scaled
    auto flush = [&](std::size_t b) LOWBIT_INLINE_LAMBDA {
      const float* four = step + 4 * (grouped ? b : 0);
      for (std::size_t q = 0; q < RPK; ++q) {
        const B lanes = row_lanes<A>(four, q);
        for (std::size_t t = 0; t < NT; ++t) {
          acc[t][q] = xsimd::fma(xsimd::batch_cast<float>(p[t][q]), lanes * B(st[t][b]), acc[t][q]);
          p[t][q] = I(0);
        }
      }
    };
    std::size_t run = 0;  // chunk columns in p (runtime block ends only)
    for (std::size_t c = 0; c < cells; ++c) {
      const std::uint8_t* cell = codes + c * PL::cell_bytes;
      prefetch_ahead<PL::cell_bytes>(cell);
      [&]<std::size_t... J>(std::index_sequence<J...>) LOWBIT_INLINE_LAMBDA {
        (
            [&] {
              constexpr std::size_t j = J;
              const std::size_t k = c * PL::cell_cols + j * PL::chunk_cols;
              U a[NT];
              for (std::size_t t = 0; t < NT; ++t) a[t] = broadcast16<A>(at[t] + k);
              [&]<std::size_t... Q>(std::index_sequence<Q...>) LOWBIT_INLINE_LAMBDA {
                (
                    [&] {
                      const U u = kernel::template code_register<j * RPK + Q>(cell);
                      for (std::size_t t = 0; t < NT; ++t) p[t][Q] = dot_arch::dot4<S::bits, A>(p[t][Q], u, a[t]);
                    }(),
                    ...);
              }
              (std::make_index_sequence<RPK>{});
              if constexpr (cell_aligned) {
                if constexpr ((j + 1) * PL::chunk_cols % Bk == 0) flush(k / Bk);
              } else {
                if ((k + PL::chunk_cols) % Bk == 0 || ++run == max_run) {
                  flush(k / Bk);
                  run = 0;
                }
              }
            }(),
            ...);
      }
      (std::make_index_sequence<PL::cell_cols / PL::chunk_cols>{});
    }
    if constexpr (!cell_aligned)
      if (run != 0) flush((cells * PL::cell_cols - 1) / Bk);
    for (std::size_t t = 0; t < NT; ++t) {
      alignas(64) float sums[16];
      for (std::size_t q = 0; q < RPK; ++q) acc[t][q].store_aligned(sums + q * LF);
      // the zero-point terms sum_g beta[4g + i] xs_g: lane l of corr sums row l % 4
      alignas(64) float corr[LF];
      if constexpr (grouped) {
        B c(0.0f);
        for (std::size_t g = 0; g < groups; g += LF / 4)
          c = xsimd::fma(B::load_unaligned(sc.beta.data() + 4 * g), spread4<A>(xs[t] + g), c);
        c.store_aligned(corr);
      }
      for (std::size_t i = 0; i < 4; ++i) {
        const std::size_t r = tile * 4 + i;
        if (r < r0 || r >= r1) continue;
        float v = (sums[4 * i] + sums[4 * i + 1]) + (sums[4 * i + 2] + sums[4 * i + 3]);
        if constexpr (grouped) {
          float z = 0.0f;
          for (std::size_t m = i; m < LF; m += 4) z += corr[m];
          v += z;
        } else {
          v += sc.beta[i] * act.xs_total[t0 + t];
        }
        matmul_impl::store(e, v, r, y + (t0 + t) * y_stride + r);
      }
    }
  }
}

/// Tiles [tile0, tile1) for NT tokens from t0, floating path.
template <std::size_t NT, Scheme S, bool M, class A, class E>
void floating_tiles(const basic_prepacked_view<S, M>& w, const matmul_impl::prepared_activations<A>& act,
                    std::size_t t0, std::size_t tile0, std::size_t tile1, std::size_t r0, std::size_t r1, float* y,
                    std::size_t y_stride, const E& e, tile_scratch<A>& sc, std::uint8_t* buf) noexcept {
  using B = fbatch<A>;
  using PL = prepacked_layout<S>;
  constexpr std::size_t LF = B::size, H = PL::chunk_cols / LF;  // registers per chunk of one row
  const PL& l = w.layout();
  const std::size_t cells = l.cells(), glen = l.group_length();
  const float* xt[NT];
  for (std::size_t t = 0; t < NT; ++t) xt[t] = act.x.data() + (t0 + t) * act.stride;
  for (std::size_t tile = tile0; tile < tile1; ++tile) {
    tile_params<false>(w, tile, sc);
    const auto* codes = reinterpret_cast<const std::uint8_t*>(w.tile_codes(tile));
    B acc[NT][4];
    for (std::size_t t = 0; t < NT; ++t)
      for (std::size_t i = 0; i < 4; ++i) acc[t][i] = B(0.0f);
    for (std::size_t c = 0; c < cells; ++c) {
      const std::uint8_t* cell = codes + c * PL::cell_bytes;
      prefetch_ahead<PL::cell_bytes>(cell);
      pack_impl::byte_block<S::bits, A>::template unpack<false>(cell, buf);
      for (std::size_t j = 0; j < PL::cell_cols / PL::chunk_cols; ++j) {
        const std::size_t k = c * PL::cell_cols + j * PL::chunk_cols;
        const std::size_t g = std::min(k / glen, l.groups() - 1);  // padded columns: the last group (x = 0 there)
        B x[NT][H];
        for (std::size_t t = 0; t < NT; ++t)
          for (std::size_t h = 0; h < H; ++h) x[t][h] = B::load_unaligned(xt[t] + k + h * LF);
        for (std::size_t i = 0; i < 4; ++i) {
          const B vstep(sc.step[4 * g + i]), vcenter(sc.center[4 * g + i]), voffset(sc.offset[4 * g + i]);
          for (std::size_t h = 0; h < H; ++h) {
            const B u = convert_arch::load_u8_as_f32<A>(buf + (j * 4 + i) * PL::chunk_cols + h * LF);
            B wv;
            if constexpr (S::has_float_offset)
              wv = u * vstep + voffset;
            else
              wv = (u - vcenter) * vstep;
            for (std::size_t t = 0; t < NT; ++t) acc[t][i] = xsimd::fma(wv, x[t][h], acc[t][i]);
          }
        }
      }
    }
    for (std::size_t t = 0; t < NT; ++t)
      for (std::size_t i = 0; i < 4; ++i) {
        const std::size_t r = tile * 4 + i;
        if (r >= r0 && r < r1)
          matmul_impl::store(e, detail::simd::reduce_add(acc[t][i]), r, y + (t0 + t) * y_stride + r);
      }
  }
}

/// Tiles per band of run_tiles: 16 tiles of 4096 4-bit columns are 150 KB.
inline constexpr std::size_t band_tiles = 16;

/// Tiles [tile0, tile1) of every token, path P; tokens in tiles of the
/// largest power of two up to the path's token tile that fits.
template <class P, Scheme S, bool M, class A, class E>
void run_tiles(const basic_prepacked_view<S, M>& w, const matmul_impl::prepared_activations<A>& act, std::size_t tile0,
               std::size_t tile1, std::size_t r0, std::size_t r1, float* y, std::size_t y_stride, const E& e,
               tile_scratch<A>& sc, std::uint8_t* buf) noexcept {
  if (tile0 >= tile1 || act.tokens == 0) return;
  if (w.cols() == 0) {
    for (std::size_t t = 0; t < act.tokens; ++t)
      for (std::size_t r = std::max(r0, tile0 * 4); r < std::min(r1, tile1 * 4); ++r)
        matmul_impl::store(e, 0.0f, r, y + t * y_stride + r);
    return;
  }
  constexpr bool int8 = std::is_same_v<P, path::int8_dot>;
  constexpr std::size_t tile = int8 ? int8_token_tile<A> : floating_token_tile<A>;
  // A band of tiles is run for every token before the next band: the band's
  // weights are read from L2 by all token tiles, not from L3 or DRAM each time.
  const std::size_t band = act.tokens > tile ? band_tiles : tile1 - tile0;
  for (std::size_t b0 = tile0; b0 < tile1; b0 += band) {
    const std::size_t b1 = std::min(tile1, b0 + band);
    std::size_t t0 = 0;
    auto pass = [&](auto nt) {
      constexpr std::size_t NT = decltype(nt)::value;
      for (; t0 + NT <= act.tokens; t0 += NT) {
        if constexpr (int8)
          int8_tiles<NT>(w, act, t0, b0, b1, r0, r1, y, y_stride, e, sc);
        else
          floating_tiles<NT>(w, act, t0, b0, b1, r0, r1, y, y_stride, e, sc, buf);
      }
    };
    pass(std::integral_constant<std::size_t, tile>{});
    if constexpr (tile >= 8) pass(std::integral_constant<std::size_t, 4>{});
    if constexpr (tile >= 4) pass(std::integral_constant<std::size_t, 2>{});
    if constexpr (tile >= 2) pass(std::integral_constant<std::size_t, 1>{});
  }
}

/// The path P stands for on a prepacked matrix on A.
template <class P, class A>
using resolved_path =
    std::conditional_t<std::is_same_v<P, path::automatic>,
                       std::conditional_t<dot_arch::has_fast_dot<A>, path::int8_dot, path::floating>, P>;

/// Checks, then prepares the activations (act.tokens stays 0 when there is nothing to compute).
template <class Path, Scheme S, bool M, class T, class E, class A>
status begin(const basic_prepacked_view<S, M>& w, const T* x, std::size_t tokens, const float* y,
             const matmul_options& options, const E& e, detail::matmul_call& c,
             matmul_impl::prepared_activations<A>& act) {
  static_assert(detail::is_path<Path>, "lowbit::gemm: Path must be path::automatic, path::floating or path::int8_dot");
  static_assert(detail::is_epilogue<E>, "lowbit::gemm: the epilogue must be epilogue::none, bias, scale or accumulate");
  static_assert(FloatStorage<T>, "lowbit::gemm: activations must be float, lowbit::fp16 or lowbit::bf16");
  using P = resolved_path<Path, A>;
  LOWBIT_TRACE_KERNEL((std::is_same_v<P, path::floating> ? "gemm_prepacked_floating" : "gemm_prepacked_int8_dot"), A);
  const std::array<detail::byte_span, 3> weights{detail::byte_span::of(w.data(), w.bytes())};
  LOWBIT_TRY(detail::check_matmul(w.rows(), w.cols(), weights, x, tokens, y, options, e, "gemm", c));
  if (c.r0 != c.r1 && tokens != 0) matmul_impl::prepare<P, S>(x, tokens, w.cols(), c.x_stride, act);
  return {};
}

}  // namespace prepacked_impl

/// gemm on a prepacked matrix (see matmul.hpp for the contract).
template <class Path, Scheme S, bool M, class T, class E, class Arch = xsimd::default_arch>
status try_gemm_prepacked(const basic_prepacked_view<S, M>& w, const T* x, std::size_t tokens, float* y,
                          const matmul_options& options, const E& e) {
  using P = prepacked_impl::resolved_path<Path, Arch>;
  detail::matmul_call c;
  matmul_impl::prepared_activations<Arch> act;
  LOWBIT_TRY(prepacked_impl::begin<Path>(w, x, tokens, y, options, e, c, act));
  if (act.tokens == 0) return {};
  prepacked_impl::tile_scratch<Arch> sc(w);
  detail::scratch_vector<std::uint8_t> buf(prepacked_layout<S>::cell_codes);
  prepacked_impl::run_tiles<P>(w, act, c.r0 / 4, (c.r1 + 3) / 4, c.r0, c.r1, y, c.y_stride, e, sc, buf.data());
  return {};
}

/// try_gemm_prepacked with the tiles split over `count` threads
/// (the calling thread takes the first range; if a thread cannot be started,
/// the caller runs its range). The result does not depend on the count.
template <class Path, Scheme S, bool M, class T, class E, class Arch = xsimd::default_arch>
status try_gemm_prepacked_threads(const basic_prepacked_view<S, M>& w, const T* x, std::size_t tokens, float* y,
                                  unsigned count, const matmul_options& options, const E& e) {
  using P = prepacked_impl::resolved_path<Path, Arch>;
  if (count == 0) return detail::failure("gemm: the thread count is 0; give at least 1");
  detail::matmul_call c;
  matmul_impl::prepared_activations<Arch> act;
  LOWBIT_TRY(prepacked_impl::begin<Path>(w, x, tokens, y, options, e, c, act));
  if (act.tokens == 0) return {};
  const std::size_t tile0 = c.r0 / 4, tiles = (c.r1 + 3) / 4 - tile0;
  const std::size_t workers = std::min<std::size_t>(count, tiles);
  detail::scratch_vector<prepacked_impl::tile_scratch<Arch>> scratch;
  scratch.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) scratch.emplace_back(w);
  detail::scratch_vector<std::uint8_t> bufs(workers * prepacked_layout<S>::cell_codes);
  auto range = [&](std::size_t i) { return tile0 + tiles * i / workers; };
  matmul_impl::run_workers(workers, [&](std::size_t i) {
    prepacked_impl::run_tiles<P>(w, act, range(i), range(i + 1), c.r0, c.r1, y, c.y_stride, e, scratch[i],
                                 bufs.data() + i * prepacked_layout<S>::cell_codes);
  });
  return {};
}

}  // namespace LOWBIT_NS::kernels
