// lowbit: the vocabulary of the matrix products (matmul.hpp): compute-path
// tags, epilogues, options and the thread count. Code-free types, the same in
// every translation unit (see config.hpp on per-ISA symbols).
#pragma once

#include <cstddef>
#include <cstdint>

namespace lowbit {

/// The compute path of gemv / gemm, a tag given as the first template argument.
namespace path {
/// The default: int8_dot where its fast form applies (the weights' group, or
/// 32 for per_channel / per_tensor schemes, a multiple of 32, and a CPU with
/// integer dot products: AVX2 or better), else floating. See docs/kernels.md.
struct automatic {};
/// Codes unpacked and dequantized in registers, x^ = step * (u - center)
/// (+ offset), fp32 FMA with the activations: accurate to fp32 rounding.
struct floating {};
/// Activations quantized per block to int8 (per token, dynamic), integer dot
/// products of codes and int8 activations, scales applied per block: the
/// result is W^ * x~, x~ the int8-rounded activations (error bound in docs/kernels.md).
struct int8_dot {};
}  // namespace path

/// What is done with v = (W x)[r] as it is stored, chosen at compile time by the type.
namespace epilogue {
/// y[r] = v
struct none {};
/// y[r] = v + bias[r]  (bias indexed by the absolute row of the matrix)
struct bias {
  const float* values = nullptr;
};
/// y[r] = alpha * v
struct scale {
  float alpha = 1.0f;
};
/// y[r] = v + beta * y[r]  (beta = 1: accumulate into y; y is read first)
struct accumulate {
  float beta = 1.0f;
};
}  // namespace epilogue

/// Where gemv / gemm read and write, beyond the matrix and the token count.
struct matmul_options {
  /// Rows [row_begin, row_end) of W are computed: y[r] / Y[n][r] for those
  /// rows only, nothing else of y is written (an engine's threads each take a
  /// range). row_end = all_rows means the matrix's last row.
  static constexpr std::size_t all_rows = SIZE_MAX;
  std::size_t row_begin = 0;
  std::size_t row_end = all_rows;
  /// Elements from one token to the next in X (0: the matrix's cols).
  std::size_t x_stride = 0;
  /// Elements from one token to the next in Y (0: the matrix's rows).
  std::size_t y_stride = 0;
};

/// The thread count of the convenience overloads that split the rows themselves.
struct threads {
  unsigned count = 1;
};

}  // namespace lowbit
