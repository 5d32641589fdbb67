// lowbit: argument checks shared by the reference and the SIMD entry points.
// Each returns a status (the error-code form); the throwing forms raise it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "lowbit/config.hpp"
#include "lowbit/detail/finite.hpp"
#include "lowbit/error.hpp"
#include "lowbit/layout/quantized_matrix.hpp"
#include "lowbit/options.hpp"

namespace LOWBIT_NS::detail {

template <Scheme S, bool M>
status check_shape(const basic_quantized_view<S, M>& q, std::size_t rows, std::size_t cols, const char* fn) {
  if (q.rows() != rows || q.cols() != cols)
    return failure(fn, ": the quantized matrix is ", q.rows(), "x", q.cols(), " but the fp32 matrix is ", rows, "x",
                   cols);
  if (cols > std::numeric_limits<std::uint32_t>::max())
    return failure(fn, ": rows longer than 2^32 - 1 elements are not supported");
  if constexpr (S::granularity == granularity_kind::tensor)
    if (M && q.is_row_range())
      return failure(fn,
                     ": a per_tensor scheme has one scale for the whole matrix; quantize all its rows in one call, "
                     "not a row range of it");
  return {};
}

inline status check_fp32(const float* p, std::size_t rows, std::size_t cols, const char* fn, const char* what) {
  if (rows != 0 && cols != 0 && p == nullptr) return failure(fn, ": ", what, " pointer is null");
  if (reinterpret_cast<std::uintptr_t>(p) % alignof(float) != 0)
    return failure(fn, ": ", what, " pointer is not aligned to 4 bytes");
  return {};
}

/// quantize_options::importance: cols finite weights >= 0 (or null). Read by
/// mse_search schemes only.
template <Scheme S>
status check_importance(const float* w, std::size_t cols) {
  if constexpr (S::is_search) {
    if (w == nullptr) return {};
    if (reinterpret_cast<std::uintptr_t>(w) % alignof(float) != 0)
      return failure("quantize: importance pointer is not aligned to 4 bytes");
    for (std::size_t c = 0; c < cols; ++c)
      if (!is_finite_bits(w[c]) || w[c] < 0.0f)
        return failure("quantize: importance weight of column ", c, " is ", w[c],
                       "; weights must be finite and >= 0; nothing was written");
  }
  return {};
}

/// The refusal of a NaN or Inf input element (row counted from the call's first row).
inline status non_finite(float v, std::size_t row, std::size_t col) {
  return failure("quantize: ", is_nan_bits(v) ? "NaN" : "Inf", " at row ", row, ", column ", col,
                 "; nothing was written");
}

}  // namespace LOWBIT_NS::detail
