// lowbit: the argument types of runtime-dispatched matrix products
// (dispatch.hpp). Code-free vocabulary, the same type in every translation
// unit whatever its ISA flags: the only types that cross from the dispatcher
// to the per-level kernels (see config.hpp on per-ISA symbols).
#pragma once

#include <cstddef>

#include "lowbit/matmul_options.hpp"

// Spelled lowbit::dispatch::level, ::path_kind, ::epilogue_kind, ::matrix and
// ::gemm_args by users (aliases in dispatch.hpp's lowbit::dispatch, which has
// code and so is per-ISA; these names are the one type behind them).
namespace lowbit {

/// ISA levels, weakest first; `best` asks for the best one the CPU runs.
enum class dispatch_level : int { sse2 = 0, avx2 = 1, avx512 = 2, avx512vnni = 3, best = 100 };

enum class dispatch_path : int { automatic, floating, int8_dot };
enum class dispatch_epilogue : int { none, bias, scale, accumulate };

/// A quantized matrix as raw arrays, laid out as matrix_layout<S> documents
/// (a view's codes(), scales(), zero_points(); zero_points null for
/// symmetric schemes), or, when `prepacked` is set, as the prepacked_bytes
/// bytes of prepacked_layout<S> (codes, scales, zero_points unused).
/// dispatch::matrix_of(view or prepacked view) makes one.
struct dispatch_matrix {
  const void* codes = nullptr;
  const void* scales = nullptr;
  const void* zero_points = nullptr;
  std::size_t rows = 0, cols = 0;
  const void* prepacked = nullptr;
  std::size_t prepacked_bytes = 0;
};

/// The element type of gemm_args::x.
enum class dispatch_activation : int { f32, f16, bf16 };

/// One gemm call: Y (tokens x rows) = epilogue(X (tokens x cols) W^T), as lowbit::gemm.
struct gemm_args {
  dispatch_matrix w;
  const void* x = nullptr;  ///< float, lowbit::fp16 or lowbit::bf16 values, as x_type says
  dispatch_activation x_type = dispatch_activation::f32;
  std::size_t tokens = 1;
  float* y = nullptr;
  matmul_options options{};
  dispatch_path path = dispatch_path::automatic;
  dispatch_epilogue epilogue = dispatch_epilogue::none;
  const float* bias = nullptr;  ///< epilogue_kind::bias
  float alpha = 1.0f;           ///< epilogue_kind::scale
  float beta = 1.0f;            ///< epilogue_kind::accumulate
  unsigned threads = 1;         ///< rows split over this many std::threads (>= 1)
};

}  // namespace lowbit
