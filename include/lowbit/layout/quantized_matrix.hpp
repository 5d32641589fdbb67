// lowbit: quantized_view (non-owning, over caller memory) and quantized_matrix (owning).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "lowbit/error.hpp"
#include "lowbit/layout/matrix_layout.hpp"

namespace lowbit {

namespace detail {
template <class T>
void check_array(const T* p, std::size_t count, const char* what) {
  if (count == 0) return;
  if (p == nullptr)
    fail(std::string(what) + " pointer is null but " + std::to_string(count) + " elements are required");
  if (reinterpret_cast<std::uintptr_t>(p) % alignof(T) != 0)
    fail(std::string(what) + " pointer is not aligned to " + std::to_string(alignof(T)) + " bytes");
}
}  // namespace detail

/// A quantized matrix in caller-owned memory, laid out as matrix_layout<S>
/// documents. Element is `T` or `const T` depending on `Mutable`.
/// Construction checks that every required array is non-null and aligned
/// for its element type; sizes are the caller's promise (see matrix_layout).
template <Scheme S, bool Mutable>
class basic_quantized_view {
  template <class T>
  using ptr = std::conditional_t<Mutable, T*, const T*>;

 public:
  using scheme_type = S;
  using word_type = typename S::word_type;
  using scale_type = typename S::scale_type;
  using zero_point_type = zero_point_storage_t<S>;

  basic_quantized_view() = default;
  basic_quantized_view(std::size_t rows, std::size_t cols, ptr<word_type> codes, ptr<scale_type> scales,
                       ptr<zero_point_type> zero_points = nullptr)
      : layout_{rows, cols}, codes_(codes), scales_(scales), zero_points_(zero_points) {
    matrix_layout<S>::check_fits(rows, cols);
    detail::check_array(codes, layout_.code_words(), "codes");
    detail::check_array(scales, layout_.params_count(), "scales");
    detail::check_array(zero_points, layout_.zero_points_count(), "zero points");
    if constexpr (!S::has_zero_point)
      if (zero_points != nullptr) detail::fail("a symmetric scheme takes no zero points (pass nullptr)");
  }

  /// A view over one buffer in the blob layout of matrix_layout<S> (codes, then
  /// scales and zero points at 64-byte aligned offsets). `bytes` must cover total_bytes().
  static basic_quantized_view from_blob(std::size_t rows, std::size_t cols, ptr<void> blob, std::size_t bytes) {
    matrix_layout<S>::check_fits(rows, cols);
    const matrix_layout<S> l{rows, cols};
    if (bytes < l.total_bytes())
      detail::fail("blob of " + std::to_string(bytes) + " bytes is smaller than the " +
                   std::to_string(l.total_bytes()) + " bytes the layout needs");
    using byte_ptr = std::conditional_t<Mutable, std::byte*, const std::byte*>;
    const auto base = static_cast<byte_ptr>(blob);
    return basic_quantized_view(
        rows, cols, reinterpret_cast<ptr<word_type>>(base), reinterpret_cast<ptr<scale_type>>(base + l.scales_offset()),
        S::has_zero_point ? reinterpret_cast<ptr<zero_point_type>>(base + l.zero_points_offset()) : nullptr);
  }

  /// Mutable -> const conversion.
  template <bool M = Mutable>
  requires(!M) basic_quantized_view(const basic_quantized_view<S, true>& v)
      : layout_{v.rows(), v.cols()}, codes_(v.codes()), scales_(v.scales()), zero_points_(v.zero_points()) {}

  const matrix_layout<S>& layout() const noexcept { return layout_; }
  std::size_t rows() const noexcept { return layout_.rows; }
  std::size_t cols() const noexcept { return layout_.cols; }
  bool empty() const noexcept { return layout_.empty(); }
  ptr<word_type> codes() const noexcept { return codes_; }
  ptr<scale_type> scales() const noexcept { return scales_; }
  ptr<zero_point_type> zero_points() const noexcept { return zero_points_; }
  /// First word of packed row r.
  ptr<word_type> row_codes(std::size_t r) const noexcept { return codes_ + r * layout_.row_words(); }

 private:
  matrix_layout<S> layout_{};
  ptr<word_type> codes_ = nullptr;
  ptr<scale_type> scales_ = nullptr;
  ptr<zero_point_type> zero_points_ = nullptr;
};

template <Scheme S>
using quantized_view = basic_quantized_view<S, true>;
template <Scheme S>
using const_quantized_view = basic_quantized_view<S, false>;

/// An owning quantized matrix: the three arrays of matrix_layout<S> in std::vectors.
template <Scheme S>
class quantized_matrix {
 public:
  using scheme_type = S;
  using word_type = typename S::word_type;
  using scale_type = typename S::scale_type;
  using zero_point_type = zero_point_storage_t<S>;

  quantized_matrix() = default;
  /// Allocates storage for rows x cols (contents zero until quantized into).
  quantized_matrix(std::size_t rows, std::size_t cols)
      : layout_{(matrix_layout<S>::check_fits(rows, cols), rows), cols},
        codes_(layout_.code_words()),
        scales_(layout_.params_count()),
        zero_points_(layout_.zero_points_count()) {}

  const matrix_layout<S>& layout() const noexcept { return layout_; }
  std::size_t rows() const noexcept { return layout_.rows; }
  std::size_t cols() const noexcept { return layout_.cols; }
  bool empty() const noexcept { return layout_.empty(); }

  const std::vector<word_type>& codes() const noexcept { return codes_; }
  const std::vector<scale_type>& scales() const noexcept { return scales_; }
  const std::vector<zero_point_type>& zero_points() const noexcept { return zero_points_; }

  quantized_view<S> view() {
    return {rows(), cols(), codes_.data(), scales_.data(), S::has_zero_point ? zero_points_.data() : nullptr};
  }
  const_quantized_view<S> view() const {
    return {rows(), cols(), codes_.data(), scales_.data(), S::has_zero_point ? zero_points_.data() : nullptr};
  }
  operator const_quantized_view<S>() const { return view(); }

 private:
  matrix_layout<S> layout_{};
  std::vector<word_type> codes_;
  std::vector<scale_type> scales_;
  std::vector<zero_point_type> zero_points_;
};

}  // namespace lowbit
