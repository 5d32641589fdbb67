// lowbit: argument checks shared by the reference and the SIMD entry points.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "lowbit/error.hpp"
#include "lowbit/layout/quantized_matrix.hpp"

namespace lowbit {

/// Options of quantize(). `seed` drives stochastic_rounding (ignored otherwise):
/// the same seed gives the same codes on every ISA and every run.
struct quantize_options {
  std::uint64_t seed = 0;
};

namespace detail {

template <Scheme S, bool M>
void check_shape(const basic_quantized_view<S, M>& q, std::size_t rows, std::size_t cols, const char* fn) {
  if (q.rows() != rows || q.cols() != cols)
    fail(std::string(fn) + ": the quantized matrix is " + std::to_string(q.rows()) + "x" + std::to_string(q.cols()) +
         " but the fp32 matrix is " + std::to_string(rows) + "x" + std::to_string(cols));
  if (cols > std::numeric_limits<std::uint32_t>::max())
    fail(std::string(fn) + ": rows longer than 2^32 - 1 elements are not supported");
}

inline void check_fp32(const float* p, std::size_t rows, std::size_t cols, const char* fn, const char* what) {
  if (rows != 0 && cols != 0 && p == nullptr) fail(std::string(fn) + ": " + what + " pointer is null");
  if (reinterpret_cast<std::uintptr_t>(p) % alignof(float) != 0)
    fail(std::string(fn) + ": " + what + " pointer is not aligned to 4 bytes");
}

[[noreturn]] inline void fail_non_finite(float v, std::size_t row, std::size_t col) {
  fail(std::string("quantize: ") + (std::isnan(v) ? "NaN" : "Inf") + " at row " + std::to_string(row) + ", column " +
       std::to_string(col) + "; nothing was written");
}

}  // namespace detail
}  // namespace lowbit
