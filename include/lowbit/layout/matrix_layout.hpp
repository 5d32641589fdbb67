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

#include "lowbit/error.hpp"

#include "lowbit/layout/packed_layout.hpp"
#include "lowbit/policy/scheme.hpp"

namespace lowbit {

/// Element type of the zero-point array: S::zero_point_type, or std::byte
/// (an array that must be empty/null) for symmetric schemes.
template <Scheme S>
using zero_point_storage_t =
    std::conditional_t<std::is_void_v<typename S::zero_point_type>, std::byte, typename S::zero_point_type>;

template <Scheme S>
struct matrix_layout {
  using packing = packed_layout<S::bits, typename S::word_type>;

  std::size_t rows = 0;
  std::size_t cols = 0;

  constexpr bool empty() const noexcept { return rows == 0 || cols == 0; }

  /// Throws lowbit::error if the byte sizes of a rows x cols matrix would overflow
  /// std::size_t (dimensions read from an untrusted file header, say).
  static void check_fits(std::size_t rows, std::size_t cols) {
    if (cols != 0 && rows > std::numeric_limits<std::size_t>::max() / 64 / (cols + 64))
      detail::fail("a " + std::to_string(rows) + "x" + std::to_string(cols) +
                   " matrix is too large: its byte sizes overflow std::size_t");
  }
  constexpr std::size_t row_words() const noexcept { return packing::row_words(cols); }
  constexpr std::size_t code_words() const noexcept { return empty() ? 0 : rows * row_words(); }

  /// Quantization groups in one row (per_tensor: the whole matrix is one group).
  constexpr std::size_t groups_per_row() const noexcept {
    if constexpr (S::granularity == granularity_kind::group)
      return (cols + S::group_size - 1) / S::group_size;
    else
      return 1;
  }
  /// Length of the groups of a row (the last may be shorter); per_tensor/channel: cols.
  constexpr std::size_t group_length() const noexcept {
    if constexpr (S::granularity == granularity_kind::group)
      return S::group_size;
    else
      return cols;
  }
  constexpr std::size_t params_count() const noexcept {
    if (empty()) return 0;
    if constexpr (S::granularity == granularity_kind::tensor)
      return 1;
    else
      return rows * groups_per_row();
  }
  constexpr std::size_t zero_points_count() const noexcept { return S::has_zero_point ? params_count() : 0; }

  constexpr std::size_t code_bytes() const noexcept { return code_words() * sizeof(typename S::word_type); }
  constexpr std::size_t scale_bytes() const noexcept { return params_count() * sizeof(typename S::scale_type); }
  constexpr std::size_t zero_point_bytes() const noexcept {
    return zero_points_count() * sizeof(zero_point_storage_t<S>);
  }

  /// Single-buffer ("blob") layout: codes at 0, scales and zero points each at
  /// the next multiple of 64 bytes. total_bytes() is what a caller allocates.
  static constexpr std::size_t blob_alignment = 64;
  static constexpr std::size_t align_up(std::size_t n) noexcept {
    return (n + blob_alignment - 1) / blob_alignment * blob_alignment;
  }
  constexpr std::size_t scales_offset() const noexcept { return align_up(code_bytes()); }
  constexpr std::size_t zero_points_offset() const noexcept { return align_up(scales_offset() + scale_bytes()); }
  /// For symmetric schemes this includes the padding up to zero_points_offset().
  constexpr std::size_t total_bytes() const noexcept { return zero_points_offset() + zero_point_bytes(); }

  /// Storage bits per weight, scales and zero points included.
  constexpr double bits_per_weight() const noexcept {
    if (empty()) return 0.0;
    return 8.0 * static_cast<double>(code_bytes() + scale_bytes() + zero_point_bytes()) /
           static_cast<double>(rows * cols);
  }
};

}  // namespace lowbit
