// lowbit: matrix products on quantized weights, the public entry points.
//
//   gemv:  y[r]    = epilogue( sum_k W^[r][k] * x[k] )        (decode: one token)
//   gemm:  Y[n][r] = epilogue( sum_k W^[r][k] * X[n][k] )     (prefill: Y = X W^T)
//
// W is a quantized_view / const view / quantized_matrix of any scheme (its
// rows are the outputs, its cols the reduction); X is tokens x cols, row-major,
// of float, lowbit::fp16 or lowbit::bf16; Y is tokens x rows fp32, row-major.
// Only rows [options.row_begin, options.row_end) are computed and written (an
// engine's threads each take a range); options.x_stride / y_stride give the
// distance between tokens. The template arguments are the compute path
// (path::automatic, floating, int8_dot) and the epilogue is the type of the
// last argument (epilogue::none, bias, scale, accumulate): matmul_options.hpp.
//
//   lowbit::gemv(w, x, y);                                   // y = W x, all rows
//   lowbit::gemm<lowbit::path::int8_dot>(w, X, n, Y, {.row_begin = r0, .row_end = r1});
//   lowbit::gemm(w, X, n, Y, lowbit::threads{2});            // rows split over 2 threads
//
// Refused before anything is written, with lowbit::error (or the status of the
// try_ forms): a row range outside the matrix, strides smaller than a row,
// null or misaligned x / y / bias when something is to be computed, an output
// that overlaps x, the quantized matrix or the bias (the region from the first
// to the last element written), a thread count of 0. NaN / Inf activations
// are not refused: on path::floating they propagate as IEEE arithmetic does;
// on path::int8_dot a block holding one makes every output of that token NaN.
// See docs/kernels.md for the math, the error bounds and the speed.
#pragma once

#include <cstddef>

#include "lowbit/config.hpp"
#include "lowbit/error.hpp"
#include "lowbit/kernels/matmul.hpp"
#include "lowbit/kernels/matmul_prepacked.hpp"
#include "lowbit/layout/prepacked_matrix.hpp"
#include "lowbit/layout/quantized_matrix.hpp"
#include "lowbit/matmul_options.hpp"

namespace LOWBIT_NS {

// ---------------------------------------------------------------- gemm

template <class Path = path::automatic, Scheme S, bool M, class T, class E = epilogue::none>
status try_gemm(const basic_quantized_view<S, M>& w, const T* x, std::size_t tokens, float* y,
                const matmul_options& options = {}, const E& e = {}) {
  return kernels::try_gemm<Path, S, M, T, E>(w, x, tokens, y, options, e);
}
template <class Path = path::automatic, Scheme S, class T, class E = epilogue::none>
status try_gemm(const quantized_matrix<S>& w, const T* x, std::size_t tokens, float* y,
                const matmul_options& options = {}, const E& e = {}) {
  return kernels::try_gemm<Path, S, false, T, E>(w.view(), x, tokens, y, options, e);
}
template <class Path = path::automatic, Scheme S, bool M, class T, class E = epilogue::none>
void gemm(const basic_quantized_view<S, M>& w, const T* x, std::size_t tokens, float* y,
          const matmul_options& options = {}, const E& e = {}) {
  detail::throw_if_failed(kernels::try_gemm<Path, S, M, T, E>(w, x, tokens, y, options, e));
}
template <class Path = path::automatic, Scheme S, class T, class E = epilogue::none>
void gemm(const quantized_matrix<S>& w, const T* x, std::size_t tokens, float* y, const matmul_options& options = {},
          const E& e = {}) {
  detail::throw_if_failed(kernels::try_gemm<Path, S, false, T, E>(w.view(), x, tokens, y, options, e));
}

/// The same, with the rows split over `t.count` threads (std::thread, the
/// caller's thread among them). The result is bit-identical for every count.
template <class Path = path::automatic, Scheme S, bool M, class T, class E = epilogue::none>
status try_gemm(const basic_quantized_view<S, M>& w, const T* x, std::size_t tokens, float* y, threads t,
                const matmul_options& options = {}, const E& e = {}) {
  return kernels::try_gemm_threads<Path, S, M, T, E>(w, x, tokens, y, t.count, options, e);
}
template <class Path = path::automatic, Scheme S, class T, class E = epilogue::none>
status try_gemm(const quantized_matrix<S>& w, const T* x, std::size_t tokens, float* y, threads t,
                const matmul_options& options = {}, const E& e = {}) {
  return kernels::try_gemm_threads<Path, S, false, T, E>(w.view(), x, tokens, y, t.count, options, e);
}
template <class Path = path::automatic, Scheme S, bool M, class T, class E = epilogue::none>
void gemm(const basic_quantized_view<S, M>& w, const T* x, std::size_t tokens, float* y, threads t,
          const matmul_options& options = {}, const E& e = {}) {
  detail::throw_if_failed(kernels::try_gemm_threads<Path, S, M, T, E>(w, x, tokens, y, t.count, options, e));
}
template <class Path = path::automatic, Scheme S, class T, class E = epilogue::none>
void gemm(const quantized_matrix<S>& w, const T* x, std::size_t tokens, float* y, threads t,
          const matmul_options& options = {}, const E& e = {}) {
  detail::throw_if_failed(kernels::try_gemm_threads<Path, S, false, T, E>(w.view(), x, tokens, y, t.count, options, e));
}

// ---------------------------------------------------------------- gemv

/// gemm of one token: x holds cols values, y rows (only [row_begin, row_end) written).
template <class Path = path::automatic, Scheme S, bool M, class T, class E = epilogue::none>
status try_gemv(const basic_quantized_view<S, M>& w, const T* x, float* y, const matmul_options& options = {},
                const E& e = {}) {
  return kernels::try_gemm<Path, S, M, T, E>(w, x, 1, y, options, e);
}
template <class Path = path::automatic, Scheme S, class T, class E = epilogue::none>
status try_gemv(const quantized_matrix<S>& w, const T* x, float* y, const matmul_options& options = {},
                const E& e = {}) {
  return kernels::try_gemm<Path, S, false, T, E>(w.view(), x, 1, y, options, e);
}
template <class Path = path::automatic, Scheme S, bool M, class T, class E = epilogue::none>
void gemv(const basic_quantized_view<S, M>& w, const T* x, float* y, const matmul_options& options = {},
          const E& e = {}) {
  detail::throw_if_failed(kernels::try_gemm<Path, S, M, T, E>(w, x, 1, y, options, e));
}
template <class Path = path::automatic, Scheme S, class T, class E = epilogue::none>
void gemv(const quantized_matrix<S>& w, const T* x, float* y, const matmul_options& options = {}, const E& e = {}) {
  detail::throw_if_failed(kernels::try_gemm<Path, S, false, T, E>(w.view(), x, 1, y, options, e));
}
template <class Path = path::automatic, Scheme S, bool M, class T, class E = epilogue::none>
void gemv(const basic_quantized_view<S, M>& w, const T* x, float* y, threads t, const matmul_options& options = {},
          const E& e = {}) {
  detail::throw_if_failed(kernels::try_gemm_threads<Path, S, M, T, E>(w, x, 1, y, t.count, options, e));
}
template <class Path = path::automatic, Scheme S, class T, class E = epilogue::none>
void gemv(const quantized_matrix<S>& w, const T* x, float* y, threads t, const matmul_options& options = {},
          const E& e = {}) {
  detail::throw_if_failed(kernels::try_gemm_threads<Path, S, false, T, E>(w.view(), x, 1, y, t.count, options, e));
}

// ---------------------------------------------------------------- prepacked

// The same entry points on a prepacked matrix (layout/prepacked_matrix.hpp,
// made by prepack.hpp): rows in tiles of 4, one activation load feeding the
// 4 rows. The same contract; its own summation order, so its results are
// bit-identical across row ranges, thread counts and token counts, not to the
// quantized view's. path::automatic is int8_dot where the CPU has an integer
// dot product (AVX2 or better), else floating.

template <class Path = path::automatic, Scheme S, bool M, class T, class E = epilogue::none>
status try_gemm(const basic_prepacked_view<S, M>& w, const T* x, std::size_t tokens, float* y,
                const matmul_options& options = {}, const E& e = {}) {
  return kernels::try_gemm_prepacked<Path, S, M, T, E>(w, x, tokens, y, options, e);
}
template <class Path = path::automatic, Scheme S, class T, class E = epilogue::none>
status try_gemm(const prepacked_matrix<S>& w, const T* x, std::size_t tokens, float* y,
                const matmul_options& options = {}, const E& e = {}) {
  return kernels::try_gemm_prepacked<Path, S, false, T, E>(w.view(), x, tokens, y, options, e);
}
template <class Path = path::automatic, Scheme S, bool M, class T, class E = epilogue::none>
void gemm(const basic_prepacked_view<S, M>& w, const T* x, std::size_t tokens, float* y,
          const matmul_options& options = {}, const E& e = {}) {
  detail::throw_if_failed(kernels::try_gemm_prepacked<Path, S, M, T, E>(w, x, tokens, y, options, e));
}
template <class Path = path::automatic, Scheme S, class T, class E = epilogue::none>
void gemm(const prepacked_matrix<S>& w, const T* x, std::size_t tokens, float* y, const matmul_options& options = {},
          const E& e = {}) {
  detail::throw_if_failed(kernels::try_gemm_prepacked<Path, S, false, T, E>(w.view(), x, tokens, y, options, e));
}
template <class Path = path::automatic, Scheme S, bool M, class T, class E = epilogue::none>
status try_gemm(const basic_prepacked_view<S, M>& w, const T* x, std::size_t tokens, float* y, threads t,
                const matmul_options& options = {}, const E& e = {}) {
  return kernels::try_gemm_prepacked_threads<Path, S, M, T, E>(w, x, tokens, y, t.count, options, e);
}
template <class Path = path::automatic, Scheme S, class T, class E = epilogue::none>
status try_gemm(const prepacked_matrix<S>& w, const T* x, std::size_t tokens, float* y, threads t,
                const matmul_options& options = {}, const E& e = {}) {
  return kernels::try_gemm_prepacked_threads<Path, S, false, T, E>(w.view(), x, tokens, y, t.count, options, e);
}
template <class Path = path::automatic, Scheme S, bool M, class T, class E = epilogue::none>
void gemm(const basic_prepacked_view<S, M>& w, const T* x, std::size_t tokens, float* y, threads t,
          const matmul_options& options = {}, const E& e = {}) {
  detail::throw_if_failed(kernels::try_gemm_prepacked_threads<Path, S, M, T, E>(w, x, tokens, y, t.count, options, e));
}
template <class Path = path::automatic, Scheme S, class T, class E = epilogue::none>
void gemm(const prepacked_matrix<S>& w, const T* x, std::size_t tokens, float* y, threads t,
          const matmul_options& options = {}, const E& e = {}) {
  detail::throw_if_failed(
      kernels::try_gemm_prepacked_threads<Path, S, false, T, E>(w.view(), x, tokens, y, t.count, options, e));
}
template <class Path = path::automatic, Scheme S, bool M, class T, class E = epilogue::none>
status try_gemv(const basic_prepacked_view<S, M>& w, const T* x, float* y, const matmul_options& options = {},
                const E& e = {}) {
  return kernels::try_gemm_prepacked<Path, S, M, T, E>(w, x, 1, y, options, e);
}
template <class Path = path::automatic, Scheme S, class T, class E = epilogue::none>
status try_gemv(const prepacked_matrix<S>& w, const T* x, float* y, const matmul_options& options = {},
                const E& e = {}) {
  return kernels::try_gemm_prepacked<Path, S, false, T, E>(w.view(), x, 1, y, options, e);
}
template <class Path = path::automatic, Scheme S, bool M, class T, class E = epilogue::none>
void gemv(const basic_prepacked_view<S, M>& w, const T* x, float* y, const matmul_options& options = {},
          const E& e = {}) {
  detail::throw_if_failed(kernels::try_gemm_prepacked<Path, S, M, T, E>(w, x, 1, y, options, e));
}
template <class Path = path::automatic, Scheme S, class T, class E = epilogue::none>
void gemv(const prepacked_matrix<S>& w, const T* x, float* y, const matmul_options& options = {}, const E& e = {}) {
  detail::throw_if_failed(kernels::try_gemm_prepacked<Path, S, false, T, E>(w.view(), x, 1, y, options, e));
}
template <class Path = path::automatic, Scheme S, bool M, class T, class E = epilogue::none>
void gemv(const basic_prepacked_view<S, M>& w, const T* x, float* y, threads t, const matmul_options& options = {},
          const E& e = {}) {
  detail::throw_if_failed(kernels::try_gemm_prepacked_threads<Path, S, M, T, E>(w, x, 1, y, t.count, options, e));
}
template <class Path = path::automatic, Scheme S, class T, class E = epilogue::none>
void gemv(const prepacked_matrix<S>& w, const T* x, float* y, threads t, const matmul_options& options = {},
          const E& e = {}) {
  detail::throw_if_failed(
      kernels::try_gemm_prepacked_threads<Path, S, false, T, E>(w.view(), x, 1, y, t.count, options, e));
}

}  // namespace LOWBIT_NS
