// lowbit: argument checks and epilogues shared by the reference and the SIMD
// matrix products (reference/matmul.hpp, kernels/matmul.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "lowbit/config.hpp"
#include "lowbit/detail/checked_size.hpp"
#include "lowbit/error.hpp"
#include "lowbit/layout/quantized_matrix.hpp"
#include "lowbit/matmul_options.hpp"
#include "lowbit/types/float16.hpp"

namespace LOWBIT_NS::detail {

/// Activation block of the int8-dot path: the weights' group for per_group
/// schemes, else 32 elements.
template <Scheme S>
inline constexpr std::size_t activation_block = S::granularity == granularity_kind::group ? S::group_size : 32;

/// The arguments of one gemm call once checked: rows [r0, r1), strides.
struct matmul_call {
  std::size_t r0 = 0, r1 = 0;
  std::size_t x_stride = 0, y_stride = 0;
};

template <class E>
inline constexpr bool is_epilogue = std::is_same_v<E, epilogue::none> || std::is_same_v<E, epilogue::bias> ||
                                    std::is_same_v<E, epilogue::scale> || std::is_same_v<E, epilogue::accumulate>;

template <class P>
inline constexpr bool is_path =
    std::is_same_v<P, path::automatic> || std::is_same_v<P, path::floating> || std::is_same_v<P, path::int8_dot>;

/// [first byte, one past the last byte) of an array region; empty when n = 0.
struct byte_span {
  std::uintptr_t lo = 0, hi = 0;
  template <class T>
  static byte_span of(const T* p, std::size_t n) noexcept {
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    return n == 0 || p == nullptr ? byte_span{} : byte_span{a, a + n * sizeof(T)};
  }
  bool overlaps(const byte_span& o) const noexcept { return lo < hi && o.lo < o.hi && lo < o.hi && o.lo < hi; }
};

/// The region [first, last] element of a strided token-major array: tokens
/// rows of `width` elements starting at p + first, `stride` apart.
template <class T>
byte_span strided_span(const T* p, std::size_t tokens, std::size_t stride, std::size_t first, std::size_t width) {
  if (tokens == 0 || width == 0) return {};
  return byte_span::of(p + first, (tokens - 1) * stride + width);
}

/// The memory regions of a quantized view's arrays (codes, scales, zero points).
template <Scheme S, bool M>
std::array<byte_span, 3> weight_spans(const basic_quantized_view<S, M>& w) noexcept {
  const matrix_layout<S>& l = w.layout();
  std::array<byte_span, 3> s{byte_span::of(w.codes(), l.code_words()), byte_span::of(w.scales(), l.params_count())};
  if constexpr (S::has_zero_point) s[2] = byte_span::of(w.zero_points(), l.params_count());
  return s;
}

/// Checks everything about a gemm call on a rows x cols matrix stored in the
/// regions `weights` before anything is written (see matmul.hpp).
template <class T, class E>
status check_matmul(std::size_t rows, std::size_t cols, const std::array<byte_span, 3>& weights, const T* x,
                    std::size_t tokens, const float* y, const matmul_options& o, const E& e, const char* fn,
                    matmul_call& out) {
  matmul_call c;
  c.r0 = o.row_begin;
  c.r1 = o.row_end == matmul_options::all_rows ? rows : o.row_end;
  if (c.r0 > c.r1 || c.r1 > rows)
    return failure(fn, ": row range [", o.row_begin, ", ", o.row_end, ") is outside the ", rows, " rows of the matrix");
  c.x_stride = o.x_stride == 0 ? cols : o.x_stride;
  c.y_stride = o.y_stride == 0 ? rows : o.y_stride;
  if (c.x_stride < cols)
    return failure(fn, ": x_stride ", c.x_stride, " is smaller than the ", cols, " columns of the matrix");
  if (c.y_stride < rows)
    return failure(fn, ": y_stride ", c.y_stride, " is smaller than the ", rows, " rows of the matrix");
  if (tokens > 0) {
    const checked_size xs = checked_size(tokens - 1) * c.x_stride + cols;
    const checked_size ys = checked_size(tokens - 1) * c.y_stride + rows;
    if ((xs * sizeof(T)).overflow() || (ys * sizeof(float)).overflow())
      return failure(fn, ": ", tokens, " tokens with these strides do not fit in memory");
  }
  const bool writes = tokens > 0 && c.r1 > c.r0;
  if (writes && cols > 0 && x == nullptr) return failure(fn, ": x pointer is null");
  if (writes && y == nullptr) return failure(fn, ": y pointer is null");
  if (reinterpret_cast<std::uintptr_t>(x) % alignof(T) != 0)
    return failure(fn, ": x pointer is not aligned to ", alignof(T), " bytes");
  if (reinterpret_cast<std::uintptr_t>(y) % alignof(float) != 0)
    return failure(fn, ": y pointer is not aligned to 4 bytes");
  if constexpr (std::is_same_v<E, epilogue::bias>) {
    if (writes && e.values == nullptr) return failure(fn, ": bias pointer is null");
    if (reinterpret_cast<std::uintptr_t>(e.values) % alignof(float) != 0)
      return failure(fn, ": bias pointer is not aligned to 4 bytes");
  }
  if (writes) {
    const byte_span ys = strided_span(y, tokens, c.y_stride, c.r0, c.r1 - c.r0);
    if (ys.overlaps(strided_span(x, tokens, c.x_stride, 0, cols)))
      return failure(fn, ": the output y overlaps the activations x");
    for (const byte_span& w : weights)
      if (ys.overlaps(w)) return failure(fn, ": the output y overlaps the quantized matrix");
    if constexpr (std::is_same_v<E, epilogue::bias>)
      if (ys.overlaps(byte_span::of(e.values + c.r0, c.r1 - c.r0)))
        return failure(fn, ": the output y overlaps the bias");
  }
  out = c;
  return {};
}

/// y[r] of one token from v = (W x)[r]; `old` is y[r] before the call (read by accumulate only).
template <class E>
LOWBIT_ALWAYS_INLINE float apply_epilogue(const E& e, float v, std::size_t r, const float* old) noexcept {
  if constexpr (std::is_same_v<E, epilogue::bias>)
    return v + e.values[r];
  else if constexpr (std::is_same_v<E, epilogue::scale>)
    return e.alpha * v;
  else if constexpr (std::is_same_v<E, epilogue::accumulate>)
    return v + e.beta * *old;
  else
    return v;
}

/// Activation element as float.
template <class T>
LOWBIT_ALWAYS_INLINE float activation_to_float(T v) noexcept {
  if constexpr (std::is_same_v<T, float>)
    return v;
  else
    return float_storage<T>::to_float(v);
}

}  // namespace LOWBIT_NS::detail
