// lowbit: options of quantize (a vocabulary type, the same in every
// translation unit; see config.hpp on per-ISA symbols).
#pragma once

#include <cstddef>
#include <cstdint>

namespace lowbit {

/// Options of quantize() / try_quantize().
struct quantize_options {
  /// Drives stochastic_rounding (ignored otherwise): the same seed gives the
  /// same codes on every ISA and every run.
  std::uint64_t seed = 0;
  /// Index, in the whole matrix, of the first row of this call. The noise of
  /// stochastic rounding is keyed by (seed, row_offset + row, column), so
  /// quantizing a matrix as several row ranges (rows [r0, r1) of the input
  /// into view.rows(r0, r1), with row_offset = r0, as a threaded engine does)
  /// gives the same bytes as one call over all rows. (per_tensor schemes
  /// share one scale over the whole call, so only one call covers them.)
  std::size_t row_offset = 0;
  /// quantize reads its input once, a block of rows at a time, writing each
  /// block before the next is checked; to keep a refused call from changing
  /// the destination it saves the bytes each block overwrites (as many as the
  /// codes and parameters of all rows but the last block, allocated before the
  /// first write) and puts them back. An engine that does not need the old
  /// contents on a refusal (a fresh buffer) can set this to false: a refused
  /// call may then leave rows of the destination written.
  bool restore_on_error = true;
  /// mse_search schemes (ignored by min_max): one weight per input column,
  /// `cols` of them, each finite and >= 0, e.g. the mean square of that
  /// column's activations over calibration data (what ggml's imatrix holds).
  /// The search then minimizes sum_c importance[c] (x - x^)^2 per group. Null:
  /// every weight 1. Refused, before anything is written, if a weight is
  /// negative, NaN or Inf.
  const float* importance = nullptr;
};

}  // namespace lowbit
