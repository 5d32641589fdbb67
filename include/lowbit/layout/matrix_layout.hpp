// lowbit: sizes and byte layout of a quantized row-major matrix.
//
// A rows x cols fp32 matrix (rows = output channels, cols = reduction dim)
// quantized with scheme S is three arrays:
//   codes        rows * row_words(cols) words of S::word_type; row r starts at
//                word r * row_words(cols), packed as in packed_layout.hpp.
//   scales       params_count() values of S::scale_type, row-major:
//                per_tensor: 1;  per_channel: rows;  per_group<G>: rows * ceil(cols / G)
//                (scale of group g of row r at r * ceil(cols / G) + g).
//   zero points  asymmetric only: params_count() values of S::zero_point_type,
//                in the same order as the scales.
// An empty matrix (rows or cols 0) has no codes and no parameters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "lowbit/config.hpp"
#include "lowbit/detail/checked_size.hpp"
#include "lowbit/error.hpp"

#include "lowbit/layout/packed_layout.hpp"
#include "lowbit/policy/scheme.hpp"

namespace LOWBIT_NS {

/// Element type of the zero-point array: S::zero_point_type, or std::byte
/// for symmetric schemes (internal: a symmetric scheme has no zero-point
/// array, and its views and matrices expose none).
template <Scheme S>
using zero_point_storage_t =
    std::conditional_t<std::is_void_v<typename S::zero_point_type>, std::byte, typename S::zero_point_type>;

/// Sizes and offsets of a rows x cols matrix quantized with S. Construction
/// validates the dimensions: every size below is computed once, with
/// overflow checks (detail::checked_size), and dimensions whose sizes do not
/// fit are refused with "matrix is too large" (lowbit::error, or the status of
/// try_make). Every accessor is then plain arithmetic on checked values.
template <Scheme S>
class matrix_layout {
 public:
  using packing = packed_layout<S::bits, typename S::word_type>;

  /// The empty 0 x 0 layout.
  constexpr matrix_layout() noexcept = default;
  /// Throws lowbit::error if the sizes of a rows x cols matrix overflow.
  constexpr matrix_layout(std::size_t rows, std::size_t cols) : matrix_layout(unchecked{}, rows, cols) {
    if (overflow_) detail::raise(too_large(rows, cols));
  }
  /// ok, or "matrix is too large" if the sizes of a rows x cols matrix overflow.
  static status validate(std::size_t rows, std::size_t cols) {
    return matrix_layout(unchecked{}, rows, cols).overflow_ ? too_large(rows, cols) : status{};
  }
  /// The error-code form of the constructor: `out` is assigned only when ok.
  static status try_make(std::size_t rows, std::size_t cols, matrix_layout& out) {
    const matrix_layout l(unchecked{}, rows, cols);
    if (l.overflow_) return too_large(rows, cols);
    out = l;
    return {};
  }

  constexpr std::size_t rows() const noexcept { return rows_; }
  constexpr std::size_t cols() const noexcept { return cols_; }
  constexpr bool empty() const noexcept { return rows_ == 0 || cols_ == 0; }
  /// rows * cols, the element count of the fp32 matrix (its bytes fit too).
  constexpr std::size_t elements() const noexcept { return elements_; }

  constexpr std::size_t row_words() const noexcept { return row_words_; }
  constexpr std::size_t code_words() const noexcept { return code_words_; }

  /// Quantization groups in one row (per_tensor: the whole matrix is one group).
  constexpr std::size_t groups_per_row() const noexcept { return groups_per_row_; }
  /// Length of the groups of a row (the last may be shorter); per_tensor/channel: cols.
  constexpr std::size_t group_length() const noexcept {
    if constexpr (S::granularity == granularity_kind::group)
      return S::group_size;
    else
      return cols_;
  }
  /// Index into the scale (and zero-point) array of group g of row r (per_tensor: 0).
  constexpr std::size_t param_index(std::size_t r, std::size_t g) const noexcept {
    return S::granularity == granularity_kind::tensor ? 0 : r * groups_per_row_ + g;
  }
  /// Scales (and zero points): 1 (per_tensor), rows (per_channel), rows * groups_per_row (per_group); 0 if empty.
  constexpr std::size_t params_count() const noexcept { return params_count_; }
  constexpr std::size_t zero_points_count() const noexcept { return S::has_zero_point ? params_count_ : 0; }

  constexpr std::size_t code_bytes() const noexcept { return code_words_ * sizeof(typename S::word_type); }
  constexpr std::size_t scale_bytes() const noexcept { return params_count_ * sizeof(typename S::scale_type); }
  constexpr std::size_t zero_point_bytes() const noexcept {
    if constexpr (S::has_zero_point)
      return params_count_ * sizeof(typename S::zero_point_type);
    else
      return 0;
  }

  /// Single-buffer ("blob") layout: codes at 0, scales and zero points each at
  /// the next multiple of 64 bytes. total_bytes() is what a caller allocates.
  static constexpr std::size_t blob_alignment = 64;
  constexpr std::size_t scales_offset() const noexcept { return scales_offset_; }
  constexpr std::size_t zero_points_offset() const noexcept { return zero_points_offset_; }
  /// For symmetric schemes this includes the padding up to zero_points_offset().
  constexpr std::size_t total_bytes() const noexcept { return zero_points_offset_ + zero_point_bytes(); }

  /// Storage bits per weight, scales and zero points included.
  constexpr double bits_per_weight() const noexcept {
    if (empty()) return 0.0;
    return 8.0 * static_cast<double>(code_bytes() + scale_bytes() + zero_point_bytes()) /
           static_cast<double>(elements_);
  }

  friend constexpr bool operator==(const matrix_layout& a, const matrix_layout& b) noexcept {
    return a.rows_ == b.rows_ && a.cols_ == b.cols_;
  }

 private:
  struct unchecked {};
  /// Every size, through checked_size; overflow_ records whether any did not fit.
  constexpr matrix_layout(unchecked, std::size_t rows, std::size_t cols) noexcept : rows_(rows), cols_(cols) {
    using detail::checked_size;
    const bool is_empty = rows == 0 || cols == 0;
    const checked_size elements = checked_size(rows) * cols;
    const checked_size fp32_bytes = elements * sizeof(float);
    // packing::row_words(cols) <= cols * Bits / word bits: it cannot overflow.
    const checked_size row_words = packing::row_words(cols);
    const checked_size code_words = is_empty ? checked_size(0) : row_words * rows;
    const checked_size code_bytes = code_words * sizeof(typename S::word_type);
    checked_size groups = 1;
    if constexpr (S::granularity == granularity_kind::group) groups = ceil_div(checked_size(cols), S::group_size);
    checked_size params = 0;
    if (!is_empty) params = S::granularity == granularity_kind::tensor ? checked_size(1) : groups * rows;
    const checked_size scale_bytes = params * sizeof(typename S::scale_type);
    checked_size zero_point_bytes = 0;
    if constexpr (S::has_zero_point) zero_point_bytes = params * sizeof(typename S::zero_point_type);
    const checked_size scales_offset = align_up(code_bytes, blob_alignment);
    const checked_size zero_points_offset = align_up(scales_offset + scale_bytes, blob_alignment);
    const checked_size total = zero_points_offset + zero_point_bytes;
    overflow_ = fp32_bytes.overflow() || total.overflow();  // total's chain includes every other size
    if (overflow_) {
      rows_ = cols_ = 0;
      return;
    }
    elements_ = elements.value();
    row_words_ = row_words.value();
    code_words_ = code_words.value();
    groups_per_row_ = groups.value();
    params_count_ = params.value();
    scales_offset_ = scales_offset.value();
    zero_points_offset_ = zero_points_offset.value();
  }
  static status too_large(std::size_t rows, std::size_t cols) {
    return detail::failure("a ", rows, "x", cols,
                           " matrix is too large: its sizes in bytes do not fit in std::ptrdiff_t");
  }

  std::size_t rows_ = 0, cols_ = 0, elements_ = 0;
  std::size_t row_words_ = 0, code_words_ = 0, groups_per_row_ = 1, params_count_ = 0;
  std::size_t scales_offset_ = 0, zero_points_offset_ = 0;
  bool overflow_ = false;
};

}  // namespace LOWBIT_NS
